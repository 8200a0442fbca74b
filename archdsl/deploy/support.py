"""Per-target support of each primitive op: ONE table, read through `support(op_kind, attrs)`.

Each row says, for one op kind of the lowering plan, what the targets do with it and why: the
TFLite builtin ops it lowers to, whether it needs TF Select ops, whether an int8 kernel exists,
whether the GPU delegate takes it, whether XLA compiles it. The rows are facts measured with
TensorFlow 2.20's converter (`tests/keras/test_deploy.py` converts a one-op model per row and
asserts the row), written here so `archdsl check --target` can answer without TensorFlow. When
the op library lands, each row becomes the `deploy` field of its op's definition. An op kind
with no row is `unknown`: the check warns, and only the converter can tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

TARGETS = ("tflite", "tflite-int8", "tflite-gpu", "xla")
# A flatbuffer stores its weights in one buffer table addressed by 32-bit offsets.
FLATBUFFER_LIMIT = 2**31


class Verdict(str, Enum):
    OK = "ok"
    NEEDS_SELECT = "needs-select"   # only with TF Select ops (a larger runtime, no delegate)
    NO_INT8 = "no-int8"             # no int8 kernel: full-integer conversion fails
    NO_GPU = "no-gpu"               # the GPU delegate rejects it (runs on CPU, splits the graph)
    DYNAMIC = "dynamic-shape"       # a shape known only at run time
    NO_XLA = "no-xla"
    UNKNOWN = "unknown"             # no facts recorded for this op

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Support:
    """One op on one target: the verdict, the TFLite ops it becomes, why, and what to do."""

    verdict: Verdict
    lowers_to: tuple[str, ...] = ()
    reason: str = ""
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


def _all(lowers_to: tuple[str, ...], reason: str = "") -> dict[str, Support]:
    return {t: Support(Verdict.OK, lowers_to, reason) for t in TARGETS}


# op kind -> target -> Support. Attribute-dependent rows are functions of the attrs.
_TABLE: dict[str, Any] = {
    "input": _all(()),
    "conv": lambda a: _all(("DEPTHWISE_CONV_2D",) if getattr(a, "depthwise", False) else ("CONV_2D",),
                           "grouped convs lower to CONV_2D with a narrower filter" if getattr(a, "groups", 1) > 1
                           else ""),
    # Folded into the preceding conv by the converter; standalone it is a MUL (+ ADD).
    "bn": _all(("MUL", "ADD"), "folded into the conv before it by the converter"),
    "act": lambda a: _all(_ACT_OPS[a.fn]),
    "maxpool": _all(("MAX_POOL_2D",)),
    "avgpool": _all(("AVERAGE_POOL_2D",)),
    # Reshape + tile (Model Garden's nearest_upsampling); the converter folds tf.shape to constants.
    "upsample": _all(("RESHAPE", "TILE")),
    "resize": _all(("RESIZE_BILINEAR",)),
    "add": _all(("ADD",)),
    "concat": _all(("CONCATENATION",)),
    "attention": _all(("REDUCE_MAX", "LOGISTIC", "MUL", "ADD")),
    "global_pool": _all(("MEAN",)),
    "identity": _all(()),
    "drop_path": _all((), "identity at inference"),
}

_ACT_OPS: dict[str, tuple[str, ...]] = {
    "relu": ("RELU",), "swish": ("LOGISTIC", "MUL"), "sigmoid": ("LOGISTIC",),
    # Model Garden's hard_sigmoid is relu6(x + 3) * 0.16667: the relu6 fuses into the ADD
    "hard_sigmoid": ("ADD", "MUL"), "hard_swish": ("HARD_SWISH",), "relu6": ("RELU6",), "gelu": ("GELU",),
    "tanh": ("TANH",), "linear": (),
}


def support(op_kind: str, attrs: Any = None) -> dict[str, Support]:
    """Target -> Support for one primitive op (`op_kind` as in the IR, e.g. 'conv')."""
    row = _TABLE.get(op_kind)
    if row is None:
        unknown = Support(Verdict.UNKNOWN, (), f"no deployment facts are recorded for `{op_kind}`",
                          "convert it (`archdsl export --to tflite`) to find out")
        return {t: unknown for t in TARGETS}
    return dict(row(attrs) if callable(row) else row)


def known_ops() -> tuple[str, ...]:
    """The op kinds with a row (for the test that proves every row against the converter)."""
    return tuple(_TABLE)
