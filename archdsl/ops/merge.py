"""Ops that combine several inputs of one level: `add`, `concat` (channels), `mul` (element-wise
product; a 1x1 input broadcasts over the others' height and width, so a gate is a `mul`) and
NAS-FPN's `attention` (coarse + fine * sigmoid(global max of coarse)), plus `identity`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from archdsl.ops.base import OpDef, RuleContext, Shape
from archdsl.ops.deploy import everywhere
from archdsl.ops.pool import NoAttrs


def _same_shapes(op: str) -> Callable[[NoAttrs, Sequence[Shape], RuleContext], Shape]:
    def shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
        odd = [s for s in ins if s != ins[0]]
        if odd:
            raise ValueError(f"{op} of different shapes: {ins[0]} and {odd[0]}")
        return ins[0]
    return shape


def _mul_shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    full = [s for s in ins if (s.height, s.width) != (1, 1)]
    out = full[0] if full else ins[0]
    for s in ins:
        if s.channels != out.channels or ((s.height, s.width) != (1, 1) and s != out):
            raise ValueError(f"mul of {out} and {s}: the shapes must be equal, or one 1x1 with the same "
                             "channels (a gate)")
    return out


def _concat_shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    first = ins[0]
    if any((s.height, s.width) != (first.height, first.width) for s in ins):
        raise ValueError("concat of different spatial sizes: " + ", ".join(str(s) for s in ins))
    return Shape(first.height, first.width, sum(s.channels for s in ins))


def _keras(cls_name: str, **kwargs: Any) -> Any:
    def lower(a: NoAttrs, name: str) -> Any:
        import tf_keras

        return getattr(tf_keras.layers, cls_name)(name=name, **kwargs)
    return lower


def _lower_attention(a: NoAttrs, name: str) -> Any:
    from archdsl.lower.layers import GlobalAttention

    return GlobalAttention(name=name)


def _coarse_first(levels: Sequence[int]) -> Sequence[int]:
    """Model Garden's `level0 >= level1`: the input resampled from the coarser level is `coarse`
    (the first one on a tie)."""
    return (0, 1) if levels[0] >= levels[1] else (1, 0)


ADD = OpDef("add", "element-wise sum of all inputs", NoAttrs, min_inputs=2, max_inputs=None, ordered=False,
            shape=_same_shapes("add"), lower=_keras("Add"), takes="any", deploy=everywhere("ADD"))
MUL = OpDef("mul", "element-wise product; a 1x1 input broadcasts (a gate): `mul <- gate, x`", NoAttrs,
            min_inputs=2, max_inputs=None, ordered=False, shape=_mul_shape, lower=_keras("Multiply"),
            deploy=everywhere("MUL"))
CONCAT = OpDef("concat", "channel concatenation of all inputs", NoAttrs, min_inputs=2, max_inputs=None,
               shape=_concat_shape, lower=_keras("Concatenate", axis=-1),
               deploy=everywhere("CONCATENATION"))
ATTENTION = OpDef("attention", "NAS-FPN global attention: coarse + fine * sigmoid(global max of coarse)",
                  NoAttrs, min_inputs=2, max_inputs=2, shape=_same_shapes("attention"), lower=_lower_attention,
                  input_order=_coarse_first, deploy=everywhere("REDUCE_MAX", "LOGISTIC", "MUL", "ADD"))
IDENTITY = OpDef("identity", "pass-through", NoAttrs, lower=_keras("Identity"), takes="any",
                  deploy=everywhere())
OPS = (ADD, MUL, CONCAT, ATTENTION, IDENTITY)
