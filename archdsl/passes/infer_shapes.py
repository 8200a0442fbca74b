"""infer-shapes: the height, width and channels of every node for the spec's input, before any
TensorFlow import. Spatial sizes follow TF 'same' padding (ceil division by the stride); composite
nodes take the shape of their expansion (`archdsl.ir.expand`), so a resample path's real output is
checked against its level. The input must be divisible by 2**(deepest level), as Model Garden
assumes when it plans resampling by integer factors."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from archdsl.diagnostics import Note, error
from archdsl.ir import nodes as n
from archdsl.ir.expand import Shape, expand
from archdsl.passes.base import Pass, State


def level_shape(input_shape: Shape, level: int, channels: int) -> Shape:
    return Shape(math.ceil(input_shape.height / 2**level), math.ceil(input_shape.width / 2**level), channels)


@dataclass(frozen=True)
class InferShapes(Pass):
    name = "infer-shapes"

    def run(self, state: State) -> State:
        g = state.graph
        image = g.node(g.input_names()[0])
        a = image.attrs
        assert isinstance(a, n.InputAttrs)
        top = max(node.level for node in g.nodes())
        if a.height % 2**top or a.width % 2**top:
            deepest = next(node for node in g.nodes() if node.level == top)
            return state.with_diagnostics([error(
                f"input {a.height}x{a.width} is not divisible by 2^{top} = {2**top}", image.span,
                notes=[Note(f"`{deepest.group}` reaches L{top}", deepest.span)],
                hint=f"use a multiple of {2**top}, e.g. {2**top * max(1, round(a.width / 2**top))}")])
        shapes: dict[str, Shape] = {}
        diags = []
        for name in g.topo_order():
            node = g.node(name)
            ins = [shapes[i] for i in g.inputs(name)]
            shape, problem = _shape(node, ins, g, Shape(a.height, a.width, a.channels))
            if problem:
                first = g.node(g.inputs(name)[0])
                diags.append(error(f"`{node.group}`: {problem}", node.span, node=name,
                                   notes=[Note(f"first input `{first.name}` is defined here", first.span)]))
                return state.with_diagnostics(diags)
            shapes[name] = shape
        return replace(state, shapes=shapes).with_diagnostics(diags)


def _shape(node: n.Node, ins: list[Shape], g, image: Shape) -> tuple[Shape, str | None]:
    a = node.attrs
    if isinstance(a, n.InputAttrs):
        return Shape(a.height, a.width, a.channels), None
    first = ins[0]
    if node.op in (n.Op.ADD, n.Op.ATTENTION):
        odd = [s for s in ins if s != first]
        if odd:
            return first, f"{node.op} of different shapes: {first} and {odd[0]}"
        return first, None
    if node.op is n.Op.CONCAT:
        if any((s.height, s.width) != (first.height, first.width) for s in ins):
            return first, "concat of different spatial sizes: " + ", ".join(str(s) for s in ins)
        return Shape(first.height, first.width, sum(s.channels for s in ins)), None
    if isinstance(a, n.ConvAttrs):
        if not a.depthwise and first.channels % a.groups:
            return first, f"{first.channels} input channels do not split into {a.groups} groups"
        out = n.out_channels(node, (first.channels,))
        return Shape(math.ceil(first.height / a.stride), math.ceil(first.width / a.stride), out), None
    if isinstance(a, n.PoolAttrs):
        return Shape(math.ceil(first.height / a.stride), math.ceil(first.width / a.stride), first.channels), None
    if isinstance(a, n.UpsampleAttrs):  # nearest `upsample` and bilinear `resize`
        return Shape(first.height * a.factor, first.width * a.factor, first.channels), None
    if node.op is n.Op.GLOBAL_POOL:
        return Shape(1, 1, first.channels), None
    if node.op in n.BLOCK_OPS:
        return expand(node, (first,))[-1].shape, None
    if node.op is n.Op.RESAMPLE:
        target = level_shape(image, node.level, n.out_channels(node, ()))
        parent = g.node(g.inputs(node.name)[0])
        got = expand(node, (first,), parent_block=parent.op is n.Op.BOTTLENECK, target=target)[-1].shape
        if got != target:
            return got, f"resampling {first} to L{node.level} gives {got}, not {target}"
        return got, None
    return first, None  # bn, act, identity, drop_path
