"""Search strategies: random search and regularized evolution, single- or multi-objective.

A strategy is asked for the next `Point` and told each finished one's scores (a tuple, every entry
to be maximised: `Objective.score` negates the minimised ones; None for a failed trial). Both
strategies skip points whose hash was already proposed or stored (`seen`) and points outside the
space's budget, drawing again a bounded number of times. Regularized evolution (Real et al., 2019,
"aging evolution") keeps the last `population` finished points; once that many exist, each new
point mutates the winner of a tournament among `sample_size` random members. With several
objectives the tournament winner is drawn from the sample's first non-dominated front (pymoo's
non-dominated sorting), so selection keeps a Pareto front instead of summing objectives.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from archdsl.nas.search.pareto import first_front
from archdsl.nas.search.spaces import InvalidPoint, Point, Space, within_budget

MAX_DRAWS = 1000  # draws per ask before giving up (a budget or a space too small to hold new points)


class SpaceExhausted(Exception):
    """No new point within budget could be drawn."""


@dataclass(frozen=True)
class Objective:
    """A metric (or static cost: `params`, `macs`) and its direction."""

    name: str
    maximize: bool = True

    @staticmethod
    def parse(text: str) -> Objective:
        """`name`, `name:max` or `name:min` (ValueError otherwise)."""
        name, _, way = text.partition(":")
        if not name or way not in ("", "max", "min"):
            raise ValueError(f"an objective is name, name:max or name:min, got {text!r}")
        return Objective(name, way != "min")

    def score(self, value: float) -> float:
        return value if self.maximize else -value

    def __str__(self) -> str:
        return f"{self.name}:{'max' if self.maximize else 'min'}"


class Strategy:
    """Random search; `RegularizedEvolution` overrides `propose`."""

    name = "random"

    def __init__(self, space: Space, rng: random.Random, seen: Callable[[str], bool] | None = None,
                 seed: int | None = None):
        self.space, self.rng, self.seed = space, rng, seed
        self._seen = seen or (lambda h: False)
        self._proposed: set[str] = set()

    def ask(self) -> Point:
        """A point not seen before and within budget."""
        for _ in range(MAX_DRAWS):
            try:
                p = self.propose()
            except InvalidPoint:
                continue
            if p.hash in self._proposed or self._seen(p.hash) or not within_budget(self.space, p):
                continue
            self._proposed.add(p.hash)
            return p
        raise SpaceExhausted(f"no new candidate within budget in {MAX_DRAWS} draws")

    def propose(self) -> Point:
        return self.space.sample(self.rng, self.seed)

    def tell(self, point: Point, scores: Sequence[float] | None) -> None:
        """Record a finished point (scores None: the trial failed)."""


class RegularizedEvolution(Strategy):
    """Aging evolution: tournament selection among `sample_size` of the last `population` points."""

    name = "evolution"

    def __init__(self, space: Space, rng: random.Random, seen: Callable[[str], bool] | None = None,
                 seed: int | None = None, population: int = 20, sample_size: int = 5,
                 operators: Collection[str] | None = None):
        super().__init__(space, rng, seen, seed)
        if population < 2 or not 1 <= sample_size <= population:
            raise ValueError(f"need population >= 2 and 1 <= sample_size <= population, "
                             f"got {population}, {sample_size}")
        unknown = [op for op in operators or () if op not in space.operators]
        if unknown:
            raise ValueError(f"unknown mutation {unknown[0]!r}; the {space.name} space has "
                             f"{', '.join(space.operators)}")
        self.population: deque[tuple[Point, tuple[float, ...]]] = deque(maxlen=population)
        self.sample_size = sample_size
        self.operators = tuple(operators) if operators else None

    def propose(self) -> Point:
        if len(self.population) < (self.population.maxlen or 0):
            return super().propose()
        sample = self.rng.sample(list(self.population), self.sample_size)
        front = first_front([scores for _, scores in sample])
        parent = sample[self.rng.choice(front)][0]
        return self.space.mutate(parent, self.rng, self.seed, self.operators)

    def tell(self, point: Point, scores: Sequence[float] | None) -> None:
        if scores is not None:  # a failed trial has no fitness: it does not join the population
            self.population.append((point, tuple(scores)))


STRATEGIES: dict[str, type[Strategy]] = {"random": Strategy, "evolution": RegularizedEvolution}
