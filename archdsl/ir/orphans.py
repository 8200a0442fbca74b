"""Model Garden's orphan rule and the liveness rule, each stated once.

The merge-orphans and prune-unreachable passes apply them to the IR; the NAS fast path
(`archdsl.nas.fast`) applies them to a topology's block indices without building the IR. Both
call these functions, so the sampler's costs and hashes cannot drift from the checked graph's.
The IR printer asks `check_printable` whether its `merge orphans` would give the same edges back.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:  # annotations only
    from archdsl.ir.graph import ArchGraph
    from archdsl.ops.base import Shape

K = TypeVar("K", bound=Hashable)


class Line(NamedTuple):
    """One line of a fuse section: the node it makes, the parents it reads, whether it is an
    `output` line, and the shape its parents are combined at. `orphan_edges` unpacks lines by
    position, so a caller in a hot loop (the NAS sampler) may pass plain tuples in this order."""

    node: Hashable
    parents: tuple
    output: bool
    target: Hashable


def orphan_edges(lines: Sequence[tuple[Hashable, tuple, bool, Hashable]], seeds: Sequence[K],
                 shape: Any) -> list[tuple[K, int]]:
    """(candidate, line index) for every orphan an output line sums in (Model Garden's
    spinenet.py `_build_scale_permuted_network` / nasfpn.py `_build_feature_pyramid`).

    The candidates (Model Garden's `net`) are `seeds`, then every other parent the lines read, in
    first-use order, then each line's node as it is made. An output line takes, in that order,
    each candidate nothing has read yet whose shape equals the line's combined shape. `shape[c]`
    is candidate c's shape (a mapping, or a list for the NAS sampler's int candidates: indexing is
    cheaper than a call in its hot loop)."""
    nodes = {line[0] for line in lines}
    # The candidates so far, grouped by shape (each group in `net` order): an output line only
    # looks at its own shape's group. `read`: candidates a line has read or an orphan edge took.
    groups: dict[Hashable, list] = {}
    first = list(seeds)
    seen = set(first)
    for line in lines:
        for p in line[1]:
            if p not in seen and p not in nodes:
                seen.add(p)
                first.append(p)
    for cand in first:
        groups.setdefault(shape[cand], []).append(cand)
    read: set = set()
    edges: list[tuple[K, int]] = []
    for i, (node, parents, output, target) in enumerate(lines):
        read.update(parents)
        if output and target in groups:
            for cand in groups[target]:
                if cand not in read:
                    edges.append((cand, i))
                    read.add(cand)
        groups.setdefault(shape[node], []).append(node)
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


def check_printable(graph: ArchGraph, shapes: Mapping[str, Shape]) -> None:
    """Refuse (`Unprintable`) a graph whose orphan edges its fuse sections' `merge orphans` would
    not reproduce from the lines still in the graph: a pruned line (reaching no output) may have
    taken an orphan that, without it, a later line would take."""
    from archdsl.ir.print_chains import Unprintable  # the printer's; a check never imports it

    for section in graph.sections:
        if not section.merge_orphans:
            continue
        kept = [line for line in section.lines if line.node in graph]
        into = {line.combine: i for i, line in enumerate(kept)}
        into.update({name: into[g] for name, g in _merge_targets(graph, into)})
        actual = sorted((src, into[dst]) for src, dst, _, orphan in graph.edges() if orphan and dst in into)
        lines = [Line(line.node, tuple(p for r in graph.inputs(line.combine) for p in graph.inputs(r)
                                       if not graph.is_orphan_edge(p, r)), line.output, shapes[line.combine])
                 for line in kept]
        again = sorted(orphan_edges(lines, [s for s in section.seeds if s in graph], shapes))
        if again != actual:
            raise Unprintable("a pruned fuse line took orphans that the printed `merge orphans` would give to "
                              "another line: the text cannot say this graph")


def _merge_targets(graph: ArchGraph, combines: Mapping[str, int]) -> list[tuple[str, str]]:
    """(merge add, its combine) for each `<line>.merge` add after a non-add combine."""
    return [(x.name, graph.inputs(x.name)[0]) for x in graph.nodes()
            if x.origin is not None and x.origin.role == "merge" and graph.inputs(x.name)[0] in combines]
