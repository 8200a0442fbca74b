"""Elaborate an arch: evaluate its statements into node stubs, then resolve them into an `ArchGraph`.

This is where the language's meaning lives. A node line `t = a -> b -> c <- x` makes one node per
op (`t.a`, `t.b`, and `t` for the last), fed by `x`. `repeat N (chain)` unrolls; `for l in lo..hi`
iterates levels; a template call instantiates a `block` or `arch` under the prefix `t.`. In a
`fuse` section each parent of a line is first resampled to the line's level by the section's rule
(`t.in0`, `t.in1`, ...), then combined (`t.add`, ...), then the line's own ops follow; the section
is recorded so the merge-orphans pass can apply Model Garden's rule. Errors are collected per
statement so one run reports every independent mistake, without echoes (`archdsl.ir.recover`:
a failed line's names are failed, an error in a template is reported once). Every statement,
loop iteration, template call and block layer counts against `max_nodes`, checked before the
work is done, and the first limit reached stops elaboration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from archdsl.diagnostics import ArchError, Diagnostic, Note, Span, did_you_mean, error
from archdsl.ir import nodes as n
from archdsl.ir.expr import FAILED, MAX_INT, Scope, cascade, coerce, evaluate
from archdsl.ir.fuse import FuseSections, FuseState, seed_names
from archdsl.ir.graph import ArchGraph, FuseSection
from archdsl.ir.load import Module, Template, bind_args, param_values
from archdsl.ir.naming import share_group, stage_name
from archdsl.ir.ops import bind, op_hint, spelled_op
from archdsl.ir.recover import Calls, once, poison
from archdsl.ir.resolve import Binding, Namespace, NodeName, Record, Stub, build_graph, ref
from archdsl.limits import DEFAULT, LimitExceeded, Limits
from archdsl.ops.registry import spelled_names
from archdsl.syntax import ast


@dataclass
class _Frame:
    """Where statements are being evaluated: names, values, defaults, widths, template depth."""

    ns: Namespace
    scope: Scope
    defaults: dict[str, dict] = field(default_factory=dict)
    widths: dict[int, int] | None = None
    depth: int = 0
    fuse: FuseState | None = None
    returned: Binding | None = None
    inputs: dict[str, Binding] = field(default_factory=dict)  # a template's inputs, by name




class Elaborator(FuseSections):
    def __init__(self, module: Module, *, limits: Limits = DEFAULT):
        self.module = module
        self.limits = limits
        self.stubs: list[Stub] = []
        self.sections: list[FuseSection] = []
        self.seeds: list[tuple[list, Span]] = []  # per section: `merge orphans from` bindings
        self.diags: list[Diagnostic] = []
        self.taken: dict[str, Span] = {}
        self.optional: set[str] = set()  # groups of `optional` lines
        # Work so far besides nodes: statements run, loop iterations, template calls and the
        # layers block groups expand to. It counts against max_nodes too, since nested loops of
        # `let`s or calls of node-less templates make work but no nodes, and `repeats=` makes
        # layers that only `render --detail layers` and Keras see.
        self.steps = 0
        self.calls: dict[int, Calls] = {}  # per called template (by definition): for error notes

    # ---- entry point
    def run(self, template: Template, overrides: dict[str, tuple[Any, Span]],
            given: Mapping[str, Mapping[int, tuple[int, int, int]]] | None = None) -> ArchGraph | None:
        """The graph of `template`. `given` binds a block's inputs to families of graph inputs
        (name -> level -> [h, w, c]; `feats[3]` at L3, ...): a decoder elaborated on its own, on
        the levels another framework's backbone provides."""
        scope = param_values(template, overrides, max_string=self.limits.max_string_chars)
        frame = _Frame(Namespace(""), scope)
        try:
            frame.inputs = {name: self._given(name, family, template.defn.span)
                            for name, family in (given or {}).items()}
            self._body(template.defn.body, frame)
        except LimitExceeded as exc:  # stop at once, with the errors so far and this one
            self.diags = once(self.diags + list(exc.diagnostics), self.calls.values())
            return None
        if frame.returned is None and not self.diags:
            self.diags.append(error(f"arch `{template.name}` has no `return`", template.defn.span,
                                    hint="end the body with e.g. `return endpoints`"))
        graph = build_graph(template.name, self.stubs, self.diags)
        self.diags = once(self.diags, self.calls.values())
        if graph is None or frame.returned is None or frame.returned is FAILED:
            return None
        try:
            graph.outputs = _outputs(frame.returned, template.defn.span)
        except ArchError as exc:
            self.diags.extend(exc.diagnostics)
            return None
        try:
            graph.sections = tuple(replace(s, seeds=seed_names(b, span))
                                   for s, (b, span) in zip(self.sections, self.seeds))
        except ArchError as exc:
            self.diags.extend(exc.diagnostics)
            return None
        graph.params = dict(scope.values)
        graph.optional = frozenset(self.optional)
        return graph

    # ---- statements
    def _body(self, stmts: tuple[ast.Stmt, ...], frame: _Frame) -> None:
        for stmt in stmts:
            self._spend(1, stmt.span)
            try:
                self._stmt(stmt, frame)
            except LimitExceeded:
                raise  # a limit stops everything: going on is the very work the limit forbids
            except ArchError as exc:
                self.diags.extend(exc.diagnostics)
                if poison(stmt, frame.ns.table, frame.scope.values, lambda e: self._level_of(e, frame)):
                    frame.returned = FAILED

    def _stmt(self, stmt: ast.Stmt, frame: _Frame) -> None:
        if isinstance(stmt, ast.NodeStmt):
            self._node_stmt(stmt, frame)
        elif isinstance(stmt, ast.Let):
            frame.scope.values[stmt.name] = evaluate(stmt.value, frame.scope, symbols=True)
        elif isinstance(stmt, ast.Defaults):
            for stage in stmt.stages:
                sig = spelled_op(stage.op)
                if sig is None:
                    raise ArchError(error(f"unknown op `{stage.op}` in defaults", stage.op_span))
                frame.defaults[stage.op] = bind(stage, sig, frame.scope, {}, fill=False)  # as written
        elif isinstance(stmt, ast.Widths):
            self._widths(stmt, frame)
        elif isinstance(stmt, ast.Input):
            self._input(stmt, frame)
        elif isinstance(stmt, ast.For):
            self._for(stmt, frame)
        elif isinstance(stmt, ast.Fuse):
            self._fuse(stmt, frame)
        elif isinstance(stmt, ast.Return):
            self._return(stmt, frame)

    def _return(self, stmt: ast.Return, frame: _Frame) -> None:
        frame.returned = self._returned(stmt.value, frame, stmt.span)

    def _returned(self, value: ast.Ref | ast.Fields, frame: _Frame, span: Span) -> Binding:
        if isinstance(value, ast.Ref):
            return ref(frame.ns, value, self._index(value, frame))
        fields: dict[str, Binding] = {}
        spans: dict[str, Span] = {}
        for key, r in value:
            at = r.span if isinstance(r, ast.Ref) else span
            if key in fields:
                raise ArchError(error(f"field `{key}` is given twice", at,
                                      notes=[Note("first given here", spans[key])]))
            fields[key], spans[key] = self._returned(r, frame, span), at
        return Record(fields)

    def _widths(self, stmt: ast.Widths, frame: _Frame) -> None:
        scale = 1.0 if stmt.scale is None else evaluate(stmt.scale, frame.scope)
        frame.widths = {}
        for lvl, width in stmt.entries:
            w = coerce(evaluate(width, frame.scope), "float", "a width", width.span) * scale
            if not math.isfinite(w) or abs(w) > MAX_INT:
                raise ArchError(error(f"width {w} is not a finite number of at most {MAX_INT:,}", width.span))
            key = coerce(evaluate(lvl, frame.scope), "level", "a widths key", lvl.span)
            frame.widths[key] = int(w)  # Model Garden truncates
        frame.scope.values["widths"] = dict(frame.widths)

    def _given(self, name: str, family: Mapping[int, tuple[int, int, int]], span: Span) -> dict[int, Binding]:
        bound: dict[int, Binding] = {}
        for level, (h, w, c) in sorted(family.items()):
            full = self._claim(f"{name}[{level}]", span)
            self._add(Stub(full, "input", [], full, span, attrs=n.InputAttrs(h, w, c), level=level,
                           origin=n.Origin((), full, "input")))
            bound[level] = NodeName(full)
        return bound

    def _input(self, stmt: ast.Input, frame: _Frame) -> None:
        if frame.depth > 0 or stmt.name in frame.inputs:  # bound by the caller (or `given`): an alias
            self._define(frame, stmt.name, frame.inputs[stmt.name], stmt.span)
            return
        if stmt.shape is None:
            raise ArchError(error(f"input `{stmt.name}` needs a shape: [height, width, channels]", stmt.span))
        h, w, c = (coerce(evaluate(e, frame.scope), "int", "an input size", e.span) for e in stmt.shape)
        try:
            attrs = n.InputAttrs(h, w, c)
        except ValueError as exc:
            raise ArchError(error(f"invalid input: {exc}", stmt.span)) from None
        name = self._claim(frame.ns.prefix + stmt.name, stmt.span)
        self._add(Stub(name, "input", [], name, stmt.span, attrs=attrs, level=0,
                       origin=n.Origin(frame.ns.scope, stmt.name, "input")))
        self._define(frame, stmt.name, NodeName(name), stmt.span)

    def _for(self, stmt: ast.For, frame: _Frame) -> None:
        lo = coerce(evaluate(stmt.lo, frame.scope), "int", "a loop bound", stmt.lo.span)
        hi = coerce(evaluate(stmt.hi, frame.scope), "int", "a loop bound", stmt.hi.span)
        self._spend(max(0, hi - lo + 1), stmt.span)
        for value in range(lo, hi + 1):
            inner = replace(frame, scope=frame.scope.child())
            inner.scope.values[stmt.var] = value
            self._body(stmt.body, inner)
            frame.returned = inner.returned or frame.returned

    # ---- node lines
    def _node_stmt(self, stmt: ast.NodeStmt, frame: _Frame) -> None:
        index = None
        if stmt.target.index is not None:
            index = coerce(evaluate(stmt.target.index, frame.scope), "level", "an index", stmt.target.index.span)
        base = stmt.target.name + (f"[{index}]" if index is not None else "")
        level = None if stmt.level is None else \
            coerce(evaluate(stmt.level, frame.scope), "level", "a level", stmt.level.span)
        inputs: list[Binding] = [ref(frame.ns, r, self._index(r, frame)) for r in stmt.inputs]
        if frame.fuse is not None:
            result = self._fuse_line(stmt, frame, base, level, inputs)
        else:
            result = self._chain(stmt.chain.stages, inputs, frame, base, level, stmt)
        if index is None:
            self._define(frame, stmt.target.name, result, stmt.target.span)
        else:
            family = frame.ns.table.setdefault(stmt.target.name, {})
            if not isinstance(family, dict):
                raise ArchError(error(f"`{stmt.target.name}` is already a single node", stmt.target.span))
            if index in family:
                raise ArchError(error(f"`{base}` is defined twice", stmt.target.span))
            family[index] = result
        if stmt.output:
            self._mark_output(stmt, frame, result, level)
        if stmt.optional:
            self.optional.add(frame.ns.prefix + base)

    def _mark_output(self, stmt, frame, result, level) -> None:
        if level is None:
            raise ArchError(error("an `output` line needs a level", stmt.span, hint="add `at L<n>`"))
        if level in frame.ns.outputs:
            first = frame.ns.outputs[level][1]
            raise ArchError(error(f"two outputs at L{level}", stmt.span,
                                  notes=[Note(f"the first output at L{level} is defined here", first)]))
        frame.ns.outputs[level] = (result, stmt.span)

    def _chain(self, stages, inputs: list[Binding], frame: _Frame, base: str, level, stmt,
               combines: int = 0) -> Binding:
        """The nodes of one line's chain; its first `combines` stages are a fuse section's combine."""
        flat = self._unroll(stages, frame, "", ())
        if not flat and len(inputs) != 1:  # `x = repeat 0 (...)`: the line is its input, if one
            raise ArchError(error(f"`{base}` has no op after unrolling and {len(inputs)} inputs", stmt.span,
                                  hint="a line whose ops repeat 0 times needs exactly one input (`<- name`)"))
        current = inputs
        result: Binding = current[0] if current else NodeName("")
        used: set[str] = set()
        for i, (stage, tag, iteration) in enumerate(flat):
            last = i == len(flat) - 1
            stage = self._resolve(stage, frame)  # `conv_op 3x3 ...` names its node after the op it picks
            name = base if last else stage_name(base, iteration, stage.op, used)
            role = "result" if last else "combine" if i < combines else "stage"
            origin = n.Origin(frame.ns.scope, base, role, iteration, i)
            result = self._stage(stage, current, frame, name, level if last else None, base, tag, origin)
            current = [result]
        return result

    def _unroll(self, stages, frame: _Frame, tag: str,
                iteration: tuple[int, ...]) -> list[tuple[ast.Stage, str, tuple[int, ...]]]:
        out: list[tuple[ast.Stage, str, tuple[int, ...]]] = []
        for stage in stages:
            if isinstance(stage, ast.Repeat):
                count = coerce(evaluate(stage.count, frame.scope), "int", "a repeat count", stage.count.span)
                if count < 0:
                    raise ArchError(error(f"a repeat count must be 0 or more, got {count}", stage.count.span,
                                          hint="`repeat 0 (...)` leaves the chain out"))
                self._budget(count * len(stage.chain.stages), stage.span)
                for i in range(count):
                    out.extend(self._unroll(stage.chain.stages, frame, f"{tag}{i}.", iteration + (i,)))
                    self._budget(len(out), stage.span)  # nested repeats multiply
            else:
                out.append((stage, tag, iteration))
        return out

    def _resolve(self, stage: ast.Stage, frame: _Frame) -> ast.Stage:
        """The stage with the op a string parameter or `let` names (`fusion`, `conv_op`) in place."""
        if spelled_op(stage.op) is None and stage.op not in self.module.symbols:
            found, chosen = frame.scope.lookup(stage.op)
            if chosen is FAILED:
                raise cascade()
            if found and isinstance(chosen, str) and (spelled_op(chosen) is not None or chosen in self.module.symbols):
                return replace(stage, op=chosen)  # an op, or a template
        return stage

    def _stage(self, stage: ast.Stage, inputs, frame: _Frame, name: str, level, base: str,
               tag: str = "", origin: n.Origin | None = None) -> Binding:
        stage = self._resolve(stage, frame)
        sig = spelled_op(stage.op)
        if sig is None:
            return self._call(stage, inputs, frame, name)
        problem = sig.arity_problem(len(inputs))
        if problem:
            hint = ("combine several inputs first with add, concat or a fuse section" if len(inputs) > 1
                    else "add `<- name` to say what it reads" if not inputs else None)
            raise ArchError(error(f"`{stage.op}` {problem}", stage.span, hint=hint))
        bound = bind(stage, sig, frame.scope, frame.defaults)
        if sig.layers is not None:  # a composite's expansion counts against the node budget too
            self._spend(max(0, sig.layers(bound)), stage.span)
        share = bound.pop("share", None) or None  # share="" shares with nothing (a per-level tower)
        full = self._claim(frame.ns.prefix + name, stage.span)
        self._add(Stub(full, sig.name, list(inputs), frame.ns.prefix + base, stage.span, bound=bound, level=level,
                       # A shared conv inside `repeat` shares per iteration, across loop levels.
                       share=None if share is None else
                       share_group(frame.ns.prefix, share, origin.iteration if origin else ()),
                       defaults={k: dict(v) for k, v in frame.defaults.items()}, widths=frame.widths,
                       origin=origin))
        return NodeName(full)

    def _call(self, stage: ast.Stage, inputs, frame: _Frame, name: str) -> Binding:
        if stage.op not in self.module.symbols:
            raise ArchError(error(f"unknown op `{stage.op}`", stage.op_span,
                                  hint=did_you_mean(stage.op, list(spelled_names()) + list(self.module.symbols))
                                  or op_hint(stage.op)))
        template = self.module.symbols[stage.op]
        if frame.depth >= self.limits.max_template_depth:
            raise LimitExceeded(error(f"templates nest deeper than {self.limits.max_template_depth}", stage.span,
                                      hint="is a block calling itself? (the limit is max_template_depth, "
                                      "--max-template-depth)"))
        self._spend(1, stage.span)
        calls = self.calls.setdefault(id(template.defn), Calls(template.name, template.defn.span, stage.span))
        calls.count += 1
        scope = param_values(template, bind_args(template, stage.args, frame.scope, stage.span),
                             max_string=self.limits.max_string_chars)
        declared = [s.name for s in template.defn.body if isinstance(s, ast.Input)]
        if len(declared) != len(inputs):
            raise ArchError(error(f"`{template.name}` takes {len(declared)} input(s), got {len(inputs)}",
                                  stage.span, hint=f"its inputs: {', '.join(declared) or 'none'}"))
        ns = Namespace(frame.ns.prefix + name + ".", call=stage.span, scope=frame.ns.scope + (name,))
        inner = _Frame(ns, scope, depth=frame.depth + 1, inputs=dict(zip(declared, inputs)))
        frame.ns.instances[name] = ns
        self._body(template.defn.body, inner)
        if inner.returned is None:
            raise ArchError(error(f"`{template.name}` returns nothing", template.defn.span))
        return inner.returned

    # ---- helpers
    def _index(self, r: ast.Ref, frame: _Frame):
        if r.index is None:
            return None
        return coerce(evaluate(r.index, frame.scope), "level", "an index", r.index.span)

    def _define(self, frame: _Frame, name: str, value: Binding, span: Span) -> None:
        if name in frame.ns.table:
            first = frame.ns.spans.get(name)
            raise ArchError(error(f"`{name}` is defined twice", span,
                                  notes=[Note("first defined here", first)] if first else (),
                                  hint="inside a loop, index the name: `x[l] = ...`"))
        frame.ns.table[name] = value
        frame.ns.spans[name] = span

    def _claim(self, name: str, span: Span) -> str:
        if name in self.taken:
            raise ArchError(error(f"`{name}` is defined twice", span,
                                  notes=[Note("first defined here", self.taken[name])]))
        self.taken[name] = span
        return name

    def _add(self, stub: Stub) -> None:
        self._budget(1, stub.span)
        self.stubs.append(stub)

    def _level_of(self, expr: ast.Expr, frame: _Frame) -> Any:
        return coerce(evaluate(expr, frame.scope), "level", "an index", expr.span)

    def _spend(self, count: int, span: Span) -> None:
        """Count `count` units of work (checked first: the work is not done past the limit)."""
        self._budget(count, span)
        self.steps += count

    def _budget(self, count: int, span: Span) -> None:
        if len(self.stubs) + self.steps + count > self.limits.max_nodes:
            raise LimitExceeded(error(
                f"this spec expands to more than {self.limits.max_nodes:,} nodes", span,
                hint="nodes count the layers block groups expand to, statements run, loop iterations and "
                "template calls; check repeat counts and loop bounds (the limit is max_nodes, --max-nodes)"))


def _outputs(returned: Binding, span: Span) -> dict:
    from archdsl.ir.resolve import deref, node_of

    def convert(b: Binding) -> Any:
        target = deref(b)
        if isinstance(target, NodeName):
            return target.name
        if isinstance(target, dict):
            return {str(k): node_of(v, span) for k, v in sorted(target.items())}
        if not isinstance(target, Record):  # a failed line: reported where it failed
            raise cascade()
        return {k: convert(v) for k, v in target.fields.items()}

    out = convert(returned)
    return out if isinstance(out, dict) else {"output": out}
