"""Exact canonical labelling for graphs whose colours tie (`arch_hash`'s slow path).

When two vertices of a contracted DAG get the same two-pass colour (twins: two nodes computing
the same thing from the same inputs), sorting by colour is not canonical. An exact labelling is
then searched by individualisation and refinement: colour refinement in both edge directions,
then branching on the smallest tied cell, pruned by the automorphisms found on the way; the least
leaf certificate is what `hash.digest_contracted` hashes.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_LEAVES = 200_000
_INDIVIDUALISED = 0x5BD1E995


def mix(h: int, items: Sequence[int]) -> int:
    # CPython's tuple hash over ints is deterministic across runs (ints are not salted) and has
    # been the same xxHash-based function since 3.8; it runs in C, which the hot path needs.
    return hash((h, *items))


def pred_colours(v, colours, preds, ordered) -> tuple[int, ...]:
    cs = [colours[u] for u in preds[v]]
    if not ordered[v]:
        cs.sort()
    return tuple(cs)


def _refine(colours: list[int], preds, succ_items, ordered) -> list[int]:
    """Colour refinement to a fixpoint: each round, a vertex's colour is
    `mix(colour, input colours (sorted unless ordered) + (0,) + sorted(mix(consumer colour, (pos,))))`,
    written out (no helper calls: a tied candidate spends most of its time here)."""
    classes = len(set(colours))
    while True:
        new = []
        for v, c in enumerate(colours):
            cs = [colours[u] for u in preds[v]]
            if not ordered[v]:
                cs.sort()
            down = sorted([hash((colours[w], pos)) for w, pos in succ_items[v]])
            new.append(hash((c, *cs, 0, *down)))
        count = len(set(new))
        colours = new
        if count == classes:
            return colours
        classes = count


def canonical_certificate(labels, preds, ordered) -> tuple:  # noqa: C901 (one search, kept whole)
    """The least leaf certificate over an individualisation-refinement search tree."""
    n_v = len(labels)
    succ_items: list[list[tuple[int, int]]] = [[] for _ in range(n_v)]
    for v, ps in enumerate(preds):
        for pos, u in enumerate(ps):
            succ_items[u].append((v, pos + 1 if ordered[v] else 0))
    seen: dict[tuple, list[int]] = {}
    autos: list[list[int]] = []
    best: list = [None]

    def leaf(colours: list[int]) -> None:
        order = sorted(range(n_v), key=colours.__getitem__)
        idx = [0] * n_v
        for i, v in enumerate(order):
            idx[v] = i
        cert = tuple((labels[v], tuple(idx[u] for u in preds[v]) if ordered[v]
                      else tuple(sorted(idx[u] for u in preds[v]))) for v in order)
        if cert in seen:  # same certificate: the two labellings differ by an automorphism
            other = seen[cert]
            gamma = list(range(n_v))
            for i in range(n_v):
                gamma[other[i]] = order[i]
            autos.append(gamma)
        else:
            seen[cert] = order
            if len(seen) > MAX_LEAVES:
                raise RuntimeError("canonical hash: search tree too large")
        if best[0] is None or cert < best[0]:
            best[0] = cert

    def search(colours: list[int], prefix: list[int]) -> None:
        cells: dict[int, list[int]] = {}
        for v, c in enumerate(colours):
            cells.setdefault(c, []).append(v)
        ties = [(len(vs), c) for c, vs in cells.items() if len(vs) > 1]
        if not ties:
            leaf(colours)
            return
        cell = cells[min(ties)[1]]
        explored: list[int] = []
        for w in cell:
            if explored and _same_orbit(w, explored, autos, prefix, n_v):
                continue
            branch = list(colours)
            branch[w] = mix(colours[w], (_INDIVIDUALISED,))
            search(_refine(branch, preds, succ_items, ordered), prefix + [w])
            explored.append(w)

    search(_refine(list(labels), preds, succ_items, ordered), [])
    return best[0]


def _same_orbit(w: int, explored: list[int], autos, prefix, n_v: int) -> bool:
    """Whether an automorphism found so far that fixes `prefix` maps an explored vertex to `w`."""
    parent = list(range(n_v))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for gamma in autos:
        if all(gamma[p] == p for p in prefix):
            for x, y in enumerate(gamma):
                rx, ry = find(x), find(y)
                if rx != ry:
                    parent[rx] = ry
    root = find(w)
    return any(find(e) == root for e in explored)
