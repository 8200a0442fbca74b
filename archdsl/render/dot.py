"""Write a placed `Diagram` as Graphviz DOT: one horizontal lane per level, data flowing left to right.

The picture follows the SpineNet paper's figure: each level is a lane (a cluster drawn as a band,
finest level on top, captioned `L3 / stride 8` on the left), and the stages (input, backbone,
decoder, head, or stem, body, endpoints) are dashed vertical frames captioned on top. Positions
come from `archdsl.render.layout`; the DOT pins them (`pos="x,y!"`, cluster `bb`s) and is laid out
by `neato -n`, which only routes the edges, so lanes are exact bands and never overlap. (Plain
`dot` on the file also works through `layout=neato`, with Graphviz recomputing cluster frames.)

Sections are told apart by fill colour, explained by a legend; outputs get a bold border and a
darker fill (model outputs the boldest); orphan edges are dashed red; level-changing edges carry
their resample factor (↓×4, ↑×2); a weight-sharing group is one box in a last `shared` lane, with
one labelled edge per level it serves.
"""

from __future__ import annotations

import html

import graphviz

from archdsl.render.layout import Layout, place, text_width
from archdsl.render.model import SECTIONS, Box, Diagram

FONT = "DejaVu Sans"
FILL = {"input": "#eeeeee", "stem": "#e4e4e4", "body": "#d6e6f5", "decoder": "#dcefd2", "head": "#fbe3cf"}
OUTPUT_FILL = {"decoder": "#8fcf6c", "head": "#f29a5c", "body": "#7fb2e5", "stem": "#b8b8b8", "input": "#cccccc"}
LANE_FILL = ("#fafafa", "#eeeeee")
EDGE_LABEL_COLOR = "#1f4e79"


def lane_id(level: int | None) -> str:
    """Cluster name of a lane; also what tests look up in the SVG."""
    return "cluster_shared" if level is None else f"cluster_L{level}"


def _font_size(detail: str) -> float:
    return 9.0 if detail == "layers" else 10.0


def _label(box: Box, detail: str) -> str:
    lines = box.lines()
    body = [f"<b>{html.escape(lines[0])}</b>"] + [html.escape(x) for x in lines[1:]]
    return f'<<font point-size="{_font_size(detail):g}">' + "<br/>".join(body) + "</font>>"


def _node_attrs(box: Box, detail: str, x: float, y: float, w: float, h: float) -> dict[str, str]:
    attrs = {"label": _label(box, detail), "fillcolor": FILL[box.section], "pos": f"{x:.1f},{y:.1f}!",
             "width": f"{w / 72:.3f}", "height": f"{h / 72:.3f}"}
    if box.output == "model":
        attrs.update(penwidth="3", fillcolor=OUTPUT_FILL[box.section], color="#222222")
    elif box.output == "feature":
        attrs.update(penwidth="2")
    if box.lane is None:
        attrs["style"] = "rounded,filled,dashed" if not box.output else "rounded,filled,bold"
    return attrs


def _bb(left: float, top: float, right: float, bottom: float, height: float) -> str:
    """A Graphviz bounding box (lower-left, upper-right; y up) from top-down coordinates."""
    return f"{left:.1f},{height - bottom:.1f},{right:.1f},{height - top:.1f}"


def to_digraph(d: Diagram, detail: str = "blocks") -> graphviz.Digraph:
    """The Graphviz digraph of a diagram, every node and frame placed (see the module docstring)."""
    size = _font_size(detail)
    legend, legend_size = _legend(d)
    lay = place(d, size, legend_size)
    H = lay.height

    dot = graphviz.Digraph(d.name,
                           graph_attr={
        "layout": "neato", "inputscale": "72", "notranslate": "true",
        # routing around boxes costs a minute at layer detail; there, edges mostly join stacked layers
        "splines": "true" if detail == "blocks" else "false",
        "bb": f"0,0,{lay.width:.1f},{H:.1f}", "fontname": FONT, "labelloc": "t", "fontsize": "16",
        "label": f"{d.name}  ({detail})", "outputorder": "edgesfirst", "pad": "0.2"})
    dot.attr("node", shape="box", style="rounded,filled", fontname=FONT, margin="0.06,0.03", color="#555555",
             fixedsize="false")
    dot.attr("edge", fontname=FONT, fontsize="9", color="#666666", arrowsize="0.6")

    for stage, left, right in lay.stages:  # dashed frames behind everything, captioned on top
        with dot.subgraph(name=f"cluster_stage_{_safe(stage)}") as frame:
            frame.attr(bb=_bb(left, 4.0, right, lay.lanes[lay.lane_order[-1]][1] + 4.0, H), label=stage,
                       lp=f"{(left + right) / 2:.1f},{H - 16.0:.1f}", style="dashed", color="#888888",
                       fontsize="13", fontcolor="#333333")
    lanes: dict[int | None, list[Box]] = {}
    for box in d.boxes.values():
        lanes.setdefault(box.lane, []).append(box)
    for i, level in enumerate(lay.lane_order):
        top, bottom = lay.lanes[level]
        with dot.subgraph(name=lane_id(level)) as lane:
            lane.attr(bb=_bb(4.0, top, lay.width - 4.0, bottom, H), label=_caption(level),
                      lp=f"38,{H - (top + bottom) / 2:.1f}", style="filled", color="#d4d4d4",
                      fillcolor=LANE_FILL[i % 2], fontsize="12", labeljust="l")
            _fill_lane(lane, lanes[level], d, lay, detail)

    for link in d.links:
        attrs = {"label": link.label} if link.label else {}
        if link.orphan:
            attrs.update(style="dashed", color="#c0392b", fontcolor="#c0392b", penwidth="1.5")
        elif link.label.startswith(("↑", "↓")):
            attrs.update(fontcolor=EDGE_LABEL_COLOR)
        elif link.label:
            attrs.update(fontcolor="#8a4b14")
        dot.edge(link.src, link.dst, **attrs)
    lx, ly = lay.legend
    dot.node("legend", legend, shape="plaintext", style="", fontsize="9",
             pos=f"{lx + legend_size[0] / 2:.1f},{H - ly - legend_size[1] / 2:.1f}!")
    return dot


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _caption(level: int | None) -> str:
    return "shared\nweights" if level is None else f"L{level}\nstride {2 ** level}"


def _fill_lane(lane: graphviz.Digraph, boxes: list[Box], d: Diagram, lay: Layout, detail: str) -> None:
    H = lay.height
    clusters: dict[str | None, list[Box]] = {}
    for box in boxes:
        clusters.setdefault(box.cluster, []).append(box)
    for cluster, members in clusters.items():
        if cluster is None or cluster not in lay.cells:
            for box in members:
                lane.node(box.id, **_node_attrs(box, detail, *_flip(lay.pos[box.id], H)))
            continue
        caption, left, top, right, bottom = lay.cells[cluster]
        with lane.subgraph(name=f"cluster_{cluster}") as sub:
            sub.attr(label=caption, bb=_bb(left, top, right, bottom, H),
                     lp=f"{(left + right) / 2:.1f},{H - top - 9:.1f}", fontsize="9", style="rounded,dashed",
                     color="#999999")
            for box in members:
                sub.node(box.id, **_node_attrs(box, detail, *_flip(lay.pos[box.id], H)))


def _flip(p: tuple[float, float, float, float], H: float) -> tuple[float, float, float, float]:
    x, y, w, h = p
    return x, H - y, w, h


def _legend(d: Diagram) -> tuple[str, tuple[float, float]]:
    """One row: the section fills in use, then the output, edge and label conventions."""
    names = dict(SECTIONS, body="scale-permuted body" if d.fused else "backbone")
    used = [s for s in SECTIONS if any(b.section == s for b in d.boxes.values())]
    items = [(f'<td bgcolor="{FILL[s]}" border="1">   </td>', names[s]) for s in used]
    # Only what this diagram draws: a ResNet has no orphan edges and no fuse-section outputs.
    if any(b.output for b in d.boxes.values()):
        items.append(('<td border="2">   </td>', "output (⇒ model output)"))
    if any(link.orphan for link in d.links):
        items.append(('<td><font color="#c0392b">- - -</font></td>', "orphan edge"))
    if any(link.label for link in d.links):
        items.append((f'<td><font color="{EDGE_LABEL_COLOR}">↓×4 ↑×2</font></td>', "scale change between levels"))
    if any(b.lane is None for b in d.boxes.values()):
        items.append(('<td><font color="#8a4b14">L3</font></td>', "level served by a shared box"))
    cells = "".join(f'{mark}<td align="left">{html.escape(text)}</td><td>   </td>' for mark, text in items)
    table = (f'<<table border="0" cellspacing="2" cellpadding="2"><tr><td><b>legend</b></td><td> </td>{cells}'
             '</tr></table>>')
    width = sum(text_width(text, 9) + 50.0 for _, text in items) + 60.0
    return table, (width, 24.0)
