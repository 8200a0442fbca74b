"""Sampling a search space into a folder: `<hash>.arch` files and a `manifest.jsonl`.

A run is deterministic for a seed: it draws candidates until it has `count` distinct ones within
the space's budget (the run's N candidates, numbered 1..N). A shard `i/n` writes the candidates
whose position is i modulo n, so n machines running the same seed produce disjoint parts of one
run. Every file is written atomically (a temporary file in the folder, then `os.replace`), and the
manifest last, so an interrupted run never leaves a partial spec or a manifest naming missing files.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archdsl.fileio import write_atomic
from archdsl.nas.space import ScalePermutedSpace

# Draws allowed per wanted candidate before a run gives up: a budget that admits almost nothing
# (or a space with fewer distinct topologies than asked) must end, not spin.
DRAWS_PER_CANDIDATE = 1000


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`i/n` with 0 <= i < n (a ValueError otherwise)."""
        try:
            i, n = (int(x) for x in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard wants i/n with 0 <= i < n, got {text!r}") from None
        if not 0 <= i < n:
            raise ValueError(f"--shard wants i/n with 0 <= i < n, got {text!r}")
        return cls(i, n)

    def owns(self, position: int) -> bool:
        """Whether this shard writes the run's candidate number `position` (1-based)."""
        return (position - 1) % self.count == self.index


@dataclass
class SampleResult:
    positions: int   # candidates of the run found (all shards)
    written: int     # specs this shard wrote
    complete: bool   # False when the run stopped before `count` distinct candidates


Progress = Callable[[int, int], None]  # (position, written) after each candidate of the run


def sample_to_folder(space: ScalePermutedSpace, count: int, seed: int, out: str | Path,
                     shard: Shard = Shard(0, 1), progress: Progress | None = None) -> SampleResult:
    """Write this shard's part of the run's `count` candidates into `out` (created if missing)."""
    from archdsl.nas.printer import print_topology  # looked up per run, so tests can replace it

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    seen: set[str] = set()
    manifest: list[str] = []
    written, position, draws = 0, 0, 0
    while position < count:
        draws += 1
        if draws > DRAWS_PER_CANDIDATE * (count + 10):
            write_atomic(out / "manifest.jsonl", "".join(manifest))
            return SampleResult(position, written, complete=False)
        c = space.sample_candidate(rng, seed=seed)
        if c.hash in seen or not space.within_budget(c):
            continue
        seen.add(c.hash)
        position += 1
        if shard.owns(position):
            write_atomic(out / f"{c.hash}.arch", print_topology(c.topology, comment=f"seed {seed}, #{position}"))
            manifest.append(json.dumps({"hash": c.hash, "params": c.params, "macs": c.macs, "lineage": {
                "parent": c.lineage.parent, "mutation": c.lineage.mutation, "seed": c.lineage.seed,
                "index": position}}) + "\n")
            written += 1
        if progress is not None:
            progress(position, written)
    write_atomic(out / "manifest.jsonl", "".join(manifest))
    return SampleResult(position, written, complete=True)
