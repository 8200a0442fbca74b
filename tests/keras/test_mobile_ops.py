"""Keras lowering of the mobile ops: Model Garden's hard activations (not tf-keras's
`hard_sigmoid`), the broadcasting `mul` gate, `sepconv` as one SeparableConv2D, and an `mbconv`
group's weights and skip."""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.keras
import tf_keras

SPEC = """
arch t(input_size = 17) {
  defaults act(swish)
  input image: [input_size, input_size, 3]
  a = conv 3x3 /2 8 -> act hard_swish <- image
  b = act hard_sigmoid <- a
  g = global_pool <- a
  m = mul <- g, a
  s = sepconv 3x3 16 bias <- m
  e = mbconv 3x3 16 expand=4 se_ratio=0.25 repeats=2 <- s
  return {a: a, b: b, g: g, m: m, s: s, e: e}
}
"""


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "t.arch"
    path.write_text(SPEC)
    arch = archdsl.load(path)
    m = arch.to_keras()
    assert m.count_params() == arch.params
    yield m
    tf_keras.backend.clear_session()


def test_hard_activations_are_model_gardens(model):
    x = np.random.default_rng(0).normal(0, 3, (1, 17, 17, 3)).astype("float32")
    out = {k: v.numpy() for k, v in model(x).items()}
    pre = model.get_layer("a.conv")(x).numpy()
    relu6 = np.clip(pre + 3.0, 0.0, 6.0)
    np.testing.assert_allclose(out["a"], pre * relu6 / 6.0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["b"], np.clip(out["a"] + 3.0, 0.0, 6.0) * 0.16667, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["m"], out["g"] * out["a"], rtol=1e-6)  # the 1x1 gate broadcasts


def test_sepconv_is_one_layer_and_mbconv_skips_where_shapes_allow(model):
    sep = model.get_layer("s")
    assert type(sep).__name__ == "SeparableConv2D"
    assert [tuple(w.shape) for w in sep.weights] == [(3, 3, 8, 1), (1, 1, 8, 16), (16,)]
    # 16 -> 16 at stride 1: both blocks skip; the last block's add is the node itself
    assert type(model.get_layer("e.0.add")).__name__ == "Add" and type(model.get_layer("e")).__name__ == "Add"
    # the SE reduces the block's input width (16 x 0.25) from the expanded 64 channels
    assert tuple(model.get_layer("e.0.squeeze_excitation.se_reduce").weights[0].shape) == (1, 1, 64, 4)
