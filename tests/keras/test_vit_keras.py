"""The ViT lowered to tf-keras: a training step under XLA with stochastic depth, layer scale and
dropout on (every weight group moves), a `.keras` artifact that loads back with equal outputs
(the ViT layers are serializable), and `compile --xla` of a small ViT."""

from __future__ import annotations

import json

import numpy as np
import pytest

import archdsl
from archdsl.cli import main

pytestmark = pytest.mark.keras
import tf_keras
TINY = {"input_size": 64, "num_layers": 2}


@pytest.fixture(autouse=True)
def _fresh_session():
    yield
    tf_keras.backend.clear_session()


def test_training_step_moves_every_weight():
    arch = archdsl.load("specs/vit_ti16.arch", {**TINY, "init_stochastic_depth_rate": 0.2,
                                                "layer_scale_init_value": 0.1, "output_2d_feature_maps": True})
    model = arch.to_keras()
    assert model.count_params() == arch.params
    model.compile(optimizer=tf_keras.optimizers.SGD(0.1), loss="mse", jit_compile=True)
    x = np.random.rand(2, 64, 64, 3).astype("float32")
    y = {"pre_logits": np.random.rand(2, 1, 1, 192).astype("float32"),
         "feature": {"4": np.random.rand(2, 4, 4, 192).astype("float32")}}
    before = {w.name: w.numpy().copy() for w in model.trainable_weights}
    loss = model.fit(x, y, batch_size=2, epochs=1, verbose=0).history["loss"][0]
    assert np.isfinite(loss)
    stuck = [w.name for w in model.trainable_weights if np.array_equal(before[w.name], w.numpy())]
    assert stuck == []


def test_keras_artifact_round_trip(tmp_path):
    out = tmp_path / "vit.keras"
    rc = main(["compile", "specs/vit_ti16.arch", "-D", "input_size=64", "-D", "num_layers=1", "-D", "pooler=gap",
               "--xla", "-o", str(out), "--json"])
    assert rc == 0
    model, arch = archdsl.load_model(str(out))
    assert model.count_params() == arch.params
    fresh = arch.to_keras()
    fresh.set_weights(model.get_weights())
    x = np.random.rand(1, 64, 64, 3).astype("float32")
    np.testing.assert_allclose(model(x)["pre_logits"], fresh(x)["pre_logits"], atol=1e-5)


def test_compile_xla_reports_the_hlo(capsys):
    assert main(["compile", "specs/vit_s16.arch", "-D", "input_size=64", "-D", "num_layers=1", "--xla", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["keras_params"] == report["params"] and report["xla"]["hlo_instructions"] > 0


def test_segmentation_vit_runs():
    arch = archdsl.load("specs/segmentation_vit.arch", {"input_size": 64, "num_layers": 1})
    model = arch.to_keras()
    assert model.count_params() == arch.params
    logits = model(np.random.rand(1, 64, 64, 3).astype("float32"), training=False)["logits"]
    assert logits.shape == (1, 64, 64, 21) and np.all(np.isfinite(logits))
