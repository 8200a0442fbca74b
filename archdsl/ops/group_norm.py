"""`group_norm`: group normalization over channels (tf-keras's GroupNormalization: `groups`
groups of channels, epsilon 1e-3, a learned scale and offset per channel), as Model Garden's
Panoptic FPN fusion normalizes each conv (32 groups). Batch-independent, so no moving
statistics: two weights per channel, both trained."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Cost, OpDef, Param, RuleContext, RuleError, Shape, positive
from archdsl.ops.deploy import Deploy, Problem, Verdict


@dataclass(frozen=True, slots=True)
class GroupNormAttrs:
    groups: int = 32
    epsilon: float = 1e-3

    def __post_init__(self) -> None:
        positive(groups=self.groups)
        if not self.epsilon > 0.0:
            raise ValueError(f"epsilon must be positive, got {self.epsilon}")


def _shape(a: GroupNormAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x = ins[0]
    if x.channels % a.groups:
        raise RuleError(f"{x.channels} channels do not split into {a.groups} groups",
                        hint="use a channel count that is a multiple of groups, or change groups")
    return x


def _cost(a: GroupNormAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    return Cost(2 * out.channels, 2 * out.channels, 0)  # gamma and beta, both trained


# The converter takes it, but the interpreter's BROADCAST_TO refuses the shapes at prepare time
# (fp32 and int8, any batch): measured with TensorFlow 2.20's TFLite (tests/keras/test_deploy.py).
_NO_TFLITE = Problem(Verdict.DYNAMIC, "group normalization converts but does not run in the TFLite interpreter "
                                      "(tf-keras's GroupNormalization broadcasts to shapes known only at run time)",
                     "deploy as a SavedModel, or use `bn` where the model allows it")


def _lower(a: GroupNormAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.GroupNormalization(groups=a.groups, axis=-1, epsilon=a.epsilon, name=name)


GROUP_NORM = OpDef(
    "group_norm", "group normalization, e.g. `group_norm 32` (groups; `epsilon` 0.001)", GroupNormAttrs,
    params=(Param("groups", "int", 32), Param("epsilon", "float", 1e-3)), positional=("groups",),
    shape=_shape, cost=_cost, lower=_lower, label=lambda a: f"group norm /{a.groups}", weighted=True,
    in_summary=False, deploy=Deploy(
        (), {t: _NO_TFLITE for t in ("tflite", "tflite-int8", "tflite-gpu")},
        note="tf-keras's GroupNormalization reshapes with broadcasts computed at run time"))
OPS = (GROUP_NORM,)
