"""Evaluate a `Topology` without building its IR: the costs, the live blocks and the hash.

This is the sampler's hot path. It applies the same rules as the passes (merge-orphans: Model
Garden's orphan rule; prune-unreachable: blocks that reach no endpoint), prices each node with
`count_costs.node_cost` (memoised: a block's cost depends only on a few small keys), and builds the
same labelled DAG that `hash.dag_of` extracts from the checked IR, so `evaluate(t).hash ==
archdsl.hash(builder.arch_of(t))`; tests check this agreement on thousands of random topologies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from archdsl.ir import nodes as n
from archdsl.ir.expand import Shape
from archdsl.nas import builder as bld
from archdsl.nas.hash import digest, label_id
from archdsl.nas.topology import STEM_BLOCKS, Topology, TopologyParams
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
                   src_bottleneck: bool) -> tuple[int, int]:
    node = n.Node("r", n.Op.RESAMPLE, level, bld._resample(channels, p.activation, p.alpha), "r")
    image = Shape(p.input_size, p.input_size, 3)
    c = node_cost(node, (_shape(p, src_level, src_channels),), _shape(p, level, channels),
                  parent_block=src_bottleneck, image=image)
    return c.params, c.macs


@lru_cache(maxsize=65536)
def _block_cost(p: TopologyParams, kind: str, level: int, in_channels: int) -> tuple[int, int]:
    attrs = bld._block(kind, p.width(level), p.activation, p.repeats)
    node = n.Node("b", n.Op(kind), level, attrs, "b")
    out = 4 * attrs.filters if kind == "bottleneck" else attrs.filters
    c = node_cost(node, (_shape(p, level, in_channels),), _shape(p, level, out))
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
        "image": label_id(n.Op.INPUT, 0, n.InputAttrs(p.input_size, p.input_size, 3)),
        "stem.conv": label_id(n.Op.CONV, 1, n.ConvAttrs(64, 7, 2)),
        "stem.bn": label_id(n.Op.BN, 1, bn),
        "stem.act": label_id(n.Op.ACT, 1, n.ActAttrs(p.activation)),
        "stem": label_id(n.Op.MAXPOOL, 2, n.PoolAttrs(3, 2)),
        "s": label_id(n.Op.BOTTLENECK, 2, bld._block("bottleneck", p.width(2), p.activation, p.repeats)),
    }
    return base, s1, labels


def _trivial(p: TopologyParams) -> Topology:
    from archdsl.nas.topology import BlockSpec
    blocks = tuple(BlockSpec(lvl, "bottleneck", (0, 1), True) for lvl in range(p.min_level, p.max_level + 1))
    return Topology(blocks, p)


@lru_cache(maxsize=65536)
def _endpoint(p: TopologyParams, level: int, src_channels: int) -> tuple:
    conv = node_cost(n.Node("e", n.Op.CONV, level, n.ConvAttrs(p.endpoint_filters), "e"),
                     (_shape(p, level, src_channels),), _shape(p, level, p.endpoint_filters))
    bn = node_cost(n.Node("e", n.Op.BN, level, bld.BN, "e"), (), _shape(p, level, p.endpoint_filters))
    labels = (label_id(n.Op.CONV, level, n.ConvAttrs(p.endpoint_filters)), label_id(n.Op.BN, level, bld.BN),
              label_id(n.Op.ACT, level, n.ActAttrs(p.activation), (str(level),)))
    return conv.params + bn.params, conv.macs + bn.macs, labels


@lru_cache(maxsize=65536)
def _line_labels(p: TopologyParams, kind: str, level: int, channels: int) -> tuple[int, int, int, int]:
    return (label_id(n.Op.RESAMPLE, level, bld._resample(channels, p.activation, p.alpha)),
            label_id(n.Op.ADD, level, n.NoAttrs()), label_id(n.Op.ACT, level, n.ActAttrs(p.activation)),
            label_id(n.Op(kind), level, bld._block(kind, p.width(level), p.activation, p.repeats)))


def orphan_edges(t: Topology) -> list[tuple[int, int]]:
    """Model Garden's orphan rule on a topology: (source index, line index) edges it adds."""
    net: list[int] = []
    for b in t.blocks:
        for parent in b.parents:
            if parent < STEM_BLOCKS and parent not in net:
                net.append(parent)
    uses = [0] * (len(t.blocks) + STEM_BLOCKS)
    out = []
    for k, b in enumerate(t.blocks):
        index = k + STEM_BLOCKS
        for parent in b.parents:
            uses[parent] += 1
        if b.output:
            target = (b.level, t.channels(index))
            for cand in net:
                if uses[cand] == 0 and (t.level(cand), t.channels(cand)) == target:
                    out.append((cand, index))
                    uses[cand] += 1
        net.append(index)
    return out


def live_blocks(t: Topology, orphans: list[tuple[int, int]]) -> list[bool]:
    """Which blocks reach a kept output (levels min..max); s0 always feeds s1 or a line."""
    total = len(t.blocks) + STEM_BLOCKS
    feeds: list[list[int]] = [[] for _ in range(total)]  # index -> its inputs
    for k, b in enumerate(t.blocks):
        feeds[k + STEM_BLOCKS].extend(b.parents)
    for src, dst in orphans:
        feeds[dst].append(src)
    feeds[1].append(0)
    p = t.params
    live = [False] * total
    stack = [k + STEM_BLOCKS for k, b in enumerate(t.blocks) if b.output and p.min_level <= b.level <= p.max_level]
    while stack:
        v = stack.pop()
        if not live[v]:
            live[v] = True
            stack.extend(feeds[v])
    return live


def evaluate(t: Topology) -> Evaluation:
    """Params, MACs, live blocks and canonical hash of `t`'s checked IR, without building it."""
    p = t.params
    (params, macs), s1_cost, fixed = _fixed(p)
    orphans = orphan_edges(t)
    live = live_blocks(t, orphans)
    labels = [fixed["image"], fixed["stem.conv"], fixed["stem.bn"], fixed["stem.act"], fixed["stem"], fixed["s"]]
    preds: list[tuple[int, ...]] = [(), (0,), (1,), (2,), (3,), (4,)]
    vertex = [5, -1] + [-1] * len(t.blocks)  # block index -> its vertex
    if live[1]:
        params, macs = params + s1_cost[0], macs + s1_cost[1]
        labels.append(fixed["s"])
        preds.append((5,))
        vertex[1] = 6
    orphan_into: dict[int, list[int]] = {}
    for src, dst in orphans:
        orphan_into.setdefault(dst, []).append(src)
    channels = [t.channels(i) for i in range(len(vertex))]
    for k, b in enumerate(t.blocks):
        index = k + STEM_BLOCKS
        if not live[index]:
            continue
        c = channels[index]
        r_label, add_label, act_label, block_label = _line_labels(p, b.kind, b.level, c)
        add_in = []
        for parent in b.parents:
            pp, pm = _resample_cost(p, b.level, c, t.level(parent), channels[parent], t.kind(parent) == "bottleneck")
            params, macs = params + pp, macs + pm
            add_in.append(len(labels))
            labels.append(r_label)
            preds.append((vertex[parent],))
        add_in.extend(vertex[src] for src in orphan_into.get(index, ()))
        bp, bm = _block_cost(p, b.kind, b.level, c)
        params, macs = params + bp, macs + bm
        base = len(labels)
        labels += [add_label, act_label, block_label]
        preds += [tuple(add_in), (base,), (base + 1,)]
        vertex[index] = base + 2
    outs = {b.level: k + STEM_BLOCKS for k, b in enumerate(t.blocks) if b.output}
    for level in range(p.min_level, p.max_level + 1):
        src = outs[level]
        ep, em, (conv_l, bn_l, act_l) = _endpoint(p, level, channels[src])
        params, macs = params + ep, macs + em
        base = len(labels)
        labels += [conv_l, bn_l, act_l]
        preds += [(vertex[src],), (base,), (base + 1,)]
    order = list(range(len(labels)))  # built in topological order
    h = digest(labels, preds, [False] * len(labels), order)
    return Evaluation(params, macs, h, tuple(live), tuple(orphans))
