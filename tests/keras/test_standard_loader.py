"""A compiled `.keras` loads with plain `tf_keras.models.load_model`, in a fresh interpreter that
has not imported archdsl: tf-keras finds archdsl's layers through the model's registered class."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from tests.conftest import ROOT

pytestmark = pytest.mark.keras
import tf_keras

# Upsampling in the fused inputs (NearestUpsampling) and stochastic depth (DropPath): the custom
# layers a plain load used to fail on with "'str' object is not callable".
TINY = textwrap.dedent("""
    arch tiny(input_size = 64) {
      defaults act(relu)
      widths L1: 8, L2: 8, L3: 8, L4: 8
      input image: [input_size, input_size, 3]
      stem = conv 3x3 /2 8 -> bn -> act -> maxpool 3x3 /2 <- image
      fuse resample alpha(0.5), combine add -> act, merge orphans, stochastic_depth 0.2 {
        b1 = residual at L3 <- stem, stem
        b2 = residual at L4 <- stem, b1 output
        b3 = residual at L3 <- b1, b2 output
      }
      return outputs
    }
""")

_LOAD = textwrap.dedent("""
    import sys
    import numpy as np
    import tf_keras
    model = tf_keras.models.load_model(sys.argv[1])
    assert type(model).__name__ == "ArchModel", type(model)
    out = model(np.load(sys.argv[2]), training=False)
    np.savez(sys.argv[3], **{k: v.numpy() for k, v in out.items()})
    print(sorted(type(l).__name__ for l in model.layers if type(l).__module__.startswith("archdsl")))
""")


def test_plain_tf_keras_load_model_reads_a_compiled_keras_file(tmp_path):
    import archdsl
    from archdsl.lower.artifacts import save

    spec = tmp_path / "tiny.arch"
    spec.write_text(TINY)
    arch = archdsl.load(str(spec))
    model = arch.to_keras()
    path = save(model, arch, str(tmp_path / "tiny.keras"))  # what `archdsl compile -o` writes
    x = np.random.default_rng(0).random((1, 64, 64, 3), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", _LOAD, path, str(tmp_path / "x.npy"), str(tmp_path / "y.npz")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "DropPath" in proc.stdout and "NearestUpsampling" in proc.stdout
    loaded = np.load(tmp_path / "y.npz")
    want = model(x, training=False)
    assert sorted(loaded.files) == sorted(want)
    assert all(np.array_equal(loaded[k], want[k].numpy()) for k in want)
