"""The canonical spelling of the AST's small parts: expressions, stages, chains, references and
the one-line statements, as `archdsl.syntax.printer` lays them out (its docstring states the
style: minimal parentheses, bare op arguments in chains, `name = value` inside parentheses,
numbers that re-parse to the same value)."""

from __future__ import annotations

import math
import re
from typing import Any

from archdsl.syntax import ast

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2}
_UNARY, _ATOM = 3, 4

# ---- expressions ---------------------------------------------------------------------------


def _prec(e: ast.Expr) -> int:
    if isinstance(e, ast.BinOp):
        return _PREC[e.op]
    if isinstance(e, ast.Neg):
        return _UNARY
    if isinstance(e, ast.Lit) and not isinstance(e.value, (bool, str)) and _format_lit(e).startswith("-"):
        return _UNARY
    return _ATOM


def _wrap(e: ast.Expr, min_prec: int) -> str:
    text = format_expr(e)
    return f"({text})" if _prec(e) < min_prec else text


def format_expr(e: ast.Expr) -> str:
    """An expression with minimal parentheses (`+ -` < `* / // %` < unary `-` < atoms)."""
    if isinstance(e, ast.Lit):
        return _format_lit(e)
    if isinstance(e, ast.Var):
        return e.name
    if isinstance(e, ast.Call):
        return f"{e.func}({_paren_args(e.args)})"
    if isinstance(e, ast.Index):
        return f"{e.name}[{format_expr(e.index)}]"
    if isinstance(e, ast.Neg):
        return "-" + _wrap(e.operand, _UNARY)
    if isinstance(e, ast.BinOp):
        p = _PREC[e.op]
        # Left-associative: an equal-precedence operand needs parentheses only on the right.
        return f"{_wrap(e.left, p)} {e.op} {_wrap(e.right, p + 1)}"
    raise TypeError(f"not an expression: {e!r}")


def _format_lit(e: ast.Lit) -> str:
    v = e.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return quote(v)
    if e.is_level:
        return f"L{v}"
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"{v} has no .arch spelling")
        # The shortest text that reads back as the same float (always with `.` or `e`), with
        # Python's exponent padding dropped: 1e-05 -> 1e-5, 1e+16 -> 1e16.
        return re.sub(r"e(-?)\+?0*(?=\d)", r"e\1", repr(v))
    return str(v)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote(s: str) -> str:
    """A string literal that the parser reads back as `s`."""
    out = "".join(_ESCAPES.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 32 or ord(ch) == 127 else ch)
                  for ch in s)
    return f'"{out}"'


def _paren_arg(a: ast.Arg) -> str:
    if a.kind == "kw":
        return f"{a.name} = {format_expr(a.value)}"
    if a.kind == "pos":
        return format_expr(a.value)
    raise ValueError(f"a {a.kind} argument cannot appear inside parentheses")


def _paren_args(args: tuple[ast.Arg, ...]) -> str:
    return ", ".join(_paren_arg(a) for a in args)


# ---- chains --------------------------------------------------------------------------------


def format_stage(st: ast.Stage, in_chain: bool = True) -> str:
    """`op`, `op word ...` (in a chain), `op(a, k = v)`, or (with a kernel or stride) `op 3x3 /2 64 k=v`."""
    if not st.args:
        return st.op
    if in_chain and all(a.kind == "pos" and _is_word(a.value) for a in st.args):
        return " ".join([st.op, *(format_expr(a.value) for a in st.args)])
    if all(a.kind in ("pos", "kw") for a in st.args):
        return f"{st.op}({_paren_args(st.args)})"
    parts = [_bare_arg(a) for a in st.args]
    for i in range(1, len(parts)):
        # `k (x)` would read as the call `k(x)`: parenthesise the name instead.
        prev = st.args[i - 1]
        if parts[i].startswith("(") and isinstance(prev.value, ast.Var) and prev.kind != "kernel":
            parts[i - 1] = _bare_arg(prev, force_parens=True)
    return " ".join([st.op, *parts])


def _is_word(e: ast.Expr) -> bool:
    """A value that reads as one bare word after an op: a name or a non-negative literal."""
    return isinstance(e, ast.Var) or (isinstance(e, ast.Lit) and _prec(e) == _ATOM)


def _bare_arg(a: ast.Arg, force_parens: bool = False) -> str:
    value = f"({format_expr(a.value)})" if force_parens else _wrap(a.value, _ATOM)
    if a.kind == "kernel":
        n = format_expr(a.value)
        return f"{n}x{n}"
    if a.kind == "stride":
        return "/" + value
    if a.kind == "kw":
        return f"{a.name}={value}"
    return value


def _repeat_count(e: ast.Expr) -> str:
    """The grammar takes a bare name or integer after `repeat`; anything else is parenthesised."""
    bare = isinstance(e, ast.Var) or (isinstance(e, ast.Lit) and type(e.value) is int and not e.is_level
                                      and e.value >= 0)
    return format_expr(e) if bare else f"({format_expr(e)})"


def format_chain(chain: ast.Chain) -> str:
    return " -> ".join(format_stage(s) if isinstance(s, ast.Stage)
                       else f"repeat {_repeat_count(s.count)} ({format_chain(s.chain)})"
                       for s in chain.stages)


def format_ref(r: ast.Ref) -> str:
    index = f"[{format_expr(r.index)}]" if r.index is not None else ""
    return r.name + index + "".join("." + f for f in r.fields)


def node_cells(s: ast.NodeStmt) -> list[str]:
    """The alignable columns of a node line: target, `= chain`, `at L`, `<- inputs`, `output optional`."""
    target = s.target.name + (f"[{format_expr(s.target.index)}]" if s.target.index is not None else "")
    return [target, "= " + format_chain(s.chain),
            f"at {format_expr(s.level)}" if s.level is not None else "",
            "<- " + ", ".join(format_ref(r) for r in s.inputs) if s.inputs else "",
            " ".join(["output"] * s.output + ["optional"] * s.optional)]


def fuse_clause(c: ast.FuseClause) -> str:
    value: Any = c.value  # its type follows `kind` (see ast.FuseClause)
    if c.kind == "resample":
        return f"resample {format_stage(value, in_chain=False)}"
    if c.kind == "combine":
        return f"combine {format_chain(value)}"
    if c.kind == "orphans":
        seeds = value if isinstance(value, tuple) else ()
        return "merge orphans" + (" from " + ", ".join(format_ref(r) for r in seeds) if seeds else "")
    return f"stochastic_depth {format_expr(value)}"


def format_simple(s: Any) -> str:
    """One line for a statement without a body (and for an import)."""
    if isinstance(s, ast.NodeStmt):
        return " ".join(c for c in node_cells(s) if c)
    if isinstance(s, ast.Let):
        return f"let {s.name} = {format_expr(s.value)}"
    if isinstance(s, ast.Defaults):
        return "defaults " + ", ".join(format_stage(st, in_chain=False) for st in s.stages)
    if isinstance(s, ast.Widths):
        text = "widths " + ", ".join(f"{format_expr(k)}: {format_expr(v)}" for k, v in s.entries)
        return text + (f" scaled by {format_expr(s.scale)}" if s.scale is not None else "")
    if isinstance(s, ast.Input):
        shape = f": [{', '.join(format_expr(d) for d in s.shape)}]" if s.shape is not None else ""
        return f"input {s.name}{shape}"
    if isinstance(s, ast.Return):
        return f"return {_returned(s.value)}"
    if isinstance(s, ast.Import):
        return f"import {quote(s.path)}" + (f" as {s.alias}" if s.alias else "")
    raise TypeError(f"not a simple statement: {s!r}")


def _returned(value: ast.Ref | ast.Fields) -> str:
    if isinstance(value, ast.Ref):
        return format_ref(value)
    return "{" + ", ".join(f"{k}: {_returned(r)}" for k, r in value) + "}"


def _param(p: ast.Param) -> str:
    text = p.name + (f": {' | '.join(p.type.split('|'))}" if p.type else "")  # a choice: `relu | swish`
    return text + (f" = {format_expr(p.default)}" if p.default is not None else "")


def list_entry(x: ast.Param | ast.Arg) -> str:
    return _param(x) if isinstance(x, ast.Param) else _paren_arg(x)
