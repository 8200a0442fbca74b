"""Apply op definitions to one node: its shape, its layers and its cost, composites included.

Stages call these instead of branching on op kinds. A composite op (one with `expand`) is priced
and lowered as its expansion: every layer is a registered primitive op whose own rules apply, so a
block group's params are the sum of its convs' and batch norms' params by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archdsl.ops.base import Cost, Layer, RuleContext, RuleError, Shape
from archdsl.ops.registry import get_op


def shape_of(op: str, attrs: Any, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    """The node's output shape (ValueError: the inputs do not fit the op, a feature map where the
    op takes tokens or the reverse included)."""
    definition = get_op(op)
    if definition.takes != "any":
        for i, shape in enumerate(ins):
            if shape.tokens != (definition.takes == "tokens"):
                want = "token sequences" if definition.takes == "tokens" else "feature maps"
                convert = "patch_embed or to_tokens" if definition.takes == "tokens" else "to_map"
                raise RuleError(f"`{op}` takes {want}, but input {i + 1} is {shape.form} {shape.text('x')}",
                                hint=f"convert it explicitly with `{convert}`")
    return definition.shape(attrs, ins, ctx)


def layers_of(op: str, name: str, attrs: Any, ins: Sequence[Shape], ctx: RuleContext) -> tuple[Layer, ...]:
    """A composite's primitive layers (a primitive is its own single layer)."""
    definition = get_op(op)
    if definition.expand is None:
        raise ValueError(f"`{op}` is not a composite op")
    return definition.expand(name, attrs, tuple(ins), ctx)


def cost_of(op: str, name: str, attrs: Any, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    """Params and MACs of one node; a composite costs what its layers cost."""
    definition = get_op(op)
    if definition.expand is None:
        return definition.cost(attrs, ins, out, ctx)
    shapes = {f"<{i}>": s for i, s in enumerate(ins)}
    total = Cost()
    for layer in definition.expand(name, attrs, tuple(ins), ctx):
        layer_ins = tuple(shapes[i] for i in layer.inputs)
        total = total + get_op(layer.op).cost(layer.attrs, layer_ins, layer.shape, ctx)
        shapes[layer.name] = layer.shape
    return total


def inner_width(op: str, attrs: Any, shape: Shape) -> int:
    """The width a resample path reading this node starts from (see `OpDef.inner_width`)."""
    return get_op(op).inner_width(attrs, shape)
