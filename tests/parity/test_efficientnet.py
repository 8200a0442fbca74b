"""Numerical parity with TensorFlow Model Garden's EfficientNet (se_ratio 0.25, swish, as the
paper): weights and randomised BN statistics copied by structure, every endpoint within 1e-4
and equal `count_params()`. Small inputs keep CI fast; 65 is odd at every level, so each
stride rounds up as TF's 'same' padding does (Model Garden's B2 at 260 gives 33x33 at L3)."""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.backbones import efficientnet

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402
from mg_build import max_diff, randomise_bn  # noqa: E402  (tests/parity/mg_build.py)

CASES = [("b0", 64), ("b2", 65)]


@pytest.mark.parametrize("model_id,size", CASES, ids=[f"{m}-{s}" for m, s in CASES])
def test_outputs_match_modelgarden(model_id, size):
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(0)
    arch = archdsl.load(f"specs/efficientnet_{model_id}.arch", {"input_size": size})
    mg = efficientnet.EfficientNet(model_id, input_specs=tf_keras.layers.InputSpec(shape=[None, size, size, 3]),
                                   se_ratio=0.25, activation="swish")
    ours = arch.to_keras()
    assert ours.count_params() == mg.count_params() == arch.params
    randomise_bn(mg, rng)
    assert transfer_weights(mg, ours) == len(mg.weights)
    x = rng.normal(size=(1, size, size, 3)).astype("float32")
    want, got = mg(x, training=False), ours(x, training=False)
    assert sorted(want) == sorted(got) == ["2", "3", "4", "5", "6"]
    for level in want:
        assert tuple(want[level].shape) == tuple(got[level].shape), level
        scale = max(1.0, float(np.max(np.abs(want[level].numpy()))))
        diff = max_diff({level: want[level]}, {level: got[level]})[level]
        assert diff <= 1e-4 * scale, f"level {level}: max abs diff {diff} (scale {scale})"
