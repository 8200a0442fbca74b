"""Turn DOT text into a file: the format follows the extension, the write is guarded and atomic.

`.dot` needs nothing but Python. The other formats run Graphviz (`neato -n`) through the
`graphviz` package; when it is missing, `GraphvizMissing` carries a one-line fix. Every diagram
carries a marker in a place its format reserves for such things (a `//` comment line in DOT, an XML
comment in SVG, a `tEXt` chunk in PNG, a comment before PDF's `%%EOF`), so a later render may
replace a diagram archdsl drew and refuses any other file (`archdsl.fileio.check_target`). Output
goes to a temporary file in the target's directory and is moved into place with `os.replace`.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path

import graphviz

from archdsl.fileio import Artifact, head, tail, write_atomic

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot"}
INSTALL_HINT = ("Graphviz's `dot` executable was not found; install Graphviz (e.g. `apt-get install graphviz` "
                "or `brew install graphviz`) or write a .dot file instead")
MARK = b"archdsl render"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR_END = len(_PNG_SIGNATURE) + 25  # IHDR, always the first chunk, is 13 data bytes + 12 framing
_PNG_CHUNK = struct.pack(">I", len(b"Software\0" + MARK)) + b"tEXt" + b"Software\0" + MARK + struct.pack(
    ">I", zlib.crc32(b"tEXtSoftware\0" + MARK))


class GraphvizMissing(RuntimeError):
    """Rendering needs Graphviz's `dot` executable and it is not installed (or not on PATH)."""


def format_of(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ValueError(f"cannot tell the format of {path!r}: use one of {', '.join(FORMATS)}")
    return FORMATS[ext]


def pipe(source: str, fmt: str) -> bytes:
    """Run `neato -n -T<fmt>` on `source`: the DOT carries every position (see `archdsl.render.dot`),
    Graphviz routes the edges."""
    try:
        return graphviz.pipe("neato", fmt, source.encode("utf-8"), neato_no_op=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(INSTALL_HINT) from None


def mark(data: bytes, fmt: str) -> bytes:
    """`data` with archdsl's marker added where `fmt` allows a comment."""
    if fmt == "dot":
        return b"// " + MARK + b"\n" + data
    if fmt == "svg":  # after the XML declaration, which must stay first
        first, _, rest = data.partition(b"\n")
        return first + b"\n<!-- " + MARK + b" -->\n" + rest
    if fmt == "png":
        return data[:_IHDR_END] + _PNG_CHUNK + data[_IHDR_END:]
    end = data.rstrip().rfind(b"%%EOF")  # pdf: a comment line is allowed anywhere whitespace is
    return data[:end] + b"%" + MARK + b"\n" + data[end:]


def marked(path: Path) -> bool:
    """Whether `path` is a diagram archdsl wrote, in the format its extension names."""
    fmt = format_of(str(path))
    if fmt == "dot":
        return head(path, 64).startswith(b"// " + MARK + b"\n")
    if fmt == "svg":
        return head(path, 512).split(b"\n")[1:2] == [b"<!-- " + MARK + b" -->"]
    if fmt == "png":
        start = head(path, _IHDR_END + len(_PNG_CHUNK))
        return start.startswith(_PNG_SIGNATURE) and start[_IHDR_END:] == _PNG_CHUNK
    return b"\n%" + MARK + b"\n%%EOF" in tail(path, 64)


DIAGRAM = Artifact("diagram archdsl drew", marked)


def write(source: str, path: str, inputs: Iterable[str] = ()) -> str:
    """Write `source` rendered in the format of `path`'s extension; guarded (never over a file
    archdsl did not draw, nor over one of `inputs`) and atomic."""
    fmt = format_of(path)
    data = source.encode("utf-8") if fmt == "dot" else pipe(source, fmt)
    write_atomic(path, mark(data, fmt), DIAGRAM, inputs)
    return path
