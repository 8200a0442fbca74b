"""Evaluate a `Topology` without building its IR: the costs, the live blocks and the hash.

This is the sampler's hot path. It applies the same rules as the passes (merge-orphans: Model
Garden's orphan rule; prune-unreachable: blocks that reach no endpoint), prices each node with
`count_costs.node_cost` (memoised in per-params tables: a block's cost depends only on a few small
keys), and builds directly the contracted DAG that `hash.contract(hash.dag_of(...))` makes of the
checked IR, so `evaluate(t).hash == archdsl.hash(builder.arch_of(t))`; tests check this agreement
on random topologies and mutations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from archdsl.ir import nodes as n
from archdsl.ir import orphans as rules
from archdsl.ir.orphans import Line
from archdsl.nas import builder as bld
from archdsl.nas.hash import compound_label, digest_contracted, label_id
from archdsl.nas.topology import KINDS, STEM_BLOCKS, Topology, TopologyParams, block_channels
from archdsl.ops.base import RuleContext, Shape
from archdsl.ops.registry import get_op
from archdsl.ops.rules import shape_of
from archdsl.passes.count_costs import node_cost


@dataclass(frozen=True, slots=True)
class Evaluation:
    params: int
    macs: int
    hash: str
    live: tuple[bool, ...]                   # per block index (stem blocks first)
    orphans: tuple[tuple[int, int], ...]     # (block index, line index) edges added by the orphan rule


def _shape(p: TopologyParams, level: int, channels: int) -> Shape:
    side = math.ceil(p.input_size / 2**level)
    return Shape(side, side, channels)


@lru_cache(maxsize=65536)
def _resample_cost(p: TopologyParams, level: int, channels: int, src_level: int, src_channels: int,
                   src_inner: int) -> tuple[int, int]:
    node = n.Node("r", "resample", level, bld._resample(channels, p.activation, p.alpha), "r")
    ctx = RuleContext(level, _image(p), (src_inner,))
    c = node_cost(node, (_shape(p, src_level, src_channels),), _shape(p, level, channels), ctx)
    return c.params, c.macs


def _image(p: TopologyParams) -> Shape:
    return Shape(p.input_size, p.input_size, 3)


def _inner(kind: str, filters: int) -> int:
    """The width a resample path reading such a block starts from (its op's rule)."""
    return get_op(kind).inner_width(bld._block(kind, filters, "relu", 1), Shape(1, 1, block_channels(kind, filters)))


@lru_cache(maxsize=65536)
def _block_cost(p: TopologyParams, kind: str, level: int, in_channels: int) -> tuple[int, int]:
    attrs = bld._block(kind, p.width(level), p.activation, p.repeats)
    node = n.Node("b", kind, level, attrs, "b")
    ctx = RuleContext(level, _image(p))
    ins = (_shape(p, level, in_channels),)
    c = node_cost(node, ins, shape_of(kind, attrs, ins, ctx), ctx)
    return c.params, c.macs


@lru_cache(maxsize=256)
def _fixed(p: TopologyParams) -> tuple:
    """Cost and labels of what every topology with these params shares: input, stem, endpoints."""
    stem = bld.build_topology(_trivial(p))
    arch = bld.check(stem)
    costs = arch.costs
    base = sum(costs[k].params for k in ("stem.conv", "stem.bn", "s0")), \
        sum(costs[k].macs for k in ("stem.conv", "stem.bn", "s0"))
    s1 = costs["s1"].params, costs["s1"].macs
    bn = bld.BN
    labels = {
        "image": label_id("input", 0, n.InputAttrs(p.input_size, p.input_size, 3)),
        "stem.conv": label_id("conv", 1, n.ConvAttrs(64, 7, 2)),
        "stem.bn": label_id("bn", 1, bn),
        "stem.act": label_id("act", 1, n.ActAttrs(p.activation)),
        "stem": label_id("maxpool", 2, n.PoolAttrs(3, 2)),
        "s": label_id("bottleneck", 2, bld._block("bottleneck", p.width(2), p.activation, p.repeats)),
    }
    return base, s1, labels


def _trivial(p: TopologyParams) -> Topology:
    from archdsl.nas.topology import BlockSpec
    blocks = tuple(BlockSpec(lvl, "bottleneck", (0, 1), True) for lvl in range(p.min_level, p.max_level + 1))
    return Topology(blocks, p)


@lru_cache(maxsize=65536)
def _endpoint(p: TopologyParams, level: int, src_channels: int) -> tuple:
    ctx = RuleContext(level, _image(p))
    out = _shape(p, level, p.endpoint_filters)
    conv = node_cost(n.Node("e", "conv", level, n.ConvAttrs(p.endpoint_filters), "e"),
                     (_shape(p, level, src_channels),), out, ctx)
    bn = node_cost(n.Node("e", "bn", level, bld.BN, "e"), (out,), out, ctx)
    labels = (label_id("conv", level, n.ConvAttrs(p.endpoint_filters)), label_id("bn", level, bld.BN),
              label_id("act", level, n.ActAttrs(p.activation), (str(level),)))
    return conv.params + bn.params, conv.macs + bn.macs, labels


@lru_cache(maxsize=65536)
def _line_labels(p: TopologyParams, kind: str, level: int, channels: int) -> tuple[int, int, int, int]:
    return (label_id("resample", level, bld._resample(channels, p.activation, p.alpha)),
            label_id("add", level, n.NoAttrs()), label_id("act", level, n.ActAttrs(p.activation)),
            label_id(kind, level, bld._block(kind, p.width(level), p.activation, p.repeats)))


def orphan_edges(t: Topology, shape: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Model Garden's orphan rule on a topology: (source index, line index) edges it adds.
    `shape`: each block's (level, channels), if the caller has them."""
    if shape is None:
        channels = _table(t.params).channels
        shape = [(2, channels[t.kind(0), 2])] * STEM_BLOCKS + [(b.level, channels[b.kind, b.level]) for b in t.blocks]
    lines = [Line(k + STEM_BLOCKS, b.parents, b.output, shape[k + STEM_BLOCKS]) for k, b in enumerate(t.blocks)]
    edges: list[tuple[int, int]] = rules.orphan_edges(lines, (), shape)
    return [(src, i + STEM_BLOCKS) for src, i in edges]


def live_blocks(t: Topology, orphans: list[tuple[int, int]]) -> list[bool]:
    """Which blocks reach a kept output (levels min..max); s0 always feeds s1 or a line."""
    feeds: list[list[int]] = [[] for _ in range(len(t.blocks) + STEM_BLOCKS)]  # index -> its inputs
    for k, b in enumerate(t.blocks):
        feeds[k + STEM_BLOCKS].extend(b.parents)
    for src, dst in orphans:
        feeds[dst].append(src)
    feeds[1].append(0)
    p = t.params
    roots = [k + STEM_BLOCKS for k, b in enumerate(t.blocks) if b.output and p.min_level <= b.level <= p.max_level]
    live = rules.reachable(roots, feeds.__getitem__)
    return [i in live for i in range(len(feeds))]


class _Tables:
    """Everything `evaluate` looks up per block, for one `TopologyParams` (built once)."""

    def __init__(self, p: TopologyParams):
        self.p = p
        (self.params, self.macs), self.s1_cost, self.fixed = _fixed(p)
        self.channels = {(kind, lvl): block_channels(kind, p.width(lvl)) for kind in KINDS for lvl in range(1, 8)}
        self.inner = {(kind, lvl): _inner(kind, p.width(lvl)) for kind in KINDS for lvl in range(1, 8)}
        self.line = {key: _line_labels(p, key[0], key[1], c) + _block_cost(p, key[0], key[1], c)
                     for key, c in self.channels.items()}
        f = self.fixed
        self.stem_chain = (f["image"], f["stem.conv"], f["stem.bn"], f["stem.act"], f["stem"], f["s"])
        self.resample: dict[tuple, tuple[int, int]] = {}
        self.endpoint: dict[tuple, tuple] = {}


_tables: dict[TopologyParams, _Tables] = {}


def _table(p: TopologyParams) -> _Tables:
    tab = _tables.get(p)
    if tab is None:
        tab = _tables[p] = _Tables(p)
    return tab


def evaluate(t: Topology) -> Evaluation:  # noqa: C901 (the sampler's hot path: one flat loop on purpose)
    """Params, MACs, live blocks and canonical hash of `t`'s checked IR, without building it."""
    p = t.params
    tab = _table(p)
    fixed = tab.fixed
    params, macs = tab.params, tab.macs
    blocks = t.blocks
    stem_kind = t.kind(0)
    levels = [2, 2] + [b.level for b in blocks]
    channels = [tab.channels[stem_kind, 2]] * 2 + [tab.channels[b.kind, b.level] for b in blocks]
    orphans = orphan_edges(t, list(zip(levels, channels)))
    live = live_blocks(t, orphans)
    inner = [tab.inner[stem_kind, 2]] * 2 + [tab.inner[b.kind, b.level] for b in blocks]
    outs = {b.level: k + STEM_BLOCKS for k, b in enumerate(blocks) if b.output}
    # The hashed graph is the IR's DAG contracted as `hash.contract` does, built directly: every
    # chain with one input and one consumer per link is one vertex (stem; add -> act -> block;
    # endpoint conv -> bn -> act), and a block read only by one resample or endpoint (or s0 read
    # only by s1) joins that reader's vertex. `single[i]`: block i has exactly one consumer and it
    # takes one input, so its chain waits in `pending[i]` for that consumer.
    consumers = [0] * len(levels)
    orphan_out = [False] * len(levels)
    orphan_into: dict[int, list[int]] = {}
    for src, dst in orphans:
        if live[dst]:
            orphan_into.setdefault(dst, []).append(src)
            consumers[src] += 1
            orphan_out[src] = True
    for k, b in enumerate(blocks):
        if live[k + STEM_BLOCKS]:
            consumers[b.parents[0]] += 1
            consumers[b.parents[1]] += 1
    for level in range(p.min_level, p.max_level + 1):
        consumers[outs[level]] += 1
    if live[1]:
        consumers[0] += 1
    labels: list[int] = []
    preds: list[tuple[int, ...]] = []
    vertex = [-1] * len(levels)
    pending: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    def emit(chain: tuple[int, ...], ins: tuple[int, ...]) -> int:
        labels.append(chain[0] if len(chain) == 1 else compound_label(chain))
        preds.append(ins)
        return len(labels) - 1

    def finish(i: int, chain: tuple[int, ...], ins: tuple[int, ...]) -> None:
        if consumers[i] == 1 and not orphan_out[i]:
            pending[i] = (chain, ins)
        else:
            vertex[i] = emit(chain, ins)

    def read(i: int, then: tuple[int, ...]) -> int:
        """The vertex of `then` (a one-input chain) reading block i."""
        if i in pending:
            chain, ins = pending.pop(i)
            return emit(chain + then, ins)
        return emit(then, (vertex[i],))

    finish(0, tab.stem_chain, ())
    if live[1]:
        params, macs = params + tab.s1_cost[0], macs + tab.s1_cost[1]
        if 0 in pending:
            chain, ins = pending.pop(0)
            finish(1, chain + (fixed["s"],), ins)
        else:
            finish(1, (fixed["s"],), (vertex[0],))
    resample = tab.resample
    for k, b in enumerate(blocks):
        index = k + STEM_BLOCKS
        if not live[index]:
            continue
        level, c = b.level, channels[index]
        r_label, add_label, act_label, block_label, bp, bm = tab.line[b.kind, level]
        add_in = []
        for parent in b.parents:
            key = (level, c, levels[parent], channels[parent], inner[parent])
            cost = resample.get(key)
            if cost is None:
                cost = resample[key] = _resample_cost(p, *key)
            params, macs = params + cost[0], macs + cost[1]
            add_in.append(read(parent, (r_label,)))
        if index in orphan_into:
            add_in.extend(vertex[src] for src in orphan_into[index])
        params, macs = params + bp, macs + bm
        finish(index, (add_label, act_label, block_label), tuple(add_in))
    for level in range(p.min_level, p.max_level + 1):
        src = outs[level]
        found = tab.endpoint.get((level, channels[src]))
        if found is None:
            found = tab.endpoint[level, channels[src]] = _endpoint(p, level, channels[src])
        ep, em, chain = found
        params, macs = params + ep, macs + em
        read(src, chain)
    h = digest_contracted(labels, preds, [False] * len(labels), list(range(len(labels))))
    return Evaluation(params, macs, h, tuple(live), tuple(orphans))
