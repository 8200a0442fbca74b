"""check-structure: the graph has exactly one input (or only feature inputs above L0), at least one
output, and every node that needs inputs has them in the right number. (Unique names, defined
references and acyclicity are established while the graph is built, with located diagnostics; they
are re-checked here so graphs built from Python get the same guarantees.)"""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.diagnostics import error
from archdsl.ops.registry import get_op
from archdsl.passes.base import Pass, State


@dataclass(frozen=True)
class CheckStructure(Pass):
    name = "check-structure"

    def run(self, state: State) -> State:
        g, diags = state.graph, []
        inputs = g.input_names()
        # Inputs above L0 are a backbone's features feeding a block checked on its own
        # (`archdsl.arch.load_block`): there may be one per level. An image input is at L0.
        features = inputs and all(g.node(i).level > 0 for i in inputs)
        if len(inputs) != 1 and not features:
            found = ", ".join(inputs) or "none"
            diags.append(error(f"an arch needs exactly one input, found {len(inputs)} ({found})",
                               g.node(inputs[1]).span if len(inputs) > 1 else None))
        if not g.outputs:
            diags.append(error(f"arch `{g.name}` returns no outputs"))
        cycle = g.find_cycle()
        if cycle:
            diags.append(error("cycle: " + " -> ".join(cycle + cycle[:1]), g.node(cycle[0]).span, node=cycle[0]))
        for node in g.nodes():
            problem = get_op(node.op).arity_problem(len(g.inputs(node.name)))
            if problem:
                diags.append(error(f"`{node.name}` ({node.op}) {problem}", node.span, node=node.name))
        for _, name in g.output_items():
            if name not in g:
                diags.append(error(f"output `{name}` is not a node of the graph", node=name))
        return state.with_diagnostics(diags)
