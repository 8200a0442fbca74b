"""Turn DOT text into a file: the format follows the extension, the write is atomic.

`.dot` needs nothing but Python. The other formats run Graphviz (`neato -n`) through the
`graphviz` package; when it is missing, `GraphvizMissing` carries a one-line fix. Output goes to a
temporary file in the target's directory and is moved into place with `os.replace`, so a failed
render never leaves a half-written file.
"""

from __future__ import annotations

import os

import graphviz

from archdsl.fileio import write_atomic

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot"}
INSTALL_HINT = ("Graphviz's `dot` executable was not found; install Graphviz (e.g. `apt-get install graphviz` "
                "or `brew install graphviz`) or write a .dot file instead")


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


def write(source: str, path: str) -> str:
    """Write `source` rendered in the format of `path`'s extension; atomically."""
    fmt = format_of(path)
    data = source.encode("utf-8") if fmt == "dot" else pipe(source, fmt)
    write_atomic(path, data)
    return path

