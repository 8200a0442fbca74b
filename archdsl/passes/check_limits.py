"""check-limits: tensor sizes and total params against the run's `Limits`, from the IR alone.

A spec whose node outputs or params would be absurd (a conv with 10^9 filters, a 10^7-pixel
input) is rejected here, before TensorFlow allocates anything; `archdsl.limits.check_sizes` says
what is measured. It runs after count-costs, so it sees the pruned graph Keras would build.
"""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.limits import check_sizes
from archdsl.passes.base import Pass, State


@dataclass(frozen=True)
class CheckLimits(Pass):
    name = "check-limits"

    def run(self, state: State) -> State:
        return state.with_diagnostics(check_sizes(state.graph, state.shapes, state.costs, state.limits))
