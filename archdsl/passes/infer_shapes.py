"""infer-shapes: the height, width and channels of every node for the spec's input, before any
TensorFlow import, by each op's `shape` rule (`archdsl.ops`). Spatial sizes follow TF 'same'
padding (ceil division by the stride); a composite's rule checks its expansion (a resample path's
real output is checked against its level). The input must be divisible by 2**(deepest level), as
Model Garden assumes when it plans resampling by integer factors."""

from __future__ import annotations

from dataclasses import dataclass, replace

from archdsl.diagnostics import Note, error
from archdsl.ops.base import RuleContext, Shape
from archdsl.ops.rules import shape_of
from archdsl.passes.base import Pass, State, rule_context


@dataclass(frozen=True)
class InferShapes(Pass):
    name = "infer-shapes"

    def run(self, state: State) -> State:
        g = state.graph
        image = g.node(g.input_names()[0])
        image_shape = shape_of(image.op, image.attrs, (), RuleContext(0, Shape(1, 1, 1)))
        top = max(node.level for node in g.nodes())
        if image_shape.height % 2**top or image_shape.width % 2**top:
            deepest = next(node for node in g.nodes() if node.level == top)
            h, w = image_shape.height, image_shape.width
            return state.with_diagnostics([error(
                f"input {h}x{w} is not divisible by 2^{top} = {2**top}", image.span,
                notes=[Note(f"`{deepest.group}` reaches L{top}", deepest.span)],
                hint=f"use a multiple of {2**top}, e.g. {2**top * max(1, round(w / 2**top))}")])
        shapes: dict[str, Shape] = {image.name: image_shape}
        for name in g.topo_order():
            node = g.node(name)
            if name == image.name:
                continue
            ins = [shapes[i] for i in g.inputs(name)]
            try:
                shapes[name] = shape_of(node.op, node.attrs, ins, rule_context(g, shapes, name))
            except ValueError as exc:
                first = g.node(g.inputs(name)[0])
                return state.with_diagnostics([error(
                    f"`{node.group}`: {exc}", node.span, node=name, hint=getattr(exc, "hint", None),
                    notes=[Note(f"first input `{first.name}` is defined here", first.span)])])
        return replace(state, shapes=shapes)
