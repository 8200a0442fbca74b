"""A plug-in op lowers and trains like a built-in: the example package's `add_coords`, found
through its entry point, compiled from a spec and trained one step."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

pytestmark = pytest.mark.keras
PLUGIN = ROOT / "examples" / "archdsl_coordconv"

SCRIPT = textwrap.dedent("""
    import numpy as np, tf_keras, archdsl
    arch = archdsl.load(r"{spec}", {{"input_size": 32, "width": 8}})
    model = arch.to_keras()
    assert model.count_params() == arch.params, (model.count_params(), arch.params)
    coords = model.get_layer("coords")(np.zeros((1, 8, 8, 1), "float32")).numpy()
    assert np.allclose(coords[0, :, 0, 1], np.linspace(-1, 1, 8)) and np.allclose(coords[0, 0, :, 2], np.linspace(-1, 1, 8))
    model.compile("sgd", tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = np.random.default_rng(0).normal(size=(4, 32, 32, 3)).astype("float32"), np.arange(4) % 10
    loss = model.fit(x, y.reshape(4, 1, 1), batch_size=2, epochs=1, verbose=0).history["loss"][0]
    assert np.isfinite(loss)
    print("ok", arch.params)
""")


def test_plugin_op_lowers_and_trains(tmp_path):
    info = tmp_path / "archdsl_coordconv-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: archdsl-coordconv\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[archdsl.ops]\nadd_coords = archdsl_coordconv:ADD_COORDS\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(PLUGIN), str(ROOT)]))
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(spec=PLUGIN / "coordconv.arch")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok ")
