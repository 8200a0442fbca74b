"""Numerical parity with TensorFlow Model Garden's SpineNet: same settings, weights copied by
structure, inference on one random batch; every output within 1e-4 and equal `count_params()`.

Input 256 keeps CI fast. At 256 the orphan rule fires as Model Garden's does (b10 joins b13, and
blk16 is pruned for min_level 3); equal param counts check that, because a different merge would
prune b10 on one side only.
"""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.backbones import spinenet

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

SIZE = 256
CASES = [("49S", "swish", 3), ("49", "swish", 3), ("96", "swish", 3), ("143", "swish", 3),
         ("143L", "swish", 3), ("190", "swish", 3), ("49", "relu", 3), ("49", "swish", 2)]


def build_modelgarden(model_id: str, activation: str, min_level: int):
    s = spinenet.SCALING_MAP[model_id]
    return spinenet.SpineNet(
        input_specs=tf_keras.layers.InputSpec(shape=[None, SIZE, SIZE, 3]), min_level=min_level,
        max_level=7, endpoints_num_filters=s["endpoints_num_filters"], resample_alpha=s["resample_alpha"],
        block_repeats=s["block_repeats"], filter_size_scale=s["filter_size_scale"], activation=activation)


def _randomise_bn(model, rng):
    """Non-trivial BN statistics, so a mis-paired BN cannot hide behind identity defaults."""
    for w in model.weights:
        if "gamma" in w.name or "moving_variance" in w.name:
            w.assign(rng.uniform(0.5, 1.5, w.shape).astype("float32"))
        elif "beta" in w.name or "moving_mean" in w.name:
            w.assign(rng.normal(0.0, 0.1, w.shape).astype("float32"))


@pytest.mark.parametrize("model_id,activation,min_level", CASES,
                         ids=[f"{m}-{a}-min{l}" for m, a, l in CASES])
def test_outputs_match_modelgarden(model_id, activation, min_level):
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(0)
    arch = archdsl.load(f"specs/spinenet{model_id}.arch",
                        {"input_size": SIZE, "activation": activation, "min_level": min_level})
    assert "b10" in arch.graph.inputs("b13.add")  # the orphan merge Model Garden makes
    mg = build_modelgarden(model_id, activation, min_level)
    ours = arch.to_keras()
    assert ours.count_params() == mg.count_params() == arch.params
    _randomise_bn(mg, rng)
    assert transfer_weights(mg, ours) == len(mg.weights)
    x = rng.normal(size=(2, SIZE, SIZE, 3)).astype("float32")
    want, got = mg(x, training=False), ours(x, training=False)
    assert sorted(want) == sorted(got) == [str(l) for l in range(min_level, 8)]
    for level in want:
        diff = float(np.max(np.abs(want[level].numpy() - got[level].numpy())))
        assert diff <= 1e-4, f"level {level}: max abs diff {diff}"


def test_mismatch_names_the_first_difference():
    tf_keras.backend.clear_session()
    mg = build_modelgarden("49", "swish", 3)
    ours = archdsl.load("specs/spinenet49S.arch", {"input_size": SIZE}).to_keras()
    with pytest.raises(archdsl.ArchError, match=r"conv #0|shape"):
        transfer_weights(mg, ours)
