"""`conv`: Conv2D (or DepthwiseConv2D) with TF 'same' padding, Model Garden's settings: no bias
unless asked, VarianceScaling kernels (the string Model Garden passes: scale 1, fan_in, truncated
normal), `init=` and `bias_init=` for heads that initialise otherwise, `dilation=` for atrous convs (DeepLab)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Bound, BuildContext, Cost, OpDef, Param, RuleContext, Shape, log2_step, positive

# The `init=` names a spec may use, and the tf-keras initializer each means; `normal(0.01)` is a
# RandomNormal with that standard deviation (RetinaNet's towers). The fan-out ones are Model
# Garden's MaskScoring head's: VarianceScaling(2, fan_out, untruncated normal) for its convs and
# VarianceScaling(1/3, fan_out, uniform) for its fully connected layers.
INITIALIZERS: dict[str, Any] = {
    "variance_scaling": "VarianceScaling", "he_normal": "he_normal", "glorot_uniform": "glorot_uniform",
    "zeros": "zeros",
    "fan_out_normal": {"class_name": "VarianceScaling",
                       "config": {"scale": 2.0, "mode": "fan_out", "distribution": "untruncated_normal"}},
    "fan_out_uniform": {"class_name": "VarianceScaling",
                        "config": {"scale": 1 / 3, "mode": "fan_out", "distribution": "uniform"}}}


def check_initializer(name: str) -> None:
    if name in INITIALIZERS:
        return
    if name.startswith("normal(") and name.endswith(")"):
        try:
            stddev = float(name[7:-1])
        except ValueError:
            stddev = math.nan
        if math.isfinite(stddev) and stddev > 0:
            return
        raise ValueError(f"init {name!r}: the standard deviation must be a positive finite number")
    raise ValueError(f"unknown initializer {name!r}; expected normal(<stddev>) or one of "
                     f"{', '.join(INITIALIZERS)}")


@dataclass(frozen=True, slots=True)
class ConvAttrs:
    """`depthwise` means DepthwiseConv2D (its output keeps the input's channels)."""

    filters: int
    kernel: int = 1
    stride: int = 1
    bias: bool = False
    groups: int = 1
    depthwise: bool = False
    kernel_init: str = "variance_scaling"
    bias_init: float = 0.0
    dilation: int = 1  # atrous rate (Keras `dilation_rate`): widens the receptive field only

    def __post_init__(self) -> None:
        positive(filters=self.filters, kernel=self.kernel, stride=self.stride, groups=self.groups,
                 dilation=self.dilation)
        if self.depthwise and self.groups != 1:
            raise ValueError("a depthwise conv takes no groups")
        if self.dilation > 1 and self.stride > 1:  # TensorFlow refuses both at once
            raise ValueError(f"a dilated conv (dilation {self.dilation}) must have stride 1, not {self.stride}")
        check_initializer(self.kernel_init)
        if not math.isfinite(self.bias_init):
            raise ValueError(f"bias_init must be finite, got {self.bias_init}")


def _make(v: Bound, ctx: BuildContext) -> ConvAttrs:
    filters = v["filters"]
    if filters is None:
        if not v["depthwise"]:
            raise ValueError("`conv` needs `filters` (the number of output channels), e.g. `conv 3x3 64`")
        filters = 1  # unused: a depthwise conv keeps its input's channels
    return ConvAttrs(filters, v["kernel"], v["stride"], v["bias"], v["groups"], v["depthwise"], v["init"],
                     v["bias_init"], v["dilation"])


def _values(a: ConvAttrs) -> Bound:
    return {"kernel": a.kernel, "filters": None if a.depthwise else a.filters, "stride": a.stride,
            "bias": a.bias, "groups": a.groups, "depthwise": a.depthwise, "init": a.kernel_init,
            "bias_init": a.bias_init, "dilation": a.dilation}


def _shape(a: ConvAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    first = ins[0]
    if not a.depthwise and first.channels % a.groups:
        raise ValueError(f"{first.channels} input channels do not split into {a.groups} groups")
    return first.strided(a.stride, first.channels if a.depthwise else a.filters)


def per_pixel(a: ConvAttrs, cin: int) -> int:
    """Weights one output pixel reads: the kernel's multiply-adds per output position."""
    return a.kernel**2 * (cin if a.depthwise else cin // a.groups * a.filters)


def _cost(a: ConvAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    weights = per_pixel(a, ins[0].channels)
    params = weights + (out.channels if a.bias else 0)
    return Cost(params, params, weights * out.height * out.width)


def initializer(name: str) -> Any:
    """The tf-keras initializer of an `init=` name (imports tf-keras)."""
    import tf_keras

    if name.startswith("normal("):
        return tf_keras.initializers.RandomNormal(stddev=float(name[7:-1]))
    spec = INITIALIZERS[name]
    # a fresh config per call: tf-keras builds a new initializer from a dict, never shares one
    return tf_keras.initializers.get({**spec, "config": dict(spec["config"])} if isinstance(spec, dict) else spec)


def _lower(a: ConvAttrs, name: str) -> Any:
    import tf_keras

    common = dict(kernel_size=a.kernel, strides=a.stride, padding="same", use_bias=a.bias,
                  dilation_rate=a.dilation, bias_initializer=tf_keras.initializers.Constant(a.bias_init), name=name)
    if a.depthwise:
        return tf_keras.layers.DepthwiseConv2D(depthwise_initializer=initializer(a.kernel_init), **common)
    return tf_keras.layers.Conv2D(a.filters, groups=a.groups, kernel_initializer=initializer(a.kernel_init),
                                  **common)


def _label(a: ConvAttrs) -> str:
    stride = f"/{a.stride}" if a.stride > 1 else ""
    stride += f" d{a.dilation}" if a.dilation > 1 else ""
    if a.depthwise:
        return f"dwconv {a.kernel}×{a.kernel}{stride}"
    return f"conv {a.kernel}×{a.kernel}{stride} {a.filters}"


CONV = OpDef(
    "conv", "2-D convolution with 'same' padding, e.g. `conv 3x3 /2 64 bias` (kernel, stride, filters)",
    ConvAttrs,
    params=(Param("kernel", "int"), Param("filters", "int", None), Param("stride", "int", 1),
            Param("bias", "bool", False), Param("groups", "int", 1), Param("depthwise", "bool", False),
            Param("init", "string", "variance_scaling"), Param("bias_init", "float", 0.0),
            Param("share", "string", None), Param("dilation", "int", 1)),
    positional=("kernel", "filters"), make_attrs=_make, values=_values,
    level_step=lambda v: log2_step(v["stride"], "stride"), shape=_shape, cost=_cost,
    width=lambda v, ctx: None if v.get("depthwise") else v.get("filters"),
    lower=_lower, label=_label, weighted=True)
OPS = (CONV,)
