"""Pareto fronts by non-dominated sorting (pymoo's implementation), over scores to be maximised."""

from __future__ import annotations

from collections.abc import Sequence


def fronts(scores: Sequence[Sequence[float]]) -> list[list[int]]:
    """Indices of `scores` (every entry maximised) grouped into non-dominated fronts, best first."""
    if not scores:
        return []
    import numpy as np
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    minimise = -np.asarray(scores, dtype=float)  # pymoo minimises
    return [sorted(int(i) for i in f) for f in NonDominatedSorting().do(minimise)]


def first_front(scores: Sequence[Sequence[float]]) -> list[int]:
    """Indices of the non-dominated points (every entry maximised)."""
    return fronts(scores)[0] if scores else []
