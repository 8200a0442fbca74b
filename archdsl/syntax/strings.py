"""String literals: the language's escapes, decoded with a located error for anything else.

A string is UTF-8 text between double quotes on one line. Its escapes are `\\"`, `\\\\`, `\\n`,
`\\t`, `\\r`, `\\xHH` (two hex digits) and `\\uXXXX` (four hex digits, not a surrogate); any
other backslash sequence is an error pointing at it. Text without a backslash is taken as
written, so `"é"` stays `"é"` and the printer's `quote` reads back to the same value.
"""

from __future__ import annotations

from archdsl.diagnostics import ArchError, Source, Span, error

_SIMPLE = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
_HEX_DIGITS = {"x": 2, "u": 4}
_HEX = set("0123456789abcdefABCDEF")
ESCAPES_HELP = 'escapes are \\" \\\\ \\n \\t \\r \\xHH and \\uXXXX'


def unescape(body: str, source: Source, line: int, col: int) -> str:
    """Decode the text between the quotes; `line`/`col` locate its first character."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        out.append(_escape(body, i, source, line, col))
        i += 2 + _HEX_DIGITS.get(body[i + 1], 0) if i + 1 < len(body) else 1
    return "".join(out)


def _escape(body: str, i: int, source: Source, line: int, col: int) -> str:
    kind = body[i + 1] if i + 1 < len(body) else ""
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    digits = _HEX_DIGITS.get(kind)
    if digits is None:
        shown = f"\\{kind}" if kind.isprintable() and kind else "\\"
        _fail(f"unknown escape `{shown}` in a string", source, line, col + i, 2)
    assert digits is not None
    text = body[i + 2: i + 2 + digits]
    if len(text) != digits or not set(text) <= _HEX:
        _fail(f"`\\{kind}` needs {digits} hex digits", source, line, col + i, 2 + len(text))
    code = int(text, 16)
    if 0xD800 <= code <= 0xDFFF:
        _fail(f"`\\{kind}{text}` is a UTF-16 surrogate, not a character", source, line, col + i, 2 + digits)
    return chr(code)


def _fail(message: str, source: Source, line: int, col: int, width: int) -> None:
    raise ArchError(error(message, Span(source, line, col, line, col + width), hint=ESCAPES_HELP))
