"""merge-orphans: Model Garden's orphan rule, made explicit in the IR.

In a fuse section marked `merge orphans`, every `output` line also sums in each earlier block (or
section input) that nothing has consumed yet and whose shape equals the line's combined shape; the
block is added raw, with no resampling. Model Garden applies this while building
(spinenet.py `_build_scale_permuted_network`, nasfpn.py `_build_feature_pyramid`); here it becomes
edges marked `orphan`, visible in the printed IR and the diagram. Because it compares static
shapes, it runs after infer-shapes.

`merge orphans from a, b` puts those nodes first among the candidates, in that order (NAS-FPN's
cell considers all five of its inputs, even ones no line reads). A line whose combine is not an
add (NAS-FPN's `attention`) gets an add inserted after it (`<line>.merge`), as NAS-FPN sums its
orphans into the attention's result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from archdsl.ir.graph import ArchGraph
from archdsl.ir.nodes import NoAttrs, Node
from archdsl.passes.base import Pass, State


@dataclass(frozen=True)
class MergeOrphans(Pass):
    name = "merge-orphans"

    def run(self, state: State) -> State:
        sections = [s for s in state.graph.sections if s.merge_orphans]
        if not sections:
            return state
        g = state.graph.copy()
        shapes = dict(state.shapes)
        for section in sections:
            line_nodes = {line.node for line in section.lines}
            resamples = {line.combine: g.inputs(line.combine) for line in section.lines}
            # Model Garden's `net`: the section's inputs (in first-use order), then its lines.
            net: list[str] = list(section.seeds)
            for line in section.lines:
                for r in resamples[line.combine]:
                    for parent in g.inputs(r):
                        if parent not in net and parent not in line_nodes:
                            net.append(parent)
            uses = {name: 0 for name in net + [line.node for line in section.lines]}
            for line in section.lines:
                target = state.shapes[line.combine]
                for r in resamples[line.combine]:
                    for parent in g.inputs(r):
                        uses[parent] = uses.get(parent, 0) + 1
                if line.output:
                    into = line.combine
                    for cand in net:
                        if uses.get(cand, 0) == 0 and shapes[cand] == target:
                            if g.node(into).op != "add":  # orphans are summed in
                                into = _add_after(g, into)
                                shapes[into] = target
                            # Shown by `check --table` and the printed IR, not as a warning.
                            g.add_edge(cand, into, len(g.inputs(into)), orphan=True)
                            uses[cand] = uses.get(cand, 0) + 1
                net.append(line.node)
        return replace(state, graph=g, shapes=shapes)


def _add_after(g: ArchGraph, combine: str) -> str:
    """Insert `<line>.merge` (an add) after a non-add combine; its consumers read the add."""
    node = g.node(combine)
    name = f"{node.group}.merge"
    consumers = [(dst, pos) for src, dst, pos, _ in g.edges() if src == combine]
    origin = None if node.origin is None else replace(node.origin, role="merge", iteration=(), index=0)
    g.add_node(Node(name, "add", node.level, NoAttrs(), node.group, span=node.span, origin=origin))
    for dst, pos in consumers:
        g.remove_edge(combine, dst)
        g.add_edge(name, dst, pos)
    g.add_edge(combine, name, 0)
    return name
