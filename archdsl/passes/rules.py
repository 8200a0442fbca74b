"""Model Garden's orphan rule and the liveness rule, each stated once.

The merge-orphans and prune-unreachable passes apply them to the IR; the NAS fast path
(`archdsl.nas.fast`) applies them to a topology's block indices without building the IR. Both
call these functions, so the sampler's costs and hashes cannot drift from the checked graph's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)


class Line(NamedTuple):
    """One line of a fuse section: the node it makes, the parents it reads, whether it is an
    `output` line, and the shape its parents are combined at. (A named tuple: the NAS sampler
    makes sixteen per candidate.)"""

    node: Hashable
    parents: tuple
    output: bool
    target: Hashable


def orphan_edges(lines: Sequence[Line], seeds: Sequence[K], shape: Callable[[K], Hashable]) -> list[tuple[K, int]]:
    """(candidate, line index) for every orphan an output line sums in (Model Garden's
    spinenet.py `_build_scale_permuted_network` / nasfpn.py `_build_feature_pyramid`).

    The candidates (Model Garden's `net`) are `seeds`, then every other parent the lines read, in
    first-use order, then each line's node as it is made. An output line takes, in that order,
    each candidate nothing has read yet whose shape equals the line's combined shape."""
    seen = {line.node for line in lines} | set(seeds)
    net: list = list(seeds)
    for line in lines:
        for p in line.parents:
            if p not in seen:
                seen.add(p)
                net.append(p)
    uses: dict = {}
    edges: list[tuple[K, int]] = []
    for i, line in enumerate(lines):
        for parent in line.parents:
            uses[parent] = uses.get(parent, 0) + 1
        if line.output:
            for cand in net:
                if not uses.get(cand) and shape(cand) == line.target:
                    edges.append((cand, i))
                    uses[cand] = 1
        net.append(line.node)
    return edges


def reachable(roots: Iterable[K], inputs: Callable[[K], Iterable[K]]) -> set[K]:
    """Everything an output can be reached from: the roots and their ancestors (what Keras keeps
    of a functional model, and so what archdsl keeps and counts)."""
    live: set[K] = set()
    stack = list(roots)
    while stack:
        v = stack.pop()
        if v not in live:
            live.add(v)
            stack.extend(inputs(v))
    return live


def feeds_of(pairs: Iterable[tuple[K, K]], extra: Mapping[K, Iterable[K]] | None = None) -> dict[K, list[K]]:
    """dst -> its inputs, from (src, dst) pairs (and `extra` inputs)."""
    out: dict[K, list[K]] = {}
    for src, dst in pairs:
        out.setdefault(dst, []).append(src)
    for dst, srcs in (extra or {}).items():
        out.setdefault(dst, []).extend(srcs)
    return out
