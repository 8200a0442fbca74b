"""`drop_path`: stochastic depth on a residual branch (Model Garden's `StochasticDepth`: training
only). Made by block expansion, not written in specs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import OpDef
from archdsl.ops.deploy import everywhere


@dataclass(frozen=True, slots=True)
class DropAttrs:
    rate: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate < 1.0:
            raise ValueError(f"drop rate must be in [0, 1), got {self.rate}")


def _lower(a: DropAttrs, name: str) -> Any:
    from archdsl.lower.layers import DropPath

    return DropPath(a.rate, name=name)


DROP_PATH = OpDef("drop_path", "stochastic depth (training only)", DropAttrs, lower=_lower, spelled=False,
                  in_summary=False, deploy=everywhere(note="identity at inference"))
OPS = (DROP_PATH,)
