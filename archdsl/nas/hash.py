"""`arch_hash`: a canonical, isomorphism-invariant hash of an architecture's checked IR.

What is hashed: the graph's structure, each node's op, level and attributes, the output keys a
node is returned under, weight-sharing groups (as extra vertices joined to their members), and
the input position of edges where order matters (concat and attention; add is commutative, and
single-input ops have nothing to order). What is ignored: every name (node names such as `b3.in0`
derive from statement names), spans, statement groups, orphan marks on edges (an orphan edge is
an ordinary add input) and the parameter values the spec was elaborated with (they matter only
through the attributes they produce). `drop_rate` is an attribute, so with stochastic depth on,
line order matters, as it does in Model Garden.

How: each node gets a label id (a 64-bit digest of `op|level|attrs|outputs`). Chains are
contracted first (`contract`: an edge u -> v merges when u has one consumer and v one input, so
conv -> bn -> act is one vertex labelled by its labels in order); the rule looks only at structure
and loses nothing, and it roughly halves a SpineNet graph. A bottom-up (Merkle) pass colours each
vertex by its label and its inputs' colours, then a top-down pass mixes in its consumers' colours.
When all colours differ (almost every sampled topology) sorting by colour is a canonical order,
and the certificate lists every vertex in it as (label, number of inputs, input ranks): it spells
the graph out. Otherwise (twins: two nodes computing the same thing from the same inputs) an exact
canonical labelling is searched by individualisation and refinement (colour refinement in both
edge directions, then branching on the smallest tied cell, pruned by the automorphisms found on
the way; `archdsl.nas.canon`), and the least leaf certificate is hashed. Colour collisions can
only cost time, never exactness, because certificates spell the graph out (labels are 64-bit
digests).
"""

from __future__ import annotations

import hashlib
import sys
from array import array

from archdsl.nas.canon import canonical_certificate, mix, pred_colours
from archdsl.ops.registry import get_op

MASK = (1 << 64) - 1
_CERT_MAGIC = int.from_bytes(b"M\0\0\0\0\0\0\0", sys.byteorder)  # the certificate's first word
DIGEST_CHARS = 32  # 128 bits

_labels: dict[tuple, int] = {}


def label_id(op: str, level: int, attrs: object, keys: tuple[str, ...] = ()) -> int:
    """A stable 64-bit id of what a node computes (memoised: attrs are frozen and hashable)."""
    key = (op, level, attrs, keys)
    found = _labels.get(key)
    if found is None:
        text = f"{op}|{level}|{attrs!r}|{','.join(keys)}"
        found = _labels[key] = _stable(text)
    return found


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


SHARE_LABEL = _stable("share-group")


def dag_of(graph) -> tuple[list[int], list[tuple[int, ...]], list[bool]]:
    """An ArchGraph as (labels, inputs in position order, order-matters flags), names dropped."""
    names = graph.names()
    index = {name: i for i, name in enumerate(names)}
    keys: dict[str, list[str]] = {}
    for path, name in graph.output_items():
        keys.setdefault(name, []).append("/".join(path))
    ins: list[list[tuple[int, int]]] = [[] for _ in names]
    for src, dst, pos, _ in graph.edges():
        ins[index[dst]].append((pos, index[src]))
    labels, preds, ordered = [], [], []
    shares: dict[str, list[int]] = {}
    for i, node in enumerate(graph.nodes()):
        labels.append(label_id(node.op, node.level, node.attrs, tuple(sorted(keys.get(node.name, ())))))
        preds.append(tuple(src for _, src in sorted(ins[i])))
        ordered.append(get_op(node.op).ordered and len(preds[-1]) > 1)
        if node.share is not None:
            shares.setdefault(node.share, []).append(i)
    for members in shares.values():
        labels.append(SHARE_LABEL)
        preds.append(tuple(members))
        ordered.append(False)
    return labels, preds, ordered


def arch_hash(arch) -> str:
    """The canonical hash of an `Arch` (or an `ArchGraph`): equal exactly for isomorphic IRs."""
    graph = getattr(arch, "graph", arch)
    return digest(*dag_of(graph))


_compound: dict[tuple[int, ...], int] = {}


def compound_label(path: tuple[int, ...]) -> int:
    """The label of a contracted chain: a stable 64-bit id of its labels in order."""
    found = _compound.get(path)
    if found is None:
        found = _compound[path] = _stable("chain|" + ",".join(map(str, path)))
    return found


def contract(labels: list[int], preds: list[tuple[int, ...]], ordered: list[bool],
             order: list[int] | None = None) -> tuple[list[int], list[tuple[int, ...]], list[bool]]:
    """Merge every edge u -> v where u has one consumer and v one input: chains (conv -> bn -> act,
    add -> act -> block) become one vertex labelled by its labels in order. The rule looks only at
    the structure, so isomorphic graphs contract to isomorphic graphs, and a contracted graph
    expands back to exactly one graph, so no information is lost. `order`: a topological order."""
    n_v = len(labels)
    consumers = [0] * n_v
    for ps in preds:
        for u in ps:
            consumers[u] += 1
    head = list(range(n_v))
    chain: dict[int, list[int]] = {}
    heads: list[int] = []
    for v in order if order is not None else topo_order(preds):
        ps = preds[v]
        if len(ps) == 1 and consumers[ps[0]] == 1:
            h = head[v] = head[ps[0]]
            chain[h].append(v)
        else:
            chain[v] = [v]
            heads.append(v)
    index = {h: i for i, h in enumerate(heads)}
    new_labels, new_preds, new_ordered = [], [], []
    for h in heads:
        members = chain[h]
        new_labels.append(labels[h] if len(members) == 1 else compound_label(tuple(labels[x] for x in members)))
        new_preds.append(tuple(index[head[u]] for u in preds[h]))
        new_ordered.append(ordered[h])
    return new_labels, new_preds, new_ordered


def digest(labels: list[int], preds: list[tuple[int, ...]], ordered: list[bool],
           order: list[int] | None = None) -> str:
    """The canonical hash of a labelled DAG (vertex order and numbering do not matter).
    `order`, when given, must be a topological order (saves sorting one)."""
    labels, preds, ordered = contract(labels, preds, ordered, order)
    return digest_contracted(labels, preds, ordered)


def digest_contracted(labels: list[int], preds: list[tuple[int, ...]], ordered: list[bool] | None) -> str:
    """`digest` of a graph `contract` has already contracted: vertices numbered in a topological
    order (inputs first). `ordered` None: no vertex's input order matters (the NAS fast path)."""
    n_v = len(labels)
    colours = _two_pass_unordered(labels, preds) if ordered is None else two_pass(labels, preds, ordered, range(n_v))
    if len(set(colours)) == len(colours):
        # Colours are all different, so sorting by colour is a canonical order: spell the graph
        # out in it (label, number of inputs, input ranks) and hash that.
        by_colour = sorted(range(len(colours)), key=colours.__getitem__)
        rank = [0] * len(colours)
        for i, v in enumerate(by_colour):
            rank[v] = i
        words = [_CERT_MAGIC]
        extend = words.extend
        for v in by_colour:
            ps = preds[v]
            if len(ps) == 1:
                extend((labels[v], 1, rank[ps[0]]))
            elif ordered is not None and ordered[v]:
                extend((labels[v], len(ps)))
                extend([rank[u] for u in ps])
            elif len(ps) == 2:  # an add's usual count: sorted by hand
                a, b = rank[ps[0]], rank[ps[1]]
                extend((labels[v], 2, a, b) if a < b else (labels[v], 2, b, a))
            else:
                extend((labels[v], len(ps)))
                extend(sorted([rank[u] for u in ps]))
        data = array("Q", words).tobytes()
    else:
        flags = [False] * len(labels) if ordered is None else ordered
        data = repr(("C", canonical_certificate(labels, preds, flags))).encode()
    return hashlib.blake2b(data, digest_size=DIGEST_CHARS // 2).hexdigest()


def topo_order(preds: list[tuple[int, ...]]) -> list[int]:
    succs: list[list[int]] = [[] for _ in preds]
    indeg = [len(p) for p in preds]
    for v, ps in enumerate(preds):
        for u in ps:
            succs[u].append(v)
    stack = [v for v, d in enumerate(indeg) if d == 0]
    order = []
    while stack:
        u = stack.pop()
        order.append(u)
        for v in succs[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                stack.append(v)
    if len(order) != len(preds):
        raise ValueError("the graph has a cycle")
    return order


def merkle(labels, preds, ordered) -> list[int]:
    """Bottom-up colours: a node's label mixed with its inputs' colours (sorted unless ordered)."""
    colours = [0] * len(labels)
    for v in topo_order(preds):
        colours[v] = mix(labels[v], pred_colours(v, colours, preds, ordered))
    return colours


def two_pass(labels, preds, ordered, order=None) -> list[int]:
    """Merkle colours, then a top-down pass mixing in the consumers' colours (splits resamples of
    one parent that feed different lines, which the bottom-up pass alone cannot tell apart).
    Written out for speed; the values are `mix(label, input colours)` and `mix(up, consumers)`."""
    order = topo_order(preds) if order is None else order
    up = [0] * len(labels)
    for v in order:
        ps = preds[v]
        if len(ps) == 1:
            up[v] = hash((labels[v], up[ps[0]]))
        elif ordered[v]:
            up[v] = hash((labels[v], *[up[u] for u in ps]))
        else:
            up[v] = hash((labels[v], *sorted([up[u] for u in ps])))
    down_items: list[list[int]] = [[] for _ in labels]
    colours = [0] * len(labels)
    for v in reversed(order):
        items = down_items[v]
        items.sort()
        colours[v] = c = hash((up[v], *items))
        ps = preds[v]
        if ordered[v]:
            for pos, u in enumerate(ps):
                down_items[u].append(hash((c, pos + 1)))
        else:
            for u in ps:
                down_items[u].append(c)
    return colours


def _two_pass_unordered(labels: list[int], preds: list[tuple[int, ...]]) -> list[int]:
    """`two_pass` of a graph numbered in a topological order where no input order matters: the
    same values, fewer steps per vertex (two inputs, an add's usual count, are sorted by hand;
    one consumer, the usual count, needs no sort)."""
    up: list[int] = []
    append = up.append
    for label, ps in zip(labels, preds):
        if len(ps) == 1:
            append(hash((label, up[ps[0]])))
        elif len(ps) == 2:
            a, b = up[ps[0]], up[ps[1]]
            append(hash((label, a, b) if a <= b else (label, b, a)))
        else:
            append(hash((label, *sorted([up[u] for u in ps]))))
    n_v = len(labels)
    down_items: list[list[int]] = [[] for _ in range(n_v)]
    colours = [0] * n_v
    for v in range(n_v - 1, -1, -1):
        items = down_items[v]
        if len(items) == 1:
            c = hash((up[v], items[0]))
        else:
            items.sort()
            c = hash((up[v], *items))
        colours[v] = c
        for u in preds[v]:
            down_items[u].append(c)
    return colours
