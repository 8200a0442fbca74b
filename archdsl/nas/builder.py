"""A Python builder for the IR: graphs without text, checked by the same passes as text.

    b = Builder("net")
    image = b.input("image", 640, 640, 3)
    x = b.add("stem.conv", "conv", 1, ConvAttrs(64, 7, 2), [image])
    ...
    b.output("3", x)
    arch = b.check()               # run_pipeline(State(graph)) -> Arch, or ArchError

`build_topology(topology)` makes the IR of a scale-permuted `Topology` node for node as
`specs/spinenet.arch` elaborates (same names, ops, levels and attributes; `span=None`), so
text-made and builder-made graphs are equal and hash equally. Nodes carry no span: diagnostics of
a builder-made graph name the node instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from archdsl.arch import Arch
from archdsl.diagnostics import ArchError
from archdsl.ir import nodes as n
from archdsl.ir.graph import ArchGraph, FuseLine, FuseSection
from archdsl.nas.topology import STEM_BLOCKS, Topology
from archdsl.passes import State, run_pipeline

BN = n.BatchNormAttrs(0.99, 1e-3, False)


class Builder:
    """Adds nodes and edges to a fresh `ArchGraph`; `check()` runs the default pass pipeline."""

    def __init__(self, name: str, params: dict | None = None):
        self.graph = ArchGraph(name)
        self.graph.params = dict(params or {})
        self._sections: list[FuseSection] = []

    def input(self, name: str, height: int, width: int, channels: int) -> str:
        return self.add(name, "input", 0, n.InputAttrs(height, width, channels), (), origin=n.Origin((), name, "input"))

    def add(self, name: str, op: str, level: int, attrs: object, inputs: Sequence[str],
            group: str | None = None, share: str | None = None, origin: n.Origin | None = None) -> str:
        """Add one node fed by `inputs` (in position order); returns its name. `origin` says which
        statement would make it (without one, the IR printer cannot write the graph as text)."""
        self.graph.add_node(n.Node(name, op, level, attrs, group or name, share, origin=origin))
        for pos, src in enumerate(inputs):
            self.graph.add_edge(src, name, pos)
        return name

    def section(self, lines: Sequence[FuseLine], merge_orphans: bool = True, rule: str = "alpha") -> None:
        """Record a fuse section (the lines the merge-orphans pass looks at)."""
        self._sections.append(FuseSection(tuple(lines), merge_orphans, rule))

    def output(self, key: str, node: str) -> None:
        self.graph.outputs[key] = node

    def build(self) -> ArchGraph:
        self.graph.sections = tuple(self._sections)
        return self.graph

    def check(self) -> Arch:
        """Run the default pipeline (check, infer shapes, merge orphans, prune, count costs)."""
        return check(self.build())


def check(graph: ArchGraph) -> Arch:
    state = run_pipeline(State(graph))
    if state.failed:
        raise ArchError(list(state.diagnostics))
    return Arch(state)


@lru_cache(maxsize=4096)
def _block(kind: str, filters: int, act: str, repeats: int) -> n.BlockAttrs:
    return n.BlockAttrs(filters, act, 1, repeats, BN, 0.0)


@lru_cache(maxsize=4096)
def _resample(channels: int, act: str, alpha: float) -> n.ResampleAttrs:
    return n.ResampleAttrs("alpha", channels, act, alpha, BN)


def build_topology(topology: Topology, name: str = "spinenet") -> ArchGraph:
    """The IR of a scale-permuted topology, exactly as `print_topology`'s text elaborates."""
    p = topology.params
    act = p.activation
    b = Builder(name, _params(topology))
    size = p.input_size
    b.input("image", size, size, 3)
    # Each node's origin is the statement of specs/spinenet.arch that makes it (role, position).
    b.add("stem.conv", "conv", 1, n.ConvAttrs(64, 7, 2), ["image"], "stem", origin=_at("stem", "stage", 0))
    b.add("stem.bn", "bn", 1, BN, ["stem.conv"], "stem", origin=_at("stem", "stage", 1))
    b.add("stem.act", "act", 1, n.ActAttrs(act), ["stem.bn"], "stem", origin=_at("stem", "stage", 2))
    b.add("stem", "maxpool", 2, n.PoolAttrs(3, 2), ["stem.act"], "stem", origin=_at("stem", "result", 3))
    stem_block = _block("bottleneck", p.width(2), act, p.repeats)
    b.add("s0", "bottleneck", 2, stem_block, ["stem"], origin=_at("s0", "result", 0))
    b.add("s1", "bottleneck", 2, stem_block, ["s0"], origin=_at("s1", "result", 0))
    names = ["s0", "s1"]
    lines = []
    for k, spec in enumerate(topology.blocks):
        line = f"b{k + 1}"
        level, op = spec.level, spec.kind
        channels = topology.channels(k + STEM_BLOCKS)
        ins = [b.add(f"{line}.in{i}", "resample", level, _resample(channels, act, p.alpha),
                     [names[parent]], line, origin=_at(line, "resample", i)) for i, parent in enumerate(spec.parents)]
        b.add(f"{line}.add", "add", level, n.NoAttrs(), ins, line, origin=_at(line, "combine", 0))
        b.add(f"{line}.act", "act", level, n.ActAttrs(act), [f"{line}.add"], line, origin=_at(line, "combine", 1))
        b.add(line, op, level, _block(spec.kind, p.width(level), act, p.repeats), [f"{line}.act"], line,
              origin=_at(line, "result", 2))
        names.append(line)
        lines.append(FuseLine(line, f"{line}.add", spec.output))
    b.section(lines)
    outputs = {spec.level: f"b{k + 1}" for k, spec in enumerate(topology.blocks) if spec.output}
    for level in range(p.min_level, p.max_level + 1):
        ep = f"endpoint[{level}]"
        b.add(f"{ep}.conv", "conv", level, n.ConvAttrs(p.endpoint_filters), [outputs[level]], ep,
              origin=_at(ep, "stage", 0))
        b.add(f"{ep}.bn", "bn", level, BN, [f"{ep}.conv"], ep, origin=_at(ep, "stage", 1))
        b.add(ep, "act", level, n.ActAttrs(act), [f"{ep}.bn"], ep, origin=_at(ep, "result", 2))
        b.output(str(level), ep)
    return b.build()


@lru_cache(maxsize=4096)
def _at(statement: str, role: str, index: int) -> n.Origin:
    return n.Origin((), statement, role, (), index)


def _params(t: Topology) -> dict:
    p = t.params
    return {"input_size": p.input_size, "min_level": p.min_level, "max_level": p.max_level,
            "activation": p.activation, "filter_scale": p.filter_scale, "alpha": p.alpha,
            "repeats": p.repeats, "endpoint_filters": p.endpoint_filters, "drop_rate": 0.0,
            "momentum": 0.99, "epsilon": 0.001, "sync_bn": False,
            "widths": {lvl: p.width(lvl) for lvl in range(1, 8)}}


def arch_of(topology: Topology) -> Arch:
    """Build and check a topology's IR (the slow, complete path: every pass runs)."""
    return check(build_topology(topology))
