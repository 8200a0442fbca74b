"""Ops segmentation decoders need: `resize_to` (bilinear resize of its first input to the height
and width of its second; ASPP's image-pooling branch goes back to the level's grid with it after
`global_pool`) and `dropout` (Keras Dropout; identity at inference, free in params and MACs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import OpDef, Param, RuleContext, Shape
from archdsl.ops.pool import NoAttrs


def _resize_shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x, ref = ins
    return Shape(ref.height, ref.width, x.channels)


def _lower_resize(a: NoAttrs, name: str) -> Any:
    from archdsl.lower.layers import ResizeTo

    return ResizeTo(name=name)


@dataclass(frozen=True, slots=True)
class DropoutAttrs:
    rate: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {self.rate}")


def _lower_dropout(a: DropoutAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.Dropout(a.rate, name=name)


RESIZE_TO = OpDef(
    "resize_to", "bilinear resize of the first input to the second's size, e.g. `resize_to <- pooled, x`",
    NoAttrs, min_inputs=2, max_inputs=2, shape=_resize_shape, lower=_lower_resize,
    label=lambda a: "resize to")
DROPOUT = OpDef("dropout", "dropout (training only), e.g. `dropout 0.1`", DropoutAttrs,
                params=(Param("rate", "float", 0.0),), positional=("rate",), lower=_lower_dropout,
                in_summary=False)
OPS = (RESIZE_TO, DROPOUT)
