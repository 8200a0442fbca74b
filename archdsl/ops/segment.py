"""Ops segmentation decoders need: `resize_to` (bilinear resize of its first input to the height
and width of its second; ASPP's image-pooling branch goes back to the level's grid with it after
`global_pool`). Their `dropout` is the transformer ops' (archdsl/ops/transformer.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archdsl.ops.base import OpDef, RuleContext, Shape
from archdsl.ops.deploy import everywhere
from archdsl.ops.pool import NoAttrs


def _resize_shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x, ref = ins
    return Shape(ref.height, ref.width, x.channels)


def _lower_resize(a: NoAttrs, name: str) -> Any:
    from archdsl.lower.layers import ResizeTo

    return ResizeTo(name=name)


RESIZE_TO = OpDef(
    "resize_to", "bilinear resize of the first input to the second's size, e.g. `resize_to <- pooled, x`",
    NoAttrs, min_inputs=2, max_inputs=2, shape=_resize_shape, lower=_lower_resize,
    label=lambda a: "resize to", deploy=everywhere("RESIZE_BILINEAR"))
OPS = (RESIZE_TO,)
