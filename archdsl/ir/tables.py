"""Tables by level in expressions: `table(L3, 2, L4, 5)` makes one, `per_level(x, lo, hi)` checks one.

A table is a dict keyed by level, the value `widths` already is (`widths[L3]`). Model Garden passes
some settings either as one number or as a dict by level (RetinaNetHead's
`num_anchors_per_location`); a template takes such a setting as a parameter of type `int | table`
and reads it through `per_level`, which turns a number into the same value at every level and
checks a table against the template's levels, so a missing level, an extra one or a value that
is not a count is an error at the expression, with the entries it has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archdsl.diagnostics import ArchError, error

if TYPE_CHECKING:
    from archdsl.ir.expr import Scope
    from archdsl.syntax import ast

MAX_LEVEL = 16  # as archdsl.ir.expr (not imported: that module imports this one)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(table: dict) -> str:
    return ", ".join(f"L{k}: {v!r}" for k, v in sorted(table.items())) or "none"


def table(expr: ast.Call, scope: Scope) -> dict[int, Any]:
    """`table(L3, 2, L4, 5)`: pairs of a level and its value (a level may be written `3`)."""
    from archdsl.ir.expr import evaluate

    args = expr.args
    if not args or len(args) % 2:
        raise ArchError(error("`table` takes pairs of a level and its value", expr.span,
                              hint="table(L3, 2, L4, 5)"))
    out: dict[int, Any] = {}
    for key_arg, value_arg in zip(args[::2], args[1::2]):
        key = evaluate(key_arg.value, scope)
        if not _is_int(key) or not 0 <= key <= MAX_LEVEL:
            raise ArchError(error(f"a `table` key must be a level L0..L{MAX_LEVEL}, got {key!r}", key_arg.span,
                                  hint="table(L3, 2, L4, 5)"))
        if key in out:
            raise ArchError(error(f"L{key} is given twice", key_arg.span))
        value = evaluate(value_arg.value, scope, symbols=True)
        if isinstance(value, dict):
            raise ArchError(error("a `table` value cannot be a table", value_arg.span))
        out[key] = value
    return out


def per_level(expr: ast.Call, scope: Scope) -> dict[int, int]:
    """`per_level(x, lo, hi)`: a count at each level lo..hi; `x` is one int for every level or a
    table with exactly those levels, each a positive int."""
    from archdsl.ir.expr import evaluate, type_name

    if len(expr.args) != 3:
        raise ArchError(error("`per_level` takes a value and the first and last level", expr.span,
                              hint="per_level(num_anchors, min_level, max_level)"))
    value = evaluate(expr.args[0].value, scope)
    lo, hi = (evaluate(a.value, scope) for a in expr.args[1:])
    if not (_is_int(lo) and _is_int(hi)) or lo > hi:
        raise ArchError(error(f"`per_level` needs levels lo <= hi, got {lo!r} and {hi!r}", expr.span))
    what = f"`{_source(expr)}`"
    if _is_int(value):
        value = {level: value for level in range(lo, hi + 1)}
    elif not isinstance(value, dict):
        raise ArchError(error(f"{what} must be an int or a table by level, got {type_name(value)} {value!r}",
                              expr.args[0].span))
    missing = [f"L{k}" for k in range(lo, hi + 1) if k not in value]
    extra = [f"L{k}" for k in sorted(value) if not lo <= k <= hi]
    if missing or extra:
        said = (f"has no entry for {', '.join(missing)}" if missing else "") + \
            (" and " if missing and extra else "") + (f"has an entry for {', '.join(extra)}" if extra else "")
        raise ArchError(error(f"{what} {said}: it must give every level L{lo}..L{hi} once", expr.args[0].span,
                              hint=f"it has: {_shown(value)}"))
    for level, count in sorted(value.items()):
        if not _is_int(count) or count < 1:
            raise ArchError(error(f"{what} at L{level} must be a positive int, got {type_name(count)} {count!r}",
                                  expr.args[0].span, hint=f"it has: {_shown(value)}"))
    return dict(sorted(value.items()))


def _source(expr: ast.Call) -> str:
    from archdsl.syntax import ast as a

    first = expr.args[0].value
    return first.name if isinstance(first, a.Var) else "the value"
