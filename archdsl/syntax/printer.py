"""The canonical printer: AST (plus comments) -> `.arch` text, the engine of `archdsl fmt`.

Canonical style. Two spaces per indentation level, one statement per line, one space around `=`,
`->`, `<-` and binary operators, `, ` between list items, no space inside brackets. Inside
parentheses (parameter lists, variant arguments, call arguments) a keyword reads `name = value`;
bare op arguments, which are separated by spaces, read `name=value` (`conv 3x3 /2 64 bias=true`).
In a chain, a stage whose arguments are all positional words (names, numbers, strings, levels)
prints them bare, as the docs write ops (`act swish`, `upsample 2`); a stage with a kernel or a
stride prints all its arguments bare (`conv 3x3 /2 64 bias=true`); any other stage with arguments
prints them in parentheses (`bn(momentum = m)`, `conv_bn_act(32, kernel = 3)`). In `defaults` and
`fuse resample`, which list calls, stages print in parentheses (`defaults act(swish)`,
`resample alpha(0.5)`) unless they have a kernel or stride. The parameter list of an
`arch`/`block` and the argument list of a variant go one per line, with a trailing comma, when they
have more than three entries, do not fit in 100 columns, or carry comments. Numbers print so they
re-parse to the same value (floats keep a `.` or an exponent), levels as `L3`, strings double-quoted
with backslash escapes, and expressions with the fewest parentheses the precedence allows. Inside a
`fuse` body, each run of node lines not broken by a blank line is aligned in columns (target,
chain, `at`, `<-`, `output`). Comments stay where they were: a full-line comment above the
statement (or parameter) that follows it, an end-of-line comment at the end of its line, with the
end-of-line comments of consecutive lines aligned. Blank lines between statements collapse to at
most one and are kept where the author had them. The output depends only on the AST, the comments
and where blank lines were, so formatting is idempotent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archdsl.diagnostics import Source, Span
from archdsl.syntax import ast
from archdsl.syntax.spelling import (
    format_chain,
    format_expr,
    format_ref,
    format_simple,
    format_stage,
    fuse_clause,
    list_entry,
    node_cells,
    quote,
)

__all__ = ["format_file", "format_text", "same_ast", "strip_spans", "format_expr", "format_stage", "format_chain",
           "format_ref", "format_simple", "quote"]

WIDTH = 100
INDENT = "  "
MAX_INLINE = 3  # longer parameter/argument lists go one per line


# ---- comment placement ---------------------------------------------------------------------


@dataclass(eq=False)
class _Slot:
    """A printed unit with its source lines and the comments attached to it."""

    node: Any
    start: int
    end: int
    children: list[_Slot] = field(default_factory=list)
    nhead: int = 0  # leading children that are parameters/arguments, not body statements
    container: bool = False
    leading: list[ast.Comment] = field(default_factory=list)   # full-line comments above it
    trailing: list[ast.Comment] = field(default_factory=list)  # end of its (last header) line
    opening: list[ast.Comment] = field(default_factory=list)   # end of its first line
    inner: list[ast.Comment] = field(default_factory=list)     # full-line, before the closing bracket
    closing: list[ast.Comment] = field(default_factory=list)   # end of the closing line


def _slot(node: Any) -> _Slot:
    span: Span = node.span
    if isinstance(node, ast.ArchDef):
        head = [_slot(p) for p in node.params]
        return _Slot(node, span.line, span.end_line, head + [_slot(s) for s in node.body], len(head), True)
    if isinstance(node, ast.ArchVariant):
        head = [_slot(a) for a in node.args]
        return _Slot(node, span.line, span.end_line, head, len(head), True)
    if isinstance(node, (ast.For, ast.Fuse)):
        return _Slot(node, span.line, span.end_line, [_slot(s) for s in node.body], 0, True)
    return _Slot(node, span.line, span.end_line)


def _own_line(c: ast.Comment, source: Source) -> bool:
    return not source.line(c.span.line)[: c.span.col - 1].strip()


def _holds(child: _Slot, c: ast.Comment, own_line: bool) -> bool:
    """Whether comment `c` sits inside `child` (for an end-of-line comment: nothing but a comma
    between them, so `a = 1) {  # x` belongs to the header, not to the parameter `a`)."""
    span: Span = child.node.span
    if not child.start <= c.span.line <= child.end:
        return False
    if own_line or span.end_line != c.span.line:
        return True
    return not c.span.source.line(c.span.line)[span.end_col - 1: c.span.col - 1].strip(" \t,")


def _place(root: _Slot, c: ast.Comment, own_line: bool) -> None:
    """Attach `c` to the innermost unit holding its line: a full-line comment leads the next unit
    (or closes its block), an end-of-line one trails its line (header, entry, statement, `}`)."""
    line, slot = c.span.line, root
    while True:
        child = next((ch for ch in reversed(slot.children) if _holds(ch, c, own_line)), None)
        if child is None:
            break
        if not child.container:
            (child.leading if own_line else child.trailing).append(c)
            return
        slot = child
    after = [ch for ch in slot.children if ch.start > line]
    if own_line:
        (after[0].leading if after else slot.inner).append(c)
    elif slot is not root and line == slot.start:
        slot.opening.append(c)
    elif slot is not root and line == slot.end and not after:
        slot.closing.append(c)
    elif slot is not root and len(after) >= len(slot.children) - slot.nhead:
        slot.trailing.append(c)  # on the header's last line, e.g. `) {`
    else:
        before = [ch for ch in slot.children if ch.end < line]
        (before[-1].trailing if before else after[0].leading if after else slot.inner).append(c)


# ---- layout --------------------------------------------------------------------------------


@dataclass
class _Line:
    depth: int
    code: str
    comment: str | None = None
    pad: int = 0  # spaces between code and comment
    align: bool = False  # a statement or list entry: its comment aligns with its neighbours'


class _Printer:
    def __init__(self) -> None:
        self.lines: list[_Line] = []

    def emit(self, depth: int, code: str, comments: Sequence[ast.Comment] = (), align: bool = False) -> None:
        """A line with its end-of-line comment; extra ones go above it (where they re-attach)."""
        for c in comments[:-1]:
            self.lines.append(_Line(depth, c.text))
        self.lines.append(_Line(depth, code, comments[-1].text if comments else None, align=align))

    def blank(self, prev: int | None, start: int) -> None:
        if prev is not None and start > prev + 1:
            self.lines.append(_Line(0, ""))

    def body(self, depth: int, slots: list[_Slot], inner: list[ast.Comment], align: bool = False) -> None:
        codes = _aligned(slots) if align else {}
        prev: int | None = None
        for slot in slots:
            for c in slot.leading:
                self.blank(prev, c.span.line)
                self.emit(depth, c.text)
                prev = max(prev or 0, c.span.line)
            self.blank(prev, slot.start)
            self.unit(depth, slot, codes.get(id(slot)))
            prev = max(prev or 0, slot.end)
        for c in inner:
            self.blank(prev, c.span.line)
            self.emit(depth, c.text)
            prev = max(prev or 0, c.span.line)

    def unit(self, depth: int, slot: _Slot, code: str | None = None) -> None:
        node = slot.node
        if not slot.container:
            self.emit(depth, code or format_simple(node), slot.trailing, align=True)
        elif isinstance(node, ast.ArchVariant):
            if not self.entries(depth, slot, f"arch {node.name} = {node.base}(", ")",
                                slot.trailing + slot.closing, force=bool(slot.inner)):
                for c in slot.inner:
                    self.emit(depth + 1, c.text)
                self.closing(depth, ")", slot.closing)
        elif isinstance(node, ast.ArchDef):
            if not self.entries(depth, slot, f"{node.kind} {node.name}(", ") {", slot.trailing):
                # Extra comments of the `) {` line go below it, where they re-attach.
                *extra, last = slot.trailing or [None]  # type: ignore[list-item]
                stmts = slot.children[slot.nhead:]
                (stmts[0].leading if stmts else slot.inner)[:0] = extra
                self.emit(depth, ") {", [last] if last else [])
            self.block(depth, slot, slot.children[slot.nhead:])
        else:
            if isinstance(node, ast.For):
                head = f"for {node.var} in {format_expr(node.lo)}..{format_expr(node.hi)} {{"
            else:
                head = "fuse " + ", ".join(fuse_clause(c) for c in node.clauses) + " {"
            self.emit(depth, head, slot.opening + slot.trailing)
            self.block(depth, slot, slot.children)

    def entries(self, depth: int, slot: _Slot, open_: str, close: str, inline_comments: list[ast.Comment],
                force: bool = False) -> bool:
        """A header with a bracketed parameter/argument list. Inline: prints it all and returns
        True. Else prints the opening line and one entry per line; the caller closes the list."""
        head = slot.children[: slot.nhead]
        inline = f"{open_}{', '.join(list_entry(h.node) for h in head)}{close}"
        commented = force or any(h.leading or h.trailing for h in head)
        if len(head) <= MAX_INLINE and len(INDENT * depth + inline) <= WIDTH and not commented:
            self.emit(depth, inline, slot.opening + inline_comments)
            return True
        self.emit(depth, open_, slot.opening)
        for h in head:
            for c in h.leading:
                self.emit(depth + 1, c.text)
            self.emit(depth + 1, list_entry(h.node) + ",", h.trailing, align=True)
        return False

    def closing(self, depth: int, code: str, comments: list[ast.Comment]) -> None:
        """A closing line; its extra end-of-line comments go above it, one level in."""
        for c in comments[:-1]:
            self.emit(depth + 1, c.text)
        self.emit(depth, code, comments[-1:])

    def block(self, depth: int, slot: _Slot, stmts: list[_Slot]) -> None:
        self.body(depth + 1, stmts, slot.inner, align=isinstance(slot.node, ast.Fuse))
        self.closing(depth, "}", slot.closing)

    def text(self) -> str:
        _align_comments(self.lines)
        out = [(INDENT * ln.depth + ln.code if ln.code else "")
               + (" " * ln.pad + ln.comment if ln.comment else "") for ln in self.lines]
        return "\n".join(out) + "\n" if out else ""


def _aligned(slots: list[_Slot]) -> dict[int, str]:
    """Column-aligned node lines for each run of consecutive node statements (no blank line)."""
    runs: list[list[_Slot]] = []
    prev: _Slot | None = None
    for s in slots:
        if not isinstance(s.node, ast.NodeStmt):
            prev = None
            continue
        lines = [*([prev.end] if prev else []), *(c.span.line for c in s.leading), s.start]
        if prev is None or any(b > a + 1 for a, b in zip(lines, lines[1:])):
            runs.append([])
        runs[-1].append(s)
        prev = s
    codes: dict[int, str] = {}
    for run in runs:
        rows = [node_cells(s.node) for s in run]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for s, row in zip(run, rows):
            last = max(i for i, cell in enumerate(row) if cell)
            cells = [cell.ljust(widths[i]) if i < last else cell
                     for i, cell in enumerate(row[: last + 1]) if widths[i]]
            codes[id(s)] = " ".join(cells)
    return codes


def _align_comments(lines: list[_Line]) -> None:
    """End-of-line comments of consecutive lines at one depth start in one column."""
    i = 0
    while i < len(lines):
        j = i
        while (j < len(lines) and lines[j].comment and lines[j].align
               and lines[j].depth == lines[i].depth):
            j += 1
        run = lines[i:max(j, i + 1)]
        col = max(len(ln.code) for ln in run) + 2
        for ln in run:
            ln.pad = col - len(ln.code) if ln.code else 0
        i = max(j, i + 1)


# ---- entry points --------------------------------------------------------------------------


def format_file(file: ast.File, comments: Sequence[ast.Comment] = ()) -> str:
    """Canonical `.arch` text for a parsed file and its comments (from `parse_with_comments`)."""
    root = _Slot(file, 1, 1 << 30, [_slot(item) for item in file.items], 0, True)
    for c in sorted(comments, key=lambda c: (c.span.line, c.span.col)):
        _place(root, c, _own_line(c, file.source))
    printer = _Printer()
    printer.body(0, root.children, root.inner)
    return printer.text()


def format_text(text: str, path: str = "<string>") -> str:
    """Parse and print `.arch` text (raises `ArchError` on a syntax error)."""
    from archdsl.syntax.parse import parse_with_comments

    return format_file(*parse_with_comments(text, path))


def strip_spans(x: Any) -> Any:
    """A comparable form of an AST without its spans (literal types kept: `1`, `1.0`, `true` differ)."""
    if isinstance(x, ast.Lit):
        return ("Lit", type(x.value).__name__, x.value, x.is_level)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__,) + tuple(strip_spans(getattr(x, f.name)) for f in dataclasses.fields(x)
                                          if not isinstance(getattr(x, f.name), (Span, Source)))
    if isinstance(x, (tuple, list)):
        return tuple(strip_spans(v) for v in x)
    return x


def same_ast(a: Any, b: Any) -> bool:
    """Whether two ASTs are equal ignoring spans (the round-trip oracle of the printer)."""
    return strip_spans(a) == strip_spans(b)
