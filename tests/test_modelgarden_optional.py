"""Model Garden is optional: without `official`, archdsl and its CLI work and
`archdsl.modelgarden` says which extra to install (no TensorFlow imported here)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

HIDE = "import sys; sys.modules['official'] = None\n"  # an import of `official` now fails


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", HIDE + code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_archdsl_works_without_official():
    done = _run("from archdsl.cli import main\n"
                "assert main(['check', 'specs/spinenet49S.arch', '-O', '3']) == 0\n"
                "assert 'tensorflow' not in sys.modules\n")
    assert done.returncode == 0, done.stderr


def test_modelgarden_package_names_the_extra():
    done = _run("import archdsl.modelgarden\n")
    assert done.returncode == 1 and "pip install 'archdsl[modelgarden]'" in done.stderr


def test_import_weights_without_official_is_a_usage_error():
    done = _run("from archdsl.cli import main\n"
                "raise SystemExit(main(['import-weights', 'specs/spinenet49S.arch', '--checkpoint', 'x',"
                " '--params', 'y', '-o', 'z.keras']))\n")
    assert done.returncode == 2 and "archdsl[modelgarden]" in done.stderr
