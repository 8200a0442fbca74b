"""The interactive viewer as one self-contained HTML page: `render_html(arch)` and `diff_html(a, b)`.

The page inlines `viewer.css`, `viewer.js` (shipped beside this module) and the data of
`archdsl.render.html_model`, so it needs no network and works from a file:// URL. No TensorFlow,
no Graphviz: the layout's columns come from Python, the pixels from the page's own script.

    archdsl render spec.arch -o net.html      archdsl view spec.arch      archdsl diff a.arch b.arch -o d.html
"""

from __future__ import annotations

import html
import json
import os
from importlib.resources import files
from typing import Any

from archdsl.fileio import write_atomic
from archdsl.render import html_model

_TOOLBAR = """<input id="search" type="search" placeholder="search a name ( / ), Enter jumps" autocomplete="off">
<span id="count"></span><button id="expand-all">expand all</button><button id="collapse-all">collapse all</button>
<button id="zoom-out" title="zoom out">−</button><button id="zoom-in" title="zoom in">+</button>{extra}
<span class="hint">click a ⊞ box to open it one level, its ⊟ tab to close it; hover for details</span>"""


# Nothing may load from anywhere: the page is its own world (and works from file://).
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _asset(name: str) -> str:
    return files("archdsl.render").joinpath(name).read_text(encoding="utf-8")


def _json(value: Any) -> str:
    """JSON safe inside a <script> element (no `</script>` or `<!--` can end it early)."""
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")


def page(spec: dict[str, Any], title: str, extra: str = "", side: str = "") -> str:
    """The whole page for a viewer `spec` ({views: [{data, heading, side}], diff?})."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{html.escape(title)}</title>
<style>{_asset("viewer.css")}</style></head>
<body><header><h1>{html.escape(title)}</h1>{_TOOLBAR.format(extra=extra)}</header>
<main><div id="panes"></div><aside>{side}<h3>selected</h3>
<div id="details"><span class="empty">hover or click a box</span></div>
<h3>totals</h3><div id="totals"></div></aside></main>
<script id="archdsl-data" type="application/json">{_json(spec)}</script>
<script>{_asset("viewer.js")}</script>
</body></html>
"""


def render_html(arch) -> str:
    """`arch` as an interactive page: level lanes, groups collapsed, costs on every box."""
    return page({"views": [{"data": html_model.build(arch)}]}, f"{arch.name} · archdsl")


def diff_html(a, b, d=None) -> str:
    """Both architectures, A above B, removed / added / changed nodes coloured as `archdsl diff`
    reports them (`d`, an `archdsl.nas.diff.Diff`; computed when not given)."""
    from archdsl.nas.diff import diff

    d = diff(a, b) if d is None else d
    nodes_a = {x: ("removed", "") for x in d.removed}
    nodes_b = {y: ("added", "") for y in d.added}
    for x, y, what in d.changed:
        nodes_a[x] = ("changed", what + ("" if x == y else f" (B: {y})"))
        nodes_b[y] = ("changed", what + ("" if x == y else f" (A: {x})"))
    edges_a = {e: "removed" for e in d.edges_removed}
    edges_b = {e: "added" for e in d.edges_added}
    # The text panel is `str(d)` line for line; each line also names the side and node it is about.
    lines: list[list[str]] = [[f"- {x}", "a", x] for x in d.removed] + [[f"+ {y}", "b", y] for y in d.added]
    lines += [[f"~ {x if x == y else f'{x} -> {y}'}: {w}", "a", x] for x, y, w in d.changed]
    lines += [[f"- edge {s} -> {t}", "a", s] for s, t in d.edges_removed]
    lines += [[f"+ edge {s} -> {t}", "b", t] for s, t in d.edges_added]
    lines.append([str(d).splitlines()[-1], "", ""])
    spec = {"views": [{"data": html_model.build(a, (nodes_a, edges_a)), "side": "A", "heading": f"A: {_where(a)}"},
                      {"data": html_model.build(b, (nodes_b, edges_b)), "side": "B", "heading": f"B: {_where(b)}"}],
            "diff": lines}
    side = '<h3>differences (archdsl diff)</h3><div id="difftext"></div>'
    return page(spec, f"diff {a.name} → {b.name} · archdsl", '<button id="expand-marked">open changes</button>', side)


def _where(arch) -> str:
    return f"{arch.name} ({arch.path})" if arch.path else arch.name


def write_html(text: str, path: str | os.PathLike) -> str:
    """Write a page atomically (a failed write never leaves half a file); returns the path."""
    write_atomic(os.fspath(path), text.encode("utf-8"))
    return os.fspath(path)
