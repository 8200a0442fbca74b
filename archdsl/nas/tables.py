"""Per-`TopologyParams` tables for the NAS fast path (`archdsl.nas.fast`): built once, indexed by ints.

A block's costs and labels depend only on its kind and level (given the params), so each block is
a small int *code* (`kind_base[kind] + level`, < `CODES`) and everything `evaluate` needs per
block, per edge or per contracted vertex is a list lookup by codes instead of a call that builds
attributes. Costs come from `count_costs.node_cost` and labels from `hash.label_id` /
`hash.compound_label`, as the passes and `arch_hash` compute them, so the tables cannot disagree
with the checked IR (the tests compare the two on random topologies).

Contracted chains (see `fast.evaluate`) have a *chain id*: a block code (add -> act -> block), or
`STEM` (image -> stem convs -> s0), `S1` (s1 alone) or `STEM_S1` (the stem chain then s1). Their
*readers* have a reader id: a code d (the resample into a line of code d) or `ENDPOINT + level`
(endpoint conv -> bn -> act). `alone[cid]`, `reader_alone[rid]` and `join[cid][rid]` are the
labels of the chain alone, the reader alone, and the chain merged into its only reader.
"""

from __future__ import annotations

import math
from functools import lru_cache

from archdsl.ir import nodes as n
from archdsl.nas import builder as bld
from archdsl.nas.hash import compound_label, label_id
from archdsl.nas.topology import KINDS, BlockSpec, Topology, TopologyParams, block_channels
from archdsl.ops.base import RuleContext, Shape
from archdsl.ops.registry import get_op
from archdsl.ops.rules import shape_of
from archdsl.passes.count_costs import node_cost

LEVELS = range(1, 8)
KIND_BASE = {kind: 8 * i for i, kind in enumerate(KINDS)}  # code = KIND_BASE[kind] + level
CODES = 8 * len(KINDS)
STEM, S1, STEM_S1 = CODES, CODES + 1, CODES + 2  # chain ids beyond the block codes
ENDPOINT = CODES                                 # reader id of the endpoint at level L: ENDPOINT + L
Cost = tuple[int, int]                           # (params, MACs)


def _shape(p: TopologyParams, level: int, channels: int) -> Shape:
    side = math.ceil(p.input_size / 2**level)
    return Shape(side, side, channels)


def _image(p: TopologyParams) -> Shape:
    return Shape(p.input_size, p.input_size, 3)


def _inner(kind: str, filters: int) -> int:
    """The width a resample path reading such a block starts from (its op's rule)."""
    return get_op(kind).inner_width(bld._block(kind, filters, "relu", 1), Shape(1, 1, block_channels(kind, filters)))


def _resample_cost(p: TopologyParams, level: int, channels: int, src_level: int, src_channels: int,
                   src_inner: int) -> Cost:
    node = n.Node("r", "resample", level, bld._resample(channels, p.activation, p.alpha), "r")
    ctx = RuleContext(level, _image(p), (src_inner,))
    c = node_cost(node, (_shape(p, src_level, src_channels),), _shape(p, level, channels), ctx)
    return c.params, c.macs


def _block_cost(p: TopologyParams, kind: str, level: int, in_channels: int) -> Cost:
    attrs = bld._block(kind, p.width(level), p.activation, p.repeats)
    node = n.Node("b", kind, level, attrs, "b")
    ctx = RuleContext(level, _image(p))
    ins = (_shape(p, level, in_channels),)
    c = node_cost(node, ins, shape_of(kind, attrs, ins, ctx), ctx)
    return c.params, c.macs


def _endpoint_cost(p: TopologyParams, level: int, src_channels: int) -> Cost:
    ctx = RuleContext(level, _image(p))
    out = _shape(p, level, p.endpoint_filters)
    conv = node_cost(n.Node("e", "conv", level, n.ConvAttrs(p.endpoint_filters), "e"),
                     (_shape(p, level, src_channels),), out, ctx)
    bn = node_cost(n.Node("e", "bn", level, bld.BN, "e"), (out,), out, ctx)
    return conv.params + bn.params, conv.macs + bn.macs


def _fixed_costs(p: TopologyParams) -> tuple[Cost, Cost]:
    """Cost of what every topology with these params shares (input, stem convs, s0), and of s1:
    read off the checked IR of a trivial topology."""
    outputs = range(p.min_level, p.max_level + 1)
    trivial = Topology(tuple(BlockSpec(lvl, "bottleneck", (0, 1), True) for lvl in outputs), p)
    costs = bld.check(bld.build_topology(trivial)).costs
    base = [costs[k] for k in ("stem.conv", "stem.bn", "s0")]
    return (sum(c.params for c in base), sum(c.macs for c in base)), (costs["s1"].params, costs["s1"].macs)


class Tables:
    """Everything `evaluate` looks up, for one `TopologyParams`. Costs of resamples and endpoints
    are filled on first use (`None` until then): most (source, target) pairs never occur."""

    def __init__(self, p: TopologyParams):
        self.p = p
        self.stem_code = KIND_BASE["bottleneck"] + 2
        self.fixed, self.s1_cost = _fixed_costs(p)
        kind_level = {KIND_BASE[kind] + lvl: (kind, lvl) for kind in KINDS for lvl in LEVELS}
        self.kind_level = kind_level
        self.channels = [0] * CODES
        self.inner = [0] * CODES
        self.block_cost: list[Cost] = [(0, 0)] * CODES
        for code, (kind, lvl) in kind_level.items():
            self.channels[code] = block_channels(kind, p.width(lvl))
            self.inner[code] = _inner(kind, p.width(lvl))
            self.block_cost[code] = _block_cost(p, kind, lvl, self.channels[code])
        # The orphan rule compares (level, channels): one int per distinct pair.
        ids: dict[tuple[int, int], int] = {}
        self.shape_id = [ids.setdefault((kind_level[c][1], self.channels[c]), len(ids)) if c in kind_level else -1
                         for c in range(CODES)]
        self.resample_cost: list[Cost | None] = [None] * (CODES * CODES)  # [target code * CODES + source code]
        self.endpoint_cost: list[Cost | None] = [None] * CODES            # [source code] (its level is the target's)
        self._labels(p)

    def _labels(self, p: TopologyParams) -> None:
        act = n.ActAttrs(p.activation)
        chains: list[tuple[int, ...]] = [()] * (CODES + 3)
        readers: list[tuple[int, ...]] = [()] * (ENDPOINT + 8)
        for code, (kind, lvl) in self.kind_level.items():
            add, line_act = label_id("add", lvl, n.NoAttrs()), label_id("act", lvl, act)
            block = label_id(kind, lvl, bld._block(kind, p.width(lvl), p.activation, p.repeats))
            chains[code] = (add, line_act, block)
            readers[code] = (label_id("resample", lvl, bld._resample(self.channels[code], p.activation, p.alpha)),)
        for lvl in LEVELS:
            readers[ENDPOINT + lvl] = (label_id("conv", lvl, n.ConvAttrs(p.endpoint_filters)),
                                       label_id("bn", lvl, bld.BN), label_id("act", lvl, act, (str(lvl),)))
        s = label_id("bottleneck", 2, bld._block("bottleneck", p.width(2), p.activation, p.repeats))
        chains[STEM] = (label_id("input", 0, n.InputAttrs(p.input_size, p.input_size, 3)),
                        label_id("conv", 1, n.ConvAttrs(64, 7, 2)), label_id("bn", 1, bld.BN),
                        label_id("act", 1, act), label_id("maxpool", 2, n.PoolAttrs(3, 2)), s)
        chains[S1], chains[STEM_S1] = (s,), chains[STEM] + (s,)
        self.alone = [_label(c) for c in chains]
        self.reader_alone = [_label(r) for r in readers]
        self.join = [[compound_label(c + r) if c and r else 0 for r in readers] for c in chains]

    def resample(self, target: int, source: int) -> Cost:
        """Cost of the resample from a block of code `source` into a line of code `target` (memoised)."""
        cost = self.resample_cost[target * CODES + source]
        if cost is None:
            lvl, src_lvl = self.kind_level[target][1], self.kind_level[source][1]
            cost = self.resample_cost[target * CODES + source] = _resample_cost(
                self.p, lvl, self.channels[target], src_lvl, self.channels[source], self.inner[source])
        return cost

    def endpoint(self, source: int) -> Cost:
        """Cost of the endpoint (conv, bn) reading the output block of code `source` (memoised)."""
        cost = self.endpoint_cost[source]
        if cost is None:
            level = self.kind_level[source][1]
            cost = self.endpoint_cost[source] = _endpoint_cost(self.p, level, self.channels[source])
        return cost


def _label(chain: tuple[int, ...]) -> int:
    return chain[0] if len(chain) == 1 else compound_label(chain) if chain else 0


@lru_cache(maxsize=256)
def tables(p: TopologyParams) -> Tables:
    return Tables(p)
