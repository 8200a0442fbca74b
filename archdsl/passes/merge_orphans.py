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
from archdsl.ir.nodes import NoAttrs, Node, Origin
from archdsl.ir.orphans import Line, orphan_edges
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
            # a line reads its parents through its resample paths
            lines = [Line(line.node, tuple(p for r in g.inputs(line.combine) for p in g.inputs(r)), line.output,
                          shapes[line.combine]) for line in section.lines]
            into = {line.combine: line.combine for line in section.lines}
            for cand, i in orphan_edges(lines, section.seeds, shapes):
                combine = section.lines[i].combine
                if g.node(into[combine]).op != "add":  # orphans are summed in
                    into[combine] = _add_after(g, into[combine])
                    shapes[into[combine]] = shapes[combine]
                # Shown by `check --table` and the printed IR, not as a warning.
                g.add_edge(cand, into[combine], len(g.inputs(into[combine])), orphan=True)
        return replace(state, graph=g, shapes=shapes)


def _add_after(g: ArchGraph, combine: str) -> str:
    """Insert `<line>.merge` (an add) after a non-add combine; its consumers read the add."""
    node = g.node(combine)
    name = f"{node.group}.merge"
    consumers = [(dst, pos) for src, dst, pos, _ in g.edges() if src == combine]
    origin = (Origin((), node.group, "merge") if node.origin is None
              else replace(node.origin, role="merge", iteration=(), index=0))
    g.add_node(Node(name, "add", node.level, NoAttrs(), node.group, span=node.span, origin=origin))
    for dst, pos in consumers:
        g.remove_edge(combine, dst)
        g.add_edge(name, dst, pos)
    g.add_edge(combine, name, 0)
    return name
