"""Resolve the elaborator's node stubs into an `ArchGraph`.

Elaboration records every node as a `Stub` whose inputs are still names (`LazyRef`), so a line may
use a node defined further down. Here the names become edges: unknown names get a did-you-mean,
cycles are reported with every line on them, levels are computed in topological order (stride 2
adds one, upsampling by 2 takes one away, `at Lk` declares), and each stub becomes a frozen `Node`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from archdsl.diagnostics import ArchError, Diagnostic, Note, Span, did_you_mean, error
from archdsl.ir import nodes as n
from archdsl.ir.expr import FAILED, Failed, cascade
from archdsl.ir.graph import ArchGraph, find_cycle, topological_order
from archdsl.ir.ops import Bound, make_attrs
from archdsl.ops.registry import get_op
from archdsl.syntax import ast


@dataclass
class Namespace:
    """The names of one arch body or template instance. `prefix` qualifies its node names."""

    prefix: str
    table: dict[str, Binding] = field(default_factory=dict)
    spans: dict[str, Span] = field(default_factory=dict)
    outputs: dict[int, tuple[Binding, Span]] = field(default_factory=dict)
    call: Span | None = None  # for a template instance: the call that made it
    scope: tuple[str, ...] = ()  # the template instances it sits in (see `nodes.Origin`)
    # The namespaces of the template instances called here, by the call's node name: `head.classnet`
    # reads the name `classnet` defined inside instance `head` when its result has no such field.
    instances: dict[str, Namespace] = field(default_factory=dict)


@dataclass(frozen=True)
class LazyRef:
    """A reference in namespace `ns`, resolved once the whole spec is elaborated."""

    ns: Namespace
    name: str
    index: Any
    fields: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class NodeName:
    name: str


Binding = Union[NodeName, LazyRef, dict, "Record", Failed]  # FAILED: its line failed


@dataclass(frozen=True)
class Record:
    fields: dict


@dataclass
class Stub:
    name: str
    op: str
    inputs: list[Binding]
    group: str
    span: Span
    bound: Bound = field(default_factory=dict)
    attrs: Any = None  # set for ops whose attrs need no level (input, resample)
    level: int | None = None  # declared with `at` (or fixed: input, resample)
    share: str | None = None
    defaults: dict = field(default_factory=dict)
    widths: dict | None = None
    origin: n.Origin | None = None


def describe(b: Any) -> str:
    if isinstance(b, dict):
        return "a family of levels (" + ", ".join(f"L{k}" for k in sorted(b)) + ")"
    if isinstance(b, Record):
        return "a record (" + ", ".join(b.fields) + ")"
    return "a node"


def deref(b: Binding, seen: frozenset = frozenset()) -> Binding:
    """Follow references until a node name, family or record remains."""
    while isinstance(b, LazyRef):
        key = (id(b.ns), b.name, b.index, b.fields)
        if key in seen:
            raise ArchError(error(f"`{b.name}` refers to itself", b.span))
        seen = seen | {key}
        b = _lookup(b, seen)
    return b


def _lookup(ref: LazyRef, seen: frozenset) -> Binding:
    ns = ref.ns
    if ref.name in ns.table:
        b = ns.table[ref.name]
    elif ref.name == "outputs":
        b = {level: bind for level, (bind, _) in ns.outputs.items()}
    else:
        raise ArchError(error(f"unknown name `{ref.name}`", ref.span,
                              hint=did_you_mean(ref.name, list(ns.table) + ["outputs"])))
    if ref.index is not None:
        b = deref(b, seen)
        if b is FAILED:
            return b
        if not isinstance(b, dict):
            raise ArchError(error(f"`{ref.name}` is {describe(b)}, it cannot be indexed", ref.span))
        if ref.index not in b:
            what = "no node marked `output` at" if ref.name == "outputs" else f"`{ref.name}` has no entry for"
            have = ", ".join(f"L{k}" for k in sorted(b)) or "none"
            called = [Note("in the template instance called here", ns.call)] if ns.call else []
            raise ArchError(error(f"{what} L{ref.index}", ref.span, hint=f"it has: {have}", notes=called))
        b = b[ref.index]
    inside = ns.instances.get(ref.name if ref.index is None else f"{ref.name}[{ref.index}]")
    for name in ref.fields:
        b = deref(b, seen)
        if b is FAILED:
            return b
        if isinstance(b, Record) and name in b.fields:
            b, inside = b.fields[name], None
        elif inside is not None and name in inside.table:  # a name inside the template instance
            b, inside = inside.table[name], inside.instances.get(name)
        else:
            known = [*(b.fields if isinstance(b, Record) else ()), *(inside.table if inside else ())]
            raise ArchError(error(f"`{ref.name}` has no field `{name}`", ref.span, hint=did_you_mean(name, known)))
    return b


def node_of(b: Binding, span: Span) -> str:
    """The node a binding names; a family or record where one node is needed is an error."""
    target = deref(b)
    if target is FAILED:
        raise cascade()  # its line failed and was reported
    if not isinstance(target, NodeName):
        name = b.name if isinstance(b, LazyRef) else "this"
        raise ArchError(error(f"`{name}` is {describe(target)}; an input must be one node", span,
                              hint="pick one level, e.g. x[L3]" if isinstance(target, dict) else None))
    return target.name


def build_graph(name: str, stubs: list[Stub], diags: list[Diagnostic]) -> ArchGraph | None:
    """Turn stubs into an ArchGraph; append diagnostics and return None if any are errors."""
    by_name = {s.name: s for s in stubs}
    edges = {stub.name: _input_names(stub, diags) for stub in stubs}
    if any(d.severity.value == "error" for d in diags):
        return None
    order = _topological(stubs, edges, by_name, diags)
    if order is None:
        return None
    levels: dict[str, int] = {}
    nodes: dict[str, n.Node] = {}
    for stub_name in order:
        stub = by_name[stub_name]
        try:
            levels[stub_name] = _level(stub, [levels[i] for i in edges[stub_name]], edges[stub_name])
            nodes[stub_name] = _node(stub, levels[stub_name])
        except ArchError as exc:
            diags.extend(exc.diagnostics)
            levels.setdefault(stub_name, 0)
    if any(d.severity.value == "error" for d in diags):
        return None
    graph = ArchGraph(name)
    for stub in stubs:
        graph.add_node(nodes[stub.name])
    for stub in stubs:
        for pos, src in enumerate(edges[stub.name]):
            graph.add_edge(src, stub.name, pos)
    return graph


def _input_names(stub: Stub, diags: list[Diagnostic]) -> list[str]:
    """The nodes a stub reads, its references resolved (errors appended to `diags`)."""
    names = []
    for b in stub.inputs:
        try:
            names.append(node_of(b, b.span if isinstance(b, LazyRef) else stub.span))
        except ArchError as exc:
            diags.extend(exc.diagnostics)
    if len(set(names)) != len(names):
        diags.append(error(f"`{stub.name}` takes the same input twice", stub.span))
    return names


def _topological(stubs, edges, by_name, diags) -> list[str] | None:
    names = [s.name for s in stubs]
    cycle = find_cycle(names, edges.__getitem__)
    if cycle is None:
        consumers: dict[str, list[str]] = {name: [] for name in names}
        for dst, srcs in edges.items():
            for src in srcs:
                consumers[src].append(dst)
        return topological_order(names, edges.__getitem__, consumers.__getitem__)
    shown = " -> ".join(by_name[c].group or c for c in cycle + cycle[:1])
    notes = [Note(f"`{by_name[c].group}` is defined here", by_name[c].span) for c in cycle[1:]]
    diags.append(error(f"cycle: {shown}", by_name[cycle[0]].span, notes=notes,
                       hint="an architecture is a DAG: break the cycle by using an earlier node"))
    return None


def expected_level(op: str, bound: Bound | None, attrs: Any, in_levels: list[int], span: Span | None) -> int | None:
    """The level an op computes from its first input (None where the line declares it instead),
    by the op's `level_step` rule on its bound values (or on the values its attrs record)."""
    definition = get_op(op)
    if not in_levels:
        return None
    values = bound if attrs is None else definition.values_of(attrs)
    try:
        step = definition.level_step(values or {})
    except ValueError as exc:
        raise ArchError(error(str(exc), span)) from None
    return None if step is None else in_levels[0] + step


def _level(stub: Stub, in_levels: list[int], in_names: list[str]) -> int:
    computed = expected_level(stub.op, stub.bound, stub.attrs, in_levels, stub.span)
    if computed is None:
        if stub.level is None:
            raise ArchError(error(f"`{stub.group}` needs a level: add `at L<n>`", stub.span))
        return stub.level
    if stub.level is not None and stub.level != computed:
        raise ArchError(error(
            f"`{stub.group}` is declared at L{stub.level} but computes L{computed}", stub.span,
            hint=f"its input `{in_names[0]}` is at L{in_levels[0]}; fix `at` or the strides"))
    if computed < 0:
        raise ArchError(error(f"`{stub.group}` upsamples above the input (level {computed})", stub.span))
    return computed


def _node(stub: Stub, level: int) -> n.Node:
    attrs = stub.attrs
    if attrs is None:
        attrs = make_attrs(stub.op, stub.bound, level=level, widths=stub.widths,
                           defaults=stub.defaults, span=stub.span)
    try:
        return n.Node(stub.name, stub.op, level, attrs, stub.group, stub.share, stub.span, stub.origin)
    except ValueError as exc:
        raise ArchError(error(f"invalid node `{stub.group}`: {exc}", stub.span)) from None


def ref(ns: Namespace, r: ast.Ref, index: Any) -> LazyRef:
    return LazyRef(ns, r.name, index, r.fields, r.span)
