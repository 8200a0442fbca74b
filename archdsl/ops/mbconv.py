"""Mobile blocks: `squeeze_excite` (Model Garden's `nn_layers.SqueezeExcitation`) and `mbconv`, the
inverted bottleneck block group (`nn_blocks.InvertedBottleneckBlock`, as efficientnet.py,
mobilenet.py and spinenet_mobile.py stack it): `repeats` blocks, the first with `stride`, each an
optional 1x1 expansion (only when the expand ratio is above 1), a depthwise conv, an optional
squeeze-and-excitation gate, a 1x1 projection, and an identity skip only when the block keeps
its input's width and size (with stochastic depth on the branch, training only).

`make_divisible` is Model Garden's channel rounding, stated once here; the expression functions
`round_filters` / `make_divisible` (archdsl.ir.expr) call it. Layer members are Model Garden's
attribute paths (`conv0`, `norm1`, `squeeze_excitation.se_reduce`), which weight transfer follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from archdsl.ops import act as act_op
from archdsl.ops import bn as bn_op
from archdsl.ops.act import ActAttrs
from archdsl.ops.base import Bound, BuildContext, Layer, OpDef, Param, RuleContext, Shape, log2_step, positive
from archdsl.ops.blocks import Expansion, _Block, _filters
from archdsl.ops.bn import BatchNormAttrs
from archdsl.ops.conv import ConvAttrs
from archdsl.ops.drop_path import DropAttrs
from archdsl.ops.pool import NoAttrs


def make_divisible(value: float, divisor: int, min_value: float | None = None,
                   round_down_protect: bool = True) -> int:
    """Model Garden's rounding of a channel count to a multiple of `divisor` (round half up, at
    least `min_value`, and never more than 10% below `value` when `round_down_protect`)."""
    if divisor < 1:
        raise ValueError(f"divisor must be a positive integer, got {divisor}")
    floor = divisor if min_value is None else min_value
    new = max(floor, int(value + divisor / 2) // divisor * divisor)
    if round_down_protect and new < 0.9 * value:
        new += divisor
    return int(new)


def _ratio(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")


@dataclass(frozen=True, slots=True)
class SqueezeExciteAttrs:
    """`ratio` of `in_filters` (None: the input's channels) is the reduced width."""

    ratio: float = 0.25
    in_filters: int | None = None
    activation: str = "relu"
    gating: str = "sigmoid"
    divisible_by: int = 1
    round_down_protect: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.ratio <= 1.0:
            raise ValueError(f"the squeeze-excite ratio must be in (0, 1], got {self.ratio}")
        positive(divisible_by=self.divisible_by)
        if self.in_filters is not None:
            positive(in_filters=self.in_filters)
        act_op.check_activation(self.activation)
        act_op.check_activation(self.gating)


def se_layers(b: _Block, x: str, shape: Shape, a: SqueezeExciteAttrs, in_filters: int, prefix: str,
              *, last: bool = False) -> str:
    """Squeeze-excitation's layers on `x`: mean -> 1x1 reduce (bias) -> act -> 1x1 expand (bias) ->
    gate -> gate * x. `prefix` is the member path of the SE layer inside its block."""
    reduced = make_divisible(max(1, int(in_filters * a.ratio)), a.divisible_by,
                             round_down_protect=a.round_down_protect)
    one, c = Shape(1, 1, shape.channels), shape.channels
    y = b.add(prefix + "pool", "global_pool", NoAttrs(), (x,), one)
    y = b.add(prefix + "se_reduce", "conv", ConvAttrs(reduced, 1, bias=True), (y,), Shape(1, 1, reduced))
    y = b.add(prefix + "act", "act", ActAttrs(a.activation), (y,), Shape(1, 1, reduced))
    y = b.add(prefix + "se_expand", "conv", ConvAttrs(c, 1, bias=True), (y,), one)
    y = b.add(prefix + "gate", "act", ActAttrs(a.gating), (y,), one)
    return b.add(prefix + "mul", "mul", NoAttrs(), (y, x), shape, last=last)


@lru_cache(maxsize=4096)
def _expand_se(name: str, a: SqueezeExciteAttrs, ins: tuple[Shape, ...], ctx: RuleContext) -> tuple[Layer, ...]:
    e = Expansion(name)
    in_filters = a.in_filters if a.in_filters is not None else ins[0].channels
    se_layers(_Block(e, "squeeze_excitation", 0), "<0>", ins[0], a, in_filters, "", last=True)
    return tuple(e.layers)


SQUEEZE_EXCITE = OpDef(
    "squeeze_excite", "squeeze-and-excitation gate (Model Garden's SqueezeExcitation), e.g. "
    "`squeeze_excite 0.25`", SqueezeExciteAttrs,
    params=(Param("ratio", "float", 0.25), Param("in_filters", "int", None), Param("act", "string", "relu"),
            Param("gating", "string", "sigmoid"), Param("divisible_by", "int", 1),
            Param("round_down_protect", "bool", True)),
    positional=("ratio",),
    make_attrs=lambda v, ctx: SqueezeExciteAttrs(v["ratio"], v["in_filters"], v["act"], v["gating"],
                                                 v["divisible_by"], v["round_down_protect"]),
    values=lambda a: {"ratio": a.ratio, "in_filters": a.in_filters, "act": a.activation, "gating": a.gating,
                      "divisible_by": a.divisible_by, "round_down_protect": a.round_down_protect},
    layers=lambda v: 6, expand=_expand_se,
    label=lambda a: f"SE {a.ratio:g}")


@dataclass(frozen=True, slots=True)
class MBConvAttrs:
    """An inverted bottleneck block group; `se` is None without squeeze-excitation."""

    filters: int
    activation: str
    expand_ratio: float = 6.0
    kernel: int = 3
    stride: int = 1
    repeats: int = 1
    se: SqueezeExciteAttrs | None = None
    expand_se_in: bool = False  # the SE reduces from the expanded width (MobileNetV3)
    depthwise_activation: str | None = None
    divisible_by: int = 1
    residual: bool = True
    drop_rate: float = 0.0
    bn: BatchNormAttrs = BatchNormAttrs()

    def __post_init__(self) -> None:
        positive(filters=self.filters, kernel=self.kernel, stride=self.stride, repeats=self.repeats,
                 divisible_by=self.divisible_by)
        act_op.check_activation(self.activation)
        if self.depthwise_activation is not None:
            act_op.check_activation(self.depthwise_activation)
        if not self.expand_ratio > 0:
            raise ValueError(f"expand_ratio must be positive, got {self.expand_ratio}")
        if not 0.0 <= self.drop_rate < 1.0:
            raise ValueError(f"drop_rate must be in [0, 1), got {self.drop_rate}")


def _make(v: Bound, ctx: BuildContext) -> MBConvAttrs:
    _ratio("se_ratio", v["se_ratio"])
    se = None
    if v["se_ratio"] > 0:  # Model Garden: SE only for 0 < se_ratio <= 1
        se = SqueezeExciteAttrs(v["se_ratio"], None, v["se_act"], v["se_gating"], v["divisible_by"],
                                v["se_round_down_protect"])
    activation = v["act"] if v["act"] is not None else act_op.from_defaults(ctx.defaults)
    return MBConvAttrs(_filters(v, ctx), activation, float(v["expand"]), v["kernel"],
                       v["stride"], v["repeats"], se, v["expand_se_in"], v["depthwise_act"], v["divisible_by"],
                       v["residual"], v["drop_rate"], bn_op.from_defaults(ctx.defaults))


def _values(a: MBConvAttrs) -> Bound:
    se = a.se or SqueezeExciteAttrs()
    return {"kernel": a.kernel, "filters": a.filters, "stride": a.stride, "expand": a.expand_ratio,
            "se_ratio": a.se.ratio if a.se else 0.0, "repeats": a.repeats, "drop_rate": a.drop_rate,
            "se_act": se.activation, "se_gating": se.gating, "se_round_down_protect": se.round_down_protect,
            "expand_se_in": a.expand_se_in, "depthwise_act": a.depthwise_activation,
            "divisible_by": a.divisible_by, "residual": a.residual, "act": a.activation}


@lru_cache(maxsize=4096)
def _expand(name: str, a: MBConvAttrs, ins: tuple[Shape, ...], ctx: RuleContext) -> tuple[Layer, ...]:
    e, shape, x = Expansion(name), ins[0], "<0>"
    act, dw_act = ActAttrs(a.activation), ActAttrs(a.depthwise_activation or a.activation)
    for i in range(a.repeats):
        b, stride, last = _Block(e, "mbconv", i), a.stride if i == 0 else 1, i == a.repeats - 1
        cin = shape.channels
        inner = make_divisible(cin * a.expand_ratio, a.divisible_by)
        y, s = x, shape
        if a.expand_ratio > 1:  # Model Garden builds no expansion for a ratio of 1
            y, s = b.conv_bn("conv0", "norm0", y, s, ConvAttrs(inner, 1), a.bn)
            y = b.add("act0", "act", act, (y,), s)
        y, s = b.conv_bn("conv1", "norm1", y, s, ConvAttrs(s.channels, a.kernel, stride, depthwise=True), a.bn)
        y = b.add("act1", "act", dw_act, (y,), s)
        if a.se is not None:
            se_in = s.channels if a.expand_se_in else cin
            y = se_layers(b, y, s, a.se, se_in, "squeeze_excitation.")
        out = s.strided(1, a.filters)
        skip = a.residual and cin == a.filters and stride == 1
        y = b.add("conv2", "conv", ConvAttrs(a.filters, 1), (y,), out)
        y = b.add("norm2", "bn", a.bn, (y,), out, last=last and not skip)
        if skip:
            if a.drop_rate > 0:
                y = b.add("drop", "drop_path", DropAttrs(a.drop_rate), (y,), out)
            y = b.add("add", "add", NoAttrs(), (y, x), out, last=last)
        x, shape = y, out
    return tuple(e.layers)


def _shape(a: MBConvAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    return ins[0].strided(a.stride, a.filters)


MBCONV = OpDef(
    "mbconv", "inverted bottleneck block group (Model Garden's InvertedBottleneckBlock), e.g. "
    "`mbconv 5x5 /2 40 expand=6 se_ratio=0.25 repeats=2`", MBConvAttrs,
    params=(Param("kernel", "int", 3), Param("filters", "int", None), Param("stride", "int", 1),
            Param("expand", "float", 6.0), Param("se_ratio", "float", 0.0), Param("repeats", "int", 1),
            Param("drop_rate", "float", 0.0), Param("se_act", "string", "relu"),
            Param("se_gating", "string", "sigmoid"), Param("se_round_down_protect", "bool", True),
            Param("expand_se_in", "bool", False), Param("depthwise_act", "string", None),
            Param("divisible_by", "int", 1), Param("residual", "bool", True), Param("act", "string", None)),
    positional=("kernel", "filters"), make_attrs=_make, values=_values,
    level_step=lambda v: log2_step(v["stride"], "stride"), shape=_shape,
    expand=_expand, layers=lambda v: 16 * v["repeats"],  # per block: expand, depthwise, SE, project, add
    inner_width=lambda a, s: a.filters, width=_filters,
    label=lambda a: f"MBConv{a.expand_ratio:g} {a.kernel}×{a.kernel}" + (f" ×{a.repeats}" if a.repeats > 1 else ""))
@dataclass(frozen=True, slots=True)
class ConvBNAttrs:
    """Model Garden's `mobilenet.Conv2DBNBlock`: conv, optional batch norm, activation."""

    conv: ConvAttrs
    activation: str
    norm: bool = True
    bn: BatchNormAttrs = BatchNormAttrs()

    def __post_init__(self) -> None:
        act_op.check_activation(self.activation)


@lru_cache(maxsize=4096)
def _expand_convbn(name: str, a: ConvBNAttrs, ins: tuple[Shape, ...], ctx: RuleContext) -> tuple[Layer, ...]:
    e = Expansion(name)
    b = _Block(e, "conv_bn", 0)
    out = ins[0].strided(a.conv.stride, a.conv.filters)
    y = b.add("conv0", "conv", a.conv, ("<0>",), out)
    if a.norm:
        y = b.add("norm0", "bn", a.bn, (y,), out)
    b.add("act", "act", ActAttrs(a.activation), (y,), out, last=True)
    return tuple(e.layers)


def _make_convbn(v: Bound, ctx: BuildContext) -> ConvBNAttrs:
    activation = v["act"] if v["act"] is not None else act_op.from_defaults(ctx.defaults)
    return ConvBNAttrs(ConvAttrs(v["filters"], v["kernel"], v["stride"], v["bias"]), activation, v["norm"],
                       bn_op.from_defaults(ctx.defaults))


CONV_BN = OpDef(
    "convbn", "Model Garden's Conv2DBNBlock (conv, batch norm unless `norm=false`, activation), e.g. "
    "`convbn 3x3 /2 16 act=hard_swish`", ConvBNAttrs,
    params=(Param("kernel", "int", 3), Param("filters", "int"), Param("stride", "int", 1),
            Param("bias", "bool", False), Param("norm", "bool", True), Param("act", "string", None)),
    positional=("kernel", "filters"), make_attrs=_make_convbn,
    values=lambda a: {"kernel": a.conv.kernel, "filters": a.conv.filters, "stride": a.conv.stride,
                      "bias": a.conv.bias, "norm": a.norm, "act": a.activation},
    level_step=lambda v: log2_step(v["stride"], "stride"),
    shape=lambda a, ins, ctx: ins[0].strided(a.conv.stride, a.conv.filters),
    layers=lambda v: 4, expand=_expand_convbn, width=lambda v, ctx: v.get("filters"),
    label=lambda a: f"convbn {a.conv.kernel}×{a.conv.kernel}{'/' + str(a.conv.stride) if a.conv.stride > 1 else ''} "
                    f"{a.conv.filters}")
OPS = (SQUEEZE_EXCITE, MBCONV, CONV_BN)
