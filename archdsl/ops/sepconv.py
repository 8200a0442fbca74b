"""`sepconv`: a depthwise-separable convolution as ONE layer, tf-keras's SeparableConv2D (a
depthwise k x k conv, then a 1x1 pointwise conv to `filters`, then the bias), as Model Garden's
heads build it with `use_separable_conv=True` (RetinaNetHead, SegmentationHead). `init=` sets
both kernels' initializers; the default is tf-keras's (glorot_uniform), which Model Garden keeps
for separable tower convs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Cost, OpDef, Param, RuleContext, Shape, log2_step, positive
from archdsl.ops.conv import check_initializer, initializer
from archdsl.ops.deploy import everywhere


@dataclass(frozen=True, slots=True)
class SepConvAttrs:
    filters: int
    kernel: int = 3
    stride: int = 1
    bias: bool = False
    kernel_init: str = "glorot_uniform"
    bias_init: float = 0.0

    def __post_init__(self) -> None:
        positive(filters=self.filters, kernel=self.kernel, stride=self.stride)
        check_initializer(self.kernel_init)
        if not math.isfinite(self.bias_init):
            raise ValueError(f"bias_init must be finite, got {self.bias_init}")


def _cost(a: SepConvAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    cin = ins[0].channels
    depthwise, pointwise = a.kernel**2 * cin, cin * a.filters
    params = depthwise + pointwise + (a.filters if a.bias else 0)
    # the depthwise conv runs at the output resolution too (it carries the stride)
    return Cost(params, params, (depthwise + pointwise) * out.height * out.width)


def _lower(a: SepConvAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.SeparableConv2D(
        a.filters, a.kernel, strides=a.stride, padding="same", use_bias=a.bias,
        depthwise_initializer=initializer(a.kernel_init), pointwise_initializer=initializer(a.kernel_init),
        bias_initializer=tf_keras.initializers.Constant(a.bias_init), name=name)


def _label(a: SepConvAttrs) -> str:
    stride = f"/{a.stride}" if a.stride > 1 else ""
    return f"sepconv {a.kernel}×{a.kernel}{stride} {a.filters}"


SEPCONV = OpDef(
    "sepconv", "depthwise-separable convolution in one layer (SeparableConv2D), e.g. `sepconv 3x3 48 bias`",
    SepConvAttrs,
    params=(Param("kernel", "int"), Param("filters", "int"), Param("stride", "int", 1),
            Param("bias", "bool", False), Param("init", "string", "glorot_uniform"),
            Param("bias_init", "float", 0.0), Param("share", "string", None)),
    positional=("kernel", "filters"),
    make_attrs=lambda v, ctx: SepConvAttrs(v["filters"], v["kernel"], v["stride"], v["bias"], v["init"],
                                           v["bias_init"]),
    values=lambda a: {"kernel": a.kernel, "filters": a.filters, "stride": a.stride, "bias": a.bias,
                      "init": a.kernel_init, "bias_init": a.bias_init},
    level_step=lambda v: log2_step(v["stride"], "stride"),
    shape=lambda a, ins, ctx: ins[0].strided(a.stride, a.filters), cost=_cost,
    width=lambda v, ctx: v.get("filters"), lower=_lower, label=_label, weighted=True,
    deploy=everywhere("DEPTHWISE_CONV_2D", "CONV_2D"))
OPS = (SEPCONV,)
