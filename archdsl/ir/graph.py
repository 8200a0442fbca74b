"""`ArchGraph`: the IR, a thin owner of one `networkx.DiGraph` whose vertices carry `Node` payloads.

Edges carry the input position (`pos`) and whether the orphan-merge rule added them (`orphan`).
The graph also records its outputs (a nested mapping: `"3"` -> node for a level-keyed backbone,
`"scores" -> "3" -> node` for a head) and its fuse sections (which lines were fused together, in
order, for the orphan-merge rule). No networkx type appears in this class's public methods;
transforms call `copy()` and change the copy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import networkx as nx

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


@dataclass
class ArchGraph:
    name: str
    _g: nx.DiGraph = field(default_factory=nx.DiGraph, repr=False)
    outputs: dict = field(default_factory=dict)
    sections: tuple[FuseSection, ...] = ()
    params: dict = field(default_factory=dict)  # the parameter values it was elaborated with
    optional: frozenset[str] = frozenset()  # groups of `optional` lines: pruning them is intended

    # ---- building
    def add_node(self, node: Node) -> None:
        if node.name in self._g:
            raise ValueError(f"duplicate node {node.name!r}")
        self._g.add_node(node.name, node=node)

    def add_edge(self, src: str, dst: str, pos: int, *, orphan: bool = False) -> None:
        for name in (src, dst):
            if name not in self._g:
                raise KeyError(f"unknown node {name!r}")
        self._g.add_edge(src, dst, pos=pos, orphan=orphan)

    def remove_edge(self, src: str, dst: str) -> None:
        self._g.remove_edge(src, dst)

    def replace_node(self, node: Node) -> None:
        self._g.nodes[node.name]["node"] = node

    def remove_nodes(self, names: list[str]) -> None:
        self._g.remove_nodes_from(names)

    def copy(self) -> ArchGraph:
        return ArchGraph(self.name, self._g.copy(), _copy_outputs(self.outputs), self.sections,
                         dict(self.params), self.optional)

    # ---- reading
    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def __contains__(self, name: object) -> bool:
        return name in self._g

    def node(self, name: str) -> Node:
        return self._g.nodes[name]["node"]

    def nodes(self) -> Iterator[Node]:
        """All nodes, in the order they were added (definition order)."""
        for name in self._g.nodes:
            yield self._g.nodes[name]["node"]

    def names(self) -> list[str]:
        return list(self._g.nodes)

    def inputs(self, name: str) -> tuple[str, ...]:
        edges = sorted(self._g.in_edges(name, data="pos"), key=lambda e: e[2])
        return tuple(src for src, _, _ in edges)

    def consumers(self, name: str) -> tuple[str, ...]:
        return tuple(self._g.successors(name))

    def edges(self) -> Iterator[tuple[str, str, int, bool]]:
        """(src, dst, pos, orphan) for every edge."""
        for src, dst, data in self._g.edges(data=True):
            yield src, dst, data["pos"], data["orphan"]

    def is_orphan_edge(self, src: str, dst: str) -> bool:
        return bool(self._g.edges[src, dst]["orphan"])

    def find_cycle(self) -> list[str] | None:
        try:
            return [src for src, _ in nx.find_cycle(self._g)]
        except nx.NetworkXNoCycle:
            return None

    def topo_order(self) -> list[str]:
        """A deterministic topological order: ties broken by definition order."""
        index = {name: i for i, name in enumerate(self._g.nodes)}
        return list(nx.lexicographical_topological_sort(self._g, key=index.__getitem__))

    def ancestors(self, names: list[str]) -> set[str]:
        out: set[str] = set(names)
        for name in names:
            out |= nx.ancestors(self._g, name)
        return out

    def output_items(self) -> list[tuple[tuple[str, ...], str]]:
        """Flattened outputs: (key path, node name), e.g. (("scores", "3"), "head.cls[3]")."""
        return list(_flatten(self.outputs, ()))

    def input_names(self) -> list[str]:
        return [n.name for n in self.nodes() if n.op == "input"]


def _flatten(outputs: Mapping, prefix: tuple[str, ...]):
    for key, value in outputs.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, prefix + (key,))
        else:
            yield prefix + (key,), value


def _copy_outputs(outputs: Mapping) -> dict:
    return {k: _copy_outputs(v) if isinstance(v, Mapping) else v for k, v in outputs.items()}
