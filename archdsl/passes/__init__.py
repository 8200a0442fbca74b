"""The pass registry and the default pipeline.

One explicit dict (greppable; nothing registers itself by import side effect). `run_pipeline`
stops after the first pass that reports an error, because each pass relies on the invariants the
earlier ones established.
"""

from __future__ import annotations

from archdsl.passes.base import Cost, Pass, State
from archdsl.passes.check_levels import CheckLevels
from archdsl.passes.check_limits import CheckLimits
from archdsl.passes.check_shares import CheckShares
from archdsl.passes.check_structure import CheckStructure
from archdsl.passes.count_costs import CountCosts
from archdsl.passes.infer_shapes import InferShapes
from archdsl.passes.merge_orphans import MergeOrphans
from archdsl.passes.prune_unreachable import PruneUnreachable

_ALL: tuple[type[Pass], ...] = (CheckStructure, CheckLevels, InferShapes, CheckShares, MergeOrphans,
                                PruneUnreachable, CountCosts, CheckLimits)
REGISTRY: dict[str, type[Pass]] = {}
for _cls in _ALL:
    if _cls.name in REGISTRY:
        raise RuntimeError(f"duplicate pass name {_cls.name!r}")
    REGISTRY[_cls.name] = _cls

DEFAULT_PIPELINE = ("check-structure", "check-levels", "infer-shapes", "check-shares", "merge-orphans",
                    "prune-unreachable", "count-costs", "check-limits")


def get_pass(name: str) -> Pass:
    if name not in REGISTRY:
        raise KeyError(f"unknown pass {name!r}; passes: {', '.join(REGISTRY)}")
    return REGISTRY[name]()


def run_pipeline(state: State, names: tuple[str, ...] = DEFAULT_PIPELINE) -> State:
    for name in names:
        state = get_pass(name).run(state)
        if state.failed:
            break
    return state


__all__ = ["Cost", "Pass", "State", "REGISTRY", "DEFAULT_PIPELINE", "get_pass", "run_pipeline"]
