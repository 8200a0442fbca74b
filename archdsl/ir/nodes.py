"""Node payloads of the IR: one frozen, typed record per graph vertex.

A `Node` says what the vertex computes (`op`, the name of a registered op, plus that op's frozen
attribute record), at which level it lives (stride 2**level from the input), which statement it
came from (`group`, used by diagrams and tables), which weight-sharing group it belongs to, and the
`Span` of the text that made it. Invariants are checked in `__post_init__`, so an invalid node
cannot exist (xDSL's `verify`); what an op means lives in its definition (`archdsl.ops`).
Levels stay plain ints until the Keras boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archdsl.diagnostics import Span

# The attrs types of the built-in ops, for code that builds nodes (the NAS builder, tests).
from archdsl.ops.act import ACTIVATIONS, ActAttrs  # noqa: F401
from archdsl.ops.blocks import BlockAttrs  # noqa: F401
from archdsl.ops.bn import BatchNormAttrs  # noqa: F401
from archdsl.ops.conv import ConvAttrs  # noqa: F401
from archdsl.ops.drop_path import DropAttrs  # noqa: F401
from archdsl.ops.input import InputAttrs  # noqa: F401
from archdsl.ops.pool import NoAttrs, PoolAttrs  # noqa: F401
from archdsl.ops.registry import find_op
from archdsl.ops.resample import ResampleAttrs  # noqa: F401
from archdsl.ops.sampling import ResizeAttrs, UpsampleAttrs  # noqa: F401


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a node came from, as data (names are labels; nothing parses them).

    `scope`: the template instances it sits in, outermost first (`("decoder", "cell[2]")`);
    `statement`: the line's target (`b3`, `endpoint[3]`); `iteration`: the `repeat` iterations of
    its stage, outermost first; `role`: `result` (the line's own node), `stage` (an earlier op of
    its chain), `combine` (a fuse section's combine), `resample` (the path of parent `index`),
    `merge` (the orphan sum after a non-add combine) or `input`; `index`: the stage's position in
    its chain, or the parent's position for a resample."""

    scope: tuple[str, ...]
    statement: str
    role: str
    iteration: tuple[int, ...] = ()
    index: int = 0

    ROLES = ("result", "stage", "combine", "resample", "merge", "input")

    def __post_init__(self) -> None:
        if self.role not in self.ROLES:
            raise ValueError(f"unknown node role {self.role!r}")


@dataclass(frozen=True, slots=True)
class Node:
    """One IR vertex. `group` is the statement (or template instance) path that produced it."""

    name: str
    op: str
    level: int
    attrs: Any
    group: str
    share: str | None = None
    span: Span | None = None
    origin: Origin | None = field(default=None, compare=False)  # None: built from Python

    def __post_init__(self) -> None:
        definition = find_op(self.op)
        if definition is None:
            raise ValueError(f"node {self.name!r}: unknown op {self.op!r}")
        if not isinstance(self.attrs, definition.attrs):
            raise TypeError(f"{self.op} node {self.name!r} needs {definition.attrs.__name__}")
        if not self.name:
            raise ValueError("node names must be non-empty")
        if not 0 <= self.level <= 32:
            raise ValueError(f"level must be in 0..32, got {self.level}")

    def __repr__(self) -> str:
        return f"(node {self.name} (op {self.op}) (level {self.level}))"
