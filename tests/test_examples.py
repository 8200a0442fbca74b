"""Every example runs (in a subprocess, as a user would run it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

FAST = ["random_search.py", "assemble_retinanet.py"]  # examples that need TensorFlow live in tests/keras


@pytest.mark.parametrize("name", FAST)
def test_example_runs(name, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "examples" / name), str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
