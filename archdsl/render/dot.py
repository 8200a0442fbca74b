"""Lay a `Diagram` out as a Graphviz digraph: one horizontal lane per level, data flowing left to right.

The picture follows the SpineNet paper's figure. Each level is a cluster (a lane), finest level on
top; boxes are ranked left to right by data flow (rankdir LR), and an invisible node with
`ordering=out` pins the lanes' vertical order through its edges to the lane captions. Invisible heavy
edges between consecutive boxes of a lane keep it one straight row in definition order. Sections
(stem, body, decoder, head) are told apart by fill colour, explained by a legend; outputs get a bold
border (model outputs also a darker fill); orphan edges are dashed red. Shared boxes (one per weight-
sharing group) sit in a last lane of their own. Layout runs in Graphviz, not here., explained by a legend; outputs get a bold border (model outputs also a darker fill).
"""

from __future__ import annotations

import html

import graphviz

from archdsl.render.model import SECTIONS, Box, Diagram

FONT = "DejaVu Sans"
FILL = {"input": "#eeeeee", "stem": "#e4e4e4", "body": "#d6e6f5", "decoder": "#dcefd2", "head": "#fbe3cf"}
OUTPUT_FILL = {"decoder": "#a9d68f", "head": "#f5b482", "body": "#9cc3e8", "stem": "#c8c8c8", "input": "#cccccc"}
LANE_FILL = ("#fbfbfb", "#f3f3f3")


def lane_id(level: int | None) -> str:
    """Cluster name of a lane; also what tests look up in the SVG."""
    return "cluster_shared" if level is None else f"cluster_L{level}"


def _label(box: Box, detail: str) -> str:
    levels = ", ".join(f"L{level}" for level in box.levels)
    lines = [f"<b>{html.escape(box.title)}</b>", html.escape(box.kind), html.escape(f"{levels} · {box.shape}")]
    size = 9 if detail == "layers" else 10
    return f'<<font point-size="{size}">' + "<br/>".join(lines) + "</font>>"


def _node_attrs(box: Box, detail: str) -> dict[str, str]:
    # `group` makes dot keep a lane's boxes on one straight row
    attrs = {"label": _label(box, detail), "fillcolor": FILL[box.section], "group": lane_id(box.lane)}
    if box.output == "model":
        attrs.update(penwidth="2.5", fillcolor=OUTPUT_FILL[box.section])
    elif box.output == "feature":
        attrs.update(penwidth="2")
    if box.lane is None:
        attrs["style"] = "rounded,filled,dashed" if not box.output else "rounded,filled,bold"
    return attrs


def to_digraph(d: Diagram, detail: str = "blocks") -> graphviz.Digraph:
    """The Graphviz digraph of a diagram (no layout is run here)."""
    dot = graphviz.Digraph(d.name, graph_attr={
        "rankdir": "LR", "newrank": "true", "nodesep": "0.18", "ranksep": "0.35", "fontname": FONT,
        "labelloc": "t", "label": f"{d.name}  ({detail})", "fontsize": "16", "outputorder": "edgesfirst"})
    dot.attr("node", shape="box", style="rounded,filled", fontname=FONT, margin="0.08,0.04", color="#555555")
    dot.attr("edge", fontname=FONT, fontsize="9", color="#666666", arrowsize="0.6")

    lanes: dict[int | None, list[Box]] = {}
    for box in d.boxes.values():
        lanes.setdefault(box.lane, []).append(box)
    order = sorted((k for k in lanes if k is not None)) + ([None] if None in lanes else [])

    captions, tails = [], []
    for i, level in enumerate(order):
        with dot.subgraph(name=lane_id(level)) as lane:
            lane.attr(label="", style="filled", color="#dddddd", fillcolor=LANE_FILL[i % 2], margin="6")
            caption, tail = f"lane {_lane_name(level)}", f"lane {_lane_name(level)} end"
            lane.node(caption, _caption(level), shape="plaintext", style="", fontsize="12", group=lane_id(level))
            lane.node(tail, "", shape="point", style="invis", width="0", group=lane_id(level))
            _fill_lane(lane, lanes[level], d, detail)
            # caption, boxes, tail: one straight row spanning the whole width
            lane.edge(caption, lanes[level][0].id, style="invis", weight="8")
            lane.edge(lanes[level][-1].id, tail, style="invis", weight="8")
        captions.append(caption)
        tails.append(tail)
    # Lane order: `ordering=out` keeps the captions in the order of this node's out-edges. (Flat
    # edges between nodes of different clusters do not order the clusters.)
    dot.node("lanes", "", shape="point", style="invis", width="0", ordering="out")
    for caption in captions:
        dot.edge("lanes", caption, style="invis")
    for row in (captions, tails):
        with dot.subgraph() as same:
            same.attr(rank="same")
            for name in row:
                same.node(name)

    for link in d.links:
        attrs = {"label": link.label} if link.label else {}
        if link.orphan:
            attrs.update(style="dashed", color="#c0392b", fontcolor="#c0392b")
        elif link.label.startswith(("↑", "↓")):
            attrs.update(fontcolor="#1f4e79")
        dot.edge(link.src, link.dst, **attrs)
    _legend(dot, d)
    return dot


def _lane_name(level: int | None) -> str:
    return "shared" if level is None else f"L{level}"


def _caption(level: int | None) -> str:
    return "shared\nweights" if level is None else f"L{level}\nstride {2 ** level}"


def _fill_lane(lane: graphviz.Digraph, boxes: list[Box], d: Diagram, detail: str) -> None:
    clusters: dict[str | None, list[Box]] = {}
    for box in boxes:
        clusters.setdefault(box.cluster, []).append(box)
    for cluster, members in clusters.items():
        if cluster is None:
            for box in members:
                lane.node(box.id, **_node_attrs(box, detail))
            continue
        with lane.subgraph(name=f"cluster_{cluster}") as sub:
            sub.attr(label=d.clusters[cluster], fontsize="9", style="rounded,dashed", color="#999999")
            for box in members:
                sub.node(box.id, **_node_attrs(box, detail))
    # Keep the lane one straight row in data-flow (definition) order.
    linked = {(x.src, x.dst) for x in d.links}
    for a, b in zip(boxes, boxes[1:]):
        if (a.id, b.id) not in linked:
            lane.edge(a.id, b.id, style="invis", weight="8")


def _legend(dot: graphviz.Digraph, d: Diagram) -> None:
    used = [s for s in SECTIONS if any(b.section == s for b in d.boxes.values())]
    rows = "".join(f'<tr><td bgcolor="{FILL[s]}" border="1"> </td><td align="left">{SECTIONS[s]}</td></tr>'
                   for s in used)
    rows += ('<tr><td border="2"> </td><td align="left">output (bold)</td></tr>'
             '<tr><td> </td><td align="left"><font color="#c0392b">- - orphan edge</font></td></tr>'
             '<tr><td> </td><td align="left"><font color="#1f4e79">↓×4 ↑×2 resample</font></td></tr>')
    table = f'<<table border="0" cellspacing="2" cellpadding="2"><tr><td colspan="2"><b>legend</b></td></tr>{rows}</table>>'
    dot.node("legend", table, shape="plaintext", style="", fontsize="9")
