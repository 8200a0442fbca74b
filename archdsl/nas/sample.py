"""Sampling a search space into a sample folder: `<hash>.arch` specs and a `manifest.jsonl` that agree.

A run is deterministic for a seed: it draws candidates until it has `count` distinct ones within
the space's budget (the run's N candidates, numbered 1..N). A shard `i/n` writes the candidates
whose position is i modulo n, so n machines running the same seed produce disjoint parts of one
run. Each spec's first line is its manifest entry (`# archdsl sample: {json}`: hash, params, MACs,
lineage and the space it was drawn from), so the manifest can always be rebuilt from the files a
folder holds. A run may write into a new or empty folder, or into a sample folder of the same space
(only `<hash>.arch` files carrying such a line, debris of an interrupted write, and a manifest of
that space): its new specs are merged in, and the manifest, rewritten atomically at the end and on
any interruption (Ctrl-C, SIGTERM, an error), lists exactly the specs in the folder. Any other
non-empty folder, or a file, is refused (`ArchError`) before anything is written.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archdsl.fileio import Artifact, check_target, head, sigterm_cleans_up, write_atomic
from archdsl.nas.space import Candidate, ScalePermutedSpace

MANIFEST = "manifest.jsonl"
HEADER = "# archdsl sample: "
# The temporary names `archdsl.fileio` gives a spec or the manifest while writing it.
_DEBRIS = re.compile(r"\.([0-9a-zA-Z_]+\.arch-[0-9a-zA-Z_]+\.tmp\.arch|manifest\.jsonl-[0-9a-zA-Z_]+\.tmp\.jsonl)")


def space_of(space: ScalePermutedSpace, name: str = "spinenet") -> dict[str, Any]:
    """What makes two runs draw from the same space (budgets only filter, so they may differ)."""
    return {"name": name, "blocks": space.num_blocks}


def entry_of(path: Path) -> dict[str, Any] | None:
    """The manifest entry a sample spec carries on its first line, or None."""
    first = head(path, 1 << 16).split(b"\n", 1)[0].decode("utf-8")
    if not first.startswith(HEADER):
        return None
    entry = json.loads(first[len(HEADER):])
    return entry if isinstance(entry, dict) and entry.get("hash") == path.stem else None


@dataclass
class SampleFolder:
    """A sample folder being written: its entries, by hash, in the manifest's order."""

    path: Path
    space: dict[str, Any]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: str | Path, space: dict[str, Any]) -> SampleFolder:
        """Check (ArchError) and adopt the folder at `path`: specs already there stay listed."""
        folder = cls(Path(path), space)
        check_target(path, folder.artifact())
        if folder.path.is_dir():
            listed = folder.path / MANIFEST
            order = [json.loads(line)["hash"] for line in listed.read_text("utf-8").splitlines()] \
                if listed.exists() else []
            found: dict[str, dict[str, Any]] = {}
            for item in sorted(folder.path.iterdir()):
                if _DEBRIS.fullmatch(item.name):
                    item.unlink()  # a temp file of a write that was killed (SIGKILL) half way
                elif item.name != MANIFEST and (entry := entry_of(item)) is not None:
                    found[item.stem] = entry
            # The manifest's order first; specs it does not list (a killed run's) after them.
            folder.entries = {h: found[h] for h in order if h in found} | found
        return folder

    def artifact(self) -> Artifact:
        return Artifact(f"sample folder of the {self.space['name']} space with {self.space['blocks']} blocks",
                        self._ours, directory=True, make_parents=True)

    def _ours(self, path: Path) -> bool:
        for item in path.iterdir():
            if item.name == MANIFEST:
                if not all(_line_of(line, self.space) for line in item.read_text("utf-8").splitlines()):
                    return False
            elif not _DEBRIS.fullmatch(item.name):
                entry = entry_of(item) if item.is_file() and item.suffix == ".arch" else None
                if entry is None or entry.get("space") != self.space:
                    return False
        return True

    def add(self, c: Candidate, position: int, spec: str) -> None:
        """Write `spec`, candidate `c`'s text, headed by its manifest entry."""
        entry = {"hash": c.hash, "params": c.params, "macs": c.macs, "space": self.space, "lineage": {
            "parent": c.lineage.parent, "mutation": c.lineage.mutation, "seed": c.lineage.seed, "index": position}}
        text = HEADER + json.dumps(entry) + "\n" + spec
        self.entries.pop(c.hash, None)  # a rerun's entry replaces the earlier one, at the end
        write_atomic(self.path / f"{c.hash}.arch", text, SAMPLE_SPEC)
        self.entries[c.hash] = entry

    def write_manifest(self) -> None:
        write_atomic(self.path / MANIFEST, "".join(json.dumps(e) + "\n" for e in self.entries.values()),
                     Artifact("sample manifest", lambda p: True))


def _line_of(line: str, space: dict[str, Any]) -> bool:
    entry = json.loads(line)
    return isinstance(entry, dict) and isinstance(entry.get("hash"), str) and entry.get("space") == space


def _sample_spec(path: Path) -> bool:
    return entry_of(path) is not None


SAMPLE_SPEC = Artifact("sample spec archdsl wrote", _sample_spec)


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
    """Write this shard's part of the run's `count` candidates into the sample folder `out`
    (created if missing; an earlier sample folder of the same space is added to)."""
    from archdsl.nas.printer import print_topology  # looked up per run, so tests can replace it

    folder = SampleFolder.open(out, space_of(space))
    folder.path.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    seen: set[str] = set()
    written = position = draws = 0
    with sigterm_cleans_up():
        try:
            while position < count:
                draws += 1
                if draws > DRAWS_PER_CANDIDATE * (count + 10):
                    return SampleResult(position, written, complete=False)
                c = space.sample_candidate(rng, seed=seed)
                if c.hash in seen or not space.within_budget(c):
                    continue
                seen.add(c.hash)
                position += 1
                if shard.owns(position):
                    folder.add(c, position, print_topology(c.topology, comment=f"seed {seed}, #{position}"))
                    written += 1
                if progress is not None:
                    progress(position, written)
        finally:  # also on Ctrl-C and SIGTERM: the manifest lists exactly the specs written
            folder.write_manifest()
    return SampleResult(position, written, complete=True)
