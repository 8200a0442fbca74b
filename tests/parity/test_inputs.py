"""Non-square inputs and any number of input channels (`-D input_height= -D input_width=
-D input_channels=`, on every spec) against Model Garden built with the same input spec: a
non-square SpineNet-49 and a 1- and 4-channel ResNet-18, weights copied by `transfer_weights`,
every output within 1e-4 and equal `count_params()`. Inputs are small to keep CI fast on CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
tf_keras = pytest.importorskip("tf_keras")
pytest.importorskip("official.vision.modeling.backbones.spinenet")

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

TOL = 1e-4


def _case(spec, overrides, ref, shape, rng):
    arch = archdsl.load(spec, overrides)
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours) == len(ref.weights)
    x = rng.normal(size=(1, *shape)).astype("float32")
    want, got = ref(x, training=False), ours(x, training=False)
    assert {k: tuple(v.shape) for k, v in want.items()} == {k: tuple(v.shape) for k, v in got.items()}
    diffs = mg.max_diff(want, got)
    assert all(d <= TOL for d in diffs.values()), diffs


def test_non_square_spinenet49():
    from official.vision.modeling.backbones import spinenet

    tf_keras.backend.clear_session()
    h, w = 128, 256
    s = spinenet.SCALING_MAP["49"]
    ref = spinenet.SpineNet(
        input_specs=tf_keras.layers.InputSpec(shape=[None, h, w, 3]), min_level=3, max_level=7,
        endpoints_num_filters=s["endpoints_num_filters"], resample_alpha=s["resample_alpha"],
        block_repeats=s["block_repeats"], filter_size_scale=s["filter_size_scale"], activation="swish")
    _case("specs/spinenet49.arch", {"input_height": h, "input_width": w}, ref, (h, w, 3),
          np.random.default_rng(11))


@pytest.mark.parametrize("channels", [1, 4])
def test_resnet18_input_channels(channels):
    from official.vision.modeling.backbones import resnet

    tf_keras.backend.clear_session()
    h, w = 64, 96
    ref = resnet.ResNet(model_id=18, input_specs=tf_keras.layers.InputSpec(shape=[None, h, w, channels]))
    _case("specs/resnet.arch", {"model_id": 18, "input_height": h, "input_width": w, "input_channels": channels},
          ref, (h, w, channels), np.random.default_rng(12))
