"""Upsampling by an integer factor: `upsample` (nearest, Model Garden's reshape + tile, whose
gradient XLA compiles) and `resize` (bilinear `tf.image.resize`, half-pixel centers, as Model
Garden's SegmentationHead resizes the decoder feature). Each moves the level down by log2(factor)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import OpDef, Param, RuleContext, Shape, log2_step, positive
from archdsl.ops.deploy import everywhere


@dataclass(frozen=True, slots=True)
class UpsampleAttrs:
    factor: int = 2

    def __post_init__(self) -> None:
        positive(factor=self.factor)


@dataclass(frozen=True, slots=True)
class ResizeAttrs(UpsampleAttrs):
    """Bilinear upsampling by `factor`."""


def _shape(a: UpsampleAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    first = ins[0]
    return Shape(first.height * a.factor, first.width * a.factor, first.channels)


def _lower_nearest(a: UpsampleAttrs, name: str) -> Any:
    from archdsl.lower.layers import NearestUpsampling

    return NearestUpsampling(a.factor, name=name)


def _lower_bilinear(a: ResizeAttrs, name: str) -> Any:
    from archdsl.lower.layers import BilinearResize

    return BilinearResize(a.factor, name=name)


_FACTOR = (Param("factor", "int", 2),)
UPSAMPLE = OpDef("upsample", "nearest-neighbour upsampling, e.g. `upsample 2`", UpsampleAttrs,
                 params=_FACTOR, positional=("factor",),
                 level_step=lambda v: -log2_step(v["factor"], "upsampling factor"), shape=_shape,
                 lower=_lower_nearest, label=lambda a: f"upsample ×{a.factor}",
                 # Model Garden's nearest_upsampling; the converter folds tf.shape to constants
                 deploy=everywhere("RESHAPE", "TILE"))
RESIZE = OpDef("resize", "bilinear upsampling (tf.image.resize), e.g. `resize 4`", ResizeAttrs,
               params=_FACTOR, positional=("factor",),
               level_step=lambda v: -log2_step(v["factor"], "upsampling factor"), shape=_shape,
               lower=_lower_bilinear, label=lambda a: f"resize ×{a.factor}", deploy=everywhere("RESIZE_BILINEAR"))
OPS = (UPSAMPLE, RESIZE)
