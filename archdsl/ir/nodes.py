"""Node payloads of the IR: one frozen, typed record per graph vertex.

A `Node` says what the vertex computes (`op` plus an op-specific attribute record), at which level
it lives (stride 2**level from the input), which statement it came from (`group`, used by diagrams
and tables), which weight-sharing group it belongs to, and the `Span` of the text that made it.
Invariants are checked in `__post_init__`, so an invalid node cannot exist (xDSL's `verify`).
Levels stay plain ints until the Keras boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Union

from archdsl.diagnostics import Span

ACTIVATIONS = ("relu", "swish", "sigmoid", "hard_sigmoid", "relu6", "gelu", "tanh", "linear")


class Op(str, Enum):
    INPUT = "input"
    CONV = "conv"
    BN = "bn"
    ACT = "act"
    MAXPOOL = "maxpool"
    UPSAMPLE = "upsample"
    RESIZE = "resize"
    ADD = "add"
    CONCAT = "concat"
    ATTENTION = "attention"
    GLOBAL_POOL = "global_pool"
    IDENTITY = "identity"
    BOTTLENECK = "bottleneck"
    RESIDUAL = "residual"
    RESAMPLE = "resample"
    DROP_PATH = "drop_path"  # stochastic depth; made by block expansion, not written in specs

    def __str__(self) -> str:
        return self.value


BLOCK_OPS = (Op.BOTTLENECK, Op.RESIDUAL)
MULTI_INPUT_OPS = (Op.ADD, Op.CONCAT, Op.ATTENTION)


def arity_ok(op: Op, count: int) -> bool:
    """The one input-count rule (elaboration and check-structure): an input takes none, a
    combining op two or more (a one-input `add` would be an identity Keras cannot build), others one."""
    if op is Op.INPUT:
        return count == 0
    return count >= 2 if op in MULTI_INPUT_OPS else count == 1


def _positive(**values: int) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True, slots=True)
class InputAttrs:
    height: int
    width: int
    channels: int

    def __post_init__(self) -> None:
        _positive(height=self.height, width=self.width, channels=self.channels)


@dataclass(frozen=True, slots=True)
class ConvAttrs:
    """Conv2D with TF 'same' padding. `depthwise` means DepthwiseConv2D (filters == input channels)."""

    filters: int
    kernel: int = 1
    stride: int = 1
    bias: bool = False
    groups: int = 1
    depthwise: bool = False
    kernel_init: str = "variance_scaling"
    bias_init: float = 0.0

    def __post_init__(self) -> None:
        _positive(filters=self.filters, kernel=self.kernel, stride=self.stride, groups=self.groups)
        if self.depthwise and self.groups != 1:
            raise ValueError("a depthwise conv takes no groups")


@dataclass(frozen=True, slots=True)
class BatchNormAttrs:
    momentum: float = 0.99
    epsilon: float = 1e-3
    sync: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {self.momentum}")
        if not self.epsilon > 0.0:
            raise ValueError(f"epsilon must be positive, got {self.epsilon}")


@dataclass(frozen=True, slots=True)
class ActAttrs:
    fn: str

    def __post_init__(self) -> None:
        if self.fn not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.fn!r}; expected one of {', '.join(ACTIVATIONS)}")


@dataclass(frozen=True, slots=True)
class PoolAttrs:
    size: int = 3
    stride: int = 2

    def __post_init__(self) -> None:
        _positive(size=self.size, stride=self.stride)


@dataclass(frozen=True, slots=True)
class UpsampleAttrs:
    factor: int = 2

    def __post_init__(self) -> None:
        _positive(factor=self.factor)


@dataclass(frozen=True, slots=True)
class ResizeAttrs(UpsampleAttrs):
    """Bilinear upsampling by `factor` (`tf.image.resize`, half-pixel centers), as Model Garden's
    SegmentationHead resizes the decoder feature; an upsampling, so levels and shapes follow."""


@dataclass(frozen=True, slots=True)
class NoAttrs:
    """For ops without settings: add, concat, attention, global_pool, identity."""


@dataclass(frozen=True, slots=True)
class DropAttrs:
    rate: float


@dataclass(frozen=True, slots=True)
class BlockAttrs:
    """A Model Garden block group: `repeats` blocks, the first with `stride` and the projection rule."""

    filters: int
    activation: str
    stride: int = 1
    repeats: int = 1
    bn: BatchNormAttrs = BatchNormAttrs()
    drop_rate: float = 0.0  # stochastic depth, training only

    def __post_init__(self) -> None:
        _positive(filters=self.filters, stride=self.stride, repeats=self.repeats)
        ActAttrs(self.activation)
        if not 0.0 <= self.drop_rate < 1.0:
            raise ValueError(f"drop_rate must be in [0, 1), got {self.drop_rate}")


@dataclass(frozen=True, slots=True)
class ResampleAttrs:
    """Resample a parent to this node's level and `channels`.

    rule 'alpha': SpineNet's resample-with-alpha (1x1 to alpha*base, stride-2 conv then max pools
    or nearest upsampling, 1x1 to `channels`, BN, no activation). rule 'nasfpn': NAS-FPN's
    (1x1 conv + BN only if widths differ, then max pool or nearest upsampling).
    """

    rule: str
    channels: int
    activation: str
    alpha: float = 1.0
    bn: BatchNormAttrs = BatchNormAttrs()

    def __post_init__(self) -> None:
        if self.rule not in ("alpha", "nasfpn"):
            raise ValueError(f"unknown resample rule {self.rule!r}")
        _positive(channels=self.channels)
        if not 0.0 < self.alpha <= 8.0:
            raise ValueError(f"alpha must be in (0, 8], got {self.alpha}")


Attrs = Union[InputAttrs, ConvAttrs, BatchNormAttrs, ActAttrs, PoolAttrs, UpsampleAttrs, ResizeAttrs, NoAttrs,
              BlockAttrs, ResampleAttrs, DropAttrs]

ATTRS_OF: dict[Op, type] = {
    Op.INPUT: InputAttrs, Op.CONV: ConvAttrs, Op.BN: BatchNormAttrs, Op.ACT: ActAttrs,
    Op.MAXPOOL: PoolAttrs, Op.UPSAMPLE: UpsampleAttrs, Op.RESIZE: ResizeAttrs, Op.ADD: NoAttrs, Op.CONCAT: NoAttrs,
    Op.ATTENTION: NoAttrs, Op.GLOBAL_POOL: NoAttrs, Op.IDENTITY: NoAttrs,
    Op.BOTTLENECK: BlockAttrs, Op.RESIDUAL: BlockAttrs, Op.RESAMPLE: ResampleAttrs,
    Op.DROP_PATH: DropAttrs,
}


@dataclass(frozen=True, slots=True)
class Node:
    """One IR vertex. `group` is the statement (or template instance) path that produced it."""

    name: str
    op: Op
    level: int
    attrs: Attrs
    group: str
    share: str | None = None
    span: Span | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.attrs, ATTRS_OF[self.op]):
            raise TypeError(f"{self.op} node {self.name!r} needs {ATTRS_OF[self.op].__name__}")
        if not self.name:
            raise ValueError("node names must be non-empty")
        if not 0 <= self.level <= 32:
            raise ValueError(f"level must be in 0..32, got {self.level}")

    def __repr__(self) -> str:
        return f"(node {self.name} (op {self.op}) (level {self.level}))"


def out_channels(node: Node, in_channels: tuple[int, ...]) -> int:
    """Channels a node produces, given its inputs' channels (the rule shape inference uses)."""
    a = node.attrs
    if isinstance(a, InputAttrs):
        return a.channels
    if isinstance(a, ConvAttrs):
        return in_channels[0] if a.depthwise else a.filters
    if isinstance(a, BlockAttrs):
        return 4 * a.filters if node.op is Op.BOTTLENECK else a.filters
    if isinstance(a, ResampleAttrs):
        return a.channels
    if node.op is Op.CONCAT:
        return sum(in_channels)
    return in_channels[0]


def block_projects(node: Node, in_channels: int) -> bool:
    """Model Garden's projection rule for the first block of a group (nn_blocks / spinenet.py)."""
    a = node.attrs
    assert isinstance(a, BlockAttrs)
    return not (in_channels == out_channels(node, ()) and a.stride == 1)
