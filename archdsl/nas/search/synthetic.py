"""A synthetic objective with a known optimum, computed from the topology alone (no training).

`similarity(t)` is the fraction of SpineNet-49's block fields (level, kind, parent pair) that `t`
matches position by position; SpineNet-49 is a point of the default scale-permuted space, so the
optimum is 1.0 and is reached exactly there. It measures a strategy's search quality in
milliseconds per trial (tests, benchmarks/bench_search.py).
"""

from __future__ import annotations

import random

from archdsl.nas.search.spaces import SpineNetSpace
from archdsl.nas.search.strategies import STRATEGIES, Strategy
from archdsl.nas.topology import SPINENET49, Topology


def similarity(t: Topology, target: Topology = SPINENET49) -> float:
    """Matched fields / all fields, per block position: 1.0 only for `target` itself."""
    hits = sum((a.level == b.level) + (a.kind == b.kind) + (set(a.parents) == set(b.parents))
               for a, b in zip(t.blocks, target.blocks))
    return hits / (3 * len(target.blocks))


def run(strategy: str, trials: int, seed: int, **options) -> float:
    """Best similarity found by `strategy` in `trials` proposals (sequential ask/tell)."""
    space = SpineNetSpace({"input_size": 128})
    s: Strategy = STRATEGIES[strategy](space, random.Random(seed), seed=seed, **options)
    best = 0.0
    for _ in range(trials):
        p = s.ask()
        score = similarity(p.genome)
        best = max(best, score)
        s.tell(p, (score,))
    return best
