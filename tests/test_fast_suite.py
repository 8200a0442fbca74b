"""The fast suite needs neither TensorFlow nor numpy: it collects with both made unimportable."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def test_fast_suite_collects_without_tensorflow_or_numpy(tmp_path):
    for name in ("numpy", "tensorflow", "tf_keras"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"raise ImportError('{name} is blocked by this test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-m", "not keras and not parity", "tests"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " tests collected" in done.stdout or "selected" in done.stdout
