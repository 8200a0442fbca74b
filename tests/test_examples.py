"""Every example runs (in a subprocess, as a user would run it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

FAST = ["random_search.py", "assemble_retinanet.py"]  # examples that need TensorFlow live in tests/keras


@pytest.mark.parametrize("name", FAST)
def test_example_runs_and_writes_only_where_it_says(name, tmp_path):
    # Run from a checkout (here: an empty working directory), an example must not leave untracked
    # folders in it: without OUT_DIR it writes to a temporary directory and names it.
    done = subprocess.run([sys.executable, str(ROOT / "examples" / name)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []
    written = Path(done.stdout.strip().splitlines()[-1].rsplit(" to ", 1)[1])
    try:
        assert list(written.glob("*.arch"))
    finally:
        shutil.rmtree(written)
