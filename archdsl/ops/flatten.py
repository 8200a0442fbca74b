"""Ops a fully connected head on a feature map needs (Model Garden's MaskScoring): `resize_fixed`
(bilinear `tf.image.resize` to a fixed height and width, the head's `fc_input_size`), `flatten`
(row-major to a [1, 1, h*w*c] vector, archdsl's form of a vector, on which `dense` and `bn` act)
and `stop_gradient` (identity forward, no gradient: the head scores the logits without training
the layers that made them). Each keeps its input's level: a vector's level is its source's, as
`global_pool`'s is. All three are free in MACs (resizing is, as `resize` is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import OpDef, Param, RuleContext, Shape, positive
from archdsl.ops.deploy import everywhere
from archdsl.ops.pool import NoAttrs


@dataclass(frozen=True, slots=True)
class SizeAttrs:
    height: int
    width: int

    def __post_init__(self) -> None:
        positive(height=self.height, width=self.width)


def _flatten_shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x = ins[0]
    return Shape(1, 1, x.height * x.width * x.channels)


def _lower_resize(a: SizeAttrs, name: str) -> Any:
    from archdsl.lower.layers import ResizeFixed

    return ResizeFixed(a.height, a.width, name=name)


def _lower_flatten(a: NoAttrs, name: str) -> Any:
    from archdsl.lower.layers import FlattenMap

    return FlattenMap(name=name)


def _lower_stop(a: NoAttrs, name: str) -> Any:
    from archdsl.lower.layers import StopGradient

    return StopGradient(name=name)


RESIZE_FIXED = OpDef(
    "resize_fixed", "bilinear resize (tf.image.resize) to a fixed size, e.g. `resize_fixed 8 8` (height, width)",
    SizeAttrs, params=(Param("height", "int"), Param("width", "int")), positional=("height", "width"),
    shape=lambda a, ins, ctx: Shape(a.height, a.width, ins[0].channels), lower=_lower_resize,
    label=lambda a: f"resize to {a.height}×{a.width}", deploy=everywhere("RESIZE_BILINEAR"))
FLATTEN = OpDef("flatten", "a feature map flattened row-major to a 1x1 vector of h*w*c channels", NoAttrs,
                shape=_flatten_shape, lower=_lower_flatten, deploy=everywhere("RESHAPE"))
STOP_GRADIENT = OpDef("stop_gradient", "identity forward, no gradient backward (tf.stop_gradient)", NoAttrs,
                      lower=_lower_stop, label=lambda a: "stop gradient", in_summary=False,
                      deploy=everywhere(note="identity at inference"))
OPS = (RESIZE_FIXED, FLATTEN, STOP_GRADIENT)
