"""count-costs: exact params and multiply-adds per node, from the IR alone, by each op's `cost`
rule (`archdsl.ops`; a composite costs what its expansion's layers cost).

Params follow tf-keras `count_params()`: conv kernels (and biases), and for batch norm gamma and
beta (trainable) plus the moving mean and variance (not trainable). A weight-sharing group's
params are counted once, at its first member. MACs count conv (and dense) multiply-adds at the
output resolution, the convention of the SpineNet paper's FLOPs column; adds, activations and
pooling are free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from archdsl.ir.nodes import Node
from archdsl.ops.base import Cost, RuleContext, Shape
from archdsl.ops.rules import cost_of
from archdsl.passes.base import Pass, State, rule_context


def node_cost(node: Node, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    return cost_of(node.op, node.name, node.attrs, ins, out, ctx)


@dataclass(frozen=True)
class CountCosts(Pass):
    name = "count-costs"

    def run(self, state: State) -> State:
        g, shapes = state.graph, state.shapes
        costs: dict[str, Cost] = {}
        shared: set[str] = set()
        for node in g.nodes():
            ins = tuple(shapes[i] for i in g.inputs(node.name))
            cost = node_cost(node, ins, shapes[node.name], rule_context(g, shapes, node.name))
            if node.share is not None:
                if node.share in shared:  # weights already counted: only the compute repeats
                    cost = Cost(0, 0, cost.macs)
                shared.add(node.share)
            costs[node.name] = cost
        return replace(state, costs=costs)
