"""The interactive viewer's data: a tree of collapsible boxes over the IR, with costs and edges.

The tree is, outermost first: template instances (`backbone`, `decoder`, `decoder.cell[2]`), loops
(statements or instances `name[i]` of one loop, as `endpoint[3..7]`), fuse sections, statements,
IR nodes, and for composites (block groups, resamples) their primitive layers (`layers_of`). Every
container knows its level range, its costs (the sum of its IR nodes', as `count-costs` gave them)
and where its children sit: a local column in data-flow order, computed once (`html_tree`), so the
page never reorders anything when a box is expanded, it only re-measures widths. The hierarchy comes
from each node's typed `origin` (`hierarchy()`); `loop_of()` is the one place that reads a name: the
`[key]` of a loop family's member, which the origin does not type yet.
"""

from __future__ import annotations

import re
from typing import Any

import networkx as nx

from archdsl.ir import nodes as n
from archdsl.ops.registry import get_op
from archdsl.ops.rules import layers_of
from archdsl.passes.base import rule_context
from archdsl.render.html_tree import Tree, child_under, finish
from archdsl.render.model import _kind as statement_label
from archdsl.render.model import describe, hwc, resample_label

Marks = tuple[dict[str, tuple[str, str]], dict[tuple[str, str], str]]
_LOOP = re.compile(r"^(.+)\[([^\[\]]+)\]$")


def hierarchy(node: n.Node) -> tuple[str, ...]:
    """The scopes `node` sits in, outermost first, ending with its statement: ('decoder',
    'cell[2]', 'n5') for a node of `decoder.cell[2].n5`, read from its typed `origin`. A node
    without one (made by the builder API, as NAS samples are) is its own statement, `Node.group`."""
    if node.origin is None:
        return (node.group,)
    return (*node.origin.scope, node.origin.statement)


def loop_of(scope: str) -> tuple[str, str] | None:
    """('endpoint', '3') for the statement or instance `endpoint[3]`: one member of a loop family
    (`for l in ... { endpoint[l] = ... }`); else None. The only name this module reads: the
    origin names the member, not its family."""
    m = _LOOP.match(scope)
    return (m.group(1), m.group(2)) if m else None


def build(arch, marks: Marks | None = None) -> dict[str, Any]:
    """The viewer's data for `arch`: {name, items, edges, lanes, totals}, all JSON-ready. `marks`
    (from a diff) colours nodes, {name: (status, what)}, and IR edges, {(src, dst): status}."""
    g, shapes, costs = arch.graph, arch.shapes, arch.costs
    t = Tree()
    count: dict[str, int] = {}
    for node in g.nodes():
        count[node.group] = count.get(node.group, 0) + 1
    outputs = {name for _, name in g.output_items()}
    features = {line.node for s in g.sections for line in s.lines if line.output}
    node_id: dict[str, int] = {}
    out_leaf: dict[str, int] = {}  # IR node -> the leaf its result leaves from
    in_leaves: dict[str, list[list[int]]] = {}  # IR node -> per input, the leaves it enters
    stmt_of: dict[str, int] = {}  # statement path -> its item (a container, or the node itself)
    edges: list[list[Any]] = []

    for node in g.nodes():
        scopes = hierarchy(node)
        parent = 0
        for depth in range(1, len(scopes)):
            key = ".".join(scopes[:depth])
            if key not in t.by_key:
                t.add(parent, key, scopes[depth - 1], "instance")
            parent = t.by_key[key]
        if count[node.group] > 1:
            if node.group not in t.by_key:
                stmt_of[node.group] = _statement(t, g, parent, node.group, scopes[-1])
            parent = t.by_key[node.group]
            title = node.name[len(node.group) + 1:] if node.name.startswith(node.group + ".") else \
                scopes[-1] if node.name == node.group else node.name
        else:
            title = scopes[-1]
        cost = costs[node.name]
        ins = g.inputs(node.name)
        extra = dict(op=describe(node.op, node.attrs), level=node.level, shape=hwc(shapes[node.name]),
                     params=cost.params, trainable=cost.trainable, macs=cost.macs, share=node.share,
                     inputs=list(ins), out="model" if node.name in outputs else
                     "feature" if node.name in features else "", **_span(node))
        i = node_id[node.name] = t.add(parent, node.name, title, "node", **extra)
        if count[node.group] == 1:
            stmt_of[node.group] = i
        out_leaf[node.name] = i
        in_leaves[node.name] = [[i] for _ in ins]
        if get_op(node.op).composite:
            _add_layers(t, arch, node, i, out_leaf, in_leaves, edges)
    _ir_edges(arch, out_leaf, in_leaves, marks[1] if marks else {}, edges)
    for name, (status, what) in (marks[0].items() if marks else ()):
        t.items[node_id[name]].update(st=status, what=what)

    _wrap_sections(t, g, stmt_of)
    _wrap_loops(t, edges)
    edges = finish(t, edges)
    return dict(name=g.name, items=t.items, edges=edges, lanes=sorted({x["level"] for x in t.items if "level" in x}),
                totals=_totals(arch))


def _ir_edges(arch, out_leaf: dict, in_leaves: dict, marks: dict, edges: list) -> None:
    """The IR's edges between leaves, once every node has one (the orphan merge appends nodes that
    feed earlier ones): resample factor, tensor shape, orphan flag, diff status."""
    g, shapes = arch.graph, arch.shapes
    for node in g.nodes():
        for pos, src in enumerate(g.inputs(node.name)):
            orphan = g.is_orphan_edge(src, node.name)
            label = "orphan" if orphan else resample_label(g.node(src).level, node.level)
            status = marks.get((src, node.name), "")
            for dst in in_leaves[node.name][pos]:
                edges.append([out_leaf[src], dst, label, hwc(shapes[src]), int(orphan), status])


def _statement(t: Tree, g, parent: int, group: str, title: str) -> int:
    """The box of a statement made of several nodes, labelled by what it computes."""
    members = [m for m in g.nodes() if m.group == group]
    main = next((m for m in members if m.name == group), members[-1])
    return t.add(parent, group, title, "statement", op=statement_label(members, main), main=main.name)


def _span(node: n.Node) -> dict[str, Any]:
    s = node.span
    if s is None:
        return {}
    return dict(src=f"{s.path}:{s.line}", line=s.source.line(s.line).strip())


def _add_layers(t: Tree, arch, node: n.Node, i: int, out_leaf: dict, in_leaves: dict, edges: list) -> None:
    """The primitive layers of a composite (block group, resample), as children of its node's box."""
    g, shapes = arch.graph, arch.shapes
    ins = g.inputs(node.name)
    ctx = rule_context(g, shapes, node.name)
    layers = layers_of(node.op, node.name, node.attrs, tuple(shapes[x] for x in ins), ctx)
    layer_id: dict[str, int] = {}
    layer_shape = {f"<{k}>": shapes[x] for k, x in enumerate(ins)}
    entry: list[list[int]] = [[] for _ in ins]
    for layer in layers:
        layer_ins = tuple(layer_shape[x] for x in layer.inputs)
        cost = get_op(layer.op).cost(layer.attrs, layer_ins, layer.shape, ctx)
        short = layer.name[len(node.name) + 1:] if layer.name.startswith(node.name + ".") else "out"
        j = t.add(i, layer.name + ("" if layer.name != node.name else "#out"), short, "layer",
                  op=describe(layer.op, layer.attrs), level=node.level, shape=hwc(layer.shape),
                  params=cost.params, trainable=cost.trainable, macs=cost.macs,
                  **{k: v for k, v in t.items[i].items() if k in ("src", "line")})
        layer_id[layer.name], layer_shape[layer.name] = j, layer.shape
        for src in layer.inputs:
            if src in layer_shape and src.startswith("<"):  # the node's input number k
                entry[int(src[1:-1])].append(j)
            else:
                edges.append([layer_id[src], j, "", hwc(layer_shape[src]), 0, ""])
    out_leaf[node.name], in_leaves[node.name] = layer_id[layers[-1].name], entry


def _wrap_sections(t: Tree, g, stmt_of: dict[str, int]) -> None:
    """Each fuse section becomes one box, unless it already is its container's whole content."""
    for section in g.sections:
        groups = list(dict.fromkeys(g.node(line.node).group for line in section.lines if line.node in g))
        members = [stmt_of[x] for x in groups if x in stmt_of]
        parents = {t.items[m]["parent"] for m in members}
        if len(members) < 2 or len(parents) != 1:
            continue
        parent = parents.pop()
        if set(t.items[parent]["children"]) == set(members):
            continue
        first, last = t.items[members[0]]["title"], t.items[members[-1]]["title"]
        key = (t.items[parent]["key"] + "." if parent else "") + f"fuse({first}..{last})"
        t.wrap(parent, members, key, f"{first} … {last}", "section",
               op=f"fuse section · {len(members)} lines · resample {section.rule}")


def _wrap_loops(t: Tree, edges: list) -> None:
    """Siblings `name[i]` of one loop become one box `name[a..b]`, unless that would make the
    boxes of their container feed each other in a cycle (FPN's top-down `topdown[L]` and `up[L]`
    alternate), which no left-to-right order could draw."""
    created: list[int] = []
    for parent in range(len(t.items)):
        item = t.items[parent]
        if item["kind"] not in ("root", "instance", "section"):
            continue
        runs: dict[str, list[int]] = {}
        for c in item["children"]:
            loop = loop_of(t.items[c]["title"])
            if loop is not None:
                runs.setdefault(loop[0], []).append(c)
        for base, members in runs.items():
            if len(members) < 2 or len(members) == len(item["children"]):
                continue
            first, last = (loop_of(t.items[m]["title"])[1] for m in (members[0], members[-1]))  # type: ignore[index]
            key = (item["key"] + "." if parent else "") + f"{base}[{first}..{last}]"
            created.append(t.wrap(parent, members, key, f"{base}[{first}..{last}]", "loop",
                                  op=f"loop × {len(members)}"))
    while created:
        cyclic = [c for c in created if _in_cycle(t, edges, c)]
        if not cyclic:
            return
        for c in cyclic:
            _dissolve(t, c)
            created.remove(c)


def _in_cycle(t: Tree, edges: list, c: int) -> bool:
    parent = t.items[c]["parent"]
    lifted = nx.DiGraph()
    for a, b, *_ in edges:
        x, y = child_under(t, parent, a), child_under(t, parent, b)
        if x is not None and y is not None and x != y:
            lifted.add_edge(x, y)
    return c in lifted and any(c in comp and len(comp) > 1 for comp in nx.strongly_connected_components(lifted))


def _dissolve(t: Tree, c: int) -> None:
    item = t.items[c]
    parent = t.items[item["parent"]]
    at = parent["children"].index(c)
    parent["children"][at:at + 1] = item["children"]
    for m in item["children"]:
        t.items[m]["parent"] = item["parent"]
    item.update(children=[], kind="dissolved", parent=-2)


def _totals(arch) -> dict[str, Any]:
    g, costs = arch.graph, arch.costs
    levels: dict[int, list[int]] = {}
    for node in g.nodes():
        c = costs[node.name]
        row = levels.setdefault(node.level, [0, 0, 0])
        row[0] += c.params
        row[1] += c.trainable
        row[2] += c.macs
    return dict(params=arch.params, trainable=arch.trainable_params, macs=arch.macs,
                levels=[[lv, *levels[lv]] for lv in sorted(levels)])
