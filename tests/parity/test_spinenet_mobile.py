"""Numerical parity with TensorFlow Model Garden's SpineNet-Mobile-49 (swish, the builder's
se_ratio 0.2 and expand_ratio 6): the depthwise resampling paths, the inverted bottlenecks with
hard_sigmoid-gated squeeze-excitation and the orphan merge, weights and randomised BN statistics
copied by structure; every level within 1e-4 and equal `count_params()`."""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.backbones import spinenet_mobile

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402
from mg_build import max_diff, randomise_bn  # noqa: E402  (tests/parity/mg_build.py)

SIZE = 128


def test_spinenet_mobile49_matches_modelgarden():
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(0)
    arch = archdsl.load("specs/spinenet_mobile49.arch", {"input_size": SIZE})
    s = spinenet_mobile.SCALING_MAP["49"]
    mg = spinenet_mobile.SpineNetMobile(
        input_specs=tf_keras.layers.InputSpec(shape=[None, SIZE, SIZE, 3]),
        endpoints_num_filters=s["endpoints_num_filters"], filter_size_scale=s["filter_size_scale"],
        block_repeats=s["block_repeats"], activation="swish")
    ours = arch.to_keras()
    assert ours.count_params() == mg.count_params() == arch.params
    randomise_bn(mg, rng)
    assert transfer_weights(mg, ours) == len(mg.weights)
    x = rng.normal(size=(1, SIZE, SIZE, 3)).astype("float32")
    want, got = mg(x, training=False), ours(x, training=False)
    assert sorted(want) == sorted(got) == [str(level) for level in range(3, 8)]
    for level in want:
        scale = max(1.0, float(np.max(np.abs(want[level].numpy()))))
        diff = max_diff({level: want[level]}, {level: got[level]})[level]
        assert diff <= 1e-4 * scale, f"level {level}: max abs diff {diff} (scale {scale})"
