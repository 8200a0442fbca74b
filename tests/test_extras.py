"""Without the `keras` extra, the TF-free commands work and `compile` says what to install."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT

TINY = ROOT / "tests" / "golden" / "render_tiny.arch"


def _without_tensorflow(tmp_path, *args: str) -> subprocess.CompletedProcess:
    for name in ("tensorflow", "tf_keras"):  # shadow the installed packages
        (tmp_path / f"{name}.py").write_text("raise ImportError('No module named ' + __name__)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    return subprocess.run([sys.executable, "-m", "archdsl.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_check_runs_without_tensorflow_and_compile_names_the_extra(tmp_path):
    done = _without_tensorflow(tmp_path, "check", str(TINY))
    assert done.returncode == 0, done.stderr
    done = _without_tensorflow(tmp_path, "compile", str(TINY), "-o", str(tmp_path / "t.keras"))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert 'pip install "archdsl[keras]"' in done.stderr
    assert not (tmp_path / "t.keras").exists()
