"""The IR printer: an `ArchGraph` -> `.arch` text that elaborates back to an equal graph.

`format_arch(graph)` (and `Arch.to_text()`) print from the IR, not the AST, so it works for graphs
made by the NAS builder too. "Equal" is checked by `archdsl.ir.equality.graph_differences` and means: the same
arch name; the same nodes in the same order, each with the same name, op, level, attributes,
statement group and weight-sharing group (spans differ: they point into the new text); the same
edges with the same input positions and orphan marks; the same outputs; the same fuse sections
(rule, merge-orphans flag, lines, output flags), counting only lines whose node is in the graph.
Not kept: the parameter values the original was elaborated with (`graph.params`; the printed
arch has no parameters, every value is written out) and comments.

The printer makes an AST ("unelaborates" the graph) and the canonical AST printer
(`archdsl.syntax.printer`, the engine of `archdsl fmt`) writes it, so printed IR is already
formatted. Names are reproduced exactly by re-expressing the statements that made them. The `group` of a
node names its statement; nodes of one group are printed as one chain (`stem = conv 7x7 /2 64 ->
bn -> act -> maxpool 3x3 /2`, with `repeat N (...)` wherever names carry iteration tags such as
`tower.0.conv`), or, for fuse lines, as one line of a `fuse` section whose header gives the rule,
the combine chain, `merge orphans` and the stochastic-depth rate. Orphan edges are never printed:
the section's `merge orphans` clause adds them again. A name prefix such as `head.` (a template
instance) becomes a generated `block` called once as `head = _head() <- ...`; it takes the nodes
it reads from outside as inputs and returns a record of what the outside reads from it. Blocks
and resamples take their activation and batch norm from `defaults`, so the printer emits a
`defaults act(..), bn(..)` line wherever those change. A graph whose names do not follow the
elaborator's scheme (e.g. hand-built with arbitrary dotted names) raises `ValueError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from archdsl.diagnostics import Span
from archdsl.ir import nodes as n
from archdsl.ir.graph import ArchGraph
from archdsl.ir.orphans import check_printable
from archdsl.ir.print_chains import Unprintable, chain_stages, defaults_of, value
from archdsl.ops.base import Shape
from archdsl.syntax import ast, synth
from archdsl.syntax.synth import SPAN

HEADER = "# Printed from the IR by archdsl (Arch.to_text)."


# ---- statements and scopes ---------------------------------------------------------------------

@dataclass
class _Stmt:
    group: str
    nodes: list[n.Node]
    section: int | None = None  # index into graph.sections for a fuse line


@dataclass
class _Scope:
    prefix: str
    items: list = field(default_factory=list)  # _Stmt, _Scope or ("section", index)
    inputs: list[str] = field(default_factory=list)   # outside nodes it reads, in first-use order
    exports: dict[str, str] = field(default_factory=dict)  # what outside reads -> record field
    block: str = ""
    body: list = field(default_factory=list)  # AST statements; `_Call` where a child is called

    @property
    def base(self) -> str:
        return self.prefix[:-1].rsplit(".", 1)[-1] if "." in self.prefix[:-1] else self.prefix[:-1]


@dataclass
class _Call:
    """Where a child instance's call goes, filled in once the child's inputs are known."""

    scope: _Scope


def _split(group: str) -> tuple[str, str]:
    """'head.classnet[3]' -> ('head.', 'classnet[3]')."""
    cut = group.rfind(".")
    return group[:cut + 1], group[cut + 1:]


class _Printer:
    def __init__(self, graph: ArchGraph):
        self.g = graph
        self.root = _Scope("")
        self.scopes: dict[str, _Scope] = {"": self.root}
        self.stmt_of: dict[str, _Stmt] = {}   # statement group -> statement
        self.line_section: dict[str, int] = {}
        for k, section in enumerate(graph.sections):
            for line in section.lines:
                if line.node in graph:
                    self.line_section[graph.node(line.node).group] = k
        # `<line>.merge`: the add the merge-orphans pass puts after a non-add combine; it is made
        # again from the section's `merge orphans` clause, so it is not printed.
        self.merges = {x.name: self.g.inputs(x.name)[0] for x in graph.nodes() if _is_merge(graph, x)}
        self._collect()

    def _scope(self, prefix: str) -> _Scope:
        if prefix not in self.scopes:
            parent = self._scope(_split(prefix[:-1])[0])
            self.scopes[prefix] = scope = _Scope(prefix)
            parent.items.append(scope)
        return self.scopes[prefix]

    def _collect(self) -> None:
        placed: set[int] = set()
        for node in self.g.nodes():
            if node.name in self.merges:
                continue
            stmt = self.stmt_of.get(node.group)
            if stmt is not None:
                stmt.nodes.append(node)
                continue
            prefix, base = _split(node.group)
            if not base or not _is_target(base):
                raise Unprintable(f"`{node.name}`: statement name `{node.group}` cannot be written")
            scope = self._scope(prefix)
            stmt = self.stmt_of[node.group] = _Stmt(node.group, [node], self.line_section.get(node.group))
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
    def scope_of(self, name: str) -> str:
        return _split(self.g.node(name).group)[0]

    def ref(self, scope: _Scope, name: str) -> ast.Ref:
        """How code in `scope` names node `name` (a statement's result)."""
        node = self.g.node(name)
        if node.name != node.group:
            raise Unprintable(f"`{name}` is read outside its statement, which `.arch` text cannot say")
        home = self.scope_of(name)
        if not home.startswith(scope.prefix):
            if name not in scope.inputs:
                scope.inputs.append(name)
            return synth.ref(f"_in{scope.inputs.index(name)}")
        if home == scope.prefix:
            return synth.ref(_split(name)[1])
        return self._through_child(scope, home, name, "node")

    def _through_child(self, scope: _Scope, home: str, key: str, kind: str) -> ast.Ref:
        child_prefix = scope.prefix + home[len(scope.prefix):].split(".", 1)[0] + "."
        child = self.scopes[child_prefix]
        fields = child.exports
        ckey = f"{kind}:{key}"
        if ckey not in fields:
            fields[ckey] = f"_out{len(fields)}"
        return synth.ref(child.base, fields[ckey])

    def _empty_family(self, scope: _Scope) -> ast.Ref:
        """An empty family: `outputs` of a scope where no line is marked `output`."""
        marked_here = any(line.output and line.node in self.g and self.scope_of(line.node) == scope.prefix
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
            if not marked.startswith(scope.prefix):
                raise Unprintable("a template reads `outputs` from outside")
            if marked == scope.prefix:
                return synth.ref("outputs")
            return self._through_child(scope, marked, marked + "outputs", "family")
        groups = {_split(self.g.node(v).group) for v in leaves}
        names = {b.split("[")[0] for _, b in groups}
        homes = {p for p, _ in groups}
        if len(names) != 1 or len(homes) != 1 or any(self.g.node(v).group != v for v in leaves):
            raise Unprintable(f"outputs {subtree} are not one family")
        home, fam = homes.pop(), names.pop()
        for key, v in subtree.items():
            if _split(v)[1] != f"{fam}[{key}]":
                raise Unprintable(f"outputs {subtree} are not one family")
        members = [s for s in self.stmt_of if _split(s)[0] == home and _split(s)[1].startswith(fam + "[")]
        if len(members) != len(leaves):
            raise Unprintable(f"family `{fam}` has entries that are not outputs")
        if not home.startswith(scope.prefix):
            raise Unprintable("a template reads a whole family from outside")
        if home == scope.prefix:
            return synth.ref(fam)
        return self._through_child(scope, home, home + fam, "family")

    def _marked_outputs(self, subtree: dict) -> str | None:
        """The scope whose `output`-marked fuse lines are exactly `subtree` (its `outputs`), if any."""
        marked = {line.node for s in self.g.sections for line in s.lines if line.output and line.node in self.g}
        homes = {self.scope_of(v) for v in subtree.values()}
        if len(homes) != 1 or any(v not in marked or str(self.g.node(v).level) != k for k, v in subtree.items()):
            return None
        home = homes.pop()
        return home if {v for v in marked if self.scope_of(v) == home} == set(subtree.values()) else None

    def returned(self, scope: _Scope, value: str | dict, top: bool) -> ast.Ref | tuple[tuple[str, ast.Ref], ...]:
        if isinstance(value, str):
            return self.ref(scope, value)
        if all(k.isdigit() for k in value):
            return self.family(scope, value)
        if not top:
            raise Unprintable("outputs nest records more than one deep")
        fields = []
        for k, v in value.items():
            r = self.returned(scope, v, False)
            assert isinstance(r, ast.Ref)
            fields.append((k, r))
        return tuple(fields)

    # ---- the AST
    def file(self) -> tuple[ast.ArchDef, ...]:
        self._name_blocks()
        for scope in self.scopes.values():  # statements first: they decide inputs and exports
            scope.body = self.body(scope)
        self._calls(self.root)
        outputs = self.g.outputs
        if list(outputs) == ["output"] and isinstance(outputs["output"], str):
            ret = self.returned(self.root, outputs["output"], True)
        else:
            ret = self.returned(self.root, outputs, True)
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
            name = "_" + "".join(c if c.isalnum() else "_" for c in scope.prefix[:-1])
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
            kind, target = key.split(":", 1)
            fields.append((fname, self.ref(scope, target) if kind == "node" else self._family_ref(scope, target)))
        if not fields:
            raise Unprintable(f"nothing outside reads template instance `{scope.prefix[:-1]}`")
        inputs = [ast.Input(f"_in{i}", None, SPAN) for i in range(len(scope.inputs))]
        return _def("block", scope.block, [*inputs, *scope.body, ast.Return(tuple(fields), SPAN)])

    def _family_ref(self, scope: _Scope, full: str) -> ast.Ref:
        home, fam = _split(full)
        return synth.ref(fam) if home == scope.prefix else self._through_child(scope, home, full, "family")

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
        base = _split(stmt.group)[1]
        if first.op == "input":
            a = first.attrs
            if len(stmt.nodes) != 1 or scope is not self.root:
                raise Unprintable(f"input `{first.name}` inside a template instance")
            return ast.Input(base, (value(a.height), value(a.width), value(a.channels)), SPAN)
        ins = self.inputs(first.name)
        self.check_chain(stmt.nodes)
        stages = chain_stages(stmt.nodes, stmt.group, scope.prefix)
        return ast.NodeStmt(synth.target(base), synth.chain(stages), None, tuple(self.ref(scope, x) for x in ins),
                            False, SPAN, optional=stmt.group in self.g.optional)


def _def(kind: str, name: str, body: list) -> ast.ArchDef:
    return ast.ArchDef(kind, name, (), tuple(body), SPAN, SPAN)


def _is_merge(g: ArchGraph, x: n.Node) -> bool:
    ins = g.inputs(x.name)
    return x.op == "add" and x.name == x.group + ".merge" and len(ins) > 1 and \
        not g.is_orphan_edge(ins[0], x.name) and all(g.is_orphan_edge(i, x.name) for i in ins[1:])


def _is_target(base: str) -> bool:
    name, _, index = base.partition("[")
    ok = name.isidentifier() and name.isascii()
    return ok and (not index or (index.endswith("]") and index[:-1].isdigit()))


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
