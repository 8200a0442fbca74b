"""`diff(a, b)`: what differs between two architectures, modulo renaming.

Nodes are matched by structure, not by name: first nodes with equal two-pass colours (same
computation, same surroundings), then nodes whose bottom-up colour (same computation from the same
inputs, whatever reads them) is unique in both graphs, so a changed line leaves everything above it
matched, then outputs by key, then repeatedly nodes whose inputs (or
consumers) are already matched. Matched nodes whose label differs are reported as changes
(level, op/kind, attributes such as widths); unmatched nodes and edges are added or removed.
Equivalent architectures (equal hash) give an empty diff.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from archdsl.nas.hash import arch_hash, dag_of, merkle, two_pass


@dataclass
class Diff:
    removed: list[str] = field(default_factory=list)            # nodes of a only
    added: list[str] = field(default_factory=list)              # nodes of b only
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # (a name, b name, what)
    edges_removed: list[tuple[str, str]] = field(default_factory=list)
    edges_added: list[tuple[str, str]] = field(default_factory=list)
    params_delta: int = 0
    macs_delta: int = 0

    @property
    def empty(self) -> bool:
        return not (self.removed or self.added or self.changed or self.edges_removed or self.edges_added)

    def __str__(self) -> str:
        if self.empty:
            return "equivalent"
        lines = [f"- {x}" for x in self.removed] + [f"+ {x}" for x in self.added]
        lines += [f"~ {a if a == b else f'{a} -> {b}'}: {what}" for a, b, what in self.changed]
        lines += [f"- edge {s} -> {d}" for s, d in self.edges_removed]
        lines += [f"+ edge {s} -> {d}" for s, d in self.edges_added]
        lines.append(f"params {self.params_delta:+,}, MACs {self.macs_delta:+,}")
        return "\n".join(lines)


def diff(a, b) -> Diff:
    if arch_hash(a) == arch_hash(b):
        return Diff()
    ga, gb = a.graph, b.graph
    na, nb = ga.names(), gb.names()
    dag_a, dag_b = dag_of(ga), dag_of(gb)
    ca, cb = two_pass(*dag_a)[:len(na)], two_pass(*dag_b)[:len(nb)]
    match: dict[str, str] = {}
    by_colour: dict[int, list[str]] = {}
    for name, c in zip(nb, cb):
        by_colour.setdefault(c, []).append(name)
    for name, c in zip(na, ca):
        if by_colour.get(c):
            match[name] = by_colour[c].pop(0)
    _match_unique(na, merkle(*dag_a)[:len(na)], nb, merkle(*dag_b)[:len(nb)], match)
    outs_b = dict(gb.output_items())
    for key, name in ga.output_items():
        if name not in match and key in outs_b and outs_b[key] not in match.values():
            match[name] = outs_b[key]
    _propagate(ga, gb, match)
    d = Diff(params_delta=b.params - a.params, macs_delta=b.macs - a.macs)
    taken = set(match.values())
    d.removed = [x for x in na if x not in match]
    d.added = [x for x in nb if x not in taken]
    for x, y in match.items():
        u, v = ga.node(x), gb.node(y)
        what = []
        if u.op != v.op:
            what.append(f"{u.op} -> {v.op}")
        if u.level != v.level:
            what.append(f"L{u.level} -> L{v.level}")
        if u.attrs != v.attrs and u.op == v.op:
            what.extend(_field_changes(u.attrs, v.attrs))
        if what:
            d.changed.append((x, y, "; ".join(what)))
    ea = {(s, t) for s, t, _, _ in ga.edges()}
    eb = {(s, t) for s, t, _, _ in gb.edges()}
    back = {y: x for x, y in match.items()}
    # Everything in spec order (the graphs' definition order), as a reader of the spec meets it.
    pos_a, pos_b = {x: i for i, x in enumerate(na)}, {y: i for i, y in enumerate(nb)}
    d.changed.sort(key=lambda change: pos_a[change[0]])
    d.edges_removed = sorted(((s, t) for s, t in ea if (match.get(s), match.get(t)) not in eb),
                             key=lambda e: (pos_a[e[1]], pos_a[e[0]]))
    d.edges_added = sorted(((s, t) for s, t in eb if (back.get(s), back.get(t)) not in ea),
                           key=lambda e: (pos_b[e[1]], pos_b[e[0]]))
    return d


def _match_unique(na, ua, nb, ub, match: dict[str, str]) -> None:
    """Match still-free nodes whose bottom-up colour occurs once among the free nodes of each side."""
    taken = set(match.values())
    free_a = [(x, c) for x, c in zip(na, ua) if x not in match]
    free_b = [(y, c) for y, c in zip(nb, ub) if y not in taken]
    count_a: dict[int, int] = {}
    for _, c in free_a:
        count_a[c] = count_a.get(c, 0) + 1
    only_b: dict[int, list[str]] = {}
    for y, c in free_b:
        only_b.setdefault(c, []).append(y)
    for x, c in free_a:
        if count_a[c] == 1 and len(only_b.get(c, ())) == 1:
            match[x] = only_b[c][0]


def _propagate(ga, gb, match: dict[str, str]) -> None:
    """Match free nodes through matched neighbours: a node whose matched inputs or consumers equal
    a free node's. Candidates agreeing on both sides win; an ambiguous choice waits for more
    matches, and is taken (first candidate) only when nothing else progresses."""
    while True:
        taken = set(match.values())
        free_b = [y for y in gb.names() if y not in taken]
        fallback = None
        progress = False
        for x in ga.names():
            if x in match:
                continue
            ins = {match.get(i) for i in ga.inputs(x)}
            outs = {match.get(o) for o in ga.consumers(x)}
            ins_ok = [y for y in free_b if ins and None not in ins and ins == set(gb.inputs(y))]
            outs_ok = [y for y in free_b if outs and None not in outs and outs == set(gb.consumers(y))]
            both = [y for y in ins_ok if y in outs_ok]
            for cands in (both, ins_ok, outs_ok):
                if len(cands) == 1:
                    match[x] = cands[0]
                    free_b.remove(cands[0])
                    progress = True
                    break
                if cands and fallback is None:
                    fallback = (x, cands[0])
            else:
                weak = [y for y in free_b if (ins - {None}) and (ins - {None}) <= set(gb.inputs(y))
                        or (outs - {None}) and (outs - {None}) <= set(gb.consumers(y))]
                if len(weak) == 1 and fallback is None:
                    fallback = (x, weak[0])
        if not progress:
            if fallback is None:
                return
            match[fallback[0]] = fallback[1]


def _field_changes(a, b, prefix: str = "") -> list[str]:
    """`repeats 1 -> 2`, `bn.momentum 0.99 -> 0.9`: only the attribute fields that differ."""
    if not (dataclasses.is_dataclass(a) and type(a) is type(b)):
        return [f"{prefix or 'attrs'} {a} -> {b}"]
    out: list[str] = []
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x != y:
            out.extend(_field_changes(x, y, f"{prefix}{f.name}.") if dataclasses.is_dataclass(x)
                       else [f"{prefix}{f.name} {x} -> {y}"])
    return out
