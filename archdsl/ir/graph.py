"""`ArchGraph`: the IR, a directed graph whose vertices carry `Node` payloads.

Edges carry the input position (`pos`) and whether the orphan-merge rule added them (`orphan`).
The graph also records its outputs (a nested mapping: `"3"` -> node for a level-keyed backbone,
`"scores" -> "3" -> node` for a head) and its fuse sections (which lines were fused together, in
order, for the orphan-merge rule). Transforms call `copy()` and change the copy.

The graph keeps its own adjacency (insertion-ordered dicts, as networkx's `DiGraph` does) and
`to_networkx()` gives the same graph as a `networkx.DiGraph` for networkx's algorithms: what a check
needs (a topological order, a cycle, ancestors) is a few lines over the stdlib, and importing
networkx alone costs more than the whole check of a SpineNet (it scans every installed package's
entry points at import).
"""

from __future__ import annotations

import graphlib
import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from archdsl.ir.nodes import Node

Outputs = Mapping[str, "str | Outputs"]


@dataclass(frozen=True, slots=True)
class FuseLine:
    """One line of a fuse section: its result node, the node its parents meet at, output flag."""

    node: str
    combine: str
    output: bool


@dataclass(frozen=True, slots=True)
class FuseSection:
    lines: tuple[FuseLine, ...]
    merge_orphans: bool
    rule: str  # the resample rule: 'alpha' or 'nasfpn'
    seeds: tuple[str, ...] = ()  # `merge orphans from ...`: the first orphan candidates, in order


@dataclass(frozen=True, slots=True)
class _Edge:
    pos: int
    orphan: bool


@dataclass
class ArchGraph:
    name: str
    outputs: dict = field(default_factory=dict)
    sections: tuple[FuseSection, ...] = ()
    params: dict = field(default_factory=dict)  # the parameter values it was elaborated with
    optional: frozenset[str] = frozenset()  # groups of `optional` lines: pruning them is intended
    _nodes: dict[str, Node] = field(default_factory=dict, repr=False)
    _succ: dict[str, dict[str, _Edge]] = field(default_factory=dict, repr=False)
    _pred: dict[str, dict[str, _Edge]] = field(default_factory=dict, repr=False)

    # ---- building
    def add_node(self, node: Node) -> None:
        if node.name in self._nodes:
            raise ValueError(f"duplicate node {node.name!r}")
        self._nodes[node.name] = node
        self._succ[node.name] = {}
        self._pred[node.name] = {}

    def add_edge(self, src: str, dst: str, pos: int, *, orphan: bool = False) -> None:
        for name in (src, dst):
            if name not in self._nodes:
                raise KeyError(f"unknown node {name!r}")
        self._succ[src][dst] = self._pred[dst][src] = _Edge(pos, orphan)

    def remove_edge(self, src: str, dst: str) -> None:
        del self._succ[src][dst], self._pred[dst][src]

    def replace_node(self, node: Node) -> None:
        if node.name not in self._nodes:
            raise KeyError(f"unknown node {node.name!r}")
        self._nodes[node.name] = node

    def remove_nodes(self, names: list[str]) -> None:
        for name in names:
            for dst in self._succ.pop(name):
                del self._pred[dst][name]
            for src in self._pred.pop(name):
                del self._succ[src][name]
            del self._nodes[name]

    def copy(self) -> ArchGraph:
        return ArchGraph(self.name, _copy_outputs(self.outputs), self.sections, dict(self.params), self.optional,
                         dict(self._nodes), {k: dict(v) for k, v in self._succ.items()},
                         {k: dict(v) for k, v in self._pred.items()})

    # ---- reading
    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, name: object) -> bool:
        return name in self._nodes

    def node(self, name: str) -> Node:
        return self._nodes[name]

    def nodes(self) -> Iterator[Node]:
        """All nodes, in the order they were added (definition order)."""
        yield from list(self._nodes.values())

    def names(self) -> list[str]:
        return list(self._nodes)

    def inputs(self, name: str) -> tuple[str, ...]:
        """A node's inputs in position order."""
        return tuple(sorted(self._pred[name], key=lambda src: self._pred[name][src].pos))

    def consumers(self, name: str) -> tuple[str, ...]:
        return tuple(self._succ[name])

    def edges(self) -> Iterator[tuple[str, str, int, bool]]:
        """(src, dst, pos, orphan) for every edge."""
        for src, out in list(self._succ.items()):
            for dst, e in list(out.items()):
                yield src, dst, e.pos, e.orphan

    def is_orphan_edge(self, src: str, dst: str) -> bool:
        return self._succ[src][dst].orphan

    def find_cycle(self) -> list[str] | None:
        """The nodes of one cycle, in order (None for a DAG)."""
        return find_cycle(self._nodes, lambda v: self._pred[v])

    def topo_order(self) -> list[str]:
        """A deterministic topological order: of the nodes ready next, the earliest defined first
        (networkx's `lexicographical_topological_sort` by definition index)."""
        return topological_order(list(self._nodes), lambda v: self._pred[v], lambda v: self._succ[v])

    def ancestors(self, names: list[str]) -> set[str]:
        """`names` and every node they can be reached from."""
        from archdsl.ir.orphans import reachable  # the one liveness rule (it imports the printer's error)

        return reachable(names, self._pred.__getitem__)

    def output_items(self) -> list[tuple[tuple[str, ...], str]]:
        """Flattened outputs: (key path, node name), e.g. (("scores", "3"), "head.cls[3]")."""
        return list(_flatten(self.outputs, ()))

    def input_names(self) -> list[str]:
        return [n.name for n in self.nodes() if n.op == "input"]

    def to_networkx(self) -> Any:
        """The graph as a `networkx.DiGraph` (node attribute `node`, edge attributes `pos` and
        `orphan`), for networkx's algorithms."""
        import networkx as nx

        g = nx.DiGraph()
        for name, node in self._nodes.items():
            g.add_node(name, node=node)
        for src, dst, pos, orphan in self.edges():
            g.add_edge(src, dst, pos=pos, orphan=orphan)
        return g


def find_cycle(names: Iterable[str], inputs: Callable[[str], Iterable[str]]) -> list[str] | None:
    """One cycle of the graph given by `inputs` (stdlib `graphlib`), in edge order from its
    earliest-defined node, else None."""
    order = list(names)
    try:
        graphlib.TopologicalSorter({v: tuple(inputs(v)) for v in order}).prepare()
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])[:-1]  # graphlib closes the cycle: [a, b, c, a]
        index = {v: i for i, v in enumerate(order)}
        start = min(range(len(cycle)), key=lambda i: index[cycle[i]])
        return cycle[start:] + cycle[:start]
    return None


def topological_order(names: list[str], inputs: Callable[[str], Iterable[str]],
                      consumers: Callable[[str], Iterable[str]]) -> list[str]:
    """Kahn's algorithm; among ready nodes the one earliest in `names` goes first."""
    index = {v: i for i, v in enumerate(names)}
    waiting = {v: len(tuple(inputs(v))) for v in names}
    ready = [index[v] for v in names if waiting[v] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        v = names[heapq.heappop(ready)]
        order.append(v)
        for w in consumers(v):
            waiting[w] -= 1
            if waiting[w] == 0:
                heapq.heappush(ready, index[w])
    if len(order) != len(names):
        raise ValueError("the graph has a cycle")
    return order


def _flatten(outputs: Mapping, prefix: tuple[str, ...]):
    for key, value in outputs.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, prefix + (key,))
        else:
            yield prefix + (key,), value


def _copy_outputs(outputs: Mapping) -> dict:
    return {k: _copy_outputs(v) if isinstance(v, Mapping) else v for k, v in outputs.items()}
