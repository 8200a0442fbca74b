"""`python -m archdsl.cli`: the same as the `archdsl` console script."""

import sys

from archdsl.cli import main

sys.exit(main())
