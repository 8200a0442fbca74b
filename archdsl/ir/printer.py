"""The IR printer: an `ArchGraph` -> the AST of `.arch` text that elaborates back to an equal graph.

`unelaborate(graph)` makes the AST; `format_arch(graph)` (and `Arch.to_text()`) hand it to the one
AST printer (`archdsl.syntax.printer`, the engine of `archdsl fmt`), so printed IR is already
formatted. It prints from the IR, not from a source AST, so it works for graphs made by the NAS
builder too. "Equal" is checked by `archdsl.ir.equality.graph_differences` and means: the same
arch name; the same nodes in the same order, each with the same name, op, level, attributes,
statement group and weight-sharing group (spans differ: they point into the new text); the same
edges with the same input positions and orphan marks; the same outputs; the same fuse sections
(rule, merge-orphans flag, lines, output flags), counting only lines whose node is in the graph.
Not kept: the parameter values the original was elaborated with (`graph.params`; the printed
arch has no parameters, every value is written out) and comments.

Statements are rebuilt from each node's typed provenance (`Node.origin`), never from its name:
nodes with one (scope, statement) are one chain (`stem = conv 7x7 /2 64 -> bn -> act -> maxpool
3x3 /2`, with `repeat N (...)` where their `iteration`s show one), or, for fuse lines, one line
of a `fuse` section (`archdsl.ir.print_fuse`). A template instance (a `scope`) becomes a generated
`block` called once as `head = _head <- ...`; it takes the nodes it reads from outside as inputs
and returns a record of what the outside reads from it. Blocks and resamples take their
activation and batch norm from `defaults`, so the printer emits a `defaults act(..), bn(..)` line
wherever those change. The text must elaborate to the same names, so each chain is named as the
elaborator names it (`archdsl.ir.naming`) and compared; a graph without provenance, or whose
names differ from that (hand-built in Python), raises `Unprintable` (a `ValueError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from archdsl.diagnostics import Span
from archdsl.ir import nodes as n
from archdsl.ir.graph import ArchGraph
from archdsl.ir.naming import scope_prefix
from archdsl.ir.orphans import check_printable
from archdsl.ir.print_chains import Unprintable, chain_stages, defaults_of, value
from archdsl.ops.base import Shape
from archdsl.syntax import ast, synth
from archdsl.syntax.synth import SPAN

HEADER = "# Printed from the IR by archdsl (Arch.to_text)."

Path = tuple[str, ...]  # a template instance path, outermost first (`Origin.scope`)
Key = tuple[Path, str]  # a statement: (scope, target as written)


# ---- statements and scopes ---------------------------------------------------------------------

@dataclass
class _Stmt:
    scope: Path
    target: str  # as written: `b3`, `endpoint[3]`
    nodes: list[n.Node]
    section: int | None = None  # index into graph.sections for a fuse line

    @property
    def group(self) -> str:
        """The statement's full name (what the elaborator names its last node)."""
        return scope_prefix(self.scope) + self.target


@dataclass
class _Scope:
    path: Path
    items: list = field(default_factory=list)  # _Stmt, _Scope or ("section", index)
    inputs: list[str] = field(default_factory=list)   # outside nodes it reads, in first-use order
    exports: dict[tuple, str] = field(default_factory=dict)  # what outside reads -> record field
    block: str = ""
    body: list = field(default_factory=list)  # AST statements; `_Call` where a child is called

    @property
    def base(self) -> str:
        return self.path[-1]

    @property
    def prefix(self) -> str:
        return scope_prefix(self.path)

    def holds(self, home: Path) -> bool:
        """Whether `home` is this scope or inside it."""
        return home[:len(self.path)] == self.path


@dataclass
class _Call:
    """Where a child instance's call goes, filled in once the child's inputs are known."""

    scope: _Scope


def origin(node: n.Node) -> n.Origin:
    if node.origin is None:
        raise Unprintable(f"`{node.name}` has no provenance (Node.origin): it was built in Python, "
                          "so the statement that makes it is unknown")
    return node.origin


def _family(target: str) -> str | None:
    """The family a target belongs to (`p` of `p[3]`), None for a plain name."""
    parts = synth.split_target(target)
    return parts[0] if parts is not None and parts[1] is not None else None


class _Printer:
    def __init__(self, graph: ArchGraph):
        self.g = graph
        self.root = _Scope(())
        self.scopes: dict[Path, _Scope] = {(): self.root}
        self.stmt_of: dict[Key, _Stmt] = {}
        self.line_section: dict[Key, int] = {}
        for k, section in enumerate(graph.sections):
            for line in section.lines:
                if line.node in graph:
                    self.line_section[self.key(line.node)] = k
        # The add the merge-orphans pass puts after a non-add combine: it is made again from the
        # section's `merge orphans` clause, so it is not printed.
        self.merges = {x.name: self.g.inputs(x.name)[0] for x in graph.nodes() if _is_merge(graph, x)}
        self._collect()

    def key(self, name: str) -> Key:
        o = origin(self.g.node(name))
        return o.scope, o.statement

    def _scope(self, path: Path) -> _Scope:
        if path not in self.scopes:
            if synth.split_target(path[-1]) is None:
                raise Unprintable(f"template instance `{'.'.join(path)}` cannot be written as a target")
            parent = self._scope(path[:-1])
            self.scopes[path] = scope = _Scope(path)
            parent.items.append(scope)
        return self.scopes[path]

    def _collect(self) -> None:
        placed: set[int] = set()
        for node in self.g.nodes():
            if node.name in self.merges:
                continue
            key = self.key(node.name)
            stmt = self.stmt_of.get(key)
            if stmt is not None:
                stmt.nodes.append(node)
                continue
            if synth.split_target(key[1]) is None:
                raise Unprintable(f"`{node.name}`: statement `{key[1]}` cannot be written as a target")
            scope = self._scope(key[0])
            stmt = self.stmt_of[key] = _Stmt(key[0], key[1], [node], self.line_section.get(key))
            if stmt.section is None:
                scope.items.append(stmt)
            elif stmt.section not in placed:
                placed.add(stmt.section)
                scope.items.append(("section", stmt.section))

    def inputs(self, name: str) -> tuple[str, ...]:
        """Printed inputs: orphan edges dropped, pass-made merge adds looked through."""
        return tuple(self.merges.get(x, x) for x in self.g.inputs(name) if not self.g.is_orphan_edge(x, name))

    def check_chain(self, nodes: list[n.Node]) -> None:
        for prev, node in zip(nodes, nodes[1:]):
            if self.inputs(node.name) != (prev.name,):
                raise Unprintable(f"`{node.name}` does not read `{prev.name}` alone: not a chain")

    # ---- references between scopes
    def scope_of(self, name: str) -> Path:
        return origin(self.g.node(name)).scope

    def ref(self, scope: _Scope, name: str) -> ast.Ref:
        """How code in `scope` names node `name` (a statement's result)."""
        o = origin(self.g.node(name))
        if o.role not in ("result", "input"):
            raise Unprintable(f"`{name}` is read outside its statement, which `.arch` text cannot say")
        if not scope.holds(o.scope):
            if name not in scope.inputs:
                scope.inputs.append(name)
            return synth.ref(f"_in{scope.inputs.index(name)}")
        if o.scope == scope.path:
            return synth.ref(o.statement)
        return self._through_child(scope, o.scope, ("node", name))

    def _through_child(self, scope: _Scope, home: Path, key: tuple) -> ast.Ref:
        child = self.scopes[home[:len(scope.path) + 1]]
        fields = child.exports
        if key not in fields:
            fields[key] = f"_out{len(fields)}"
        return synth.ref(child.base, fields[key])

    def _empty_family(self, scope: _Scope) -> ast.Ref:
        """An empty family: `outputs` of a scope where no line is marked `output`."""
        marked_here = any(line.output and line.node in self.g and self.scope_of(line.node) == scope.path
                          for s in self.g.sections for line in s.lines)
        if marked_here:
            raise Unprintable("an empty family in a scope with `output` lines")
        return synth.ref("outputs")

    def family(self, scope: _Scope, subtree: dict) -> ast.Ref:
        """A ref in `scope` to a family whose entries are exactly `subtree` ({'3': node, ...})."""
        leaves = list(subtree.values())
        if not all(isinstance(v, str) for v in leaves):
            raise Unprintable("outputs nest a record inside a family")
        if not subtree:
            return self._empty_family(scope)
        marked = self._marked_outputs(subtree)
        if marked is not None:
            if not scope.holds(marked):
                raise Unprintable("a template reads `outputs` from outside")
            if marked == scope.path:
                return synth.ref("outputs")
            return self._through_child(scope, marked, ("family", marked, "outputs"))
        origins = [origin(self.g.node(v)) for v in leaves]
        names = {_family(o.statement) for o in origins}
        homes = {o.scope for o in origins}
        if len(names) != 1 or None in names or len(homes) != 1 or any(o.role != "result" for o in origins):
            raise Unprintable(f"outputs {subtree} are not one family")
        home, fam = homes.pop(), str(names.pop())
        if any(o.statement != f"{fam}[{key}]" for key, o in zip(subtree, origins)):
            raise Unprintable(f"outputs {subtree} are not one family")
        members = [k for k in self.stmt_of if k[0] == home and _family(k[1]) == fam]
        if len(members) != len(leaves):
            raise Unprintable(f"family `{fam}` has entries that are not outputs")
        if not scope.holds(home):
            raise Unprintable("a template reads a whole family from outside")
        if home == scope.path:
            return synth.ref(fam)
        return self._through_child(scope, home, ("family", home, fam))

    def _marked_outputs(self, subtree: dict) -> Path | None:
        """The scope whose `output`-marked fuse lines are exactly `subtree` (its `outputs`), if any."""
        marked = {line.node for s in self.g.sections for line in s.lines if line.output and line.node in self.g}
        homes = {self.scope_of(v) for v in subtree.values()}
        if len(homes) != 1 or any(v not in marked or str(self.g.node(v).level) != k for k, v in subtree.items()):
            return None
        home = homes.pop()
        return home if {v for v in marked if self.scope_of(v) == home} == set(subtree.values()) else None

    def returned(self, scope: _Scope, value: str | dict) -> ast.Ref | ast.Fields:
        """A returned node, family or record; records nest (`attributes: {depth: ...}`)."""
        if isinstance(value, str):
            return self.ref(scope, value)
        if all(k.isdigit() for k in value):
            return self.family(scope, value)
        return tuple((k, self.returned(scope, v)) for k, v in value.items())

    # ---- the AST
    def file(self) -> tuple[ast.ArchDef, ...]:
        self._name_blocks()
        for scope in self.scopes.values():  # statements first: they decide inputs and exports
            scope.body = self.body(scope)
        self._calls(self.root)
        outputs = self.g.outputs
        if list(outputs) == ["output"] and isinstance(outputs["output"], str):
            ret = self.returned(self.root, outputs["output"])
        else:
            ret = self.returned(self.root, outputs)
        if self.root.inputs:
            raise Unprintable(f"`{self.root.inputs[0]}` is not defined by any statement")
        blocks = [self.child_block(s) for s in self._top_down() if s is not self.root]
        arch = _def("arch", self.g.name, [*self.root.body, ast.Return(ret, SPAN)])
        return synth.relined([*reversed(blocks), arch], first_line=2)  # line 1: the header comment

    def _name_blocks(self) -> None:
        taken: set[str] = set()
        for scope in self.scopes.values():
            if scope is self.root:
                continue
            name = "_" + "".join(c if c.isalnum() else "_" for c in ".".join(scope.path))
            while name in taken:
                name += "_"
            taken.add(name)
            scope.block = name

    def _top_down(self) -> list[_Scope]:
        out, queue = [], [self.root]
        while queue:
            scope = queue.pop(0)
            out.append(scope)
            queue += [x for x in scope.items if isinstance(x, _Scope)]
        return out

    def _calls(self, scope: _Scope) -> None:
        """Fill in the calls of `scope`'s children, deepest first (a call may add inputs to `scope`)."""
        for child in (x for x in scope.items if isinstance(x, _Scope)):
            self._calls(child)
            ins = tuple(self.ref(scope, x) for x in child.inputs)
            call = ast.NodeStmt(synth.target(child.base), synth.chain([synth.stage(child.block)]), None, ins,
                                False, SPAN)
            at = next(i for i, x in enumerate(scope.body) if isinstance(x, _Call) and x.scope is child)
            scope.body[at] = call

    def body(self, scope: _Scope) -> list:
        """A scope's statements; a child instance's call is a `_Call` until `_calls`."""
        from archdsl.ir.print_fuse import fuse_section

        ctx: list = [None]  # the current (activation, bn) defaults
        out: list = []
        for item in scope.items:
            if isinstance(item, _Scope):
                out.append(_Call(item))
            elif isinstance(item, _Stmt):
                out += self.defaults(ctx, item.nodes)
                out.append(self.statement(scope, item))
            else:
                out += fuse_section(self, scope, item[1], ctx)
        return out

    def child_block(self, scope: _Scope) -> ast.ArchDef:
        fields = []
        for key, fname in list(scope.exports.items()):
            fields.append((fname, self.ref(scope, key[1]) if key[0] == "node" else self._family_ref(scope, key)))
        if not fields:
            raise Unprintable(f"nothing outside reads template instance `{'.'.join(scope.path)}`")
        inputs = [ast.Input(f"_in{i}", None, SPAN) for i in range(len(scope.inputs))]
        return _def("block", scope.block, [*inputs, *scope.body, ast.Return(tuple(fields), SPAN)])

    def _family_ref(self, scope: _Scope, key: tuple) -> ast.Ref:
        _, home, fam = key
        return synth.ref(fam) if home == scope.path else self._through_child(scope, home, key)

    def defaults(self, ctx: list, nodes: list[n.Node]) -> list[ast.Defaults]:
        """The `defaults act(..), bn(..)` line the blocks and resamples of `nodes` need, if the
        current one (`ctx[0]`) is not it."""
        needed = {c for c in map(defaults_of, nodes) if c is not None}
        if len(needed) > 1:
            raise Unprintable(f"`{nodes[-1].group}` mixes activations or batch norms in blocks and resamples")
        if not needed or ctx[0] in needed:
            return []
        ctx[0] = act, bn = needed.pop()
        bn_args = [ast.Arg("kw", value(v), SPAN, k)
                   for k, v in (("momentum", bn.momentum), ("epsilon", bn.epsilon), ("sync", bn.sync))]
        act_arg = ast.Arg("pos", ast.Var(act, SPAN), SPAN)
        return [ast.Defaults((synth.stage("act", act_arg), synth.stage("bn", *bn_args)), SPAN)]

    def statement(self, scope: _Scope, stmt: _Stmt) -> ast.Stmt:
        first = stmt.nodes[0]
        base = stmt.target
        if origin(first).role == "input":
            a = first.attrs
            if len(stmt.nodes) != 1 or scope is not self.root:
                raise Unprintable(f"input `{first.name}` inside a template instance")
            return ast.Input(base, (value(a.height), value(a.width), value(a.channels)), SPAN)
        ins = self.inputs(first.name)
        self.check_chain(stmt.nodes)
        stages = chain_stages(stmt.nodes, stmt.target, scope.prefix)
        return ast.NodeStmt(synth.target(base), synth.chain(stages), None, tuple(self.ref(scope, x) for x in ins),
                            False, SPAN, optional=stmt.group in self.g.optional)


def _def(kind: str, name: str, body: list) -> ast.ArchDef:
    return ast.ArchDef(kind, name, (), tuple(body), SPAN, SPAN)


def _is_merge(g: ArchGraph, x: n.Node) -> bool:
    """The merge-orphans pass's add after a non-add combine: its first input is the combine, the
    rest are orphan edges."""
    ins = g.inputs(x.name)
    return x.origin is not None and x.origin.role == "merge" and len(ins) > 1 and \
        not g.is_orphan_edge(ins[0], x.name) and all(g.is_orphan_edge(i, x.name) for i in ins[1:])


def unelaborate(graph: ArchGraph, shapes: Mapping[str, Shape] | None = None) -> ast.File:
    """The AST of `.arch` text that elaborates to a graph equal to `graph` (see `graph_differences`).

    With `shapes` (the checked shapes), a graph whose orphan edges the printed `merge orphans`
    would not reproduce is refused: a line that was pruned (it reaches no output) may have taken
    an orphan that, without it, a later line would take."""
    if shapes is not None:
        check_printable(graph, shapes)
    return ast.File(synth.SOURCE, _Printer(graph).file())


def format_arch(graph: ArchGraph, shapes: Mapping[str, Shape] | None = None) -> str:
    """`.arch` text that elaborates to a graph equal to `graph`: `unelaborate`, then the canonical
    printer."""
    from archdsl.syntax.printer import format_file

    file = unelaborate(graph, shapes)
    return format_file(file, [ast.Comment(HEADER, Span(synth.SOURCE, 1, 1, 1, len(HEADER) + 1))])
