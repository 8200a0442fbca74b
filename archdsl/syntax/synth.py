"""Building an AST that did not come from text: values as expressions, targets, and line spans.

The IR printer (`archdsl.ir.printer`) makes an AST from a graph and hands it to the one AST
printer (`archdsl.syntax.printer`). Such an AST has no source, so its nodes first carry `SPAN`
(one placeholder; spans do not take part in equality, their line numbers do, so equal stages
compare equal); `relined` then gives each statement a line of its own, in print order, with a
blank line between top-level items, because the printer lays text out (blank lines, aligned runs,
comments) from statement spans.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from archdsl.diagnostics import Source, Span
from archdsl.syntax import ast

SOURCE = Source("<printed>", "")
SPAN = Span(SOURCE, 0, 1, 0, 1)


def value_expr(x: Any) -> ast.Expr:
    """A literal for a Python value (int, float, bool, str); negative numbers as `-x`."""
    if isinstance(x, bool) or isinstance(x, str):
        return ast.Lit(x, SPAN)
    if isinstance(x, (int, float)):
        if isinstance(x, float) and not math.isfinite(x):
            raise ValueError(f"value {x} is not finite")
        return ast.Neg(ast.Lit(-x, SPAN), SPAN) if x < 0 else ast.Lit(x, SPAN)
    raise ValueError(f"{x!r} is not a value of the language")


def level(x: int) -> ast.Lit:
    return ast.Lit(x, SPAN, is_level=True)


def split_target(text: str) -> tuple[str, ast.Expr | None] | None:
    """A statement target as the language writes it (`b3`, `endpoint[3]`) -> (name, index); None
    when `text` is not one (the elaborator records targets in this spelling)."""
    name, bracket, index = text.partition("[")
    if not (name.isidentifier() and name.isascii()):
        return None
    if not bracket:
        return name, None
    if not (index.endswith("]") and index[:-1].isdigit()):
        return None
    return name, ast.Lit(int(index[:-1]), SPAN)


def target(text: str) -> ast.Target:
    parts = split_target(text)
    if parts is None:
        raise ValueError(f"`{text}` is not a statement target")
    return ast.Target(parts[0], parts[1], SPAN)


def ref(text: str, *fields: str) -> ast.Ref:
    """A reference to a target (`c[2]`), optionally through record fields (`stem._out0`)."""
    t = target(text)
    return ast.Ref(t.name, t.index, tuple(fields), SPAN)


def stage(op: str, *args: ast.Arg) -> ast.Stage:
    return ast.Stage(op, tuple(args), SPAN, SPAN)


def chain(stages: list[ast.Stage | ast.Repeat] | tuple[ast.Stage | ast.Repeat, ...]) -> ast.Chain:
    return ast.Chain(tuple(stages), SPAN)


# ---- layout --------------------------------------------------------------------------------


def _line(n: int) -> Span:
    return Span(SOURCE, n, 1, n, 2)


def _relined_body(stmts: tuple[ast.Stmt, ...], line: int) -> tuple[tuple[ast.Stmt, ...], int]:
    """Statements from `line` on, one line each (a `for`/`fuse` also closes on its own line);
    returns them and the next free line."""
    out: list[ast.Stmt] = []
    for s in stmts:
        if isinstance(s, (ast.For, ast.Fuse)):
            body, end = _relined_body(s.body, line + 1)
            out.append(dataclasses.replace(s, body=body, span=Span(SOURCE, line, 1, end, 2)))
            line = end + 1
        else:
            out.append(dataclasses.replace(s, span=_line(line)))
            line += 1
    return tuple(out), line


def relined(items: list[ast.ArchDef], first_line: int = 1) -> tuple[ast.ArchDef, ...]:
    """`arch`/`block` definitions laid out from `first_line`, a blank line between them (their
    parameters, if any, share the header's line)."""
    out = []
    line = first_line
    for item in items:
        params = tuple(dataclasses.replace(p, span=_line(line)) for p in item.params)
        body, end = _relined_body(item.body, line + 1)
        out.append(dataclasses.replace(item, params=params, body=body, span=Span(SOURCE, line, 1, end, 2)))
        line = end + 2
    return tuple(out)
