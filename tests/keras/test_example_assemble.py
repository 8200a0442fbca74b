"""The assembly example with `--keras`: every composite lowers, runs and has archdsl's params."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.keras


def test_assemble_example_builds_keras_models(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "assemble_retinanet.py"), str(tmp_path),
                           "--keras"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("keras:") == 3
