"""infer-shapes: the height, width and channels of every node for the spec's input, before any
TensorFlow import, by each op's `shape` rule (`archdsl.ops`). Spatial sizes follow TF 'same'
padding (ceil division by the stride), so any input size works where nothing joins two levels
(EfficientNet-B2 at 260 is 33x33 at L3, as in Model Garden). Where an op does join levels (an `add`
of an upsampled map and a lateral one, a resample path checked against its level), its own rule
fails on the misaligned sizes; the error is located there and, when the input is not a multiple of
2**(deepest level above it), says so."""

from __future__ import annotations

from dataclasses import dataclass, replace

from archdsl.diagnostics import Note, error
from archdsl.ir.graph import ArchGraph
from archdsl.ir.nodes import Node
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
                notes = [Note(f"first input `{first.name}` is defined here", first.span)]
                hint = getattr(exc, "hint", None)
                deepest = _deepest_above(g, name)
                side = 2**deepest.level
                if image_shape.height % side or image_shape.width % side:
                    notes.append(Note(f"`{deepest.group}` above it reaches L{deepest.level}", deepest.span))
                    hint = (f"the input {image_shape.height}x{image_shape.width} is not a multiple of 2^"
                            f"{deepest.level} = {side}: sizes round up at each stride, so levels joined here "
                            f"do not align; use e.g. {side * max(1, round(image_shape.width / side))}")
                return state.with_diagnostics([error(
                    f"`{node.group}`: {exc}", node.span, node=name, hint=hint, notes=notes)])
        return replace(state, shapes=shapes)


def _deepest_above(g: ArchGraph, name: str) -> Node:
    """The deepest-level node among `name` and everything it reads."""
    seen, todo, best = {name}, [name], g.node(name)
    while todo:
        for i in g.inputs(todo.pop()):
            if i not in seen:
                seen.add(i)
                todo.append(i)
                if g.node(i).level > best.level:
                    best = g.node(i)
    return best
