"""Model Garden's block groups: `bottleneck` (1x1, 3x3, 1x1 to 4 x filters) and `residual` (two
3x3 convs to filters), `repeats` blocks of which the first strides and projects its shortcut
(`nn_blocks.BottleneckBlock` / `ResidualBlock`, as spinenet.py and resnet.py stack them).

The expansion here is the single statement of those semantics: costs, the layer-level diagram and
the Keras lowering all read it, so the params `check` reports are the params of the built model.
Layer names extend the node's with Model Garden's attribute names (`b3.0.conv1`, `b3.0.norm0`)
and each layer records its block member (`unit`), which weight transfer pairs with Model Garden's
`_conv1`, `_norm0`, ... without reading names. `dilation` (and DeepLab's `multigrid`, one factor
per block) dilates each bottleneck's 3x3 conv, as Model Garden's DilatedResNet does. ResNet-RS's
options are Model Garden's too: `se_ratio` puts a squeeze-and-excitation gate (`mbconv.se_layers`)
after each block's last BN, and `resnetd` makes a bottleneck's projection a 2x2 average pool (the
stride moves there) then a stride-1 1x1 conv (ResNet-D, `_shortcut0`, `_shortcut1`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from archdsl.ops import act as act_op
from archdsl.ops import bn as bn_op
from archdsl.ops.act import ActAttrs
from archdsl.ops.base import (
    Bound,
    BuildContext,
    Layer,
    OpDef,
    Param,
    RuleContext,
    RuleError,
    Shape,
    log2_step,
    positive,
)
from archdsl.ops.bn import BatchNormAttrs
from archdsl.ops.conv import ConvAttrs
from archdsl.ops.drop_path import DropAttrs
from archdsl.ops.pool import NoAttrs, PoolAttrs


@dataclass(frozen=True, slots=True)
class BlockAttrs:
    """A block group: `repeats` blocks, the first with `stride` and the projection rule."""

    filters: int
    activation: str
    stride: int = 1
    repeats: int = 1
    bn: BatchNormAttrs = BatchNormAttrs()
    drop_rate: float = 0.0  # stochastic depth, training only
    dilation: int = 1  # atrous rate of each block's 3x3 conv (Model Garden's DilatedResNet)
    multigrid: tuple[int, ...] = ()  # per-block factors on `dilation` (DeepLab's multigrid)
    project: bool = False  # the first block always projects (ResNet's rule; SpineNet's projects by need)
    se_ratio: float = 0.0  # squeeze-and-excitation in every block (Model Garden: only 0 < se_ratio <= 1)
    resnetd: bool = False  # ResNet-D projection: average pool, then a stride-1 1x1 conv

    def __post_init__(self) -> None:
        positive(filters=self.filters, stride=self.stride, repeats=self.repeats, dilation=self.dilation)
        act_op.check_activation(self.activation)
        if not 0.0 <= self.drop_rate < 1.0:
            raise ValueError(f"drop_rate must be in [0, 1), got {self.drop_rate}")
        if not 0.0 <= self.se_ratio <= 1.0:
            raise ValueError(f"se_ratio must be in [0, 1] (0: no squeeze-and-excitation), got {self.se_ratio}")
        if self.multigrid and len(self.multigrid) != self.repeats:
            raise ValueError(f"multigrid has {len(self.multigrid)} factors for {self.repeats} blocks; "
                             "give one per block")
        positive(**{f"multigrid factor {i}": f for i, f in enumerate(self.multigrid)})
        if max(self.rates()) > 1 and self.stride > 1:  # TensorFlow refuses a strided dilated conv
            raise ValueError(f"a dilated block group must have stride 1, not {self.stride}")

    def rates(self) -> tuple[int, ...]:
        """The dilation of each block's 3x3 conv."""
        return tuple(self.dilation * f for f in self.multigrid or (1,) * self.repeats)


def parse_multigrid(text: str) -> tuple[int, ...]:
    """`"1,2,4"` -> (1, 2, 4); `""` -> no multigrid."""
    if not text.strip():
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"multigrid {text!r} is not a comma-separated list of integers, e.g. \"1,2,4\"") from None


def _filters(v: Bound, ctx: BuildContext) -> int:
    if v.get("filters") is not None:
        return v["filters"]
    widths = ctx.widths or {}
    if ctx.level not in widths:
        known = ", ".join(f"L{k}" for k in sorted(widths)) or "none"
        raise RuleError(f"no width for L{ctx.level}: give the block's filters",
                        hint=f"`widths` has entries for: {known}")
    return widths[ctx.level]


def _make(v: Bound, ctx: BuildContext) -> BlockAttrs:
    return BlockAttrs(_filters(v, ctx), act_op.from_defaults(ctx.defaults), v["stride"], v["repeats"],
                      bn_op.from_defaults(ctx.defaults), v["drop_rate"], v["dilation"],
                      parse_multigrid(v["multigrid"]), v["project"], v["se_ratio"], v["resnetd"])


def _values(a: BlockAttrs) -> Bound:
    return {"filters": a.filters, "stride": a.stride, "repeats": a.repeats, "drop_rate": a.drop_rate,
            "dilation": a.dilation, "multigrid": ",".join(map(str, a.multigrid)), "project": a.project,
            "se_ratio": a.se_ratio, "resnetd": a.resnetd}


class Expansion:
    """Collects the layers of one composite node, naming them after the node (`b3.0.conv1`)."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.layers: list[Layer] = []

    def add(self, name: str, op: str, attrs: object, inputs: tuple[str, ...], shape: Shape,
            unit: tuple[str, int, str] | None = None) -> str:
        full = f"{self.prefix}.{name}" if name else self.prefix
        self.layers.append(Layer(full, op, attrs, inputs, shape, unit))
        return full

    def conv_bn(self, conv_name: str, bn_name: str, x: str, shape: Shape, conv: ConvAttrs,
                bn: BatchNormAttrs) -> tuple[str, Shape]:
        out = shape.strided(conv.stride, conv.filters)
        c = self.add(conv_name, "conv", conv, (x,), out)
        return self.add(bn_name, "bn", bn, (c,), out), out


class _Block:
    """One block of a group: its layers are named `<i>.<member>` and know their member."""

    def __init__(self, e: Expansion, kind: str, index: int):
        self.e, self.kind, self.index = e, kind, index

    def add(self, member: str, op: str, attrs: object, inputs: tuple[str, ...], shape: Shape,
            *, last: bool = False) -> str:
        name = "" if last else f"{self.index}.{member}"
        return self.e.add(name, op, attrs, inputs, shape, (self.kind, self.index, member))

    def conv_bn(self, conv: str, norm: str, x: str, shape: Shape, attrs: ConvAttrs,
                bn: BatchNormAttrs) -> tuple[str, Shape]:
        out = shape.strided(attrs.stride, attrs.filters)
        return self.add(norm, "bn", bn, (self.add(conv, "conv", attrs, (x,), out),), out), out


def _group(kind: str, expansion: int) -> object:
    @lru_cache(maxsize=4096)
    def expand(name: str, a: BlockAttrs, ins: tuple[Shape, ...], ctx: RuleContext) -> tuple[Layer, ...]:
        from archdsl.ops.mbconv import SqueezeExciteAttrs, se_layers  # mbconv builds on this module

        e, shape = Expansion(name), ins[0]
        x, act = "<0>", ActAttrs(a.activation)
        out_c = expansion * a.filters
        rates = a.rates()
        for i in range(a.repeats):
            b, stride = _Block(e, kind, i), a.stride if i == 0 else 1
            shortcut = x
            # Model Garden's projection rule (spinenet.py), or always (resnet.py: `project`)
            projects = i == 0 and (a.project or not (shape.channels == out_c and stride == 1))
            if projects and a.resnetd:
                pooled = b.add("shortcut0", "avgpool", PoolAttrs(2, stride), (x,), shape.strided(stride))
                shortcut, _ = b.conv_bn("shortcut1", "norm0", pooled, shape.strided(stride), ConvAttrs(out_c, 1),
                                        a.bn)
            elif projects:
                shortcut, _ = b.conv_bn("shortcut", "norm0", x, shape, ConvAttrs(out_c, 1, stride), a.bn)
            if expansion == 4:
                y, s = b.conv_bn("conv1", "norm1", x, shape, ConvAttrs(a.filters, 1), a.bn)
                y = b.add("act1", "act", act, (y,), s)
                y, s = b.conv_bn("conv2", "norm2", y, s, ConvAttrs(a.filters, 3, stride, dilation=rates[i]),
                                   a.bn)
                y = b.add("act2", "act", act, (y,), s)
                y, s = b.conv_bn("conv3", "norm3", y, s, ConvAttrs(out_c, 1), a.bn)
            else:
                y, s = b.conv_bn("conv1", "norm1", x, shape, ConvAttrs(a.filters, 3, stride), a.bn)
                y = b.add("act1", "act", act, (y,), s)
                y, s = b.conv_bn("conv2", "norm2", y, s, ConvAttrs(a.filters, 3), a.bn)
            if a.se_ratio > 0:  # SqueezeExcitation(in_filters=out_filters=the block's output width)
                y = se_layers(b, y, s, SqueezeExciteAttrs(a.se_ratio), out_c, "squeeze_excitation.")
            if a.drop_rate > 0:
                y = b.add("drop", "drop_path", DropAttrs(a.drop_rate), (y,), s)
            y = b.add("add", "add", NoAttrs(), (y, shortcut), s)
            x = b.add("out", "act", act, (y,), s, last=i == a.repeats - 1)
            shape = s
        return tuple(e.layers)
    return expand


def _block(kind: str, expansion: int, doc: str) -> OpDef:
    def width(v: Bound, ctx: BuildContext) -> int:
        return expansion * _filters(v, ctx)

    def shape(a: BlockAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
        if expansion != 4 and max(a.rates()) > 1:
            raise RuleError(f"`{kind}` has no dilation (Model Garden's ResidualBlock has none)",
                            hint="use `bottleneck` for a dilated block group")
        if expansion != 4 and a.resnetd:
            raise RuleError(f"`{kind}` has no ResNet-D shortcut (Model Garden's ResidualBlock ignores "
                            "resnetd_shortcut)", hint="use `bottleneck`, or leave `resnetd` out")
        return ins[0].strided(a.stride, expansion * a.filters)

    return OpDef(
        kind, doc, BlockAttrs,
        params=(Param("filters", "int", None), Param("stride", "int", 1), Param("repeats", "int", 1),
                Param("drop_rate", "float", 0.0), Param("dilation", "int", 1),
                Param("multigrid", "string", ""), Param("project", "bool", False),
                Param("se_ratio", "float", 0.0), Param("resnetd", "bool", False)),
        positional=("filters",), make_attrs=_make, values=_values,
        level_step=lambda v: log2_step(v["stride"], "stride"), shape=shape,
        expand=_group(kind, expansion),  # type: ignore[arg-type]
        # per block (+6 with SE), + the projection (3 with ResNet-D's pool)
        layers=lambda v: ((12 if expansion == 4 else 8) + 6 * (v.get("se_ratio", 0) > 0)) * v["repeats"] + 3,
        inner_width=lambda a, s: a.filters, width=width,
        label=lambda a: kind + (f" ×{a.repeats}" if a.repeats > 1 else "")
        + (f" SE {a.se_ratio:g}" if a.se_ratio else "")
        + (f" d{'/'.join(map(str, a.rates()))}" if max(a.rates()) > 1 else ""))


BOTTLENECK = _block("bottleneck", 4, "Model Garden bottleneck block group (outputs 4 x filters), "
                    "e.g. `bottleneck 64 /2 repeats=3`")
RESIDUAL = _block("residual", 1, "Model Garden residual block group (outputs filters), e.g. `residual 64`")
OPS = (BOTTLENECK, RESIDUAL)
