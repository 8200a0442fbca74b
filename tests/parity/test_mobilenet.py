"""Numerical parity with TensorFlow Model Garden's MobileNet backbone (width 1.0): weights and
randomised BN statistics copied by structure (`Conv2DBNBlock`, `InvertedBottleneckBlock` with its
`SqueezeExcitation`), every endpoint within 1e-4 and equal `count_params()`. V3-Large covers
hard_swish, Model Garden's hard_sigmoid gate, SE from the expanded width and the biased head conv
without batch norm; V2 covers relu6 and expand ratio 1."""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.backbones import mobilenet

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402
from mg_build import max_diff, randomise_bn  # noqa: E402  (tests/parity/mg_build.py)

SIZE = 64
CASES = [("MobileNetV3Large", "mobilenet_v3_large"), ("MobileNetV2", "mobilenet_v2")]


@pytest.mark.parametrize("model_id,spec", CASES, ids=[c[1] for c in CASES])
def test_outputs_match_modelgarden(model_id, spec):
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(0)
    arch = archdsl.load(f"specs/{spec}.arch", {"input_size": SIZE})
    mg = mobilenet.MobileNet(model_id, input_specs=tf_keras.layers.InputSpec(shape=[None, SIZE, SIZE, 3]))
    ours = arch.to_keras()
    assert ours.count_params() == mg.count_params() == arch.params
    randomise_bn(mg, rng)
    assert transfer_weights(mg, ours) == len(mg.weights)
    x = rng.normal(size=(1, SIZE, SIZE, 3)).astype("float32")
    want, got = mg(x, training=False), ours(x, training=False)
    assert sorted(want) == sorted(got) == ["2", "3", "4", "5", "6"]
    for level in want:
        assert tuple(want[level].shape) == tuple(got[level].shape), level
        scale = max(1.0, float(np.max(np.abs(want[level].numpy()))))
        diff = max_diff({level: want[level]}, {level: got[level]})[level]
        assert diff <= 1e-4 * scale, f"level {level}: max abs diff {diff} (scale {scale})"
