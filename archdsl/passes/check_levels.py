"""check-levels: every node sits at the level its inputs and strides put it, and nodes that combine
inputs (add, concat, attention) only combine inputs of one level. A conflict names both ends:
"`b3.add` adds L4 and L6 without a resample; first input defined here"."""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.diagnostics import ArchError, Note, error
from archdsl.ir.resolve import expected_level
from archdsl.ops.registry import get_op
from archdsl.passes.base import Pass, State


@dataclass(frozen=True)
class CheckLevels(Pass):
    name = "check-levels"

    def run(self, state: State) -> State:
        g, diags = state.graph, []
        for node in g.nodes():
            ins = [g.node(i) for i in g.inputs(node.name)]
            if get_op(node.op).max_inputs != 1 and len(ins) > 1:  # a combine: one level in
                odd = [i for i in ins if i.level != ins[0].level]
                if odd:
                    verb = "adds" if node.op == "add" else "combines"
                    diags.append(error(
                        f"`{node.group}` {verb} L{ins[0].level} and L{odd[0].level} without a resample",
                        node.span, node=node.name,
                        notes=[Note(f"first input `{ins[0].name}` (L{ins[0].level}) is defined here", ins[0].span),
                               Note(f"`{odd[0].name}` (L{odd[0].level}) is defined here", odd[0].span)],
                        hint="resample one input (upsample / maxpool / a fuse section) to a common level"))
                    continue
            try:
                expected = expected_level(node.op, {}, node.attrs, [i.level for i in ins], node.span)
            except ArchError as exc:
                diags.extend(exc.diagnostics)
                continue
            if expected is not None and expected != node.level:
                diags.append(error(f"`{node.name}` is at L{node.level} but its input puts it at L{expected}",
                                   node.span, node=node.name))
        return state.with_diagnostics(diags)
