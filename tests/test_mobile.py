"""EfficientNet and the mobile ops from the IR alone, pinned to Model Garden's own figures.

The params were measured by building each Model Garden `EfficientNet(model_id, se_ratio=0.25,
activation="swish")` (tf-models-official 2.20, tf_keras 2.20.1) and calling `count_params()`;
tests/parity/test_efficientnet.py re-checks two of them against live models, weights and outputs
included. Here they guard the op library's mbconv / squeeze-excite rules without TensorFlow.
"""

from __future__ import annotations

import math

import pytest

import archdsl
from archdsl.ir.expr import FUNCTIONS
from archdsl.ops.base import BuildContext, RuleContext, Shape
from archdsl.ops.mbconv import make_divisible
from archdsl.ops.registry import get_op

MODEL_GARDEN = {  # variant: (count_params, paper input size, endpoint widths '2'..'6')
    "b0": (4_049_564, 224, (24, 40, 112, 320, 1280)),
    "b1": (6_575_232, 240, (24, 40, 112, 320, 1280)),
    "b2": (7_768_562, 260, (24, 48, 120, 352, 1408)),
    "b3": (10_783_528, 300, (32, 48, 136, 384, 1536)),
    "b4": (17_673_816, 380, (32, 56, 160, 448, 1792)),
    "b5": (28_513_520, 456, (40, 64, 176, 512, 2048)),
    "b6": (40_960_136, 528, (40, 72, 200, 576, 2304)),
    "b7": (64_097_680, 600, (48, 80, 224, 640, 2560)),
}


@pytest.mark.parametrize("variant", MODEL_GARDEN)
def test_efficientnet_params_equal_model_garden(variant):
    params, size, widths = MODEL_GARDEN[variant]
    arch = archdsl.load(f"specs/efficientnet_{variant}.arch")
    assert arch.params == params
    # endpoints keyed as Model Garden's: '6' is the head conv, at L5's size; TF 'same' rounds up
    levels = (2, 3, 4, 5, 5)
    assert arch.outputs == {str(k): (math.ceil(size / 2**lv), math.ceil(size / 2**lv), w)
                            for k, lv, w in zip(range(2, 7), levels, widths)}


def test_b2_at_260_rounds_up_as_tf():
    arch = archdsl.load("specs/efficientnet_b2.arch")
    assert arch.outputs["3"][:2] == (33, 33)


def test_round_functions_are_model_gardens():
    assert FUNCTIONS["round_filters"](32, 1.1) == 32  # 35.2 -> 32 (within 10%)
    assert FUNCTIONS["round_filters"](40, 1.1) == 48  # 44 rounds half up
    assert FUNCTIONS["round_filters"](1280, 1.4) == 1792
    assert FUNCTIONS["round_filters"](16, 0.0) == 16  # Model Garden: no multiplier, no rounding
    assert FUNCTIONS["round_repeats"](3, 1.4) == 5 and FUNCTIONS["round_repeats"](1, 3.1) == 4
    assert make_divisible(10, 8) == 16  # 8 would drop more than 10%
    assert make_divisible(3, 8) == 8  # at least the divisor


def test_mbconv_skips_only_where_shapes_allow_and_expands_only_above_ratio_1():
    ctx = RuleContext(1, Shape(64, 64, 3))
    op = get_op("mbconv")
    base = dict(kernel=3, stride=1, expand=1.0, se_ratio=0.25, repeats=2, drop_rate=0.0, se_act="relu",
                se_gating="sigmoid", se_round_down_protect=True, expand_se_in=False, depthwise_act=None,
                divisible_by=1, residual=True, act=None)
    bctx = BuildContext(1, defaults={"act": {"fn": "swish"}})
    layers = op.expand("m", op.build({**base, "filters": 16}, bctx), (Shape(32, 32, 32),), ctx)
    members = [(lyr.unit[1], lyr.unit[2]) for lyr in layers if lyr.unit]
    assert (0, "conv0") not in members and (0, "add") not in members  # 32 -> 16: no skip
    assert (1, "add") in members  # 16 -> 16, stride 1: identity skip
    assert (0, "squeeze_excitation.se_reduce") in members
    six = op.expand("m", op.build({**base, "filters": 16, "expand": 6.0}, bctx), (Shape(32, 32, 16),), ctx)
    assert [lyr.shape.channels for lyr in six if lyr.unit == ("mbconv", 0, "conv0")] == [96]


def test_mul_broadcasts_a_1x1_gate_and_refuses_other_shapes():
    mul, ctx = get_op("mul"), RuleContext(2, Shape(64, 64, 3))
    x = Shape(16, 16, 8)
    assert mul.shape(mul.attrs(), (Shape(1, 1, 8), x), ctx) == x
    with pytest.raises(ValueError, match="a gate"):
        mul.shape(mul.attrs(), (Shape(1, 1, 4), x), ctx)
    with pytest.raises(ValueError, match="a gate"):
        mul.shape(mul.attrs(), (Shape(8, 8, 8), x), ctx)


def test_squeeze_excite_and_hard_activations_from_text(tmp_path):
    spec = tmp_path / "t.arch"
    spec.write_text("""
arch t(input_size = 33) {
  input image: [input_size, input_size, 3]
  a = conv 3x3 /2 16 -> bn -> act hard_swish -> squeeze_excite 0.25 -> act hard_sigmoid <- image
  return a
}
""")
    arch = archdsl.load(spec)
    # SE on 16 channels: reduce to 4 (16*4 + 4), expand back (4*16 + 16); conv 432, bn 64
    assert arch.params == 432 + 64 + 68 + 80
    assert list(arch.outputs.values()) == [(17, 17, 16)]


# Model Garden's MobileNet(model_id) (width 1.0) and SpineNetMobile(SCALING_MAP[id], swish,
# se_ratio 0.2, expand_ratio 6): count_params(), which does not depend on the input size.
OTHERS = {
    "mobilenet_v2": 2_257_984, "mobilenet_v3_large": 4_226_432, "mobilenet_v3_small": 1_529_968,
    "spinenet_mobile49": 2_313_892, "spinenet_mobile49S": 1_004_872, "spinenet_mobile49XS": 869_400,
}


@pytest.mark.parametrize("spec", OTHERS)
def test_mobile_backbone_params_equal_model_garden(spec):
    arch = archdsl.load(f"specs/{spec}.arch")
    assert arch.params == OTHERS[spec]


def test_retinanet_spinenet_mobile49_params_equal_model_garden():
    # SpineNetMobile('49') + RetinaNetHead(num_filters=48, use_separable_conv=True), 91 classes
    assert archdsl.load("specs/retinanet_spinenet_mobile49.arch").params == 2_386_603
