"""Lark's parse tree -> the AST (`archdsl.syntax.ast`), one method per grammar rule or alias.

Lark's non-recursive Transformer walks the tree, so deeply nested input cannot overflow Python's
stack; expression depth is bounded here (`max_nesting`) so later stages, which do recurse, get
bounded trees. Every AST node gets the `Span` of the text it came from.
"""

from __future__ import annotations

from lark import Token, v_args
from lark.visitors import Transformer_NonRecursive

from archdsl.diagnostics import ArchError, Source, Span, error
from archdsl.limits import DEFAULT
from archdsl.syntax import ast
from archdsl.syntax.strings import unescape

_MAX_INT = 2**63 - 1  # no size, count or level needs more; bigger literals are typos or attacks


class _ArgList(tuple):
    """Marks a parenthesised argument list among a stage's children."""


@v_args(meta=True)
class ToAst(Transformer_NonRecursive):
    """Lark tree -> AST. One method per grammar rule or alias."""

    def __init__(self, source: Source, max_nesting: int = DEFAULT.max_nesting):
        super().__init__()
        self.source = source
        self.max_nesting = max_nesting
        self.depths: dict[int, tuple[int, ast.Expr]] = {}  # id -> (depth, the node, kept alive)

    def _nested(self, node: ast.Expr, *children) -> ast.Expr:
        """Record an operator node's depth; too deep a tree would overflow the recursive evaluator."""
        depth = 1 + max((self.depths.get(id(c), (0,))[0] for c in children), default=0)
        if depth > self.max_nesting:
            raise ArchError(error(f"expression nests deeper than {self.max_nesting}", node.span,
                                  hint="split it with `let` (the limit is max_nesting, --max-nesting)"))
        self.depths[id(node)] = (depth, node)
        return node

    def _span(self, meta) -> Span:
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok(self, tok: Token) -> Span:
        return Span.of_token(self.source, tok)

    def _unquote(self, tok: Token) -> str:
        return unescape(str(tok)[1:-1], self.source, tok.line or 1, (tok.column or 0) + 1)

    def _small_int(self, text: str, span: Span) -> int:
        """An int literal, refused past MAX_INT before Python converts it (no 4,300-digit limit)."""
        digits = text.lstrip("0") or "0"
        if len(digits) > 19 or int(digits) > _MAX_INT:
            raise ArchError(error("number too large", span, hint=f"integers are at most {_MAX_INT:,}"))
        return int(digits)

    # ---- files
    def start(self, meta, items):
        return ast.File(self.source, tuple(items))

    def import_stmt(self, meta, c):
        return ast.Import(self._unquote(c[0]), str(c[1]) if c[1] else None, self._span(meta))

    def arch_def(self, meta, c):
        return ast.ArchDef("arch", str(c[0]), tuple(c[1] or ()), c[2], self._span(meta), self._tok(c[0]))

    def block_def(self, meta, c):
        return ast.ArchDef("block", str(c[0]), tuple(c[1] or ()), c[2], self._span(meta), self._tok(c[0]))

    def arch_variant(self, meta, c):
        return ast.ArchVariant(str(c[0]), c[1], tuple(c[2] or ()), self._span(meta), self._tok(c[0]))

    def params(self, meta, c):
        return tuple(c)

    def param(self, meta, c):
        return ast.Param(str(c[0]), c[1], c[2], self._span(meta))

    def ptype(self, meta, c):
        return "|".join(str(t) for t in c)

    def prange(self, meta, c):
        return f"{c[0]}..{c[1]}"

    def qualname(self, meta, c):
        return ".".join(str(t) for t in c)

    # ---- statements
    def body(self, meta, c):
        return tuple(c)

    def let_stmt(self, meta, c):
        return ast.Let(str(c[0]), c[1], self._span(meta))

    def defaults_stmt(self, meta, c):
        return ast.Defaults(tuple(c), self._span(meta))

    def widths_stmt(self, meta, c):
        *entries, scale = c
        return ast.Widths(tuple(entries), scale, self._span(meta))

    def width_entry(self, meta, c):
        return (c[0], c[1])

    def input_stmt(self, meta, c):
        shape = None if c[1] is None else (c[1], c[2], c[3])
        return ast.Input(str(c[0]), shape, self._span(meta))

    def for_stmt(self, meta, c):
        return ast.For(str(c[0]), c[1], c[2], c[3], self._span(meta))

    def return_stmt(self, meta, c):
        return ast.Return(c[0], self._span(meta))

    def record(self, meta, c):
        return tuple(c)

    def field(self, meta, c):
        return (str(c[0]), c[1])

    def node_stmt(self, meta, c):
        target, chain, level, inputs, output, optional = c
        return ast.NodeStmt(target, chain, level, tuple(inputs or ()), output is not None, self._span(meta),
                            optional is not None)

    def target(self, meta, c):
        return ast.Target(str(c[0]), c[1], self._span(meta))

    def at_level(self, meta, c):
        return c[0]

    def inputs(self, meta, c):
        return tuple(c)

    def ref(self, meta, c):
        return ast.Ref(str(c[0]), c[1], tuple(str(t) for t in c[2:]), self._span(meta))

    def fuse_stmt(self, meta, c):
        *clauses, body = c
        return ast.Fuse(tuple(clauses), body, self._span(meta))

    def fuse_resample(self, meta, c):
        return ast.FuseClause("resample", c[0], self._span(meta))

    def fuse_combine(self, meta, c):
        return ast.FuseClause("combine", c[0], self._span(meta))

    def fuse_orphans(self, meta, c):
        seeds = tuple(r for r in c if r is not None)  # `from a, b`: the candidates, in order
        return ast.FuseClause("orphans", seeds or None, self._span(meta))

    def fuse_drop(self, meta, c):
        return ast.FuseClause("drop", c[0], self._span(meta))

    # ---- chains
    def chain(self, meta, c):
        return ast.Chain(tuple(c), self._span(meta))

    def stage(self, meta, c):
        name, call, *opargs = c
        args = list(call or ())
        for a in opargs:
            args.append(a if isinstance(a, ast.Arg) else ast.Arg("pos", a, a.span))
        return ast.Stage(str(name), tuple(args), self._span(meta), self._tok(name))

    def repeat(self, meta, c):
        return ast.Repeat(c[0], c[1], self._span(meta))

    def kernel(self, meta, c):
        tok = c[0]
        span = self._tok(tok)
        h, w = (self._small_int(v, span) for v in str(tok).split("x"))
        if h != w:
            raise ArchError(error(f"kernel {tok} is not square", span,
                                  hint="archdsl supports square kernels only, e.g. 3x3"))
        return ast.Arg("kernel", ast.Lit(h, span), span)

    def stride(self, meta, c):
        return ast.Arg("stride", c[0], self._span(meta))

    def kwarg(self, meta, c):
        return ast.Arg("kw", c[1], self._span(meta), str(c[0]))

    def args(self, meta, c):
        return _ArgList(a if isinstance(a, ast.Arg) else ast.Arg("pos", a, a.span) for a in c)

    # ---- expressions
    def int(self, meta, c):
        return ast.Lit(self._small_int(str(c[0]), self._span(meta)), self._span(meta))

    def float(self, meta, c):
        value = float(c[0])
        if value == float("inf"):
            raise ArchError(error("number too large", self._span(meta)))
        return ast.Lit(value, self._span(meta))

    def string(self, meta, c):
        return ast.Lit(self._unquote(c[0]), self._span(meta))

    def level(self, meta, c):
        return ast.Lit(self._small_int(str(c[0])[1:], self._span(meta)), self._span(meta), is_level=True)

    def true(self, meta, c):
        return ast.Lit(True, self._span(meta))

    def false(self, meta, c):
        return ast.Lit(False, self._span(meta))

    def var(self, meta, c):
        return ast.Var(str(c[0]), self._span(meta))

    def call(self, meta, c):
        args = tuple(c[1] or ())
        return self._nested(ast.Call(str(c[0]), args, self._span(meta)), *(a.value for a in args))

    def index(self, meta, c):
        return self._nested(ast.Index(str(c[0]), c[1], self._span(meta)), c[1])

    def neg(self, meta, c):
        return self._nested(ast.Neg(c[0], self._span(meta)), c[0])

    def _binop(self, op, meta, c):
        return self._nested(ast.BinOp(op, c[0], c[1], self._span(meta)), c[0], c[1])

    def add(self, meta, c):
        return self._binop("+", meta, c)

    def sub(self, meta, c):
        return self._binop("-", meta, c)

    def mul(self, meta, c):
        return self._binop("*", meta, c)

    def div(self, meta, c):
        return self._binop("/", meta, c)

    def floordiv(self, meta, c):
        return self._binop("//", meta, c)

    def mod(self, meta, c):
        return self._binop("%", meta, c)


