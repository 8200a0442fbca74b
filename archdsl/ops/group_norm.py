"""`group_norm`: group normalization over channels (tf-keras's GroupNormalization: `groups`
groups of channels, epsilon 1e-3, a learned scale and offset per channel), as Model Garden's
Panoptic FPN fusion normalizes each conv (32 groups). Batch-independent, so no moving
statistics: two weights per channel, both trained."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Cost, OpDef, Param, RuleContext, RuleError, Shape, positive


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


def _lower(a: GroupNormAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.GroupNormalization(groups=a.groups, axis=-1, epsilon=a.epsilon, name=name)


GROUP_NORM = OpDef(
    "group_norm", "group normalization, e.g. `group_norm 32` (groups; `epsilon` 0.001)", GroupNormAttrs,
    params=(Param("groups", "int", 32), Param("epsilon", "float", 1e-3)), positional=("groups",),
    shape=_shape, cost=_cost, lower=_lower, label=lambda a: f"group norm /{a.groups}", weighted=True,
    in_summary=False)
OPS = (GROUP_NORM,)
