"""The abstract syntax tree of an `.arch` file: frozen dataclasses, each with the `Span` it came from.

The parser (`parse.py`) builds these from Lark's tree; the elaborator (`archdsl.ir.elaborate`)
evaluates them into the graph IR; the printer turns them back into canonical text. Nothing here
knows about Lark.
"""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.diagnostics import Source, Span

# ---- expressions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal: int, float, bool or str. `is_level` marks an `L3` literal (an int)."""

    value: int | float | bool | str
    span: Span
    is_level: bool = False


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Arg, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    index: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # one of + - * / // %
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr
    span: Span


Expr = Lit | Var | Call | Index | BinOp | Neg


@dataclass(frozen=True, slots=True)
class Arg:
    """An argument. kind: 'pos' (positional), 'kw' (name=value), 'stride' (/2), 'kernel' (3x3)."""

    kind: str
    value: Expr
    span: Span
    name: str | None = None


# ---- chains --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    """One op (or template call) in a chain: `conv 3x3 /2 64 bias=true`."""

    op: str
    args: tuple[Arg, ...]
    span: Span
    op_span: Span


@dataclass(frozen=True, slots=True)
class Repeat:
    """`repeat N (chain)`: the chain applied N times in sequence."""

    count: Expr
    chain: Chain
    span: Span


@dataclass(frozen=True, slots=True)
class Chain:
    stages: tuple[Stage | Repeat, ...]
    span: Span


# ---- statements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a node: `b3`, `p[l]`, `head.scores`."""

    name: str
    index: Expr | None
    fields: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    index: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class NodeStmt:
    target: Target
    chain: Chain
    level: Expr | None
    inputs: tuple[Ref, ...]
    output: bool
    span: Span
    optional: bool = False  # `optional`: pruning the line is intended (a note, not a warning)


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Defaults:
    stages: tuple[Stage, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Widths:
    entries: tuple[tuple[Expr, Expr], ...]
    scale: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    shape: tuple[Expr, Expr, Expr] | None
    span: Span


@dataclass(frozen=True, slots=True)
class For:
    var: str
    lo: Expr
    hi: Expr
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class FuseClause:
    """kind: 'resample' (value: Stage), 'combine' (value: Chain), 'orphans' (value: the `from`
    refs, or None), 'drop' (value: Expr)."""

    kind: str
    value: Stage | Chain | Expr | tuple[Ref, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class Fuse:
    clauses: tuple[FuseClause, ...]
    body: tuple[Stmt, ...]
    span: Span


Fields = tuple[tuple[str, "Ref | Fields"], ...]  # a record's fields; a field may be a record


@dataclass(frozen=True, slots=True)
class Return:
    value: Ref | Fields
    span: Span


Stmt = NodeStmt | Let | Defaults | Widths | Input | For | Fuse | Return

# ---- top level -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: str | None
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class ArchDef:
    """`arch name(params) { ... }` (kind 'arch') or `block name(params) { ... }` (kind 'block')."""

    kind: str
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class ArchVariant:
    """`arch spinenet49 = spinenet(filter_scale = 1.0, ...)`: a base arch with new defaults."""

    name: str
    base: str
    args: tuple[Arg, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Import:
    path: str
    alias: str | None
    span: Span


Item = Import | ArchDef | ArchVariant


@dataclass(frozen=True, slots=True)
class Comment:
    """A `# ...` comment (text without the line break). Not part of `File`: `parse_with_comments`
    returns them beside it, for the printer."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class File:
    source: Source
    items: tuple[Item, ...]
