"""`input`: the network's image, made by an `input name: [h, w, c]` statement (not an op stage)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import OpDef, RuleContext, Shape, positive
from archdsl.ops.deploy import everywhere


@dataclass(frozen=True, slots=True)
class InputAttrs:
    height: int
    width: int
    channels: int

    def __post_init__(self) -> None:
        positive(height=self.height, width=self.width, channels=self.channels)


def _shape(a: InputAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    return Shape(a.height, a.width, a.channels)


def _lower(a: InputAttrs, name: str) -> Any:
    """A source op lowers to a factory of the model's input tensor (the batch size is the
    lowering's choice)."""
    import tf_keras

    return lambda batch_size=None: tf_keras.Input((a.height, a.width, a.channels), batch_size=batch_size,
                                                  name=name)


INPUT = OpDef("input", "the network input: input image: [height, width, channels]", InputAttrs,
              min_inputs=0, max_inputs=0, level_step=lambda v: None, shape=_shape, lower=_lower,
              spelled=False, in_summary=False, deploy=everywhere())
OPS = (INPUT,)
