"""The viewer's tree (`Tree`: items with parent and children, JSON-ready) and what is measured on it
once the grouping is done (`finish`): pre-order numbering, level ranges, costs and spec lines of
containers, the shapes a tall box hands on at each lane, and the local column of every child, in
data-flow order. The page reads these and never reorders anything.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

Item = dict[str, Any]


class Tree:
    def __init__(self) -> None:
        self.items: list[Item] = [dict(id=0, key="", title="", kind="root", parent=-1, children=[])]
        self.by_key: dict[str, int] = {"": 0}

    def add(self, parent: int, key: str, title: str, kind: str, **extra: Any) -> int:
        i = len(self.items)
        self.items.append(dict(id=i, key=key, title=title, kind=kind, parent=parent, children=[], **extra))
        self.items[parent]["children"].append(i)
        self.by_key.setdefault(key, i)
        return i

    def wrap(self, parent: int, members: list[int], key: str, title: str, kind: str, **extra: Any) -> int:
        """A new container under `parent`, in the place of its first member, holding `members`."""
        kids = self.items[parent]["children"]
        at = min(kids.index(m) for m in members)
        i = self.add(parent, key, title, kind, **extra)
        kids.remove(i)
        keep = [k for k in kids if k not in members]
        keep.insert(sum(1 for k in kids[:at] if k not in members), i)
        self.items[parent]["children"] = keep
        for m in members:
            self.items[m]["parent"] = i
        self.items[i]["children"] = list(members)
        return i


def child_under(t: Tree, container: int, leaf: int) -> int | None:
    """The child of `container` that holds `leaf`, or None when `leaf` is outside it."""
    while leaf != -1:
        parent = t.items[leaf]["parent"]
        if parent == container:
            return leaf
        leaf = parent
    return None


def finish(t: Tree, edges: list) -> list:
    """Renumber, summarise, find ports and columns; returns the edges renumbered."""
    edges = _renumber(t, edges)
    _summarise(t, edges)
    _ports(t, edges)
    return edges


def _renumber(t: Tree, edges: list) -> list:
    """Number the live items in pre-order (parents first, then children in their order), dropping
    dissolved loops; returns the edges renumbered alike."""
    order, stack = [], [0]
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(reversed(t.items[i]["children"]))
    new = {old: k for k, old in enumerate(order)}
    items = [t.items[i] for i in order]
    for item in items:
        item["id"], item["parent"] = new[item["id"]], new.get(item["parent"], -1)
        item["children"] = [new[c] for c in item["children"]]
    t.items = items
    t.by_key = {}
    for item in items:
        t.by_key.setdefault(item["key"], item["id"])
    return [[new[a], new[b], *rest] for a, b, *rest in edges]


def _summarise(t: Tree, edges: list) -> None:
    """Level range, costs, first span and the local column of every item (see `columns`)."""
    into: dict[int, list[int]] = {}
    for a, b, *_ in edges:
        into.setdefault(b, []).append(a)
    for item in reversed(t.items):  # pre-order: children come after their parents
        kids = [t.items[c] for c in item["children"]]
        if not kids:
            if "level" in item:
                item["lo"] = item["hi"] = item["level"]
            continue
        item["lo"], item["hi"] = min(k["lo"] for k in kids), max(k["hi"] for k in kids)
        if item["kind"] == "instance":
            item["op"] = f"template instance · {len(kids)} parts"
        if item["kind"] != "node":
            item.update({f: sum(k.get(f, 0) for k in kids) for f in ("params", "trainable", "macs")})
        marked = sum(k.get("nst", 0) + (k["kind"] == "node" and bool(k.get("st"))) for k in kids)
        if marked:  # a diff: how many marked IR nodes inside
            item["nst"] = marked
        if item["kind"] != "node":
            _inherit(item, kids)
    for item in t.items:
        if item["children"]:
            columns(t, item, into)


def _inherit(item: Item, kids: list[Item]) -> None:
    """A container's spec line is its result's (a statement) or its first member's; a statement
    shows its result's diff status."""
    first = next((k for k in kids if "src" in k), None)
    main = next((k for k in kids if k["key"] == item.get("main") and k["kind"] == "node"), first)
    if main is not None and "src" in main:
        item["src"], item["line"] = main["src"], main["line"]
    if item["kind"] == "statement" and main is not None and main.get("st"):
        item["st"], item["what"] = main["st"], main["what"]


def _ports(t: Tree, edges: list) -> None:
    """What leaves each container spanning several lanes, per level: {level: shape}, so a tall
    collapsed box says at every lane what it hands on (`backbone`: 80×80×512 at L3, ...)."""
    for a, b, _, shape, *_ in edges:
        above_b = set()
        x = b
        while x != -1:
            above_b.add(x)
            x = t.items[x]["parent"]
        x = t.items[a]["parent"]
        while x not in above_b:
            item = t.items[x]
            if item["lo"] < item["hi"]:
                item.setdefault("ports", {}).setdefault(str(t.items[a]["lo"]), shape)
            x = item["parent"]


def columns(t: Tree, item: Item, into: dict[int, list[int]]) -> None:
    """Give each child of `item` a column: one past the columns of the children feeding it and
    of the last child in any lane it spans (so boxes in one lane never overlap), taking children
    in a topological order with ties broken by definition order (as `layout._columns` does)."""
    kids = item["children"]
    index = {c: k for k, c in enumerate(kids)}
    preds: dict[int, set[int]] = {c: set() for c in kids}
    for c in kids:
        for leaf in _leaves(t, c):
            for src in into.get(leaf, ()):
                p = child_under(t, item["id"], src)
                if p is not None and p != c:
                    preds[c].add(p)
    dag = nx.DiGraph()
    dag.add_nodes_from(kids)
    dag.add_edges_from((p, c) for c, ps in preds.items() for p in ps)
    try:
        order = list(nx.lexicographical_topological_sort(dag, key=index.__getitem__))
    except nx.NetworkXUnfeasible:  # a cycle: keep definition order, draw back edges as they come
        order = list(kids)
    col: dict[int, int] = {}
    last: dict[int, int] = {}
    for c in order:
        lo, hi = t.items[c]["lo"], t.items[c]["hi"]
        x = max([col[p] + 1 for p in preds[c] if p in col] + [last.get(lane, -1) + 1 for lane in range(lo, hi + 1)])
        col[c] = x
        for lane in range(lo, hi + 1):
            last[lane] = x
    for c in kids:
        t.items[c]["col"] = col[c]


def _leaves(t: Tree, c: int) -> list[int]:
    stack, out = [c], []
    while stack:
        x = stack.pop()
        kids = t.items[x]["children"]
        if kids:
            stack.extend(kids)
        out.append(x)
    return out
