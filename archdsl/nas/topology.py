"""`Topology`: a frozen, typed description of a scale-permuted (SpineNet-style) network.

A topology is the stem (fixed: conv 7x7/2, max pool, two L2 bottlenecks `s0`, `s1`) plus a list of
`BlockSpec`s. Parents are indices into the list of everything built so far: 0 and 1 are the stem
blocks `s0` and `s1`, block k of `blocks` has index k + 2, so a block may only read earlier blocks.
`TopologyParams` holds the numbers that do not change the graph's shape (widths, input size,
levels of the endpoints). Both are plain values: hashable, comparable, cheap to copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from archdsl.ops.act import ACTIVATIONS
from archdsl.ops.base import BuildContext
from archdsl.ops.registry import get_op

KINDS = ("bottleneck", "residual")
STEM_BLOCKS = 2  # s0 and s1: parent indices 0 and 1
BASE_WIDTHS = {1: 32, 2: 64, 3: 128, 4: 256, 5: 256, 6: 256, 7: 256}  # SpineNet's FILTER_SIZE_MAP



@lru_cache(maxsize=1024)
def block_channels(kind: str, filters: int) -> int:
    """Output channels of a block group of `kind` with `filters` (the op's own width rule)."""
    width = get_op(kind).width
    assert width is not None
    out = width({"filters": filters}, BuildContext(0))
    assert out is not None
    return out

@dataclass(frozen=True, slots=True)
class BlockSpec:
    """One line of the fuse section: `level`, `kind`, two parent indices, output flag."""

    level: int
    kind: str
    parents: tuple[int, int]
    output: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown block kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if not 1 <= self.level <= 7:
            raise ValueError(f"block level must be in 1..7, got {self.level}")
        if len(self.parents) != 2 or self.parents[0] == self.parents[1]:
            raise ValueError(f"a block needs two distinct parents, got {self.parents}")


@dataclass(frozen=True, slots=True)
class TopologyParams:
    """The numeric parameters of a scale-permuted net (Model Garden's SCALING_MAP entries and more)."""

    filter_scale: float = 1.0
    alpha: float = 0.5
    repeats: int = 1
    endpoint_filters: int = 256
    input_size: int = 640
    min_level: int = 3
    max_level: int = 7
    activation: str = "swish"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}")
        if not 1 <= self.min_level <= self.max_level <= 7:
            raise ValueError(f"need 1 <= min_level <= max_level <= 7, got {self.min_level}..{self.max_level}")
        if self.repeats < 1 or self.endpoint_filters < 1 or self.input_size < 1:
            raise ValueError("repeats, endpoint_filters and input_size must be positive")

    def width(self, level: int) -> int:
        """A block's `filters` at `level`, truncated as Model Garden does."""
        return int(BASE_WIDTHS[level] * self.filter_scale)


@dataclass(frozen=True, slots=True)
class Topology:
    """Blocks (after the two stem blocks) plus parameters. Validated on construction."""

    blocks: tuple[BlockSpec, ...]
    params: TopologyParams = field(default_factory=TopologyParams)

    def __post_init__(self) -> None:
        # Runs once per sampled candidate: one plain loop (no generator per block).
        outputs: list[int] = []
        top = self.params.max_level
        for index, block in enumerate(self.blocks, STEM_BLOCKS):
            a, b = block.parents
            if not (0 <= a < index and 0 <= b < index):
                raise ValueError(f"block {index - 1} reads {block.parents}: parents must be earlier blocks (< {index})")
            if block.output:
                outputs.append(block.level)
            if block.level > top:
                top = block.level
        if len(set(outputs)) != len(outputs):
            twice = next(lvl for k, lvl in enumerate(outputs) if lvl in outputs[:k])
            raise ValueError(f"two output blocks at L{twice}")
        p = self.params
        missing = [lvl for lvl in range(p.min_level, p.max_level + 1) if lvl not in outputs]
        if missing:
            raise ValueError(f"no output block at L{missing[0]} (outputs must cover L{p.min_level}..L{p.max_level})")
        if p.input_size % 2**top:
            raise ValueError(f"input_size {p.input_size} is not divisible by 2^{top}")

    def channels(self, index: int) -> int:
        """Output channels of block `index` (0, 1: the stem bottlenecks)."""
        return block_channels(self.kind(index), self.params.width(self.level(index)))

    def level(self, index: int) -> int:
        return 2 if index < STEM_BLOCKS else self.blocks[index - STEM_BLOCKS].level

    def kind(self, index: int) -> str:
        return "bottleneck" if index < STEM_BLOCKS else self.blocks[index - STEM_BLOCKS].kind


# SpineNet-49's scale-permuted body (Model Garden's SPINENET_BLOCK_SPECS), as in specs/spinenet.arch.
SPINENET49 = Topology(tuple(BlockSpec(lvl, kind, (a, b), out) for lvl, kind, (a, b), out in [
    (2, "bottleneck", (0, 1), False), (4, "residual", (0, 1), False),
    (3, "bottleneck", (2, 3), False), (4, "bottleneck", (2, 4), False),
    (6, "residual", (3, 5), False), (4, "bottleneck", (3, 5), False),
    (5, "residual", (6, 7), False), (7, "residual", (6, 8), False),
    (5, "bottleneck", (8, 9), False), (5, "bottleneck", (8, 10), False),
    (4, "bottleneck", (5, 10), True), (3, "bottleneck", (4, 10), True),
    (5, "bottleneck", (7, 12), True), (7, "bottleneck", (5, 14), True),
    (6, "bottleneck", (12, 14), True), (2, "bottleneck", (2, 13), True),
]))
