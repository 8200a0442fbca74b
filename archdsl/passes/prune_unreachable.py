"""prune-unreachable: drop nodes from which no output can be reached, with one warning per line.

Keras functional models silently keep only layers on a path to an output; Model Garden relies on
this to drop SpineNet's level-2 output block when min_level is 3. archdsl does the same, in the IR,
and says so, so the params it reports are the params of the model that is built. A line the spec
marks `optional` is pruned by design: it gets a note (shown by `check --table` and `-v`) instead of
a warning, so an accidental dead line still stands out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from archdsl.diagnostics import Diagnostic, Severity
from archdsl.ir.orphans import reachable
from archdsl.passes.base import Pass, State


@dataclass(frozen=True)
class PruneUnreachable(Pass):
    name = "prune-unreachable"

    def run(self, state: State) -> State:
        g = state.graph
        keep = reachable([name for _, name in g.output_items()], g.inputs)
        dead = [node for node in g.nodes() if node.name not in keep]
        if not dead:
            return state
        groups: dict[str, list] = {}
        for node in dead:
            groups.setdefault(node.group, []).append(node)
        diags = []
        for group, members in groups.items():
            if any(m.op == "input" for m in members):
                continue
            span = next((m.span for m in members if m.name == group), members[0].span)
            intended = group in g.optional
            diags.append(Diagnostic(
                f"`{group}` reaches no output and is pruned ({len(members)} node{'s' if len(members) > 1 else ''})"
                + (", as its `optional` asks" if intended else ""), span,
                hint=None if intended else "if that is intended, end the line with `optional`",
                severity=Severity.NOTE if intended else Severity.WARNING, node=group))
        pruned = g.copy()
        pruned.remove_nodes([node.name for node in dead if node.op != "input"])
        shapes = {k: v for k, v in state.shapes.items() if k in pruned}
        return replace(state, graph=pruned, shapes=shapes).with_diagnostics(diags)
