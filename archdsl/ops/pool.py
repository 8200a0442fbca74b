"""Pooling: `maxpool` and `avgpool` ('same' padding, the stride defaulting to the window; the
average pool is ResNet-D's shortcut) and `global_pool` (global average pooling that keeps
H = W = 1, so it broadcasts back in a gate)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Bound, BuildContext, OpDef, Param, RuleContext, Shape, log2_step, positive
from archdsl.ops.deploy import everywhere


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


def _lower_window(layer: str) -> Any:
    def lower(a: PoolAttrs, name: str) -> Any:
        import tf_keras

        return getattr(tf_keras.layers, layer)(pool_size=a.size, strides=a.stride, padding="same", name=name)
    return lower


def _lower_global(a: NoAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.GlobalAveragePooling2D(keepdims=True, name=name)


def _global_shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    return Shape(1, 1, ins[0].channels)


def _window_pool(name: str, what: str, kernel: int, layer: str, tflite_op: str) -> OpDef:
    """A windowed pool ('same' padding, the stride defaulting to the window): max or average."""
    return OpDef(name, f"{what} pooling with 'same' padding, e.g. `{name} {kernel}x{kernel} /2`", PoolAttrs,
                 params=(Param("kernel", "int", kernel), Param("stride", "int", None)), positional=("kernel",),
                 make_attrs=_make, values=lambda a: {"kernel": a.size, "stride": a.stride},
                 level_step=lambda v: log2_step(_stride(v), "stride"),
                 shape=lambda a, ins, ctx: ins[0].strided(a.stride), lower=_lower_window(layer),
                 label=lambda a: f"{name} {a.size}×{a.size}/{a.stride}", deploy=everywhere(tflite_op))


MAXPOOL = _window_pool("maxpool", "max", 3, "MaxPool2D", "MAX_POOL_2D")
AVGPOOL = _window_pool("avgpool", "average", 2, "AveragePooling2D", "AVERAGE_POOL_2D")
GLOBAL_POOL = OpDef("global_pool", "global average pooling (keeps H = W = 1)", NoAttrs,
                    shape=_global_shape, lower=_lower_global, deploy=everywhere("MEAN"))
OPS = (MAXPOOL, AVGPOOL, GLOBAL_POOL)
