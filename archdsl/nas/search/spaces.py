"""Search spaces as the strategies see them: a `Point` is one candidate, a `Space` samples and mutates.

A `Point` carries everything a trial and the result store need: the canonical hash, the candidate's
self-contained `.arch` text, its static costs (params, MACs, from the IR without TensorFlow), a
genome (what the space mutates, JSON-able so a resumed driver can rebuild its population from the
store) and its lineage. Every space here samples and mutates valid by construction; `SpineNetSpace`
wraps `ScalePermutedSpace` (its mutations: `level`, `kind`, `parent`, `swap`). Budgets filter
points before any trial: `Space.within_budget`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from typing import Any, Protocol

from archdsl.nas.printer import print_topology
from archdsl.nas.space import MUTATIONS, Candidate, Lineage, ScalePermutedSpace
from archdsl.nas.topology import BlockSpec, Topology, TopologyParams


class InvalidPoint(Exception):
    """A draw the space could not make valid (only spaces read from specs raise it)."""


@dataclass(frozen=True)
class Point:
    """One candidate: hash, `.arch` text, static costs, genome (JSON-able) and lineage."""

    hash: str
    text: str
    params: int
    macs: int
    genome: Any
    lineage: Lineage


class Space(Protocol):
    """What a strategy needs of a space. `operators` names the mutations `mutate` may apply."""

    name: str
    operators: tuple[str, ...]
    max_params: float | None
    max_macs: float | None

    def sample(self, rng: random.Random, seed: int | None = None) -> Point: ...

    def mutate(self, point: Point, rng: random.Random, seed: int | None = None,
               operators: Collection[str] | None = None) -> Point: ...

    def encode(self, genome: Any) -> str: ...

    def point(self, genome_json: str, lineage: Lineage) -> Point: ...


def within_budget(space: Space, point: Point) -> bool:
    """The params / MACs budget, checked on static costs (no trial is spent on a point outside it)."""
    return (space.max_params is None or point.params <= space.max_params) and \
        (space.max_macs is None or point.macs <= space.max_macs)


_PARAM_FIELDS = {f.name: f.type for f in fields(TopologyParams)}


def topology_params(defines: Mapping[str, Any]) -> TopologyParams:
    """`-D` values for a scale-permuted space (ValueError naming the valid names otherwise)."""
    unknown = [k for k in defines if k not in _PARAM_FIELDS]
    if unknown:
        raise ValueError(f"-D {unknown[0]}: the spinenet space has no parameter `{unknown[0]}`; "
                         f"parameters: {', '.join(_PARAM_FIELDS)}")
    try:
        return TopologyParams(**dict(defines))
    except TypeError as exc:  # a value of the wrong type meets a comparison in the checks
        raise ValueError(f"-D: {exc}") from None


class SpineNetSpace:
    """SpineNet's scale-permuted space (`ScalePermutedSpace`), as points."""

    name: str = "spinenet"
    operators: tuple[str, ...] = MUTATIONS

    def __init__(self, defines: Mapping[str, Any] | None = None, num_blocks: int = 16,
                 max_params: float | None = None, max_macs: float | None = None):
        self.inner = ScalePermutedSpace(num_blocks=num_blocks, params=topology_params(defines or {}))
        self.max_params, self.max_macs = max_params, max_macs
        self.inner.sample_candidate(random.Random(0))  # parameters no topology can meet fail here, not in a trial

    def _point(self, c: Candidate) -> Point:
        return Point(c.hash, print_topology(c.topology, comment=f"hash {c.hash}"), c.params, c.macs,
                     c.topology, c.lineage)

    def sample(self, rng: random.Random, seed: int | None = None) -> Point:
        return self._point(self.inner.sample_candidate(rng, seed))

    def mutate(self, point: Point, rng: random.Random, seed: int | None = None,
               operators: Collection[str] | None = None) -> Point:
        from archdsl.nas.fast import evaluate
        parent = Candidate(point.genome, evaluate(point.genome), point.lineage)
        return self._point(self.inner.mutate_candidate(parent, rng, seed, operators))

    def encode(self, genome: Topology) -> str:
        return json.dumps([[b.level, b.kind, list(b.parents), b.output] for b in genome.blocks])

    def point(self, genome_json: str, lineage: Lineage) -> Point:
        from archdsl.nas.fast import evaluate
        blocks = tuple(BlockSpec(lvl, kind, (a, b), out) for lvl, kind, (a, b), out in json.loads(genome_json))
        t = Topology(blocks, self.inner.params)
        return self._point(Candidate(t, evaluate(t), lineage))
