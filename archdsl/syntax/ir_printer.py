"""The IR printer: an `ArchGraph` -> `.arch` text that elaborates back to an equal graph.

`format_arch(graph)` (and `Arch.to_text()`) print from the IR, not the AST, so it works for graphs
made by the NAS builder too. "Equal" is checked by `graph_differences(a, b)` and means: the same
arch name; the same nodes in the same order, each with the same name, op, level, attributes,
statement group and weight-sharing group (spans differ: they point into the new text); the same
edges with the same input positions and orphan marks; the same outputs; the same fuse sections
(rule, merge-orphans flag, lines, output flags), counting only lines whose node is in the graph.
Not kept: the parameter values the original was elaborated with (`graph.params`; the printed
arch has no parameters, every value is written out) and comments.

Names are reproduced exactly by re-expressing the statements that made them. The `group` of a
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

import math
from dataclasses import dataclass, field

from archdsl.ir import nodes as n
from archdsl.ir.graph import ArchGraph, FuseSection
from archdsl.ir.ops import spelled_op
from archdsl.ops.base import spell
from archdsl.ops.registry import get_op

INDENT = "  "


def _combines(op: str) -> bool:
    definition = spelled_op(op)
    return definition is not None and definition.max_inputs != 1 and definition.min_inputs > 1


def _block(op: str) -> bool:
    """A composite a line writes (a block group), as opposed to the resample paths it implies."""
    definition = get_op(op)
    return definition.composite and definition.spelled


class Unprintable(ValueError):
    """The graph cannot be written as `.arch` text with the same names."""


# ---- values and stages -----------------------------------------------------------------------

def _num(x: int | float | bool) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x) if x >= 0 else f"({x})"
    if not math.isfinite(x):
        raise Unprintable(f"value {x} is not finite")
    text = repr(float(x))
    return text if x >= 0 else f"({text})"


def _str(s: str) -> str:
    if any(c in s for c in '"\\\n'):
        raise Unprintable(f"string {s!r} cannot be printed")
    return f'"{s}"'


def _stage(node: n.Node, share: str | None) -> str:
    """One op with its arguments written out (defaults omitted), in `conv 3x3 /2 64` form, as the
    op's signature spells them."""
    op = get_op(node.op)
    if not op.spelled:
        raise Unprintable(f"`{node.name}`: a {node.op} node cannot be written in `.arch` text")
    if share is not None and op.param("share") is None:
        raise Unprintable(f"`{node.name}`: {node.op} cannot share weights in `.arch` text")
    # A bare `bn` would take the `defaults bn(...)` this printer writes for blocks: spell it out.
    explicit = node.op == "bn" and node.attrs != n.BatchNormAttrs()
    try:
        args = spell(op, node.attrs, explicit=explicit)
    except ValueError as exc:
        raise Unprintable(f"`{node.name}`: {exc}") from None
    args += [f"share={_str(share)}"] if share is not None else []
    return " ".join([node.op] + args)


def _context(node: n.Node) -> tuple[str, n.BatchNormAttrs] | None:
    """The `defaults act(..), bn(..)` a composite node was made under (None: any): the fields its
    op's `make_attrs` filled from those defaults."""
    a = node.attrs
    if get_op(node.op).composite and hasattr(a, "activation") and hasattr(a, "bn"):
        return a.activation, a.bn
    return None


# ---- chains: flat nodes back to stages and `repeat`s -------------------------------------------

@dataclass
class _Repeat:
    count: int
    body: list  # of n.Node (a template position) or _Repeat


def _tag_path(name: str, base: str) -> tuple[int, ...]:
    if not name.startswith(base + "."):
        raise Unprintable(f"`{name}` is not named after its statement `{base}`")
    parts = name[len(base) + 1:].split(".")
    if not all(p.isdigit() for p in parts[:-1]):
        raise Unprintable(f"`{name}`: cannot tell the statement's op names from it")
    return tuple(int(p) for p in parts[:-1])


def _nest(seq: list[tuple[tuple[int, ...], n.Node]]) -> list:
    """(tag path, node) in chain order -> stages and repeats (iteration 0 is the template)."""
    items: list = []
    i = 0
    while i < len(seq):
        tp, node = seq[i]
        if not tp:
            items.append(node)
            i += 1
            continue
        if tp[0] != 0:
            raise Unprintable(f"`{node.name}`: a repeat must start at iteration 0")
        iterations: list[list] = [[]]
        while i < len(seq) and seq[i][0] and seq[i][0][0] in (len(iterations) - 1, len(iterations)):
            if seq[i][0][0] == len(iterations):
                iterations.append([])
            iterations[-1].append((seq[i][0][1:], seq[i][1]))
            i += 1
        items.append(_Repeat(len(iterations), _nest(iterations[0])))
    return items


def _unroll(items: list, tag: str = "") -> list[tuple[n.Node, str]]:
    out: list[tuple[n.Node, str]] = []
    for item in items:
        if isinstance(item, _Repeat):
            for i in range(item.count):
                out += _unroll(item.body, f"{tag}{i}.")
        else:
            out.append((item, tag))
    return out


def _local_share(node: n.Node, prefix: str, tag: str) -> str | None:
    """The `share=` text that elaborates to `node.share` at this repeat tag (the elaborator appends
    `.i` per iteration and prefixes the template instance)."""
    if node.share is None:
        return None
    suffix = "." + tag.rstrip(".") if tag else ""
    if not node.share.startswith(prefix) or not node.share.endswith(suffix) or \
            len(node.share) <= len(prefix) + len(suffix):
        raise Unprintable(f"`{node.name}`: share group `{node.share}` does not fit its name")
    return node.share[len(prefix):len(node.share) - len(suffix)]


def _elaborated_names(items: list, base: str) -> list[tuple[str, n.Node, str]]:
    """What the elaborator names the unrolled chain: (name, template node, tag)."""
    flat = _unroll(items)
    used: set[str] = set()
    out = []
    for i, (node, tag) in enumerate(flat):
        if i == len(flat) - 1:
            out.append((base, node, tag))
            continue
        name, k = f"{base}.{tag}{node.op}", 1
        candidate = name
        while candidate in used:
            k += 1
            candidate = f"{name}_{k}"
        used.add(candidate)
        out.append((candidate, node, tag))
    return out


def _render(items: list, prefix: str, tag: str = "") -> list[str]:
    out = []
    for item in items:
        if isinstance(item, _Repeat):
            out.append(f"repeat {item.count} ({' -> '.join(_render(item.body, prefix, tag + '0.'))})")
        else:
            out.append(_stage(item, _local_share(item, prefix, tag)))
    return out


def chain_text(nodes: list[n.Node], base: str, prefix: str) -> list[str]:
    """The stages (and repeats) of a chain whose nodes are `nodes` and whose full base is `base`."""
    if nodes[-1].name != base:
        raise Unprintable(f"statement `{base}` does not end in a node of that name")
    seq = [(_tag_path(x.name, base), x) for x in nodes[:-1]]
    prev = seq[-1][0] if seq else ()
    for depth in range(len(prev), -1, -1):  # the last node's tag is not in its name: try each
        try:
            items = _nest(seq + [(prev[:depth], nodes[-1])])
            if _matches(items, nodes, base, prefix):
                return _render(items, prefix)
        except Unprintable:
            continue
    raise Unprintable(f"statement `{base}`: its node names do not follow a chain or repeat")


def _matches(items: list, nodes: list[n.Node], base: str, prefix: str) -> bool:
    named = _elaborated_names(items, base)
    if len(named) != len(nodes):
        return False
    for (name, template, tag), actual in zip(named, nodes):
        if name != actual.name:
            return False
        if _stage(template, _local_share(actual, prefix, tag)) != _stage(actual, _local_share(actual, prefix, tag)):
            return False
        if template.share is None and actual.share is not None or template.share is not None and actual.share is None:
            return False
    return True


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
    text: str = ""

    @property
    def base(self) -> str:
        return self.prefix[:-1].rsplit(".", 1)[-1] if "." in self.prefix[:-1] else self.prefix[:-1]


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

    def ref(self, scope: _Scope, name: str) -> str:
        """How code in `scope` names node `name` (a statement's result)."""
        node = self.g.node(name)
        if node.name != node.group:
            raise Unprintable(f"`{name}` is read outside its statement, which `.arch` text cannot say")
        home = self.scope_of(name)
        if not home.startswith(scope.prefix):
            if name not in scope.inputs:
                scope.inputs.append(name)
            return f"_in{scope.inputs.index(name)}"
        if home == scope.prefix:
            return _split(name)[1]
        return self._through_child(scope, home, name, "node")

    def _through_child(self, scope: _Scope, home: str, key: str, kind: str) -> str:
        child_prefix = scope.prefix + home[len(scope.prefix):].split(".", 1)[0] + "."
        child = self.scopes[child_prefix]
        fields = child.exports
        ckey = f"{kind}:{key}"
        if ckey not in fields:
            fields[ckey] = f"_out{len(fields)}"
        return f"{child.base}.{fields[ckey]}"

    def family(self, scope: _Scope, subtree: dict) -> str:
        """A ref in `scope` to a family whose entries are exactly `subtree` ({'3': node, ...})."""
        leaves = list(subtree.values())
        if not all(isinstance(v, str) for v in leaves):
            raise Unprintable("outputs nest a record inside a family")
        marked = self._marked_outputs(subtree)
        if marked is not None:
            if not marked.startswith(scope.prefix):
                raise Unprintable("a template reads `outputs` from outside")
            return "outputs" if marked == scope.prefix else self._through_child(scope, marked, marked + "outputs", "family")
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
            return fam
        return self._through_child(scope, home, home + fam, "family")

    def _marked_outputs(self, subtree: dict) -> str | None:
        """The scope whose `output`-marked fuse lines are exactly `subtree` (its `outputs`), if any."""
        marked = {line.node for s in self.g.sections for line in s.lines if line.output and line.node in self.g}
        homes = {self.scope_of(v) for v in subtree.values()}
        if len(homes) != 1 or any(v not in marked or str(self.g.node(v).level) != k for k, v in subtree.items()):
            return None
        home = homes.pop()
        return home if {v for v in marked if self.scope_of(v) == home} == set(subtree.values()) else None

    def returned(self, scope: _Scope, value, top: bool) -> str:
        if isinstance(value, str):
            return self.ref(scope, value)
        if all(k.isdigit() for k in value):
            return self.family(scope, value)
        if not top:
            raise Unprintable("outputs nest records more than one deep")
        return "{" + ", ".join(f"{k}: {self.returned(scope, v, False)}" for k, v in value.items()) + "}"

    # ---- printing
    def print(self) -> str:
        self._name_blocks()
        for scope in self.scopes.values():  # statements first: they decide inputs and exports
            scope.text = self.body(scope, 1)
        self._calls(self.root)
        outputs = self.g.outputs
        if list(outputs) == ["output"] and isinstance(outputs["output"], str):
            ret = self.returned(self.root, outputs["output"], True)
        else:
            ret = self.returned(self.root, outputs, True)
        if self.root.inputs:
            raise Unprintable(f"`{self.root.inputs[0]}` is not defined by any statement")
        blocks = [self.child_block(s) for s in self._top_down() if s is not self.root]
        head = "# Printed from the IR by archdsl (Arch.to_text).\n"
        return head + "".join(b + "\n" for b in reversed(blocks)) + \
            f"arch {self.g.name}() {{\n{self.root.text}{INDENT}return {ret}\n}}\n"

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
            ins = ", ".join(self.ref(scope, x) for x in child.inputs)
            call = f"{child.base} = {child.block}()" + (f" <- {ins}" if ins else "")
            scope.text = scope.text.replace(f"{{call:{child.prefix}}}", call, 1)

    def body(self, scope: _Scope, depth: int) -> str:
        """A scope's statements; a child instance's call is a placeholder until `_calls`."""
        ctx: list = [None]  # the current (activation, bn) defaults
        lines: list[str] = []
        pad = INDENT * depth
        for item in scope.items:
            if isinstance(item, _Scope):
                lines.append(f"{pad}{{call:{item.prefix}}}")
            elif isinstance(item, _Stmt):
                lines += self._defaults(pad, ctx, item.nodes)
                lines.append(pad + self.statement(scope, item))
            else:
                lines += self.section(scope, item[1], pad, ctx)
        return "".join(line + "\n" for line in lines)

    def child_block(self, scope: _Scope) -> str:
        fields = []
        for key, fname in list(scope.exports.items()):
            kind, target = key.split(":", 1)
            value = self.ref(scope, target) if kind == "node" else self._family_ref(scope, target)
            fields.append(f"{fname}: {value}")
        if not fields:
            raise Unprintable(f"nothing outside reads template instance `{scope.prefix[:-1]}`")
        inputs = "".join(f"{INDENT}input _in{i}\n" for i in range(len(scope.inputs)))
        return f"block {scope.block}() {{\n{inputs}{scope.text}{INDENT}return {{{', '.join(fields)}}}\n}}\n"

    def _family_ref(self, scope: _Scope, full: str) -> str:
        home, fam = _split(full)
        return fam if home == scope.prefix else self._through_child(scope, home, full, "family")

    def _defaults(self, pad: str, ctx: list, nodes: list[n.Node]) -> list[str]:
        needed = {c for c in map(_context, nodes) if c is not None}
        if len(needed) > 1:
            raise Unprintable(f"`{nodes[-1].group}` mixes activations or batch norms in blocks and resamples")
        if not needed or ctx[0] in needed:
            return []
        ctx[0] = act, bn = needed.pop()
        return [f"{pad}defaults act({act}), bn(momentum={_num(bn.momentum)}, epsilon={_num(bn.epsilon)}, "
                f"sync={_num(bn.sync)})"]

    def statement(self, scope: _Scope, stmt: _Stmt) -> str:
        first = stmt.nodes[0]
        base = _split(stmt.group)[1]
        if first.op == "input":
            a = first.attrs
            if len(stmt.nodes) != 1 or scope is not self.root:
                raise Unprintable(f"input `{first.name}` inside a template instance")
            return f"input {base}: [{a.height}, {a.width}, {a.channels}]"
        ins = self.inputs(first.name)
        self.check_chain(stmt.nodes)
        stages = chain_text(stmt.nodes, stmt.group, scope.prefix)
        tail = f" <- {', '.join(self.ref(scope, x) for x in ins)}" if ins else ""
        return f"{base} = {' -> '.join(stages)}{tail}"

    def section(self, scope: _Scope, k: int, pad: str, ctx: list) -> list[str]:
        sec: FuseSection = self.g.sections[k]
        stmts = [self.stmt_of[self.g.node(line.node).group] for line in sec.lines if line.node in self.g]
        outputs = {line.node: line.output for line in sec.lines}
        lines, heads, rows = [], [], []
        rule_args: set = set()
        for stmt in stmts:
            resamples = [x for x in stmt.nodes if get_op(x.op).resampler]
            rest = stmt.nodes[len(resamples):]
            if [x.name for x in resamples] != [f"{stmt.group}.in{i}" for i in range(len(resamples))] or not rest:
                raise Unprintable(f"fuse line `{stmt.group}` is not resamples then a chain")
            a = resamples[0].attrs
            rule_args.add((a.rule, a.alpha if a.rule == "alpha" else a.channels if a.rule == "nasfpn" else None))
            stages = chain_text(rest, stmt.group, scope.prefix)
            self.check_chain(rest)
            if self.inputs(rest[0].name) != tuple(x.name for x in resamples):
                raise Unprintable(f"fuse line `{stmt.group}`: its combine does not read its resamples")
            block_at = next((i for i, x in enumerate(rest) if _block(x.op)), len(rest))
            sized_by_block = sec.rule != "nasfpn"  # alpha, sepconv: the line's block sets the width
            head = stages[:block_at] if sized_by_block and len(resamples) > 1 else []
            if len(stages) != len(rest) and sized_by_block:
                raise Unprintable(f"fuse line `{stmt.group}`: a repeat in a resample-alpha line")
            heads.append(head)
            parents = [self.ref(scope, self.inputs(r.name)[0]) for r in resamples]
            rows.append((stmt, stages, parents, outputs[stmt.nodes[-1].name]))
        if len(rule_args) != 1:
            raise Unprintable("a fuse section mixes resampling rules")
        rule, arg = rule_args.pop()
        combine = next((h for h, (_, _, ps, _) in zip(heads, rows) if len(ps) > 1), [])
        clauses = [f"resample {rule}" + (f"({_num(arg)})" if arg is not None else "")]
        if combine:
            clauses.append(f"combine {' -> '.join(combine)}")
        if sec.merge_orphans:
            seeds = getattr(sec, "seeds", ())
            clauses.append("merge orphans" + (" from " + ", ".join(self.ref(scope, x) for x in seeds) if seeds else ""))
        drop = _drop_rate([s for s, *_ in rows])
        if drop:
            clauses.append(f"stochastic_depth {_num(drop)}")
        lines.append(f"{pad}fuse {', '.join(clauses)} {{")
        for (stmt, stages, parents, output), head in zip(rows, heads):
            if len(parents) == 1 or head != combine:  # one parent: no combine; or its own combine op
                if len(parents) > 1 and not (len(head) <= 1 and _combines(stmt.nodes[len(parents)].op)):
                    raise Unprintable(f"fuse line `{stmt.group}` combines unlike its section")
                own = stages
            else:
                own = stages[len(combine):]
            lines += self._defaults(pad + INDENT, ctx, stmt.nodes)
            level = stmt.nodes[-1].level
            lines.append(f"{pad}{INDENT}{_split(stmt.group)[1]} = {' -> '.join(own)} at L{level} "
                         f"<- {', '.join(parents)}" + (" output" if output else ""))
        lines.append(f"{pad}}}")
        return lines


def _drop_rate(stmts: list[_Stmt]) -> float:
    """The `stochastic_depth r` that gives each line's first block its drop rate (r * i / n)."""
    firsts = [next((x for x in s.nodes if _block(x.op)), None) for s in stmts]
    rates = [x.attrs.drop_rate for x in firsts if x is not None]
    total = len(rates)
    if not any(rates):
        return 0.0
    for i, rate in enumerate(rates, start=1):
        r = rate * total / i
        if all(r * j / total == d for j, d in enumerate(rates, start=1)):
            return r
    raise Unprintable("the stochastic-depth rates of this fuse section are not one linear ramp")


def _is_merge(g: ArchGraph, x: n.Node) -> bool:
    ins = g.inputs(x.name)
    return x.op == "add" and x.name == x.group + ".merge" and len(ins) > 1 and \
        not g.is_orphan_edge(ins[0], x.name) and all(g.is_orphan_edge(i, x.name) for i in ins[1:])


def _is_target(base: str) -> bool:
    name, _, index = base.partition("[")
    ok = name.isidentifier() and name.isascii()
    return ok and (not index or (index.endswith("]") and index[:-1].isdigit()))


def format_arch(graph: ArchGraph) -> str:
    """`.arch` text that elaborates to a graph equal to `graph` (see `graph_differences`)."""
    return _Printer(graph).print()


# ---- equality ----------------------------------------------------------------------------------

def graph_differences(a: ArchGraph, b: ArchGraph) -> list[str]:
    """How two graphs differ (empty: equal, in the sense of this module's docstring)."""
    out = []
    if a.name != b.name:
        out.append(f"name {a.name} != {b.name}")
    if a.names() != b.names():
        only_a = [x for x in a.names() if x not in b]
        only_b = [x for x in b.names() if x not in a]
        out.append(f"nodes differ (order or names): only in a {only_a[:5]}, only in b {only_b[:5]}")
        return out
    for x, y in zip(a.nodes(), b.nodes()):
        if (x.op, x.level, x.attrs, x.group, x.share) != (y.op, y.level, y.attrs, y.group, y.share):
            out.append(f"node {x.name}: {(x.op, x.level, x.attrs, x.group, x.share)} != "
                       f"{(y.op, y.level, y.attrs, y.group, y.share)}")
    ea, eb = sorted(a.edges()), sorted(b.edges())
    if ea != eb:
        out.append(f"edges differ: {sorted(set(ea) ^ set(eb))[:6]}")
    if a.outputs != b.outputs:
        out.append(f"outputs {a.outputs} != {b.outputs}")
    if _sections(a) != _sections(b):
        out.append(f"sections {_sections(a)} != {_sections(b)}")
    return out


def _sections(g: ArchGraph) -> list:
    kept = [(s.rule, s.merge_orphans, getattr(s, "seeds", ()), tuple(line for line in s.lines if line.node in g))
            for s in g.sections]
    return [s for s in kept if s[3]]
