"""Expand composite nodes (block groups, resample paths) into primitive layers.

This is the single statement of Model Garden's block and resampling semantics in archdsl. Cost
counting, the layer-detail diagram and the Keras lowering all read it, so the params a spec
reports without TensorFlow are the params the built model has. Layer names extend the node's
name with Model Garden's attribute names (`b3.0.conv1`, `b3.0.norm1`, `b3.in0.alpha_conv`), which
is what weight transfer matches on. The last layer of an expansion carries the node's own name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from archdsl.ir import nodes as n


@dataclass(frozen=True, slots=True)
class Shape:
    height: int
    width: int
    channels: int

    def __str__(self) -> str:
        return f"{self.height}x{self.width}x{self.channels}"


@dataclass(frozen=True, slots=True)
class Layer:
    """One primitive op. `inputs` name layers of the same expansion or the node's inputs ("<0>")."""

    name: str
    op: n.Op
    attrs: n.Attrs
    inputs: tuple[str, ...]
    shape: Shape


def half(x: int) -> int:
    return math.ceil(x / 2)


@lru_cache(maxsize=4096)
def _expand(name: str, op: n.Op, attrs: n.Attrs, ins: tuple[Shape, ...], parent_block: bool,
            target: Shape | None) -> tuple[Layer, ...]:
    if op in n.BLOCK_OPS:
        return _block_group(name, op, attrs, ins[0])
    if op is n.Op.RESAMPLE:
        assert target is not None
        return _resample(name, attrs, ins[0], parent_block, target)
    raise ValueError(f"{op} is not a composite op")


def expand(node: n.Node, ins: tuple[Shape, ...], *, parent_block: bool = False,
           target: Shape | None = None) -> tuple[Layer, ...]:
    """Layers of a block or resample node. `parent_block`: the resampled parent is a bottleneck
    (Model Garden divides its width by 4 before applying alpha); `target`: the resampled shape."""
    return _expand(node.name, node.op, node.attrs, ins, parent_block, target)


class _Builder:
    def __init__(self, prefix: str):
        self.prefix, self.layers = prefix, []

    def add(self, name: str, op: n.Op, attrs: n.Attrs, inputs: tuple[str, ...], shape: Shape) -> str:
        full = f"{self.prefix}.{name}" if name else self.prefix
        self.layers.append(Layer(full, op, attrs, inputs, shape))
        return full

    def conv_bn(self, name: str, bn_name: str, x: str, shape: Shape, conv: n.ConvAttrs,
                bn: n.BatchNormAttrs) -> tuple[str, Shape]:
        out = Shape(math.ceil(shape.height / conv.stride), math.ceil(shape.width / conv.stride), conv.filters)
        c = self.add(name, n.Op.CONV, conv, (x,), out)
        return self.add(bn_name, n.Op.BN, bn, (c,), out), out


def _block_group(name: str, op: n.Op, a: n.BlockAttrs, shape: Shape) -> tuple[Layer, ...]:
    b = _Builder(name)
    x, act = "<0>", n.ActAttrs(a.activation)
    for i in range(a.repeats):
        first = i == 0
        stride = a.stride if first else 1
        out_c = 4 * a.filters if op is n.Op.BOTTLENECK else a.filters
        project = first and not (shape.channels == out_c and stride == 1)
        p = f"{i}"
        shortcut = x
        if project:
            shortcut, _ = b.conv_bn(f"{p}.shortcut", f"{p}.norm0", x, shape, n.ConvAttrs(out_c, 1, stride), a.bn)
        if op is n.Op.BOTTLENECK:
            y, s = b.conv_bn(f"{p}.conv1", f"{p}.norm1", x, shape, n.ConvAttrs(a.filters, 1), a.bn)
            y = b.add(f"{p}.act1", n.Op.ACT, act, (y,), s)
            y, s = b.conv_bn(f"{p}.conv2", f"{p}.norm2", y, s, n.ConvAttrs(a.filters, 3, stride), a.bn)
            y = b.add(f"{p}.act2", n.Op.ACT, act, (y,), s)
            y, s = b.conv_bn(f"{p}.conv3", f"{p}.norm3", y, s, n.ConvAttrs(out_c, 1), a.bn)
        else:
            y, s = b.conv_bn(f"{p}.conv1", f"{p}.norm1", x, shape, n.ConvAttrs(a.filters, 3, stride), a.bn)
            y = b.add(f"{p}.act1", n.Op.ACT, act, (y,), s)
            y, s = b.conv_bn(f"{p}.conv2", f"{p}.norm2", y, s, n.ConvAttrs(a.filters, 3), a.bn)
        if a.drop_rate > 0:
            y = b.add(f"{p}.drop", n.Op.DROP_PATH, n.DropAttrs(a.drop_rate), (y,), s)
        y = b.add(f"{p}.add", n.Op.ADD, n.NoAttrs(), (y, shortcut), s)
        last = i == a.repeats - 1
        x = b.add("" if last else f"{p}.out", n.Op.ACT, act, (y,), s)
        shape = s
    return tuple(b.layers)


def _resample(name: str, a: n.ResampleAttrs, shape: Shape, parent_block: bool, target: Shape) -> tuple[Layer, ...]:
    b = _Builder(name)
    x = "<0>"
    if a.rule == "alpha":
        base = shape.channels / 4 if parent_block else shape.channels
        mid = int(base * a.alpha)
        x, shape = b.conv_bn("alpha_conv", "alpha_norm", x, shape, n.ConvAttrs(mid, 1), a.bn)
        x = b.add("alpha_act", n.Op.ACT, n.ActAttrs(a.activation), (x,), shape)
        if shape.width > target.width:
            x, shape = b.conv_bn("down_conv", "down_norm", x, shape, n.ConvAttrs(mid, 3, 2), a.bn)
            x = b.add("down_act", n.Op.ACT, n.ActAttrs(a.activation), (x,), shape)
            k = 0
            while shape.width > target.width:
                shape = Shape(half(shape.height), half(shape.width), shape.channels)
                x = b.add(f"pool{k}", n.Op.MAXPOOL, n.PoolAttrs(3, 2), (x,), shape)
                k += 1
        elif shape.width < target.width:
            factor = target.width // shape.width
            shape = Shape(shape.height * factor, shape.width * factor, shape.channels)
            x = b.add("up", n.Op.UPSAMPLE, n.UpsampleAttrs(factor), (x,), shape)
        x, shape = b.conv_bn("conv", "", x, shape, n.ConvAttrs(a.channels, 1), a.bn)
        return tuple(b.layers)
    # NAS-FPN: project only when the width differs, then pool or upsample by the level gap.
    if shape.channels != a.channels:
        x, shape = b.conv_bn("conv", "norm", x, shape, n.ConvAttrs(a.channels, 1, bias=True), a.bn)
    if shape.width > target.width:
        k = shape.width // target.width
        shape = Shape(math.ceil(shape.height / k), math.ceil(shape.width / k), shape.channels)
        x = b.add("pool", n.Op.MAXPOOL, n.PoolAttrs(k, k), (x,), shape)
    elif shape.width < target.width:
        k = target.width // shape.width
        shape = Shape(shape.height * k, shape.width * k, shape.channels)
        x = b.add("up", n.Op.UPSAMPLE, n.UpsampleAttrs(k), (x,), shape)
    if not b.layers or b.layers[-1].name != name:
        b.add("", n.Op.IDENTITY, n.NoAttrs(), (x,), shape)
    return tuple(b.layers)
