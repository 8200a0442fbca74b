"""The diagram as plain data: boxes in level lanes and the links between them, built from an `Arch`.

Two views of the same IR. `blocks` draws one box per statement (an IR node's `group`: b3's
resamples, add, act and block group are one box `b3`); `layers` draws every IR node, with block
groups and resample paths expanded into the primitive layers their ops' `expand` lists. In both, a
weight-sharing group is one box that lists the levels it serves, so a RetinaNet tower is drawn once,
not once per level. Nothing here knows Graphviz; `archdsl.render.dot` styles and lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archdsl.ir import nodes as n
from archdsl.ops.base import Layer, Shape
from archdsl.ops.registry import get_op
from archdsl.ops.rules import layers_of
from archdsl.passes.base import rule_context

DETAILS = ("blocks", "layers")

# Sections, in the order the legend lists them.
SECTIONS = {"input": "input", "stem": "stem", "body": "scale-permuted body",
            "decoder": "endpoints / decoder", "head": "head"}


@dataclass
class Box:
    """One diagram node. `levels` has one level (its lane) or, for a shared box, every level served."""

    id: str
    title: str
    kind: str
    levels: tuple[int, ...]
    shape: str
    section: str
    output: str = ""  # "model": a model output; "feature": a fuse line marked `output`
    cluster: str | None = None  # layers view: the statement this layer belongs to (one cell)
    stage: str = ""  # the visible group: a composite's instance (backbone, decoder, head) or section
    column: str | None = None  # layers view: the sub-column of its cell (one per expanded node)

    @property
    def lane(self) -> int | None:
        return self.levels[0] if len(self.levels) == 1 else None

    def lines(self) -> list[str]:
        """The label's lines: title, op, then shape (a shared box also says which levels it serves)."""
        title = self.title + ("  ⇒ output" if self.output == "model" else "")
        if self.lane is None:
            served = f"L{self.levels[0]}–L{self.levels[-1]}" if _consecutive(self.levels) else \
                ", ".join(f"L{x}" for x in self.levels)
            return [title, self.kind, f"shared by {served}", self.shape]
        return [title, self.kind, self.shape]


def _consecutive(levels: tuple[int, ...]) -> bool:
    return len(levels) > 2 and list(levels) == list(range(levels[0], levels[-1] + 1))


@dataclass(frozen=True)
class Link:
    src: str
    dst: str
    label: str = ""
    orphan: bool = False


@dataclass
class Diagram:
    name: str
    boxes: dict[str, Box] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    clusters: dict[str, str] = field(default_factory=dict)  # cluster id -> caption (layers view)
    fused: bool = False  # its body is fuse lines: scale-permuted
    _seen: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def add_link(self, link: Link) -> None:
        """Add a link unless it is a self-loop or the pair is already linked (first label wins)."""
        if link.src == link.dst or (link.src, link.dst) in self._seen:
            return
        self._seen.add((link.src, link.dst))
        self.links.append(link)


def hwc(shape: Shape) -> str:
    return f"{shape.height}×{shape.width}×{shape.channels}"


def resample_label(src_level: int, dst_level: int) -> str:
    """↓×8 for three levels coarser, ↑×2 for one level finer, '' within a level."""
    if dst_level == src_level:
        return ""
    arrow = "↓" if dst_level > src_level else "↑"
    return f"{arrow}×{2 ** abs(dst_level - src_level)}"


def describe(op: str, attrs: object) -> str:
    """A short op description, the op's own label: `conv 3×3/2 64`, `maxpool 3×3/2`, `bottleneck ×3`."""
    return get_op(op).describe(attrs)


def scope_of(node: n.Node) -> tuple[str, ...]:
    """The template instances a node sits in (its typed origin; builder-made nodes: none)."""
    return node.origin.scope if node.origin is not None else ()


def instance_of(node: n.Node) -> str | None:
    """The composite instance a node belongs to: `backbone` for `backbone.c[3]`, else None."""
    scope = scope_of(node)
    return scope[0] if scope else None


def _sections(arch) -> tuple[dict[str, str], dict[str, str]]:
    """Section (fill colour) and stage (visible group) of each statement.

    Sections: input, stem (feeds the first fuse section), body, head (shares weights), decoder
    (everything after the body). In a composite, later instances than the first are decoders (or
    heads) and a first instance without fuse sections (ResNet) is all body. Stages: the instance a
    statement sits in (`backbone`, `decoder`, `decoder.cell[2]`, `head`), else its section."""
    g = arch.graph
    instances: list[str] = []
    for node in g.nodes():
        inst = instance_of(node)
        if inst is not None and inst not in instances:
            instances.append(inst)
    lines = [line for s in g.sections for line in s.lines if line.node in g]  # pruned lines are gone
    if instances:  # a composite: only the backbone's fuse sections make a body (NAS-FPN is a decoder)
        lines = [x for x in lines if instance_of(g.node(x.node)) == instances[0]]
    body = {g.node(line.node).group for line in lines}
    firsts = [line.combine for line in lines[:1] if line.combine in g]
    before = {g.node(x).group for x in g.ancestors(firsts)} if firsts else set()
    section: dict[str, str] = {}
    for node in g.nodes():
        group, inst = node.group, instance_of(node)
        if node.op == "input":
            section[group] = "input"
        elif node.share is not None:
            section[group] = "head"
        elif group in body:
            section.setdefault(group, "body")
        elif group in before:
            section.setdefault(group, "stem")
        elif inst is not None and inst != instances[0]:
            section.setdefault(group, "decoder")
        elif not body and inst is not None:
            section.setdefault(group, "body")
        else:
            section.setdefault(group, "decoder" if body else "body")
    stage = {}
    scopes = {node.group: scope_of(node) for node in g.nodes()}
    for group, sec in section.items():
        stage[group] = "input" if sec == "input" else ".".join(scopes[group]) if scopes[group] else SECTIONS[sec]
    return section, stage


def _fused_body(g, section: dict[str, str]) -> bool:
    """Whether the body is fuse lines (scale-permuted), not plain lines (ResNet under a NAS-FPN)."""
    return any(section.get(g.node(x.node).group) == "body" for s in g.sections for x in s.lines if x.node in g)


def short_title(node: n.Node) -> str:
    """A statement's name inside its stage: `c[3]` for `backbone.c[3]`, `n5` for
    `decoder.cell[2].n5` (the stage caption says `backbone`, `decoder.cell[2]`)."""
    return node.origin.statement if node.origin is not None and node.origin.scope else node.group


def _local(name: str, node: n.Node, *, scope: bool = False) -> str:
    """A layer's display name inside its statement's box (the text after the statement's name),
    or with `scope`, a share group's inside the node's template instance."""
    if scope:
        prefix = ".".join(scope_of(node)) + "." if scope_of(node) else ""
        return name[len(prefix):] if name.startswith(prefix) else name
    prefix = node.group + "."
    return name[len(prefix):] if name.startswith(prefix) else short_title(node)


def _outputs(arch) -> tuple[set[str], set[str]]:
    g = arch.graph
    model = {name for _, name in g.output_items()}
    features = {line.node for s in g.sections for line in s.lines if line.output}
    return model, features


def build(arch, detail: str = "blocks") -> Diagram:
    """The diagram of `arch` at `detail` ('blocks' or 'layers')."""
    if detail not in DETAILS:
        raise ValueError(f"unknown detail {detail!r}; expected one of {', '.join(DETAILS)}")
    return _blocks(arch) if detail == "blocks" else _layers(arch)


# ---- blocks: one box per statement --------------------------------------------------------------

def _main(members: list[n.Node], group: str) -> n.Node:
    """The node a statement's name denotes (its result), else its last node."""
    return next((m for m in members if m.name == group), members[-1])


def _kind(members: list[n.Node], main: n.Node) -> str:
    main_op = get_op(main.op)
    if main_op.composite and main_op.in_summary:  # a block group says it all
        return describe(main.op, main.attrs)
    parts = [describe(m.op, m.attrs) for m in members if get_op(m.op).in_summary]
    if len(parts) > 1 and len(set(parts)) == 1:  # a `repeat`: 4× conv 3×3 256
        return f"{len(parts)}× {parts[0]}"
    return " → ".join(parts) if parts else describe(main.op, main.attrs)


def _blocks(arch) -> Diagram:
    g, shapes = arch.graph, arch.shapes
    groups: dict[str, list[n.Node]] = {}
    for node in g.nodes():
        groups.setdefault(node.group, []).append(node)
    section, stage = _sections(arch)
    model_out, feature_out = _outputs(arch)

    # Statements whose nodes share weights with each other's become one box.
    box_of: dict[str, str] = {}
    merged: dict[tuple[str, ...], list[str]] = {}
    for group, members in groups.items():
        key = tuple(sorted({m.share for m in members if m.share is not None}))
        if key:
            merged.setdefault(key, []).append(group)
        box_of[group] = group

    d = Diagram(g.name, fused=_fused_body(g, section))
    for group, members in groups.items():
        main = _main(members, group)
        out = "model" if any(m.name in model_out for m in members) else "feature" if main.name in feature_out else ""
        d.boxes[group] = Box(group, short_title(main), _kind(members, main), (main.level,),
                             hwc(shapes[main.name]), section[group], out, stage=stage[group])
    for key, names in merged.items():
        if len(names) < 2:
            continue
        boxes = [d.boxes.pop(name) for name in names]
        mains = [_main(groups[name], name) for name in names]
        box_id = "shared(" + ",".join(key) + ")"
        for name in names:
            box_of[name] = box_id
        levels = tuple(sorted({m.level for m in mains}))
        d.boxes[box_id] = Box(box_id, _span_title([b.title for b in boxes]), boxes[0].kind, levels,
                              f"{boxes[0].shape} … {boxes[-1].shape}", "head",
                              "model" if any(b.output == "model" for b in boxes) else "", stage=boxes[0].stage)

    for src, dst, _, orphan in g.edges():
        a, b = box_of[g.node(src).group], box_of[g.node(dst).group]
        if a == b:
            continue
        label = _link_label(d.boxes[a], d.boxes[b], g.node(src).level, g.node(dst).level)
        d.add_link(Link(a, b, "orphan" if orphan else label, orphan))
    return d


def _link_label(src: Box, dst: Box, src_level: int, dst_level: int) -> str:
    """The resample factor between two lanes; at a shared box, the level served unless the lane
    the edge comes from already says it; nothing between two shared boxes."""
    if src.lane is not None and dst.lane is not None:
        return resample_label(src.lane, dst.lane)
    if src.lane is None and dst.lane is None:
        return ""
    if dst.lane is None:
        return "" if src.lane == dst_level else f"L{dst_level}"
    return "" if dst.lane == src_level else f"L{src_level}"


def _span_title(names: list[str]) -> str:
    """`head[3]`, `head[4]`, `head[5]` -> `head[3..5]`; otherwise the names joined."""
    stems = {name.split("[", 1)[0] for name in names}
    if len(stems) == 1 and all(name.endswith("]") and "[" in name for name in names):
        keys = [name.split("[", 1)[1][:-1] for name in names]
        return f"{stems.pop()}[{keys[0]}..{keys[-1]}]"
    return ", ".join(names)


# ---- layers: every IR node, composites expanded --------------------------------------------------

def _layers(arch) -> Diagram:
    """Every layer; a statement's layers form one cell (`cluster`) in the lane of the statement's
    result, one sub-column (`column`) per expanded node or run of plain layers."""
    g, shapes = arch.graph, arch.shapes
    section, stage = _sections(arch)
    model_out, feature_out = _outputs(arch)
    d = Diagram(g.name, fused=_fused_body(g, section))
    groups: dict[str, list[n.Node]] = {}
    shared: dict[str, list[n.Node]] = {}
    for node in g.nodes():
        groups.setdefault(node.group, []).append(node)
        if node.share is not None:
            shared.setdefault(node.share, []).append(node)
    box_of = {m.name: f"shared({key})" for key, members in shared.items() if len(members) > 1 for m in members}
    for group, members in groups.items():
        main = _main(members, group)
        d.clusters[group] = f"{short_title(main)}: {_kind(members, main)}"
    lane = {group: _main(members, group).level for group, members in groups.items()}
    column: dict[str, str] = {}  # group -> its current sub-column key

    for node in g.nodes():
        out = "model" if node.name in model_out else "feature" if node.name in feature_out else ""
        group = node.group
        cell = dict(section=section[group], output=out, cluster=group, stage=stage[group])
        ins = g.inputs(node.name)
        if node.name in box_of:
            _add_shared(d, box_of[node.name], shared[node.share], shapes, out, stage[group])
            column.pop(group, None)
        elif get_op(node.op).composite:
            layers = layers_of(node.op, node.name, node.attrs, tuple(shapes[i] for i in ins),
                               rule_context(g, shapes, node.name))
            column[group] = node.name
            _add_layers(d, node, layers, lane[group], cell)
            column.pop(group)
            for layer in layers:
                if "<0>" in layer.inputs:
                    src = box_of.get(ins[0], ins[0])
                    d.add_link(Link(src, layer.name, resample_label(g.node(ins[0]).level, node.level)))
            continue
        else:
            key = column.setdefault(group, node.name)
            title = _local(node.name, node)
            d.boxes[node.name] = Box(node.name, title, describe(node.op, node.attrs), (lane[group],),
                                     hwc(shapes[node.name]), column=key, **cell)
        dst = box_of.get(node.name, node.name)
        for src in ins:
            orphan = g.is_orphan_edge(src, node.name)
            a, b = d.boxes[box_of.get(src, src)], d.boxes[dst]
            if a.lane is None or b.lane is None:
                label = _link_label(a, b, g.node(src).level, node.level)
            else:
                label = resample_label(g.node(src).level, node.level)
            d.add_link(Link(box_of.get(src, src), dst, "orphan" if orphan else label, orphan))
    return d


def _add_shared(d: Diagram, box_id: str, members: list[n.Node], shapes, out: str, stage: str) -> None:
    box = d.boxes.get(box_id)
    if box is not None:
        if out == "model":
            box.output = "model"
        return
    first = members[0]
    levels = tuple(sorted({m.level for m in members}))
    title = f"{_local(first.share or '', first, scope=True)} (shared)"
    d.boxes[box_id] = Box(box_id, title, describe(first.op, first.attrs), levels,
                          f"{hwc(shapes[first.name])} … {hwc(shapes[members[-1].name])}", "head", out,
                          stage=stage)


def _add_layers(d: Diagram, node: n.Node, layers: tuple[Layer, ...], lane: int, cell: dict) -> None:
    for layer in layers:
        short = _local(layer.name, node)
        out = cell["output"] if layer.name == node.name else ""
        d.boxes[layer.name] = Box(layer.name, short, describe(layer.op, layer.attrs), (lane,), hwc(layer.shape),
                                  cell["section"], out, node.group, cell["stage"], node.name)
        for src in layer.inputs:
            if src != "<0>":
                d.add_link(Link(src, layer.name))
