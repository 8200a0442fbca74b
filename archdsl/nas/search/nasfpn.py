"""Model Garden's NAS-FPN cell space: per merging cell line, its output level, binary op and inputs.

A cell (Model Garden `NASFPN_BLOCK_SPECS`, Ghiasi et al. 2019) reads the five levels L3..L7 and
has `lines` merging lines; line k reads two distinct earlier nodes (the five inputs, then earlier
lines), resamples both to its level, combines them by `add` (Model Garden's `sum`) or `attention`
(global attention), then act -> 3x3 conv -> BN. The last five lines are the outputs, one per level
in a sampled order. Validity by construction: every earlier line is intermediate and reaches an
output, since an output line at its level always comes later and the orphan rule sums in any node
nothing has read by then; inputs are drawn among earlier nodes only, two distinct ones. The
default cell (Model Garden's) is a point of the space.

A candidate is `specs/nasfpn.arch` (ResNet-50 C3..C5 with `num_repeats` cells on top, its
semantics as the spec defines them) with the cell's lines replaced, its import inlined, so the
spec text is self-contained; `-D` sets the arch's parameters (`input_size`, `num_repeats`,
`filters`, `activation`). Mutations: `level` (an intermediate line's), `combine`, `input`, `swap`
(the levels of two output lines).
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from archdsl.nas.search.spaces import Point
from archdsl.nas.space import Lineage

LEVELS = (3, 4, 5, 6, 7)
COMBINES = ("add", "attention")
# Model Garden's NASFPN_BLOCK_SPECS as (level, combine, inputs); inputs index L3..L7, then lines.
DEFAULT_CELL = ((4, "attention", (1, 3)), (4, "add", (1, 5)), (3, "add", (0, 6)), (4, "add", (6, 7)),
                (5, "attention", (7, 8)), (7, "attention", (6, 9)), (6, "attention", (9, 10)))
SPECS = Path(__file__).resolve().parents[3] / "specs"
_CELL_OPEN = "  fuse resample nasfpn(filters), merge orphans from"

Line = tuple[int, str, tuple[int, int]]


def _node(index: int) -> str:
    return f"feats[{LEVELS[index]}]" if index < len(LEVELS) else f"n{index}"


def cell_text(cell: tuple[Line, ...]) -> str:
    """The fuse section's lines of `cell`, in `specs/nasfpn.arch`'s form."""
    first_output = len(cell) - len(LEVELS)
    out = []
    for k, (level, combine, (a, b)) in enumerate(cell):
        name = _node(k + len(LEVELS))
        line = f"    {name} = {combine} -> act -> conv 3x3 filters bias -> bn at L{level} <- {_node(a)}, {_node(b)}"
        out.append(line + ("  output" if k >= first_output else ""))
    return "\n".join(out) + "\n"


def _template() -> tuple[str, str]:
    """specs/nasfpn.arch split around its cell's lines, with resnet50.arch inlined."""
    try:
        text = (SPECS / "nasfpn.arch").read_text()
        backbone = (SPECS / "resnet50.arch").read_text()
        backbone = backbone.replace('import "resnet.arch"\n', (SPECS / "resnet.arch").read_text())
    except OSError as exc:
        raise ValueError(f"the nasfpn space needs specs/nasfpn.arch and specs/resnet50.arch: {exc}") from None
    text = text.replace('import "resnet50.arch"\n', backbone)
    start = text.find(_CELL_OPEN)
    start = text.index("\n", start) + 1 if start >= 0 else -1
    end = text.find("  }\n", start)
    if start < 0 or end < 0:
        raise ValueError("specs/nasfpn.arch no longer has the cell's fuse section this space rewrites")
    return text[:start], text[end:]


class NasFpnSpace:
    """NAS-FPN cells of `lines` lines (the last five the outputs)."""

    name: str = "nasfpn"
    operators: tuple[str, ...] = ("level", "combine", "input", "swap")

    def __init__(self, defines: Mapping[str, Any] | None = None, lines: int = 7,
                 max_params: float | None = None, max_macs: float | None = None):
        if lines < len(LEVELS):
            raise ValueError(f"a NAS-FPN cell needs at least {len(LEVELS)} lines (one output per level)")
        self.lines, self.defines = lines, dict(defines or {})
        self.max_params, self.max_macs = max_params, max_macs
        self.head, self.tail = _template()
        self._built: dict[tuple[Line, ...], tuple[str, str, int, int]] = {}
        if lines == len(DEFAULT_CELL):  # bad -D values fail here (an ArchError), not in every trial
            self._point(DEFAULT_CELL, Lineage(None, "given"))

    # ---- drawing
    def sample(self, rng: random.Random, seed: int | None = None) -> Point:
        n_in = self.lines - len(LEVELS)
        outs = list(LEVELS)
        rng.shuffle(outs)
        levels = [rng.choice(LEVELS) for _ in range(n_in)] + outs
        cell = tuple((lvl, rng.choice(COMBINES), tuple(rng.sample(range(k + len(LEVELS)), 2)))
                     for k, lvl in enumerate(levels))
        return self._point(cell, Lineage(None, "sample", seed))  # type: ignore[arg-type]

    def mutate(self, point: Point, rng: random.Random, seed: int | None = None,
               operators: Collection[str] | None = None) -> Point:
        cell: tuple[Line, ...] = point.genome
        changes = [c for c in self._changes(cell) if operators is None or c[0].split(" ", 1)[0] in operators]
        what, new = rng.choice(changes)
        return self._point(new, Lineage(point.hash, what, seed))

    def _changes(self, cell: tuple[Line, ...]) -> list[tuple[str, tuple[Line, ...]]]:
        def put(k: int, line: Line) -> tuple[Line, ...]:
            return cell[:k] + (line,) + cell[k + 1:]

        out = []
        n_in = len(cell) - len(LEVELS)
        for k, (level, combine, ins) in enumerate(cell):
            name = _node(k + len(LEVELS))
            if k < n_in:
                out += [(f"level {name} L{level}->L{v}", put(k, (v, combine, ins))) for v in LEVELS if v != level]
            out += [(f"combine {name} {combine}->{c}", put(k, (level, c, ins))) for c in COMBINES if c != combine]
            for slot in (0, 1):
                for q in range(k + len(LEVELS)):
                    if q not in ins:
                        new = (q, ins[1]) if slot == 0 else (ins[0], q)
                        what = f"input {name}[{slot}] {_node(ins[slot])}->{_node(q)}"
                        out.append((what, put(k, (level, combine, new))))
        for i in range(n_in, len(cell)):
            for j in range(i + 1, len(cell)):
                swapped = list(cell)
                (li, ci, ii), (lj, cj, ij) = cell[i], cell[j]
                swapped[i], swapped[j] = (lj, ci, ii), (li, cj, ij)
                names = _node(i + len(LEVELS)), _node(j + len(LEVELS))
                out.append((f"swap {names[0]} L{li}<->{names[1]} L{lj}", tuple(swapped)))
        return out

    # ---- points
    def encode(self, genome: tuple[Line, ...]) -> str:
        return json.dumps([[lvl, c, list(ins)] for lvl, c, ins in genome])

    def point(self, genome_json: str, lineage: Lineage) -> Point:
        cell = tuple((lvl, c, (a, b)) for lvl, c, (a, b) in json.loads(genome_json))
        return self._point(cell, lineage)

    def text(self, cell: tuple[Line, ...]) -> str:
        return self.head + cell_text(cell) + self.tail

    def _point(self, cell: tuple[Line, ...], lineage: Lineage) -> Point:
        from archdsl.arch import load
        from archdsl.nas.hash import arch_hash

        built = self._built.get(cell)  # a redrawn cell is elaborated once
        if built is None:
            text = self.text(cell)
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "nasfpn.arch")
                with open(path, "w") as f:
                    f.write(text)
                arch = load(path, self.defines)  # ArchError here is a bug of the space, not a bad draw
            built = self._built[cell] = (arch_hash(arch), text, arch.params, arch.macs)
        return Point(*built, cell, lineage)
