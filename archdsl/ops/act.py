"""`act`: an element-wise activation (tf-keras's functions; relu6 as ReLU(max_value=6)). The
mobile nets' `hard_sigmoid` and `hard_swish` are Model Garden's (official/modeling/activations):
relu6(x + 3) * 0.16667 and x * relu6(x + 3) / 6, not tf-keras's piecewise 0.2x + 0.5. `softmax` is over
the channels (a segmentation head's `logit_activation`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Bound, OpDef, Param
from archdsl.ops.deploy import everywhere

ACTIVATIONS = ("relu", "swish", "sigmoid", "hard_sigmoid", "hard_swish", "relu6", "gelu", "tanh", "linear", "softmax")


def check_activation(fn: str) -> None:
    if fn not in ACTIVATIONS:
        raise ValueError(f"unknown activation {fn!r}; expected one of {', '.join(ACTIVATIONS)}")


@dataclass(frozen=True, slots=True)
class ActAttrs:
    fn: str

    def __post_init__(self) -> None:
        check_activation(self.fn)


def from_defaults(defaults: Mapping[str, Bound]) -> str:
    """The activation a composite uses: the enclosing `defaults act(...)`."""
    fn = defaults.get("act", {}).get("fn")
    if fn is None:
        raise ValueError("blocks need an activation: add `defaults act(swish)` (or relu) before this line")
    return fn


def keras_activation(fn: str, name: str) -> Any:
    import tf_keras

    if fn == "relu6":  # not a tf-keras activation string
        return tf_keras.layers.ReLU(max_value=6.0, name=name)
    if fn in ("hard_sigmoid", "hard_swish"):  # Model Garden's definitions, not tf-keras's
        from archdsl.lower.layers import HardActivation

        return HardActivation(fn, name=name)
    return tf_keras.layers.Activation(fn, name=name)


# The TFLite ops each activation becomes. Model Garden's hard_sigmoid is relu6(x + 3) * 0.16667:
# the relu6 fuses into the ADD.
_TFLITE_OPS: Mapping[str, tuple[str, ...]] = {
    "relu": ("RELU",), "swish": ("LOGISTIC", "MUL"), "sigmoid": ("LOGISTIC",), "hard_sigmoid": ("ADD", "MUL"),
    "hard_swish": ("HARD_SWISH",), "relu6": ("RELU6",), "gelu": ("GELU",), "tanh": ("TANH",), "linear": (),
    "softmax": ("SOFTMAX",),
}


ACT = OpDef("act", "activation function, e.g. `act swish` (" + ", ".join(ACTIVATIONS) + ")", ActAttrs,
            params=(Param("fn", "string"),), positional=("fn",),
            lower=lambda a, name: keras_activation(a.fn, name), label=lambda a: a.fn, in_summary=False,
            takes="any", deploy=lambda a: everywhere(*_TFLITE_OPS[a.fn]))
OPS = (ACT,)
