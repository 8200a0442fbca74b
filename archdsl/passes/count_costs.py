"""count-costs: exact params and multiply-adds per node, from the IR alone.

Params follow tf-keras `count_params()`: conv kernels (and biases), and for batch norm gamma and
beta (trainable) plus the moving mean and variance (not trainable). A weight-sharing group's
params are counted once, at its first member. MACs count conv (and dense) multiply-adds at the
output resolution, the convention of the SpineNet paper's FLOPs column; adds, activations and
pooling are free. Composite nodes cost what their expansion (`archdsl.ir.expand`) costs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from archdsl.ir import nodes as n
from archdsl.ir.expand import Shape, expand
from archdsl.passes.base import Cost, Pass, State
from archdsl.passes.infer_shapes import level_shape


def primitive_cost(op: n.Op, attrs: n.Attrs, cin: int, out: Shape) -> Cost:
    if isinstance(attrs, n.ConvAttrs):
        per_pixel = attrs.kernel**2 * (cin if attrs.depthwise else cin // attrs.groups * attrs.filters)
        params = per_pixel + (out.channels if attrs.bias else 0)
        return Cost(params, params, per_pixel * out.height * out.width)
    if isinstance(attrs, n.BatchNormAttrs):
        return Cost(4 * out.channels, 2 * out.channels, 0)
    return Cost()


def node_cost(node: n.Node, ins: tuple[Shape, ...], out: Shape, *, parent_block: bool = False,
              image: Shape | None = None) -> Cost:
    if node.op in n.BLOCK_OPS or node.op is n.Op.RESAMPLE:
        target = None if image is None else level_shape(image, node.level, out.channels)
        layers = expand(node, ins, parent_block=parent_block, target=target)
        shapes = {"<0>": ins[0]}
        total = Cost()
        for layer in layers:
            total = total + primitive_cost(layer.op, layer.attrs, shapes[layer.inputs[0]].channels, layer.shape)
            shapes[layer.name] = layer.shape
        return total
    cin = ins[0].channels if ins else 0
    return primitive_cost(node.op, node.attrs, cin, out)


@dataclass(frozen=True)
class CountCosts(Pass):
    name = "count-costs"

    def run(self, state: State) -> State:
        g, shapes = state.graph, state.shapes
        image = shapes[g.input_names()[0]]
        costs: dict[str, Cost] = {}
        shared: set[str] = set()
        for node in g.nodes():
            inputs = g.inputs(node.name)
            parent_block = node.op is n.Op.RESAMPLE and g.node(inputs[0]).op is n.Op.BOTTLENECK
            cost = node_cost(node, tuple(shapes[i] for i in inputs), shapes[node.name],
                             parent_block=parent_block, image=image)
            if node.share is not None:
                if node.share in shared:  # weights already counted: only the compute repeats
                    cost = Cost(0, 0, cost.macs)
                shared.add(node.share)
            costs[node.name] = cost
        return replace(state, costs=costs)
