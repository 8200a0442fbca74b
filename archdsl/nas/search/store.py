"""The result store: one SQLite file (stdlib `sqlite3`) per search, one row per canonical hash.

A row holds the candidate's spec text, genome, lineage (parent hash, mutation, seed), static costs,
status (`running`, `done`, `failed`, or `pending`: claimed by a driver that died), metrics, error
text and timings. The hash is the primary key and a claim is one conditional write inside an
immediate transaction, so two drivers or workers never both win the same hash. A driver's claims
name it (`host:pid`); a new driver on the same host hands the claims of dead processes back as
`pending` and runs them first, which is what makes a killed search resumable without re-running
any finished hash. `meta` records the search's settings so a resume with other settings is refused.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archdsl.nas.search.spaces import Point

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trials (
  hash TEXT PRIMARY KEY, seq INTEGER NOT NULL, spec TEXT NOT NULL, genome TEXT NOT NULL,
  parent TEXT, mutation TEXT NOT NULL, seed INTEGER, params INTEGER NOT NULL, macs INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  owner TEXT, metrics TEXT, error TEXT, claimed REAL, finished REAL, seconds REAL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
FILE = "results.sqlite"


@dataclass(frozen=True)
class Record:
    """One row of the store."""

    hash: str
    seq: int
    spec: str
    genome: str
    parent: str | None
    mutation: str
    seed: int | None
    params: int
    macs: int
    status: str
    owner: str | None
    metrics: dict[str, float] | None
    error: str | None
    claimed: float | None
    finished: float | None
    seconds: float | None


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Store:
    """The SQLite result store in folder `root` (created if missing)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / FILE
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE takes the write lock).
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ---- settings
    def check_settings(self, settings: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
        """Record `settings` on first use; afterwards return those that differ (name -> (stored, given))."""
        given = json.loads(json.dumps(settings))
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('settings', ?)", (json.dumps(given),))
                return {}
        stored = json.loads(row[0])
        return {k: (stored.get(k), given.get(k)) for k in set(stored) | set(given) if stored.get(k) != given.get(k)}

    # ---- claims
    def claim(self, point: Point, encoded_genome: str, owner: str | None = None) -> bool:
        """Make `point` this owner's running trial; False when another claim or result holds it."""
        owner = owner or owner_id()
        now = time.time()
        lin = point.lineage
        with self._write() as db:
            cur = db.execute("UPDATE trials SET status = 'running', owner = ?, claimed = ? "
                             "WHERE hash = ? AND status = 'pending'", (owner, now, point.hash))
            if cur.rowcount:
                return True
            (seq,) = db.execute("SELECT COUNT(*) FROM trials").fetchone()
            cur = db.execute("INSERT OR IGNORE INTO trials (hash, seq, spec, genome, parent, mutation, seed, params, "
                             "macs, status, owner, claimed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
                             (point.hash, seq, point.text, encoded_genome, lin.parent, lin.mutation, lin.seed,
                              point.params, point.macs, owner, now))
            return bool(cur.rowcount)

    def finish(self, hash_: str, metrics: Mapping[str, float] | None, error: str | None, seconds: float | None,
               owner: str | None = None) -> bool:
        """Record a running trial's result (metrics) or failure (error); False unless `owner` (default:
        this process) holds its claim, so a late worker of a dead driver cannot write over a new claim."""
        status = "failed" if error is not None else "done"
        with self._write() as db:
            cur = db.execute("UPDATE trials SET status = ?, metrics = ?, error = ?, finished = ?, seconds = ? "
                             "WHERE hash = ? AND status = 'running' AND owner = ?",
                             (status, json.dumps(dict(metrics)) if metrics is not None else None, error,
                              time.time(), seconds, hash_, owner or owner_id()))
            return bool(cur.rowcount)

    def release_dead(self) -> int:
        """Hand back (as `pending`) the running claims of dead processes on this host; returns how many."""
        host = socket.gethostname()
        dead = [h for h, owner in self.db.execute("SELECT hash, owner FROM trials WHERE status = 'running'")
                if _dead(owner, host)]
        with self._write() as db:
            for h in dead:
                db.execute("UPDATE trials SET status = 'pending', owner = NULL WHERE hash = ? AND status = 'running'",
                           (h,))
        return len(dead)

    # ---- queries
    def seen(self, hash_: str) -> bool:
        return self.db.execute("SELECT 1 FROM trials WHERE hash = ?", (hash_,)).fetchone() is not None

    def record(self, hash_: str) -> Record | None:
        found = self._select("SELECT * FROM trials WHERE hash = ?", (hash_,))
        return found[0] if found else None

    def records(self, *statuses: str) -> list[Record]:
        """Rows in proposal order, optionally only those with the given statuses."""
        sql = "SELECT * FROM trials"
        if statuses:
            sql += f" WHERE status IN ({', '.join('?' * len(statuses))})"
        return self._select(sql + " ORDER BY seq", statuses)

    def _select(self, sql: str, args: tuple) -> list[Record]:
        cur = self.db.execute(sql, args)
        names = [d[0] for d in cur.description]
        out = []
        for row in cur.fetchall():
            values = dict(zip(names, row))
            values["metrics"] = json.loads(values["metrics"]) if values["metrics"] else None
            out.append(Record(**values))
        return out

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("pending", "running", "done", "failed"), 0)
        out.update(self.db.execute("SELECT status, COUNT(*) FROM trials GROUP BY status").fetchall())
        return out


def _dead(owner: str | None, host: str) -> bool:
    if owner is None:
        return True
    where, _, pid = owner.rpartition(":")
    if where != host or not pid.isdigit():
        return False  # another machine's claim: only that machine can tell whether it lives
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
