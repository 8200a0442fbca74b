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
the way), and the least leaf certificate is hashed. Colour collisions can only cost time, never
exactness, because certificates spell the graph out (labels are 64-bit digests).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence

from archdsl.ops.registry import get_op

MASK = (1 << 64) - 1
DIGEST_CHARS = 32  # 128 bits
MAX_LEAVES = 200_000
_INDIVIDUALISED = 0x5BD1E995

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


def _mix(h: int, items: Sequence[int]) -> int:
    # CPython's tuple hash over ints is deterministic across runs (ints are not salted) and has
    # been the same xxHash-based function since 3.8; it runs in C, which the hot path needs.
    return hash((h, *items))


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
    return digest_contracted(labels, preds, ordered, list(range(len(labels))))


def digest_contracted(labels: list[int], preds: list[tuple[int, ...]], ordered: list[bool],
                      order: list[int] | None = None) -> str:
    """`digest` of a graph `contract` has already contracted (its heads are in topological order)."""
    colours = two_pass(labels, preds, ordered, order)
    if len(set(colours)) == len(colours):
        # Colours are all different, so sorting by colour is a canonical order: spell the graph
        # out in it (label, number of inputs, input ranks) and hash that.
        by_colour = sorted(range(len(colours)), key=colours.__getitem__)
        rank = [0] * len(colours)
        for i, v in enumerate(by_colour):
            rank[v] = i
        cert = array("Q", b"M\0\0\0\0\0\0\0")
        for v in by_colour:
            ps = preds[v]
            cert.append(labels[v])
            cert.append(len(ps))
            if len(ps) == 1:
                cert.append(rank[ps[0]])
            else:
                cert.extend([rank[u] for u in ps] if ordered[v] else sorted([rank[u] for u in ps]))
        data = cert.tobytes()
    else:
        data = repr(("C", canonical_certificate(labels, preds, ordered))).encode()
    return hashlib.blake2b(data, digest_size=DIGEST_CHARS // 2).hexdigest()


def _pred_colours(v, colours, preds, ordered) -> tuple[int, ...]:
    cs = [colours[u] for u in preds[v]]
    if not ordered[v]:
        cs.sort()
    return tuple(cs)


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
        colours[v] = _mix(labels[v], _pred_colours(v, colours, preds, ordered))
    return colours


def two_pass(labels, preds, ordered, order=None) -> list[int]:
    """Merkle colours, then a top-down pass mixing in the consumers' colours (splits resamples of
    one parent that feed different lines, which the bottom-up pass alone cannot tell apart).
    Written out for speed; the values are `_mix(label, input colours)` and `_mix(up, consumers)`."""
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


# ---- exact canonical labelling for graphs with ties (individualisation-refinement)

def _refine(colours: list[int], preds, succ_items, ordered) -> list[int]:
    classes = len(set(colours))
    while True:
        new = []
        for v, c in enumerate(colours):
            down = sorted(_mix(colours[w], (pos,)) for w, pos in succ_items[v])
            new.append(_mix(c, _pred_colours(v, colours, preds, ordered) + (0,) + tuple(down)))
        count = len(set(new))
        colours = new
        if count == classes:
            return colours
        classes = count


def canonical_certificate(labels, preds, ordered) -> tuple:  # noqa: C901 (one search, kept whole)
    """The least leaf certificate over an individualisation-refinement search tree."""
    n_v = len(labels)
    succ_items: list[list[tuple[int, int]]] = [[] for _ in range(n_v)]
    for v, ps in enumerate(preds):
        for pos, u in enumerate(ps):
            succ_items[u].append((v, pos + 1 if ordered[v] else 0))
    seen: dict[tuple, list[int]] = {}
    autos: list[list[int]] = []
    best: list = [None]

    def leaf(colours: list[int]) -> None:
        order = sorted(range(n_v), key=colours.__getitem__)
        idx = [0] * n_v
        for i, v in enumerate(order):
            idx[v] = i
        cert = tuple((labels[v], tuple(idx[u] for u in preds[v]) if ordered[v]
                      else tuple(sorted(idx[u] for u in preds[v]))) for v in order)
        if cert in seen:  # same certificate: the two labellings differ by an automorphism
            other = seen[cert]
            gamma = list(range(n_v))
            for i in range(n_v):
                gamma[other[i]] = order[i]
            autos.append(gamma)
        else:
            seen[cert] = order
            if len(seen) > MAX_LEAVES:
                raise RuntimeError("canonical hash: search tree too large")
        if best[0] is None or cert < best[0]:
            best[0] = cert

    def search(colours: list[int], prefix: list[int]) -> None:
        cells: dict[int, list[int]] = {}
        for v, c in enumerate(colours):
            cells.setdefault(c, []).append(v)
        ties = [(len(vs), c) for c, vs in cells.items() if len(vs) > 1]
        if not ties:
            leaf(colours)
            return
        cell = cells[min(ties)[1]]
        explored: list[int] = []
        for w in cell:
            if explored and _same_orbit(w, explored, autos, prefix, n_v):
                continue
            branch = list(colours)
            branch[w] = _mix(colours[w], (_INDIVIDUALISED,))
            search(_refine(branch, preds, succ_items, ordered), prefix + [w])
            explored.append(w)

    search(_refine(list(labels), preds, succ_items, ordered), [])
    return best[0]


def _same_orbit(w: int, explored: list[int], autos, prefix, n_v: int) -> bool:
    """Whether an automorphism found so far that fixes `prefix` maps an explored vertex to `w`."""
    parent = list(range(n_v))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for gamma in autos:
        if all(gamma[p] == p for p in prefix):
            for x, y in enumerate(gamma):
                rx, ry = find(x), find(y)
                if rx != ry:
                    parent[rx] = ry
    root = find(w)
    return any(find(e) == root for e in explored)
