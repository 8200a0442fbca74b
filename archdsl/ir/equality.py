"""IR equality: the differences between two `ArchGraph`s that the printer must not introduce.

"Equal" means: the same arch name; the same nodes in the same order, each with the same name, op,
level, attributes, statement group and weight-sharing group (spans and origins differ: they point
into another text); the same edges with the same input positions and orphan marks; the same
outputs; the same fuse sections (counting only lines whose node is in the graph); the same
`optional` lines.
"""

from __future__ import annotations

from archdsl.ir.graph import ArchGraph


def graph_differences(a: ArchGraph, b: ArchGraph) -> list[str]:
    """How two graphs differ (empty: equal, in the sense of this module's docstring)."""
    out = []
    if a.name != b.name:
        out.append(f"name {a.name} != {b.name}")
    if a.names() != b.names():
        only_a = [x for x in a.names() if x not in b]
        only_b = [x for x in b.names() if x not in a]
        out.append(f"nodes differ (order or names): only in a {only_a[:5]}, only in b {only_b[:5]}")
        return out
    for x, y in zip(a.nodes(), b.nodes()):
        if (x.op, x.level, x.attrs, x.group, x.share) != (y.op, y.level, y.attrs, y.group, y.share):
            out.append(f"node {x.name}: {(x.op, x.level, x.attrs, x.group, x.share)} != "
                       f"{(y.op, y.level, y.attrs, y.group, y.share)}")
    ea, eb = sorted(a.edges()), sorted(b.edges())
    if ea != eb:
        out.append(f"edges differ: {sorted(set(ea) ^ set(eb))[:6]}")
    if a.outputs != b.outputs:
        out.append(f"outputs {a.outputs} != {b.outputs}")
    if _sections(a) != _sections(b):
        out.append(f"sections {_sections(a)} != {_sections(b)}")
    groups = {x.group for x in a.nodes()}
    if a.optional & groups != b.optional & groups:
        out.append(f"optional lines {sorted(a.optional & groups)} != {sorted(b.optional & groups)}")
    return out


def _sections(g: ArchGraph) -> list:
    kept = [(s.rule, s.merge_orphans, getattr(s, "seeds", ()), tuple(line for line in s.lines if line.node in g))
            for s in g.sections]
    return [s for s in kept if s[3]]
