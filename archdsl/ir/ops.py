"""Bind a stage's arguments to an op's signature, and build the op's attrs once the level is known.

The signatures themselves live in the op definitions (`archdsl.ops`); this is the language's one
rule for reading them: the `3x3` form fills `kernel`, `/2` fills `stride`, a bare boolean
parameter name such as `bias` is a flag, other positional arguments fill the signature's
positional parameters in order, `name=value` any parameter; missing values come from the enclosing
`defaults` statements, then the signature. Building the attrs waits until the node's level is
known, because a block's filters default to the `widths` entry of its level.
"""

from __future__ import annotations

from typing import Any

from archdsl.diagnostics import ArchError, Span, did_you_mean, error
from archdsl.ir.expr import Scope, coerce, evaluate
from archdsl.ops.base import REQUIRED, Bound, BuildContext, OpDef, Signature
from archdsl.ops.registry import find_op, get_op, spelled_names
from archdsl.syntax import ast

__all__ = ["Bound", "bind", "make_attrs", "spelled_op", "op_hint"]


def spelled_op(name: str) -> OpDef | None:
    """The op a spec may write as `name` (None for templates, unknown names and internal ops)."""
    op = find_op(name)
    return op if op is not None and op.spelled else None


def op_hint(name: str) -> str:
    """A hint listing what a spec can write where an op was expected."""
    return did_you_mean(name, spelled_names()) or "ops: " + ", ".join(spelled_names())


def bind(stage: ast.Stage, sig: OpDef | Signature, scope: Scope, defaults: dict[str, Bound], *,
         fill: bool = True) -> Bound:
    """Match a stage's arguments to `sig`; missing ones come from `defaults`, then the signature.

    With `fill=False` only the arguments written in the stage are returned (for `defaults`).
    """
    values: Bound = {}
    pos = list(sig.positional)

    def put(name: str, value: Any, span: Span) -> None:
        p = sig.param(name)
        if p is None:
            names = [q.name for q in sig.params]
            raise ArchError(error(f"`{stage.op}` has no parameter `{name}`", span,
                                  hint=did_you_mean(name, names) or _usage(stage.op, sig)))
        if name in values:
            raise ArchError(error(f"`{name}` is given twice", span))
        values[name] = coerce(value, p.type, f"`{stage.op}` parameter `{name}`", span)
        if name in pos:
            pos.remove(name)

    for arg in stage.args:
        name, value = _argument(stage, sig, arg, scope, pos)
        put(name, value, arg.span)
    if not fill:
        return values
    for name, value in defaults.get(sig.name, {}).items():
        values.setdefault(name, value)
    for p in sig.params:
        if p.name not in values:
            if p.default is REQUIRED:
                raise ArchError(error(f"`{stage.op}` needs `{p.name}`", stage.span, hint=_usage(stage.op, sig)))
            values[p.name] = p.default
    return values


def _argument(stage: ast.Stage, sig: OpDef | Signature, arg: ast.Arg, scope: Scope,
              pos: list[str]) -> tuple[str, Any]:
    """Which parameter an argument fills, and its value."""
    if arg.kind in ("kernel", "stride"):
        return arg.kind, evaluate(arg.value, scope)
    if arg.kind == "kw":
        return arg.name or "", evaluate(arg.value, scope, symbols=True)
    if isinstance(arg.value, ast.Var) and _is_flag(sig, arg.value.name):
        return arg.value.name, True  # a flag such as `bias`
    if not pos:
        raise ArchError(error(f"too many arguments for `{stage.op}`", arg.span, hint=_usage(stage.op, sig)))
    return pos[0], evaluate(arg.value, scope, symbols=True)


def _is_flag(sig: OpDef | Signature, name: str) -> bool:
    p = sig.param(name)
    return p is not None and p.type == "bool"


def _usage(op: str, sig: OpDef | Signature) -> str:
    return f"`{op}` is {sig.doc}"


def make_attrs(op: str, v: Bound, *, level: int, widths: dict[int, int] | None,
               defaults: dict[str, Bound], span: Span) -> Any:
    """Build the typed attrs of a bound stage once its level is known (a located error if the
    values break the op's invariants)."""
    try:
        return get_op(op).build(v, BuildContext(level, widths, defaults))
    except ValueError as exc:
        raise ArchError(error(f"invalid `{op}`: {exc}", span, hint=getattr(exc, "hint", None))) from None
