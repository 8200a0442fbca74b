"""check-shares: the members of one weight-sharing group (`share=`) can really share weights.

One Keras layer serves every member, so they must be the same op with the same attributes and
read inputs of the same width (a kernel's shape depends on its input channels); the spatial size
may differ (RetinaNet's towers run at every level). Otherwise the params would be counted once
for layers that cannot exist, and `compile` would fail late."""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.diagnostics import Note, error
from archdsl.ir.nodes import Node
from archdsl.passes.base import Pass, State


@dataclass(frozen=True)
class CheckShares(Pass):
    name = "check-shares"

    def run(self, state: State) -> State:
        g, shapes = state.graph, state.shapes
        first: dict[str, tuple] = {}
        # per group: the first member that differs, and how many do (one finding per group, not
        # one per level of a RetinaNet tower)
        differing: dict[str, tuple[Node, str, int]] = {}
        for node in g.nodes():
            if node.share is None:
                continue
            widths = tuple(shapes[i].channels for i in g.inputs(node.name))
            key = (node.op, node.attrs, widths)
            if node.share not in first:
                first[node.share] = (key, node)
                continue
            (op, attrs, ins), head = first[node.share]
            if key == (op, attrs, ins):
                continue
            what = ("op" if node.op != op else "settings" if node.attrs != attrs
                    else f"input width ({widths[0]} vs {ins[0]} channels)")
            seen = differing.get(node.share)
            differing[node.share] = (seen[0], seen[1], seen[2] + 1) if seen else (node, what, 1)
        diags = []
        for share, (node, what, count) in differing.items():
            head = first[share][1]
            more = f" (and {count - 1} more member{'s' if count > 2 else ''} of the group)" if count > 1 else ""
            diags.append(error(f"`{node.name}` shares weights (`share={share}`) with `{head.name}` "
                               f"but differs in {what}{more}", node.span, node=node.name,
                               notes=[Note(f"`{head.name}` is defined here", head.span)],
                               hint="shared layers need the same op, settings and input width"))
        return state.with_diagnostics(diags)
