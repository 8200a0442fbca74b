"""`archdsl compile` and the Python API keep TensorFlow's start-up and progress chatter off stderr
(in a fresh process, as a user runs them); `quiet(False)` lets it through."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest
from tests.conftest import ROOT

pytestmark = pytest.mark.keras

# The chatter, and any INFO line (absl's `I1201 ...` or tsl's `2026-12-01 ...: I ...`).
NOISE = re.compile(r"cuInit|cudart_stub|cpu_feature_guard|oneDNN|absl::InitializeLog|Compiled cluster using XLA"
                   r"|compiled metrics|No training configuration|^I\d{4} |^\d{4}-\d\d-\d\d [\d:.]+: I ", re.M)
TINY = textwrap.dedent("""
    arch tiny(input_size = 64) {
      input image: [input_size, input_size, 3]
      stem = conv 3x3 /2 8 -> bn -> act relu <- image
      p = conv 3x3 /2 8 -> bn -> act relu at L2 <- stem output
      return outputs
    }
""")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # TensorFlow's defaults
    return {**env, "PYTHONPATH": str(ROOT)}


def _run(args: list[str], cwd) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_compile_with_xla_and_savedmodel_prints_no_tensorflow_noise(tmp_path):
    (tmp_path / "tiny.arch").write_text(TINY)
    proc = _run(["-m", "archdsl.cli", "compile", "tiny.arch", "--xla", "-o", "sm/"], tmp_path)
    assert not NOISE.search(proc.stderr), proc.stderr
    assert "XLA: compiled" in proc.stdout and (tmp_path / "sm" / "saved_model.pb").exists()


_API = textwrap.dedent("""
    import sys
    import archdsl, archdsl.lower
    if sys.argv[1] == "verbose":
        archdsl.lower.quiet(False)
    model = archdsl.load("tiny.arch").to_keras()
    model.save("sm", save_format="tf")
    import tensorflow as tf
    tf.function(lambda x: model(x), jit_compile=True)(tf.zeros([1, 64, 64, 3]))
    tf.get_logger().warning("a real warning")
""")


@pytest.mark.parametrize("mode", ["quiet", "verbose"])
def test_python_api_is_quiet_by_default(tmp_path, mode):
    (tmp_path / "tiny.arch").write_text(TINY)
    proc = _run(["-c", _API, mode], tmp_path)
    assert "a real warning" in proc.stderr  # never hidden
    if mode == "quiet":
        assert not NOISE.search(proc.stderr), proc.stderr
    else:
        assert "Compiled cluster using XLA" in proc.stderr
