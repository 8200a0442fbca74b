"""`ScalePermutedSpace`: SpineNet's search space, sampled and mutated valid by construction.

A point is a `Topology`: the fixed stem (`s0`, `s1` at L2), then `num_blocks` lines. The last
`len(output_levels)` lines are the output blocks, one per output level in a sampled order; the
others ("intermediate") take a level in `levels`. Every line has a kind in `kinds` and two distinct
parents among earlier blocks.

SpineNet-49 is a point of the default space: 16 blocks, intermediate levels L2..L7, output levels
L2..L7 on the last six blocks. Its L2 output block (b16) is a *pruned output*: with min_level 3 no
endpoint reads it, so Model Garden's Keras model (and prune-unreachable here) drops it. The default
space keeps that slot (output_levels = L2..L7, endpoints min_level..max_level = L3..L7) so that it
is the space SpineNet-49 was found in; pass `output_levels=range(3, 8)` for a space without it.

Validity by construction ("every block reaches an output"): lines are drawn in order, tracking the
blocks nothing live has read yet. A pending block is safe if a later kept output line of its level
and kind will absorb it by the orphan rule; otherwise enough later parent slots must remain to
read it. When they would run out, the line's parents are drawn from the pending blocks first. The
draw never fails, so there is no retry loop. Mutations are single changes (a level, a kind, a
parent, swapping the levels of two output blocks), drawn uniformly among the changes whose result
is valid (each candidate is checked exactly with the same liveness rule as the fast evaluator).
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field, replace

from archdsl.arch import Arch
from archdsl.nas import fast
from archdsl.nas.builder import arch_of
from archdsl.nas.draw import draw
from archdsl.nas.fast import Evaluation, evaluate
from archdsl.nas.topology import KINDS, STEM_BLOCKS, Topology, TopologyParams

# The kinds of single change `mutate_candidate` draws from (the first word of a mutation's text).
MUTATIONS = ("level", "kind", "parent", "swap")


@dataclass(frozen=True, slots=True)
class Lineage:
    """Where a candidate came from: the parent's hash (None for a fresh sample), the change, the seed."""

    parent: str | None
    mutation: str
    seed: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A sampled topology with its costs and hash (from the fast evaluator; `arch()` builds the IR)."""

    topology: Topology
    evaluation: Evaluation
    lineage: Lineage

    @property
    def hash(self) -> str:
        return self.evaluation.hash

    @property
    def params(self) -> int:
        return self.evaluation.params

    @property
    def macs(self) -> int:
        return self.evaluation.macs

    def arch(self) -> Arch:
        """Build and check the IR with every pass (ms); the result carries `topology` and `lineage`."""
        arch = arch_of(self.topology)
        arch.topology, arch.lineage = self.topology, self.lineage  # type: ignore[attr-defined]
        return arch


@dataclass
class ScalePermutedSpace:
    """SpineNet's scale-permuted space. The defaults are the space SpineNet-49 was found in."""

    num_blocks: int = 16
    levels: tuple[int, ...] = (2, 3, 4, 5, 6, 7)
    output_levels: tuple[int, ...] = (2, 3, 4, 5, 6, 7)
    kinds: tuple[str, ...] = KINDS
    params: TopologyParams = field(default_factory=TopologyParams)
    max_params: int | None = None
    max_macs: int | None = None

    def __post_init__(self) -> None:
        self.levels, self.output_levels = tuple(self.levels), tuple(self.output_levels)
        p = self.params
        kept = [lvl for lvl in self.output_levels if p.min_level <= lvl <= p.max_level]
        once = len(set(self.output_levels)) == len(self.output_levels)
        if sorted(kept) != list(range(p.min_level, p.max_level + 1)) or not once:
            raise ValueError(f"output_levels must hold L{p.min_level}..L{p.max_level} once each")
        if self.num_blocks < len(self.output_levels) or not self.kinds or not self.levels:
            raise ValueError("need at least one block per output level, a kind and a level")
        if any(k not in KINDS for k in self.kinds):
            raise ValueError(f"kinds must be among {KINDS}")

    # ---- membership
    def contains(self, t: Topology) -> bool:
        """Whether `t` is a point of this space (shape of the lists, levels, kinds, liveness)."""
        n_out = len(self.output_levels)
        if len(t.blocks) != self.num_blocks or t.params != self.params:
            return False
        inter, outs = t.blocks[:-n_out], t.blocks[-n_out:]
        if any(b.output or b.level not in self.levels for b in inter):
            return False
        if not all(b.output for b in outs) or sorted(b.level for b in outs) != sorted(self.output_levels):
            return False
        return all(b.kind in self.kinds for b in t.blocks) and self.valid(t)

    @staticmethod
    def valid(t: Topology) -> bool:
        """Every block (and s1) reaches a kept output, counting orphan merges; output blocks outside
        min_level..max_level (pruned outputs) are exempt."""
        return fast.valid(t)

    # ---- sampling
    def sample_candidate(self, rng: random.Random, seed: int | None = None) -> Candidate:
        """One valid topology with its costs and hash; no retries."""
        t = self._draw(rng)
        return Candidate(t, evaluate(t), Lineage(None, "sample", seed))

    def sample(self, rng: random.Random, seed: int | None = None) -> Arch:
        """A valid, checked `Arch` (with `.topology` and `.lineage`)."""
        return self.sample_candidate(rng, seed).arch()

    def _draw(self, rng: random.Random) -> Topology:
        return draw(rng, self.num_blocks, self.levels, self.output_levels, self.kinds, self.params)

    # ---- mutation
    def mutate_candidate(self, c: Candidate, rng: random.Random, seed: int | None = None,
                         operators: Collection[str] | None = None) -> Candidate:
        """One single change, uniform among the valid ones; records the parent's hash. `operators`
        restricts the kinds of change to some of `MUTATIONS` (default: all)."""
        changes = self._changes(c.topology)
        if operators is not None:
            changes = [ch for ch in changes if ch[0].split(" ", 1)[0] in operators]
        rng.shuffle(changes)
        for what, t in changes:
            new = t()
            e = None if new is None else fast.evaluate_valid(new)
            if e is not None:
                return Candidate(new, e, Lineage(c.hash, what, seed))
        raise ValueError("no valid single change exists")  # unreachable for spaces with 2+ levels

    def mutate(self, arch: Arch, rng: random.Random, seed: int | None = None) -> Arch:
        t = getattr(arch, "topology", None)
        if t is None:
            raise ValueError("mutate needs an Arch made by this space (with `.topology`)")
        c = Candidate(t, evaluate(t), getattr(arch, "lineage", Lineage(None, "given")))
        return self.mutate_candidate(c, rng, seed).arch()

    def _changes(self, t: Topology) -> list:
        out = []
        blocks = t.blocks
        n_out = len(self.output_levels)

        def with_block(k: int, **kw):
            return lambda: _safe(replace(t, blocks=blocks[:k] + (replace(blocks[k], **kw),) + blocks[k + 1:]))

        for k, b in enumerate(blocks):
            index = k + STEM_BLOCKS
            if k < len(blocks) - n_out:
                out += [(f"level b{k + 1} L{b.level}->L{lvl}", with_block(k, level=lvl))
                        for lvl in self.levels if lvl != b.level]
            out += [(f"kind b{k + 1} {b.kind}->{kind}", with_block(k, kind=kind))
                    for kind in self.kinds if kind != b.kind]
            for slot in (0, 1):
                for q in range(index):
                    if q not in b.parents:
                        ps = (q, b.parents[1]) if slot == 0 else (b.parents[0], q)
                        out.append((f"parent b{k + 1}[{slot}] {b.parents[slot]}->{q}", with_block(k, parents=ps)))
        first = len(blocks) - n_out
        for i in range(first, len(blocks)):
            for j in range(i + 1, len(blocks)):
                def swap(i=i, j=j):
                    bs = list(blocks)
                    bs[i], bs[j] = replace(bs[i], level=bs[j].level), replace(bs[j], level=bs[i].level)
                    return _safe(replace(t, blocks=tuple(bs)))
                out.append((f"swap outputs b{i + 1} L{blocks[i].level}<->b{j + 1} L{blocks[j].level}", swap))
        return out

    # ---- budgets
    def within_budget(self, c: Candidate) -> bool:
        return (self.max_params is None or c.params <= self.max_params) and \
            (self.max_macs is None or c.macs <= self.max_macs)


def _safe(t: Topology) -> Topology | None:
    try:
        return Topology(t.blocks, t.params)
    except ValueError:
        return None


def spinenet49() -> Topology:
    from archdsl.nas.topology import SPINENET49
    return SPINENET49
