"""`resample`: a fuse section's path that brings a parent to the line's level and width.

Made by fuse sections (`fuse resample alpha(0.5) { ... }`), never written as a stage. Two rules,
each Model Garden's:
- `alpha` (SpineNet's resample-with-alpha, spinenet.py `_resample_with_alpha`): 1x1 conv to
  alpha x the parent's inner width (a bottleneck's filters, not its 4x output), BN, act; to go
  coarser a stride-2 3x3 conv + BN + act then max pools, to go finer nearest upsampling; then a 1x1
  conv to the line's width and BN, no activation.
- `nasfpn` (nasfpn.py `_resample_feature_map`): a 1x1 conv with bias + BN only when the width
  differs, then a max pool or nearest upsampling by the level gap.
- `sepconv` (SpineNet-Mobile, spinenet_mobile.py `_resample_with_sepconv`): to go coarser a
  3x3 stride-2 depthwise conv + BN + act per level, to go finer nearest upsampling; then a 1x1
  conv to the line's width and BN, no activation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from archdsl.ops.act import ActAttrs, check_activation
from archdsl.ops.base import Layer, OpDef, Param, RuleContext, Shape, Signature, positive
from archdsl.ops.blocks import Expansion
from archdsl.ops.bn import BatchNormAttrs
from archdsl.ops.conv import ConvAttrs
from archdsl.ops.pool import NoAttrs, PoolAttrs
from archdsl.ops.sampling import UpsampleAttrs

# The rules a `fuse resample R(...)` clause may name, with their parameters.
RULES = {
    "alpha": Signature("alpha", "SpineNet resample-with-alpha, e.g. `resample alpha(0.5)`",
                       (Param("alpha", "float", 0.5),), ("alpha",)),
    "nasfpn": Signature("nasfpn", "NAS-FPN resampling to `filters` channels, e.g. `resample nasfpn(256)`",
                        (Param("filters", "int"),), ("filters",)),
    "sepconv": Signature("sepconv", "SpineNet-Mobile resampling by depthwise convs, e.g. `resample sepconv`"),
}


@dataclass(frozen=True, slots=True)
class ResampleAttrs:
    """Resample a parent to this node's level and `channels` by `rule`."""

    rule: str
    channels: int
    activation: str
    alpha: float = 1.0
    bn: BatchNormAttrs = BatchNormAttrs()

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown resample rule {self.rule!r}")
        positive(channels=self.channels)
        check_activation(self.activation)
        if not 0.0 < self.alpha <= 8.0:
            raise ValueError(f"alpha must be in (0, 8], got {self.alpha}")


def _alpha(e: Expansion, a: ResampleAttrs, shape: Shape, inner: int, target: Shape) -> None:
    mid = int(inner * a.alpha)
    if mid < 1:
        raise ValueError(f"alpha {a.alpha:g} times the parent's width {inner} leaves {mid} channels "
                         "for the resampling path")
    x, shape = e.conv_bn("alpha_conv", "alpha_norm", "<0>", shape, ConvAttrs(mid, 1), a.bn)
    x = e.add("alpha_act", "act", ActAttrs(a.activation), (x,), shape)
    if shape.width > target.width:
        x, shape = e.conv_bn("down_conv", "down_norm", x, shape, ConvAttrs(mid, 3, 2), a.bn)
        x = e.add("down_act", "act", ActAttrs(a.activation), (x,), shape)
        k = 0
        while shape.width > target.width:
            shape = shape.strided(2)
            x = e.add(f"pool{k}", "maxpool", PoolAttrs(3, 2), (x,), shape)
            k += 1
    elif shape.width < target.width:
        factor = target.width // shape.width
        shape = Shape(shape.height * factor, shape.width * factor, shape.channels)
        x = e.add("up", "upsample", UpsampleAttrs(factor), (x,), shape)
    e.conv_bn("conv", "", x, shape, ConvAttrs(a.channels, 1), a.bn)


def _sepconv(e: Expansion, a: ResampleAttrs, shape: Shape, target: Shape) -> None:
    x, k = "<0>", 0
    while shape.width > target.width:
        x, shape = e.conv_bn(f"down{k}_conv", f"down{k}_norm", x, shape,
                             ConvAttrs(shape.channels, 3, 2, depthwise=True), a.bn)
        x = e.add(f"down{k}_act", "act", ActAttrs(a.activation), (x,), shape)
        k += 1
    if shape.width < target.width:
        factor = target.width // shape.width
        shape = Shape(shape.height * factor, shape.width * factor, shape.channels)
        x = e.add("up", "upsample", UpsampleAttrs(factor), (x,), shape)
    e.conv_bn("conv", "", x, shape, ConvAttrs(a.channels, 1), a.bn)


def _nasfpn(e: Expansion, a: ResampleAttrs, shape: Shape, target: Shape) -> None:
    x = "<0>"
    if shape.channels != a.channels:
        x, shape = e.conv_bn("conv", "norm", x, shape, ConvAttrs(a.channels, 1, bias=True), a.bn)
    if shape.width > target.width:
        k = shape.width // target.width
        shape = shape.strided(k)
        x = e.add("pool", "maxpool", PoolAttrs(k, k), (x,), shape)
    elif shape.width < target.width:
        k = target.width // shape.width
        shape = Shape(shape.height * k, shape.width * k, shape.channels)
        x = e.add("up", "upsample", UpsampleAttrs(k), (x,), shape)
    if not e.layers or e.layers[-1].name != e.prefix:
        e.add("", "identity", NoAttrs(), (x,), shape)


@lru_cache(maxsize=4096)
def _expand(name: str, a: ResampleAttrs, ins: tuple[Shape, ...], ctx: RuleContext) -> tuple[Layer, ...]:
    e = Expansion(name)
    target = ctx.level_shape(a.channels)
    if a.rule == "alpha":
        _alpha(e, a, ins[0], ctx.inner[0] if ctx.inner else ins[0].channels, target)
    elif a.rule == "sepconv":
        _sepconv(e, a, ins[0], target)
    else:
        _nasfpn(e, a, ins[0], target)
    return tuple(e.layers)


def _shape(a: ResampleAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    target = ctx.level_shape(a.channels)
    got = _expand("r", a, tuple(ins), ctx)[-1].shape
    if got != target:
        raise ValueError(f"resampling {ins[0]} to L{ctx.level} gives {got}, not {target}")
    return got


def _label(a: ResampleAttrs) -> str:
    return f"resample {a.rule}" + (f"({a.alpha:g})" if a.rule == "alpha" else "")


RESAMPLE = OpDef("resample", "a fuse section's resampling path", ResampleAttrs, level_step=lambda v: None,
                 shape=_shape, expand=_expand, label=_label, spelled=False, layers=lambda v: 24,
                 in_summary=False, resampler=True)
OPS = (RESAMPLE,)
