"""Pooling: `maxpool` and `avgpool` ('same' padding, the stride defaulting to the window; the
average pool is ResNet-D's shortcut) and `global_pool` (global average pooling that keeps
H = W = 1, so it broadcasts back in a gate)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Bound, BuildContext, OpDef, Param, RuleContext, Shape, log2_step, positive


@dataclass(frozen=True, slots=True)
class PoolAttrs:
    size: int = 3
    stride: int = 2

    def __post_init__(self) -> None:
        positive(size=self.size, stride=self.stride)


@dataclass(frozen=True, slots=True)
class NoAttrs:
    """For ops without settings."""


def _stride(v: Mapping[str, Any]) -> int:
    stride = v["stride"] if v.get("stride") is not None else v["kernel"]
    return stride


def _make(v: Bound, ctx: BuildContext) -> PoolAttrs:
    return PoolAttrs(v["kernel"], _stride(v))


def _lower_max(a: PoolAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.MaxPool2D(pool_size=a.size, strides=a.stride, padding="same", name=name)


def _lower_avg(a: PoolAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.AveragePooling2D(pool_size=a.size, strides=a.stride, padding="same", name=name)


def _lower_global(a: NoAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.GlobalAveragePooling2D(keepdims=True, name=name)


def _global_shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    return Shape(1, 1, ins[0].channels)


MAXPOOL = OpDef("maxpool", "max pooling with 'same' padding, e.g. `maxpool 3x3 /2`", PoolAttrs,
                params=(Param("kernel", "int", 3), Param("stride", "int", None)), positional=("kernel",),
                make_attrs=_make, values=lambda a: {"kernel": a.size, "stride": a.stride},
                level_step=lambda v: log2_step(_stride(v), "stride"),
                shape=lambda a, ins, ctx: ins[0].strided(a.stride), lower=_lower_max,
                label=lambda a: f"maxpool {a.size}×{a.size}/{a.stride}")
AVGPOOL = OpDef("avgpool", "average pooling with 'same' padding, e.g. `avgpool 2x2 /2`", PoolAttrs,
                params=(Param("kernel", "int", 2), Param("stride", "int", None)), positional=("kernel",),
                make_attrs=_make, values=lambda a: {"kernel": a.size, "stride": a.stride},
                level_step=lambda v: log2_step(_stride(v), "stride"),
                shape=lambda a, ins, ctx: ins[0].strided(a.stride), lower=_lower_avg,
                label=lambda a: f"avgpool {a.size}×{a.size}/{a.stride}")
GLOBAL_POOL = OpDef("global_pool", "global average pooling (keeps H = W = 1)", NoAttrs,
                    shape=_global_shape, lower=_lower_global)
OPS = (MAXPOOL, AVGPOOL, GLOBAL_POOL)
