"""`bn`: batch normalization over channels (Model Garden's momentum 0.99, epsilon 1e-3 defaults;
`sync=true` is tf-keras's synchronized batch norm across replicas)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Bound, Cost, OpDef, Param, RuleContext, Shape
from archdsl.ops.deploy import everywhere


@dataclass(frozen=True, slots=True)
class BatchNormAttrs:
    momentum: float = 0.99
    epsilon: float = 1e-3
    sync: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {self.momentum}")
        if not self.epsilon > 0.0:
            raise ValueError(f"epsilon must be positive, got {self.epsilon}")


def from_defaults(defaults: Mapping[str, Bound]) -> BatchNormAttrs:
    """The batch norm a composite (block, resample path) uses: the enclosing `defaults bn(...)`."""
    d = defaults.get("bn", {})
    return BatchNormAttrs(d.get("momentum", 0.99), d.get("epsilon", 1e-3), d.get("sync", False))


def _cost(a: BatchNormAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    # gamma and beta are trained; the moving mean and variance are weights too (count_params)
    return Cost(4 * out.channels, 2 * out.channels, 0)


def _lower(a: BatchNormAttrs, name: str) -> Any:
    import tf_keras

    return tf_keras.layers.BatchNormalization(axis=-1, momentum=a.momentum, epsilon=a.epsilon,
                                              synchronized=a.sync, name=name)


BN = OpDef("bn", "batch normalization: `bn`, `bn momentum=0.9 epsilon=1e-5 sync=true`", BatchNormAttrs,
           params=(Param("momentum", "float", 0.99), Param("epsilon", "float", 1e-3), Param("sync", "bool", False)),
           cost=_cost, lower=_lower, label=lambda a: "bn", weighted=True, in_summary=False,
           deploy=everywhere("MUL", "ADD", note="folded into the conv before it by the converter"))
OPS = (BN,)
