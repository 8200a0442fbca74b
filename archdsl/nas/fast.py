"""Evaluate a `Topology` without building its IR: validity, the costs, the live blocks and the hash.

This is the sampler's hot path. It applies the same rules as the passes, through the same
functions (`archdsl.ir.orphans`: merge-orphans' orphan rule, prune-unreachable's liveness rule),
once per candidate; prices each node from per-params tables (`archdsl.nas.tables`, filled from
`count_costs.node_cost`); and builds directly the contracted DAG that
`hash.contract(hash.dag_of(...))` makes of the checked IR, so
`evaluate(t).hash == archdsl.hash(builder.arch_of(t))`. Tests check this agreement on random
topologies and mutations.
"""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.ir import orphans as rules
from archdsl.nas.hash import digest_contracted
from archdsl.nas.tables import CODES, ENDPOINT, KIND_BASE, S1, STEM, STEM_S1, Tables, tables
from archdsl.nas.topology import STEM_BLOCKS, Topology


@dataclass(frozen=True, slots=True)
class Evaluation:
    params: int
    macs: int
    hash: str
    live: tuple[bool, ...]                   # per block index (stem blocks first)
    orphans: tuple[tuple[int, int], ...]     # (source, target) block indices of the orphan rule's edges
    valid: bool                              # every block and s1 reach a kept output (`valid`)


def valid(t: Topology) -> bool:
    """Every block (and s1) reaches a kept output, counting orphan merges; output blocks outside
    min_level..max_level (pruned outputs) are exempt."""
    return _structure(t, tables(t.params))[3]


def evaluate(t: Topology) -> Evaluation:
    """Params, MACs, live blocks, validity and canonical hash of `t`'s checked IR, without building it."""
    result = _evaluate(t, False)
    assert result is not None
    return result


def evaluate_valid(t: Topology) -> Evaluation | None:
    """`evaluate(t)` if `t` is valid, else None (without the cost of hashing it)."""
    return _evaluate(t, True)


_Structure = tuple[list[int], list[tuple[int, ...]], list[int], bool, list[bool], list[tuple[int, int]]]


def _structure(t: Topology, tab: Tables) -> _Structure:
    """Each block's code, inputs (parents, then orphans; s1 reads s0), the endpoints' blocks per
    level, validity, liveness, and the orphan rule's (source, target) edges."""
    p, blocks = t.params, t.blocks
    lo, hi = p.min_level, p.max_level
    codes = [tab.stem_code, tab.stem_code] + [KIND_BASE[b.kind] + b.level for b in blocks]
    shape_id = tab.shape_id
    shapes = [shape_id[c] for c in codes]
    # Block indices are the rule's candidates; s0 and s1 come first as the parents read first.
    lines = [(k, b.parents, b.output, shapes[k]) for k, b in enumerate(blocks, STEM_BLOCKS)]
    feeds: list[tuple[int, ...]] = [(), (0,)] + [b.parents for b in blocks]
    orphans: list[tuple[int, int]] = []
    src: int
    for src, i in rules.orphan_edges(lines, (), shapes):
        orphans.append((src, i + STEM_BLOCKS))
        feeds[i + STEM_BLOCKS] += (src,)
    outs = [0] * (hi + 1)
    for k, b in enumerate(blocks, STEM_BLOCKS):
        if b.output and lo <= b.level <= hi:
            outs[b.level] = k
    reached = rules.reachable(outs[lo:], feeds.__getitem__)
    live = [i in reached for i in range(len(feeds))]
    ok = live[1] and all(live[k] or (b.output and not lo <= b.level <= hi) for k, b in enumerate(blocks, STEM_BLOCKS))
    return codes, feeds, outs, ok, live, orphans


def _evaluate(t: Topology, require_valid: bool) -> Evaluation | None:  # noqa: C901 (the hot path: one flat loop on purpose)
    p = t.params
    tab = tables(p)
    codes, feeds, outs, ok, live, orphans = _structure(t, tab)
    if require_valid and not ok:
        return None
    n_blocks = len(feeds)
    # The hashed graph is the IR's DAG contracted as `hash.contract` does, built directly: every
    # chain with one input and one consumer per link is one vertex (stem; add -> act -> block;
    # endpoint conv -> bn -> act), and a block read only by one resample or endpoint (or s0 read
    # only by s1) joins that reader's vertex. `merged[i]`: block i has exactly one consumer and
    # it takes one input (not an orphan edge into an add), so its chain waits (`chain[i]`, its
    # inputs in `waiting[i]`) for that reader. Vertices are made in a topological order.
    consumers = [0] * n_blocks
    for i in range(n_blocks):
        if live[i]:
            for src in feeds[i]:
                consumers[src] += 1
    for lvl in range(p.min_level, p.max_level + 1):
        consumers[outs[lvl]] += 1
    merged = [c == 1 for c in consumers]
    for src, dst in orphans:
        if live[dst]:
            merged[src] = False
    alone, reader_alone, join = tab.alone, tab.reader_alone, tab.join
    labels: list[int] = []
    preds: list[tuple[int, ...]] = []
    vertex = [0] * n_blocks   # block i's own vertex (when not merged)
    chain = codes[:]          # chain id of a merged block: its code, but for the stem blocks
    chain[0] = STEM
    waiting: list[tuple[int, ...]] = [()] * n_blocks  # a merged block's chain's inputs

    def place(i: int, ins: tuple[int, ...]) -> None:
        if merged[i]:
            waiting[i] = ins
        else:
            vertex[i] = len(labels)
            labels.append(alone[chain[i]])
            preds.append(ins)

    def read(i: int, rid: int) -> None:
        """Make the vertex of reader `rid` reading block i (with i's chain, if merged)."""
        if merged[i]:
            labels.append(join[chain[i]][rid])
            preds.append(waiting[i])
        else:
            labels.append(reader_alone[rid])
            preds.append((vertex[i],))

    params, macs = tab.fixed
    place(0, ())
    if live[1]:
        params, macs = params + tab.s1_cost[0], macs + tab.s1_cost[1]
        chain[1] = STEM_S1 if merged[0] else S1  # merged: s0's only reader is s1
        place(1, () if merged[0] else (vertex[0],))
    resample_cost, block_cost = tab.resample_cost, tab.block_cost
    for k in range(STEM_BLOCKS, n_blocks):
        if not live[k]:
            continue
        code, ins = codes[k], feeds[k]
        a, b = ins[0], ins[1]
        ra = resample_cost[code * CODES + codes[a]] or tab.resample(code, codes[a])
        rb = resample_cost[code * CODES + codes[b]] or tab.resample(code, codes[b])
        bc = block_cost[code]
        params += ra[0] + rb[0] + bc[0]
        macs += ra[1] + rb[1] + bc[1]
        # `read` and `place` written out: this loop makes most of the vertices.
        for parent in (a, b):
            if merged[parent]:
                labels.append(join[chain[parent]][code])
                preds.append(waiting[parent])
            else:
                labels.append(reader_alone[code])
                preds.append((vertex[parent],))
        v = len(labels)
        into: tuple[int, ...] = (v - 2, v - 1)
        if len(ins) > 2:  # orphans: never merged, so they have their own vertex
            into += tuple([vertex[src] for src in ins[2:]])
        if merged[k]:
            waiting[k] = into
        else:
            vertex[k] = v
            labels.append(alone[code])
            preds.append(into)
    endpoint_cost = tab.endpoint_cost
    for lvl in range(p.min_level, p.max_level + 1):
        src = outs[lvl]
        ep = endpoint_cost[codes[src]] or tab.endpoint(codes[src])
        params, macs = params + ep[0], macs + ep[1]
        read(src, ENDPOINT + lvl)
    h = digest_contracted(labels, preds, None)
    return Evaluation(params, macs, h, tuple(live), tuple(orphans), ok)
