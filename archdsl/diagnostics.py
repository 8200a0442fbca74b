"""Source spans, diagnostics and the one error type users see.

Every mistake a user can make in a spec ends as a `Diagnostic`: a severity, a one-line message, the
`Span` it points at (or, for generated graphs, the node it names), an optional hint and secondary
notes ("first input defined here"). `ArchError` carries all the diagnostics of a failed run, so a
user fixes every independent error in one edit. Rendering follows rustc/xDSL: `file:line:col`, the
source line, carets under the span. Control characters in a spec (an ANSI escape, a NUL) are
shown escaped (`\\x1b`), never written to the user's terminal.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


@dataclass(frozen=True, slots=True)
class Source:
    """The text of one spec file; spans point into it."""

    path: str
    text: str

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based, end-exclusive region of a `Source` (columns as Lark counts them)."""

    source: Source = field(compare=False, repr=False)
    line: int
    col: int
    end_line: int
    end_col: int

    @property
    def path(self) -> str:
        return self.source.path

    def __str__(self) -> str:
        return f"{self.source.path}:{self.line}:{self.col}"

    @classmethod
    def of_token(cls, source: Source, tok: Any) -> Span:
        """The span of a Lark token (whose positions are optional in Lark's types)."""
        line, col = tok.line or 1, tok.column or 1
        return cls(source, line, col, tok.end_line or line, tok.end_column or col + 1)


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # expected and harmless: shown with `--table` or `-v` only


@dataclass(frozen=True, slots=True)
class Note:
    """A secondary location that explains the primary one."""

    message: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One located message about a spec."""

    message: str
    span: Span | None = None
    hint: str | None = None
    notes: tuple[Note, ...] = ()
    severity: Severity = Severity.ERROR
    node: str | None = None  # names the node when there is no span (generated graphs)

    def render(self) -> str:
        head = f"{self.severity.value}: {visible(self.message)}"
        if self.span is None and self.node is not None:
            head += f" (node `{self.node}`)"
        parts = [head]
        if self.span is not None:
            parts.append(_excerpt(self.span))
        for note in self.notes:
            parts.append(f"note: {visible(note.message)}")
            if note.span is not None:
                parts.append(_excerpt(note.span))
        if self.hint:
            parts.append(f"  = hint: {visible(self.hint)}")
        return "\n".join(parts)


_WIDE = 160  # longest source line shown in full in a diagnostic


def _excerpt(span: Span) -> str:
    """The located source line with carets under the span (first line of a multi-line span)."""
    text = span.source.line(span.line)
    number = str(span.line)
    pad = " " * len(number)
    end = span.end_col if span.end_line == span.line else len(text) + 1
    col = span.col
    if len(text) > _WIDE:  # a very long line: show a window around the span, not the whole line
        start = max(0, col - 1 - _WIDE // 4)
        stop = min(len(text), start + _WIDE)
        shift = start - (3 if start else 0)
        text = ("..." if start else "") + text[start:stop] + ("..." if stop < len(text) else "")
        col, end = col - shift, min(end - shift, len(text) + 1)
    # Control bytes (an ANSI escape, a NUL) are shown escaped, never sent to the terminal; the
    # carets follow the escaped text. Tabs are kept so the caret line aligns in a terminal.
    shown = [visible(ch) for ch in text]
    lead = "".join("\t" if ch == "\t" else " " * len(ch) for ch in shown[: col - 1])
    width = max(1, sum(len(ch) for ch in shown[col - 1: end - 1]))
    return (
        f"{pad}--> {visible(str(span))}\n"
        f"{pad} |\n"
        f"{number} | {''.join(shown)}\n"
        f"{pad} | {lead}{'^' * width}"
    )


def visible(text: str) -> str:
    """`text` with non-printable characters (tab and newline kept) as `\\x1b`-style escapes."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in "\t\n" else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


class ArchError(Exception):
    """A spec (or a generated graph) is invalid; carries every diagnostic found."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        # In source order, so a user reads them top to bottom (stable: unlocated ones keep order).
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(diagnostics, key=_position))
        super().__init__(self.render())

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    def render(self) -> str:
        errors = len(self.errors)
        body = "\n\n".join(d.render() for d in self.diagnostics)
        summary = f"{errors} error{'s' if errors != 1 else ''}"
        return f"{body}\n\n{summary}" if errors > 1 else body

    def __str__(self) -> str:
        return self.render()


def _position(d: Diagnostic) -> tuple:
    return (1, "", 0, 0) if d.span is None else (0, d.span.path, d.span.line, d.span.col)


def error(message: str, span: Span | None = None, *, hint: str | None = None,
          notes: Iterable[Note] = (), node: str | None = None) -> Diagnostic:
    return Diagnostic(message, span, hint, tuple(notes), Severity.ERROR, node)


def warning(message: str, span: Span | None = None, *, hint: str | None = None,
            notes: Iterable[Note] = (), node: str | None = None) -> Diagnostic:
    return Diagnostic(message, span, hint, tuple(notes), Severity.WARNING, node)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean `x`?" hint for the closest candidate, or None if nothing is close."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def raise_if_errors(diagnostics: Sequence[Diagnostic]) -> None:
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise ArchError(list(diagnostics))
