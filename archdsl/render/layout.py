"""Where every box goes, computed here in plain Python, so lanes cannot overlap whatever the graph.

The picture is a grid. Rows are level lanes (finest on top, one row of boxes each; a last `shared`
lane may hold several rows); columns follow data flow: a cell's column is one past the columns of
everything feeding it and of the cell before it in its lane, and each stage (input, backbone,
decoder, head; or stem, body, endpoints for a bare backbone) starts in a fresh column, so the
stages read as vertical bands. A cell is one box (blocks view) or a statement's layers (layers
view) stacked top to bottom in sub-columns of at most `MAX_ROWS`. Graphviz then only draws: the
DOT carries pinned positions and cluster bounding boxes and is laid out by `neato -n`, which keeps
them and routes the edges around the boxes.

Sizes are in points (1/72 inch) with y growing downward; `dot` flips y when it writes the DOT.
Box sizes are estimated from DejaVu Sans advance widths, a little generously, so that the boxes
Graphviz sizes from their labels never touch.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from archdsl.render.model import Box, Diagram

COL_GAP = 44.0  # between columns: room for an edge label
STAGE_GAP = 28.0  # extra space where a stage starts
SUB_GAP = 10.0  # between sub-columns of a cell
ROW_GAP = 9.0  # between stacked layers of a cell
LANE_PAD = 9.0  # above and below a lane's row(s)
CAPTION_W = 74.0  # the lane captions' column
HEADER_H = 30.0  # stage captions above the lanes
CELL_CAPTION_H = 15.0  # a layers-view cell's caption
MAX_ROWS = 12  # layers view: a sub-column wraps after this many layers
LINE_H = 1.25  # line height in font sizes

_NARROW = set(" .,:;()[]'`!|ijlftr-/")
_WIDE = set("mwMW×→↑↓…=+<>%@")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """An upper estimate of `text`'s width in points in DejaVu Sans at `size` points."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.40
        elif ch in _WIDE:
            em += 1.0
        elif ch.isupper() or ch.isdigit():
            em += 0.72
        else:
            em += 0.64
    return em * size * (1.1 if bold else 1.0)


def box_size(box: Box, size: float) -> tuple[float, float]:
    """(width, height) of a box whose label is its title (bold) over its other lines."""
    lines = box.lines()
    width = max([text_width(lines[0], size, bold=True)] + [text_width(x, size) for x in lines[1:]])
    return width + 16.0, len(lines) * size * LINE_H + 10.0


@dataclass
class Cell:
    id: str
    lane: int | None
    stage: int
    subcols: list[list[str]] = field(default_factory=list)
    caption: str = ""
    width: float = 0.0
    height: float = 0.0
    col: int = 0
    row: int = 0


@dataclass
class Layout:
    width: float
    height: float
    pos: dict[str, tuple[float, float, float, float]]  # box id -> (center x, center y, w, h)
    lanes: dict[int | None, tuple[float, float]]  # lane -> (top, bottom)
    stages: list[tuple[str, float, float]]  # (caption, left, right)
    cells: dict[str, tuple[str, float, float, float, float]]  # cluster id -> (caption, l, t, r, b)
    legend: tuple[float, float]  # top-left corner of the legend
    lane_order: list[int | None]


def place(d: Diagram, font_size: float, legend_size: tuple[float, float]) -> Layout:  # noqa: C901
    sizes = {b.id: box_size(b, font_size) for b in d.boxes.values()}
    stages: list[str] = []
    for box in d.boxes.values():
        if box.stage not in stages:
            stages.append(box.stage)

    cells: dict[str, Cell] = {}
    cell_of: dict[str, str] = {}
    last_key: dict[str, str | None] = {}
    for box in d.boxes.values():
        key = box.cluster or box.id
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell(key, box.lane, stages.index(box.stage), caption=d.clusters.get(key, ""))
        cell_of[box.id] = key
        if not cell.subcols or box.column != last_key[key] or len(cell.subcols[-1]) >= MAX_ROWS:
            cell.subcols.append([])
        last_key[key] = box.column
        cell.subcols[-1].append(box.id)
    for cell in cells.values():
        widths = [max(sizes[b][0] for b in sub) for sub in cell.subcols]
        heights = [sum(sizes[b][1] for b in sub) + ROW_GAP * (len(sub) - 1) for sub in cell.subcols]
        cell.width = sum(widths) + SUB_GAP * (len(widths) - 1)
        cell.height = max(heights)
        if cell.caption:
            cell.width = max(cell.width, text_width(cell.caption, font_size - 1)) + 8.0
            cell.height += CELL_CAPTION_H + 6.0

    _columns(d, cells, cell_of)

    # Column widths and x; a stage's first column gets extra room.
    ncols = max(c.col for c in cells.values()) + 1
    colw = [0.0] * ncols
    col_stage = [0] * ncols
    for c in cells.values():
        colw[c.col] = max(colw[c.col], c.width)
        col_stage[c.col] = c.stage
    left, x = [0.0] * ncols, CAPTION_W + 10.0
    for i in range(ncols):
        if i and col_stage[i] != col_stage[i - 1]:
            x += STAGE_GAP
        left[i] = x
        x += colw[i] + COL_GAP
    width = x - COL_GAP + 16.0

    # Lane bands, top to bottom: finest level first, the shared lane last.
    lane_order: list[int | None] = list(sorted(k for k in {c.lane for c in cells.values()} if k is not None))
    if any(c.lane is None for c in cells.values()):
        lane_order.append(None)
    lanes: dict[int | None, tuple[float, float]] = {}
    row_top: dict[tuple[int | None, int], float] = {}
    y = HEADER_H
    for lane in lane_order:
        members = [c for c in cells.values() if c.lane == lane]
        top = y
        y += LANE_PAD
        for r in range(max(c.row for c in members) + 1):
            row_top[lane, r] = y
            y += max(c.height for c in members if c.row == r) + LANE_PAD
        lanes[lane] = (top, y)
    height_lanes = y

    pos: dict[str, tuple[float, float, float, float]] = {}
    boxes_of: dict[str, tuple] = {}
    for c in cells.values():
        row_h = max(o.height for o in cells.values() if o.lane == c.lane and o.row == c.row)
        cx = left[c.col] + (colw[c.col] - c.width) / 2
        cy = row_top[c.lane, c.row] + (row_h - c.height) / 2
        inner = cy + (CELL_CAPTION_H + 2.0 if c.caption else 0.0)
        widths = [max(sizes[b][0] for b in sub) for sub in c.subcols]
        sx = cx + (c.width - (sum(widths) + SUB_GAP * (len(widths) - 1))) / 2
        for sub, w in zip(c.subcols, widths):
            sy = inner
            for b in sub:
                bw, bh = sizes[b]
                pos[b] = (sx + w / 2, sy + bh / 2, bw, bh)
                sy += bh + ROW_GAP
            sx += w + SUB_GAP
        if c.caption:
            boxes_of[c.id] = (c.caption, cx - 2, cy - 2, cx + c.width + 2, cy + c.height + 2)

    stage_spans = []
    for s, name in enumerate(stages):
        cols = [i for i in range(ncols) if col_stage[i] == s]
        if cols:
            stage_spans.append((name, left[cols[0]] - 10.0, left[cols[-1]] + colw[cols[-1]] + 10.0))
    legend = (10.0, height_lanes + 12.0)
    return Layout(max(width, legend_size[0] + 20.0), height_lanes + legend_size[1] + 24.0, pos, lanes,
                  stage_spans, boxes_of, legend, lane_order)


def _columns(d: Diagram, cells: dict[str, Cell], cell_of: dict[str, str]) -> None:
    """Give every cell a column (and a row within its lane): see the module docstring."""
    order = {k: i for i, k in enumerate(cells)}
    preds: dict[str, set[str]] = {k: set() for k in cells}
    succs: dict[str, set[str]] = {k: set() for k in cells}
    for link in d.links:
        a, b = cell_of[link.src], cell_of[link.dst]
        if a != b:
            preds[b].add(a)
            succs[a].add(b)
    # Topological order, stage first, then definition order; a cycle (only possible after boxes
    # were merged) is broken at the earliest-defined cell.
    indeg = {k: len(v) for k, v in preds.items()}
    heap = [(cells[k].stage, order[k], k) for k, v in indeg.items() if v == 0]
    heapq.heapify(heap)
    topo: list[str] = []
    done: set[str] = set()
    while len(topo) < len(cells):
        if not heap:
            k = min((k for k in cells if k not in done), key=lambda k: (cells[k].stage, order[k]))
            heap.append((cells[k].stage, order[k], k))
        _, _, k = heapq.heappop(heap)
        if k in done:
            continue
        done.add(k)
        topo.append(k)
        for s in succs[k]:
            indeg[s] -= 1
            if indeg[s] == 0 and s not in done:
                heapq.heappush(heap, (cells[s].stage, order[s], s))

    placed: dict[str, int] = {}
    stage_end: dict[int, int] = {}
    lane_rows: dict[int | None, list[int]] = {}
    for k in topo:
        c = cells[k]
        col = max([placed[p] + 1 for p in preds[k] if p in placed] + [0])
        earlier = [e for s, e in stage_end.items() if s < c.stage]
        if earlier:
            col = max(col, max(earlier) + 1)
        rows = lane_rows.setdefault(c.lane, [])
        if c.lane is not None:  # a level lane is one row, in data-flow order
            col = max([col] + [r + 1 for r in rows])
            row = 0
        else:  # the shared lane stacks chains that do not feed each other
            row = next((i for i, last in enumerate(rows) if last < col), len(rows))
        if row == len(rows):
            rows.append(col)
        rows[row] = col
        c.col, c.row = col, row
        placed[k] = col
        stage_end[c.stage] = max(stage_end.get(c.stage, 0), col)
