"""After an error, go on without echoes: failed names, and one report per error in a template.

Elaboration collects diagnostics statement by statement, so one mistake must not turn into many.
Two rules do that. A statement that failed defines its names as `FAILED` (`poison`), and any later
use of a failed name is silent, so a typo on the `stem` line is not followed by "unknown name
`stem`" on every line that reads it. And a template runs once per call, so an error inside it
would be reported once per instance: `once` keeps the first of identical diagnostics and adds a
note pointing at the call (with how many calls there are), as a compiler reports an error in a
generic function once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from archdsl.diagnostics import ArchError, Diagnostic, Note, Severity, Span
from archdsl.ir.expr import FAILED
from archdsl.syntax import ast


@dataclass
class Calls:
    """The calls of one template: where it is defined, its first call, how many calls."""

    name: str
    defn: Span
    first: Span
    count: int = 0


def poison(stmt: ast.Stmt, table: dict[str, Any], values: dict[str, Any],
           index: Callable[[ast.Expr], Any]) -> bool:
    """Define what the failed `stmt` would have defined as FAILED (names already defined stay).
    Returns True for a `return`, so the caller marks its result failed too."""
    if isinstance(stmt, ast.Let):
        values.setdefault(stmt.name, FAILED)
    elif isinstance(stmt, ast.Input):
        table.setdefault(stmt.name, FAILED)
    elif isinstance(stmt, ast.NodeStmt):
        _poison_target(stmt.target, table, index)
    elif isinstance(stmt, (ast.For, ast.Fuse)):  # its body may not have run at all
        for inner in stmt.body:
            if not isinstance(inner, ast.Return):
                poison(inner, table, values, index)
    return isinstance(stmt, ast.Return)


def _poison_target(target: ast.Target, table: dict[str, Any], index: Callable[[ast.Expr], Any]) -> None:
    if target.index is None:
        table.setdefault(target.name, FAILED)
        return
    try:
        key = index(target.index)
    except ArchError:
        key = None
    family = table.get(target.name)
    if family is None:
        table[target.name] = FAILED if key is None else {key: FAILED}
    elif isinstance(family, dict) and key is not None:
        family.setdefault(key, FAILED)


def once(diags: Iterable[Diagnostic], calls: Iterable[Calls]) -> list[Diagnostic]:
    """The diagnostics without repeats; one inside a called template gets a note for the call.

    Inside a template called more than once, diagnostics at the same place are one error whatever
    their text (the text names the instance: `t[0].a`, `t[1].a`, ...); elsewhere only identical
    ones are merged."""
    calls = list(calls)
    seen: set[tuple] = set()
    out: list[Diagnostic] = []
    for d in diags:
        call = _call_of(d, calls)
        key = (d.severity, _where(d.span)) + (() if call and call.count > 1 else (d.message, d.hint))
        if key in seen:
            continue
        seen.add(key)
        # Errors always name the call; a warning only when it stands for several instances.
        noted = call is not None and (d.severity is Severity.ERROR or call.count > 1)
        out.append(_noted(d, call) if noted and call is not None else d)
    return out


def _call_of(d: Diagnostic, calls: list[Calls]) -> Calls | None:
    """The innermost called template whose definition holds `d`'s span."""
    inside = [c for c in calls if d.span is not None and _contains(c.defn, d.span)]
    return min(inside, key=lambda c: (c.defn.end_line - c.defn.line, c.defn.end_col), default=None)


def _noted(d: Diagnostic, c: Calls) -> Diagnostic:
    if any(note.span == c.first for note in d.notes):
        return d
    times = f"; it is called {c.count} times, and an error on this line is shown once" if c.count > 1 else ""
    return replace(d, notes=d.notes + (Note(f"in `{c.name}`, called here{times}", c.first),))


def _where(span: Span | None) -> tuple:
    return () if span is None else (span.path, span.line, span.col, span.end_line, span.end_col)


def _contains(outer: Span, inner: Span) -> bool:
    return (outer.path == inner.path and (outer.line, outer.col) <= (inner.line, inner.col)
            and (inner.end_line, inner.end_col) <= (outer.end_line, outer.end_col))
