"""Evaluate expressions: literals, parameters, arithmetic and a few pure functions.

Values are Python ints, floats, bools and strs, and dicts for the `widths` table. Levels are ints
(`L3` is 3). A bare name that is bound to nothing evaluates to its own text when the caller allows
symbols, so `act swish` and `activation = swish` read naturally; everywhere else it is an
"unknown name" error with a did-you-mean hint.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archdsl.diagnostics import ArchError, Span, did_you_mean, error
from archdsl.ir import tables
from archdsl.limits import DEFAULT
from archdsl.syntax import ast

Value = Any
MAX_LEVEL = 16  # stride 2**16: far past any real network, small enough to catch typos
MAX_INT = 2**63 - 1  # no size, count or level needs more
MAX_STRING = DEFAULT.max_string_chars  # where no run's Limits reach (a bare Scope)


class Failed:
    """Stands for a name whose definition failed: using it adds no "unknown name" echo."""

    def __repr__(self) -> str:
        return "<failed>"


FAILED = Failed()


def cascade() -> ArchError:
    """The error of a use of a failed name: it carries no diagnostic (the failure was reported)."""
    return ArchError([])


@dataclass
class Scope:
    """Lexically nested value bindings (parameters, `let`, loop variables, `widths`)."""

    values: dict[str, Value] = field(default_factory=dict)
    parent: Scope | None = None
    max_string: int = MAX_STRING  # the run's max_string_chars: `+` on strings stops there

    def lookup(self, name: str) -> tuple[bool, Value]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return True, scope.values[name]
            scope = scope.parent
        return False, None

    def names(self) -> set[str]:
        out: set[str] = set()
        scope: Scope | None = self
        while scope is not None:
            out.update(scope.values)
            scope = scope.parent
        return out

    def child(self) -> Scope:
        return Scope({}, self, self.max_string)


def _int(x: Value) -> int:
    return int(x)


def _pow(x: Value, y: Value) -> Value:
    """x ** y; integer powers are exact, and checked before they are computed (no 10 ** 10 ** 9)."""
    if isinstance(x, int) and isinstance(y, int) and y >= 0:
        if abs(x) > 1 and y > 63:
            raise OverflowError("result too large")
        return x**y
    return math.pow(x, y)


def _round_filters(filters: Value, multiplier: Value, divisor: Value = 8) -> int:
    """Model Garden's `nn_layers.round_filters`: filters * multiplier, made divisible by 8."""
    from archdsl.ops.mbconv import make_divisible

    return filters if not multiplier else make_divisible(filters * multiplier, int(divisor))


def _round_repeats(repeats: Value, multiplier: Value) -> int:
    """Model Garden's EfficientNet `round_repeats`: ceil(multiplier * repeats)."""
    return repeats if not multiplier else int(math.ceil(multiplier * repeats))


def _make_divisible(value: Value, divisor: Value) -> int:
    from archdsl.ops.mbconv import make_divisible

    return make_divisible(value, int(divisor))


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "int": _int, "float": float, "ceil": math.ceil, "floor": math.floor, "round": round,
    "min": min, "max": max, "abs": abs, "log": math.log, "exp": math.exp, "sqrt": math.sqrt,
    "log2": math.log2, "pow": _pow,
    "round_filters": _round_filters, "round_repeats": _round_repeats, "make_divisible": _make_divisible,
}

_BINOPS: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "//": lambda a, b: a // b, "%": lambda a, b: a % b,
}


def type_name(value: Value) -> str:
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "float", str: "string", dict: "table"}.get(type(value), type(value).__name__)


def _number(value: Value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def evaluate(expr: ast.Expr, scope: Scope, *, symbols: bool = False) -> Value:
    """Evaluate `expr`. Raises `ArchError` (located) on unknown names and type errors."""
    if isinstance(expr, ast.Lit):
        return expr.value
    if isinstance(expr, ast.Var):
        found, value = scope.lookup(expr.name)
        if value is FAILED:
            raise cascade()
        if found:
            return value
        if symbols:
            return expr.name
        raise ArchError(error(f"unknown name `{expr.name}`", expr.span,
                              hint=did_you_mean(expr.name, scope.names())))
    if isinstance(expr, ast.Neg):
        value = evaluate(expr.operand, scope)
        if not _number(value):
            raise ArchError(error(f"cannot negate a {type_name(value)}", expr.span))
        return -value
    if isinstance(expr, ast.BinOp):
        return _binop(expr, evaluate(expr.left, scope), evaluate(expr.right, scope), scope.max_string)
    if isinstance(expr, ast.Index):
        return _index(expr, scope)
    if isinstance(expr, ast.Call):
        return _call(expr, scope)
    raise TypeError(f"not an expression: {expr!r}")


def _binop(expr: ast.BinOp, left: Value, right: Value, max_string: int = MAX_STRING) -> Value:
    strings = isinstance(left, str) and isinstance(right, str) and expr.op == "+"
    if strings and len(left) + len(right) > max_string:  # checked before the string is made
        raise ArchError(error(f"this string would have {len(left) + len(right):,} characters, more than the "
                              f"limit of {max_string:,}", expr.span,
                              hint="the limit is max_string_chars (--max-string-chars)"))
    if not strings and not (_number(left) and _number(right)):
        raise ArchError(error(f"cannot apply `{expr.op}` to {type_name(left)} and {type_name(right)}",
                              expr.span))
    if expr.op in ("/", "//", "%") and right == 0:
        raise ArchError(error("division by zero", expr.span))
    try:
        value = _BINOPS[expr.op](left, right)
    except OverflowError:
        raise ArchError(error("number too large", expr.span)) from None
    if isinstance(value, int) and abs(value) > MAX_INT:  # else `let`s squaring each other never end
        raise ArchError(error("number too large", expr.span, hint=f"integers are at most {MAX_INT:,}"))
    return value


def _index(expr: ast.Index, scope: Scope) -> Value:
    found, table = scope.lookup(expr.name)
    if table is FAILED:
        raise cascade()
    if not found:
        raise ArchError(error(f"unknown name `{expr.name}`", expr.span,
                              hint=did_you_mean(expr.name, scope.names())))
    if not isinstance(table, dict):
        raise ArchError(error(f"`{expr.name}` is a {type_name(table)}, not a table", expr.span))
    key = evaluate(expr.index, scope)
    if key not in table:
        keys = ", ".join(f"L{k}" if isinstance(k, int) else str(k) for k in table)
        raise ArchError(error(f"`{expr.name}` has no entry for {_show_key(key)}", expr.index.span,
                              hint=f"entries: {keys}"))
    return table[key]


def _show_key(key: Value) -> str:
    return f"L{key}" if isinstance(key, int) and not isinstance(key, bool) else repr(key)


def _select(expr: ast.Call, scope: Scope) -> Value:
    """`select(key, k1, v1, k2, v2, ...)`: the value paired with `key`, a table in one expression
    (ResNet's model_id picks block kind and repeats). Only the chosen value is evaluated."""
    args = expr.args
    if len(args) < 3 or len(args) % 2 == 0:
        raise ArchError(error("`select` takes a key, then pairs of an entry and its value", expr.span,
                              hint="select(model_id, 18, 2, 34, 3)"))
    key = evaluate(args[0].value, scope, symbols=True)
    entries = [evaluate(a.value, scope, symbols=True) for a in args[1::2]]
    for entry, value in zip(entries, args[2::2]):
        if entry == key and type(entry) is type(key):
            return evaluate(value.value, scope, symbols=True)
    raise ArchError(error(f"`select` has no entry for {key!r}", args[0].span,
                          hint=f"entries: {', '.join(str(e) for e in entries)}"))


# Functions that read their arguments themselves (a table key, a value of any type).
_SPECIAL: dict[str, Callable[[ast.Call, Scope], Value]] = {
    "select": _select, "table": tables.table, "per_level": tables.per_level,
}


def _call(expr: ast.Call, scope: Scope) -> Value:
    fn = FUNCTIONS.get(expr.func)
    if fn is None and expr.func not in _SPECIAL:
        raise ArchError(error(f"unknown function `{expr.func}`", expr.span,
                              hint=did_you_mean(expr.func, [*FUNCTIONS, *_SPECIAL]) or
                              f"functions: {', '.join(sorted([*FUNCTIONS, *_SPECIAL]))}"))
    if any(a.kind != "pos" for a in expr.args):
        raise ArchError(error(f"`{expr.func}` takes positional arguments only", expr.span))
    if fn is None:
        return _SPECIAL[expr.func](expr, scope)
    args = [evaluate(a.value, scope) for a in expr.args]
    if expr.func == "int" and len(args) == 1 and isinstance(args[0], bool):
        return int(args[0])  # a flag as a count: `repeat int(flag)`, an empty or one-level range
    if not args or not all(_number(a) for a in args):
        raise ArchError(error(f"`{expr.func}` needs numeric arguments", expr.span))
    try:
        value = fn(*args)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ArchError(error(f"`{expr.func}`: {exc}", expr.span)) from None
    if isinstance(value, int) and abs(value) > MAX_INT:  # int(1e300) is exact, and absurd
        raise ArchError(error("number too large", expr.span, hint=f"integers are at most {MAX_INT:,}"))
    return value


def coerce(value: Value, type_: str, what: str, span: Span, bounds: Mapping[str, Value] | None = None,
           name: str = "it") -> Value:
    """Check `value` against a declared type: 'int', 'float', 'bool', 'string', 'level', a
    choice of names such as 'relu|swish' or of integers such as '8|16', or an int range such as
    '2..7' or 'min_level..7' (a named bound is read from `bounds`, the earlier parameters; without
    them only the literal bounds are checked; `name` is the parameter's, for that message)."""
    if "|" in type_ and all(t in TYPES for t in type_.split("|")):  # `int | table`: a union of types
        return _union(value, type_.split("|"), what, span)
    if "|" in type_:
        choices = type_.split("|")
        # `model_id: 18 | 50` is a choice of ints: 18 (and the text "18") bind as the int
        allowed = {c: int(c) if c.isdigit() else c for c in choices}
        key = None if isinstance(value, bool) or not isinstance(value, (int, str)) else str(value)
        if key not in allowed:
            raise ArchError(error(f"{what} must be one of {', '.join(choices)}, got {value!r}", span))
        return allowed[key]
    if ".." in type_:  # `min_level: 2..7`: an int the spec can use, checked at the -D
        _check_range(value, type_, what, span, bounds or {}, name)
        return value
    ok = _is_type(value, type_) if type_ in TYPES else None
    if ok is None:
        raise ArchError(error(f"unknown type `{type_}`", span, hint=f"types: {', '.join(TYPES)}"))
    if not ok:
        raise ArchError(error(f"{what} must be {_article(type_)}, got {type_name(value)} {value!r}", span))
    if type_ in ("int", "level") and abs(value) > MAX_INT:  # a `-D` or Python override, say
        raise ArchError(error(f"{what} is too large", span, hint=f"integers are at most {MAX_INT:,}"))
    if type_ == "float" and not math.isfinite(value):
        raise ArchError(error(f"{what} must be a finite number, got {value!r}", span))
    if type_ == "level" and not 0 <= value <= MAX_LEVEL:
        raise ArchError(error(f"level L{value} is out of range", span, hint=f"levels are L0..L{MAX_LEVEL}"))
    if type_ == "table":
        return _table_keys(value, what, span)
    return float(value) if type_ == "float" else value


def _table_keys(value: dict, what: str, span: Span) -> dict:
    """A table from Python may be keyed as Model Garden keys levels (`{'3': 2}`): its keys as ints."""
    out = {}
    for key, entry in value.items():
        text = str(key)
        if isinstance(key, bool) or not (isinstance(key, int) or text.isdigit()) or not 0 <= int(text) <= MAX_LEVEL:
            raise ArchError(error(f"{what} is a table whose key {key!r} is not a level L0..L{MAX_LEVEL}", span))
        out[int(text)] = entry
    return out


def _union(value: Value, types: list[str], what: str, span: Span) -> Value:
    for t in types:
        if _is_type(value, t):
            return coerce(value, t, what, span)
    kinds = " or ".join(_article(t) for t in types)
    raise ArchError(error(f"{what} must be {kinds}, got {type_name(value)} {value!r}", span))


TYPES = ("int", "float", "bool", "string", "level", "table")


def _is_type(value: Value, type_: str) -> bool:
    if type_ in ("int", "level"):
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "float":
        return _number(value)
    if type_ == "table":  # `table(L3, 2, L4, 5)`, or a dict from Python
        return isinstance(value, dict)
    return isinstance(value, {"bool": bool, "string": str}[type_])


def _check_range(value: Value, type_: str, what: str, span: Span, bounds: Mapping[str, Value], name: str) -> None:
    """`max_level: min_level..7`: a bound that names a parameter is that parameter's value, so
    `-D min_level=6 -D max_level=4` is refused at the -D rather than as an empty loop later."""
    texts = type_.split("..")
    ends = [int(t) if t.isdigit() else bounds.get(t) for t in texts]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArchError(error(f"{what} must be an int in {type_}, got {value!r}", span,
                              hint=f"the spec declares the range {type_}"))
    for i, (text, end) in enumerate(zip(texts, ends)):
        if not isinstance(end, int) or isinstance(end, bool) or (value >= end if i == 0 else value <= end):
            continue
        if text.isdigit():
            shown = "..".join(str(e) for e in ends) if all(isinstance(e, int) for e in ends) else ""
            shown = f" ({shown})" if shown and shown != type_ else ""
            raise ArchError(error(f"{what} must be an int in {type_}{shown}, got {value!r}", span,
                                  hint=f"the spec declares the range {type_}"))
        order = f"{text} must be <= {name}" if i == 0 else f"{name} must be <= {text}"
        raise ArchError(error(f"{what} is {value}, but {order} ({text} is {end})", span,
                              hint=f"the spec declares the range {type_}"))


def _article(type_: str) -> str:
    return f"an {type_}" if type_[0] in "aeiou" else f"a {type_}"


def parse_cli_value(text: str, name: str = "") -> Value:
    """A `-D name=value` value: int, float, bool, level (`L3`), a table by level (`L3:2,L4:5`, what
    `table(L3, 2, L4, 5)` is in a spec) or, failing those, a string.

    Integers past `MAX_INT` are refused here (an `ArchError` without a span: the text came from
    the command line), before Python's 4,300-digit conversion limit turns them into a float."""
    lowered = text.strip()
    if lowered in ("true", "false"):
        return lowered == "true"
    pairs = [p.partition(":") for p in lowered.split(",")]
    if ":" in lowered and all(sep and _LEVEL_KEY.fullmatch(k.strip()) and v.strip() for k, sep, v in pairs):
        keys = [int(k.strip().lstrip("L")) for k, _, _ in pairs]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ArchError(error(f"-D {name}: {', '.join(f'L{k}' for k in twice)} given twice in a table"))
        return {k: parse_cli_value(v, name) for k, (_, _, v) in zip(keys, pairs)}
    digits = lowered[1:] if lowered[:1] in ("L", "-", "+") else lowered
    if digits.isdigit() and digits.isascii():
        if len(digits.lstrip("0")) > 19 or int(digits) > MAX_INT:
            raise ArchError(error(f"-D {name + '=' if name else 'value '}{_clip(lowered)} is too large",
                                  hint=f"integers are at most {MAX_INT:,}"))
        if lowered[0] == "L":
            return int(digits)
    for convert in (int, float):
        try:
            return convert(lowered)
        except ValueError:
            pass
    return lowered


_LEVEL_KEY = re.compile(r"L?[0-9]{1,2}")


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[:width] + f"... ({len(text):,} characters)"
