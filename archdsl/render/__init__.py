"""Graphviz diagrams of an `Arch`: `render_dot` (DOT text, needs no Graphviz install) and `render`
(a file whose format follows its extension: .svg, .png, .pdf or .dot); `render_html` and
`diff_html`, the interactive viewer as one self-contained page (`archdsl.render.html`).

    archdsl.render_dot(arch)                            # DOT source, one box per statement
    archdsl.render.render(arch, "net.png", detail="layers")

`model` turns the IR into boxes and links, `dot` lays them out in level lanes, `output` writes files
atomically and explains a missing `dot` executable.
"""

from __future__ import annotations

import os

from archdsl.render.dot import to_digraph
from archdsl.render.html import diff_html, render_html
from archdsl.render.model import DETAILS, Diagram, build
from archdsl.render.output import FORMATS, GraphvizMissing, write

__all__ = ["render_dot", "render", "svg", "render_html", "diff_html", "DETAILS", "FORMATS", "GraphvizMissing",
           "Diagram", "build"]


def render_dot(arch, detail: str = "blocks") -> str:
    """The DOT source of `arch`'s diagram at `detail` ('blocks' or 'layers')."""
    return to_digraph(build(arch, detail), detail).source


def render(arch, path: str | os.PathLike, detail: str = "blocks") -> str:
    """Write `arch`'s diagram to `path` (format from the extension); returns the path written.
    Raises ValueError for an unknown extension, GraphvizMissing when `dot` is needed but absent."""
    return write(render_dot(arch, detail), os.fspath(path))


def svg(arch, detail: str = "blocks") -> str:
    """The diagram as SVG text (needs Graphviz's `dot`)."""
    from archdsl.render.output import pipe

    return pipe(render_dot(arch, detail), "svg").decode("utf-8")
