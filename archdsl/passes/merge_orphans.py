"""merge-orphans: Model Garden's orphan rule, made explicit in the IR.

In a fuse section marked `merge orphans`, every `output` line also sums in each earlier block (or
section input) that nothing has consumed yet and whose shape equals the line's combined shape; the
block is added raw, with no resampling. Model Garden applies this while building
(spinenet.py `_build_scale_permuted_network`); here it becomes edges marked `orphan`, visible in
the printed IR and the diagram. Because it compares static shapes, it runs after infer-shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from archdsl.diagnostics import warning
from archdsl.ir.nodes import Op
from archdsl.passes.base import Pass, State


@dataclass(frozen=True)
class MergeOrphans(Pass):
    name = "merge-orphans"

    def run(self, state: State) -> State:
        sections = [s for s in state.graph.sections if s.merge_orphans]
        if not sections:
            return state
        g = state.graph.copy()
        diags = []
        for section in sections:
            line_nodes = {line.node for line in section.lines}
            resamples = {line.combine: g.inputs(line.combine) for line in section.lines}
            # Model Garden's `net`: the section's inputs (in first-use order), then its lines.
            net: list[str] = []
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
                    combine = g.node(line.combine)
                    for cand in net:
                        if uses[cand] == 0 and state.shapes[cand] == target:
                            if combine.op is not Op.ADD:
                                diags.append(warning(f"orphan `{cand}` not merged into `{combine.group}`: "
                                                     f"its combine is {combine.op}, not add", combine.span))
                                continue
                            # Shown by `check --table` and the printed IR, not as a warning.
                            g.add_edge(cand, line.combine, len(g.inputs(line.combine)), orphan=True)
                            uses[cand] += 1
                net.append(line.node)
        return replace(state, graph=g).with_diagnostics(diags)
