"""Parse `.arch` text into the AST (`archdsl.syntax.ast`), turning every Lark error into an `ArchError`.

The grammar is `grammars/archdsl.lark` in a checkout and `archdsl/grammars/archdsl.lark` in an
installed wheel. Newlines end statements; a small post-lexer drops the ones inside brackets and
after tokens that continue a line, so the grammar stays LALR and simple. No Lark type or exception
leaves this module. Nothing here recurses on the input's nesting (the Transformer is Lark's
non-recursive one), and the limits on line length, bracket nesting and expression depth
(`archdsl.limits`) are checked on the way, so later stages that do recurse get bounded trees.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from archdsl.diagnostics import ArchError, Source, Span, error
from archdsl.limits import DEFAULT, Limits
from archdsl.syntax import ast
from archdsl.syntax.to_ast import ToAst

_HERE = Path(__file__).resolve().parent.parent
GRAMMAR_CANDIDATES = (_HERE / "grammars" / "archdsl.lark", _HERE.parent / "grammars" / "archdsl.lark")

# Tokens after which a newline does not end the statement.
_CONTINUES = {"{", ",", "->", "<-", "="}


class _TooDeep(Exception):
    """Raised by the post-lexer at the bracket that nests too deep (located in `_parse`)."""

    def __init__(self, tok: Token):
        super().__init__()
        self.tok = tok


def grammar_path() -> Path:
    for path in GRAMMAR_CANDIDATES:
        if path.is_file():
            return path
    raise FileNotFoundError("archdsl.lark not found in the package or the checkout")


class _Lines:
    """Post-lexer: newlines end statements except inside brackets or after a continuing token."""

    always_accept = ("_NL",)

    def __init__(self, max_nesting: int = DEFAULT.max_nesting):
        self.max_nesting = max_nesting

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        # Open brackets, innermost last: "(" and "[", "{" for a body, "rec" for `return { ... }` and
        # the records nested in it (`attributes: {depth: depth}`).
        stack: list[str] = []
        prev, last = None, None
        for tok in stream:
            inside = bool(stack) and stack[-1] != "{"
            if tok.type == "_NL":
                if inside or prev is None or prev == "_NL" or prev in _CONTINUES:
                    continue
            elif tok.type != "STRING" and tok.value in ("(", "[", "{"):
                if len(stack) >= self.max_nesting:
                    raise _TooDeep(tok)
                rec = tok.value == "{" and (prev == "return" or bool(stack) and stack[-1] == "rec")
                stack.append("rec" if rec else tok.value)
            elif tok.type != "STRING" and tok.value in (")", "]", "}"):
                kind = stack.pop() if stack else None
                if kind == "{" and prev not in (None, "_NL", "{"):
                    yield Token.new_borrow_pos("_NL", "\n", tok)  # a body's last statement ends here
            yield tok
            prev = "_NL" if tok.type == "_NL" else tok.value
            last = tok
        if last is not None and prev != "_NL":
            yield Token.new_borrow_pos("_NL", "\n", last)


@functools.lru_cache(maxsize=4)
def _parser(max_nesting: int = DEFAULT.max_nesting) -> Lark:
    return Lark(grammar_path().read_text(), parser="lalr", postlex=_Lines(max_nesting),
                propagate_positions=True, maybe_placeholders=True,
                cache=True)  # the LALR tables, keyed by the grammar's hash: saves ~0.1 s per run


def parse(text: str, path: str = "<string>", limits: Limits = DEFAULT) -> ast.File:
    """Parse spec text. Raises `ArchError` with a located syntax diagnostic."""
    source = Source(path, text)
    _check_lines(source, limits.max_line_chars)
    return _parse(_parser(limits.max_nesting), text, source, limits.max_nesting)


def _check_lines(source: Source, max_chars: int) -> None:
    if len(source.text) <= max_chars:
        return
    for number, line in enumerate(source.text.split("\n"), start=1):
        if len(line) > max_chars:
            raise ArchError(error(f"line {number} is {len(line):,} characters long, more than the limit of "
                                  f"{max_chars:,}", Span(source, number, max_chars + 1, number, max_chars + 2),
                                  hint="break it after `,`, `->` or `<-` (the limit is max_line_chars, "
                                  "--max-line-chars)"))


# The comment-collecting parser's lexer callback appends to this list; the lock keeps concurrent
# callers from sharing it.
_comment_tokens: list[Token] = []
_comment_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _comment_parser() -> Lark:
    return Lark(grammar_path().read_text(), parser="lalr", postlex=_Lines(),
                propagate_positions=True, maybe_placeholders=True,
                lexer_callbacks={"COMMENT": _comment_tokens.append})


def parse_with_comments(text: str, path: str = "<string>") -> tuple[ast.File, list[ast.Comment]]:
    """Parse spec text and also return its comments in source order (for the printer)."""
    source = Source(path, text)
    _check_lines(source, DEFAULT.max_line_chars)
    with _comment_lock:
        _comment_tokens.clear()
        try:
            file = _parse(_comment_parser(), text, source)
            toks = list(_comment_tokens)
        finally:
            _comment_tokens.clear()
    comments = [ast.Comment(str(t).rstrip(), Span.of_token(source, t)) for t in toks]
    return file, comments


def _parse(parser: Lark, text: str, source: Source, max_nesting: int = DEFAULT.max_nesting) -> ast.File:
    try:
        tree = parser.parse(text)
        return ToAst(source, max_nesting).transform(tree)
    except UnexpectedInput as exc:
        raise ArchError(_syntax_error(exc, source)) from None
    except _TooDeep as exc:
        t = exc.tok
        at = Span.of_token(source, t)
        where = Span(source, at.line, at.col, at.line, at.col + 1)
        raise ArchError(error(f"brackets nest deeper than {max_nesting}", where,
                              hint="the limit is max_nesting (--max-nesting)")) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, ArchError):
            raise exc.orig_exc from None
        raise


def _syntax_error(exc: UnexpectedInput, source: Source):
    line, col = max(exc.line or 1, 1), max(exc.column or 1, 1)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        char = source.text[pos] if pos is not None and pos < len(source.text) else "?"
        return error(f"unexpected character `{char}`", Span(source, line, col, line, col + 1))
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        end_line = max(1, len(source.text.splitlines()))
        end_col = len(source.line(end_line)) + 1
        return error("unexpected end of file", Span(source, end_line, end_col, end_line, end_col + 1),
                     hint=f"expected {_expected(exc)}" if _expected(exc) else None)
    tok: Any = getattr(exc, "token", "")
    shown = "end of line" if tok.type == "_NL" else f"`{tok}`"
    width = 1 if tok.type == "_NL" else max(1, len(str(tok)))
    return error(f"unexpected {shown}", Span(source, line, col, line, col + width),
                 hint=f"expected {_expected(exc)}" if _expected(exc) else None)


_WORDS = {"NAME": "a name", "INT": "an integer", "FLOAT": "a number", "STRING": "a string",
          "LEVEL": "a level such as L3", "KERNEL": "a kernel size such as 3x3", "_NL": "end of line",
          "OUTPUT": "`output`"}


def _expected(exc: UnexpectedInput) -> str:
    names = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or set()
    words = []
    for name in names:
        if name in _WORDS:
            words.append(_WORDS[name])
            continue
        try:
            pattern = _parser().get_terminal(name).pattern
        except KeyError:
            continue
        if pattern.type == "str":
            words.append(f"`{pattern.value}`")
    words = sorted(set(words))
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
