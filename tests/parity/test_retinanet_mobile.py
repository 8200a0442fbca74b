"""Numerical parity with Model Garden's retinanet_spinenet_mobile_coco model: SpineNet-Mobile-49,
no decoder, RetinaNetHead(num_filters=48, use_separable_conv=True), swish. The head's shared
SeparableConv2D towers and predictors and its per-level norms are copied by name, the backbone
by structure; scores and boxes agree within 1e-4 with equal `count_params()`."""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.backbones import spinenet_mobile

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)
from official.vision.modeling import retinanet_model  # noqa: E402
from official.vision.modeling.heads import dense_prediction_heads  # noqa: E402
from official.vision.modeling.layers import detection_generator  # noqa: E402

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

SIZE = 128


def test_retinanet_spinenet_mobile49_matches_modelgarden():
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(0)
    s = spinenet_mobile.SCALING_MAP["49"]
    backbone = spinenet_mobile.SpineNetMobile(
        input_specs=mg.spec(SIZE), endpoints_num_filters=s["endpoints_num_filters"],
        filter_size_scale=s["filter_size_scale"], block_repeats=s["block_repeats"], activation="swish",
        init_stochastic_depth_rate=0.2)
    head = dense_prediction_heads.RetinaNetHead(
        min_level=3, max_level=7, num_classes=91, num_anchors_per_location=9, num_filters=48,
        use_separable_conv=True, activation="swish")
    reference = retinanet_model.RetinaNetModel(backbone, None, head,
                                               detection_generator.MultilevelDetectionGenerator())
    arch = archdsl.load("specs/retinanet_spinenet_mobile49.arch", {"input_size": SIZE})
    ours = arch.to_keras()
    mg.run_retinanet(reference, np.zeros((1, SIZE, SIZE, 3), "float32"))  # builds the head
    assert ours.count_params() == backbone.count_params() + head.count_params() == arch.params
    mg.randomise_bn(reference, rng)
    assert transfer_weights(reference, ours) == len(reference.weights)
    x = rng.normal(size=(1, SIZE, SIZE, 3)).astype("float32")
    diffs = mg.max_diff(mg.run_retinanet(reference, x), ours(x, training=False))
    assert all(d <= 1e-4 for d in diffs.values()), diffs
