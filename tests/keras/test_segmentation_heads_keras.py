"""The segmentation heads' new layers in tf-keras: a MaskScoring head (resize_fixed, flatten,
stop_gradient) and group norm survive a `.keras` round trip with the same outputs,
`stop_gradient` really stops the gradient into the logits, and the Panoptic FPN fusion with a
softmax `logit_activation` builds and gives per-pixel probabilities."""

from __future__ import annotations

import archdsl
import numpy as np
import pytest
from archdsl.lower.artifacts import save

pytestmark = pytest.mark.keras
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_session():
    yield
    tf_keras.backend.clear_session()


def _round_trip(model, arch, tmp_path, x):
    path = save(model, arch, str(tmp_path / "m.keras"))
    loaded = tf_keras.models.load_model(path)
    want, got = model(x, training=False), loaded(x, training=False)
    for key in want:
        if isinstance(want[key], dict):
            continue
        assert np.allclose(want[key].numpy(), got[key].numpy(), atol=1e-6), key


def test_mask_scoring_round_trip_and_stopped_gradient(tmp_path):
    arch = archdsl.load("specs/mask_scoring.arch", {"input_size": 16, "num_classes": 3, "num_filters": 16,
                                                     "num_convs": 2, "fc_input_size": 4, "fc_dims": 32})
    model = arch.to_keras()
    x = tf.random.normal((2, 16, 16, 3), seed=1)
    _round_trip(model, arch, tmp_path, x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = model(x, training=False)["mask_scores"]
    assert scores.shape == (2, 1, 1, 3)
    assert tape.gradient(scores, x) is None  # MaskScoring scores the logits without training them


def test_panoptic_fusion_with_softmax_logits():
    arch = archdsl.load("specs/segmentation_spinenet49.arch", {
        "input_size": 128, "feature_fusion": "panoptic_fpn_fusion", "logit_activation": "softmax",
        "head_filters": 64, "endpoint_filters": 64})
    model = arch.to_keras()
    assert any(isinstance(layer, tf_keras.layers.GroupNormalization) for layer in model.layers)
    logits = model(tf.random.normal((1, 128, 128, 3), seed=2), training=False)["logits"].numpy()
    assert logits.shape == (1, 16, 16, 21) and np.allclose(logits.sum(-1), 1.0, atol=1e-5)


def test_group_norm_round_trip(tmp_path):
    spec = tmp_path / "g.arch"
    spec.write_text("arch g() {\n  input x: [8, 8, 16]\n  y = conv 3x3 16 bias -> group_norm 4 -> act relu <- x\n"
                    "  return {y: y}\n}\n")
    arch = archdsl.load(spec)
    model = arch.to_keras()
    norm = next(layer for layer in model.layers if isinstance(layer, tf_keras.layers.GroupNormalization))
    assert norm.groups == 4 and model.count_params() == arch.params == 9 * 16 * 16 + 16 + 2 * 16
    _round_trip(model, arch, tmp_path, tf.random.normal((2, 8, 8, 16), seed=3))
