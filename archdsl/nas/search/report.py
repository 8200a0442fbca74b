"""What a search leaves in its store folder: the best specs, a results table and the Pareto plot.

    best/<hash>.arch   the Pareto front over the objectives (with one objective: the best trial),
                       each with a comment naming its metrics, written atomically
    results.csv        one row per trial: hash, status, lineage, params, MACs, metrics, seconds, error
    pareto.png         every finished trial, first objective against the second (or params when
                       there is only one objective), the front highlighted (matplotlib)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archdsl.fileio import write_atomic
from archdsl.nas.search.pareto import first_front
from archdsl.nas.search.store import Record, Store
from archdsl.nas.search.strategies import Objective


def plotted(objectives: Sequence[Objective]) -> list[Objective]:
    """The objectives the front and the plot use: two, `params:min` added to a single one."""
    obj = list(objectives)
    return obj if len(obj) > 1 else obj + [Objective("params", False)]


def _value(rec: Record, name: str) -> float | None:
    if rec.metrics and name in rec.metrics:
        return rec.metrics[name]
    return float(getattr(rec, name)) if name in ("params", "macs") else None


def front(records: Sequence[Record], objectives: Sequence[Objective]) -> list[Record]:
    """The non-dominated finished records over `objectives` (records missing a value are left out)."""
    rows = [(r, [_value(r, o.name) for o in objectives]) for r in records if r.status == "done"]
    rows = [(r, v) for r, v in rows if None not in v]
    idx = first_front([[o.score(x) for o, x in zip(objectives, v)] for _, v in rows])  # type: ignore[arg-type]
    best = [rows[i][0] for i in idx]
    return sorted(best, key=lambda r: -objectives[0].score(_value(r, objectives[0].name) or 0.0))


def table(records: Sequence[Record]) -> list[dict[str, Any]]:
    """One JSON-able dict per trial."""
    return [{"hash": r.hash, "status": r.status, "parent": r.parent, "mutation": r.mutation, "seed": r.seed,
             "params": r.params, "macs": r.macs, "metrics": r.metrics, "seconds": r.seconds, "error": r.error}
            for r in records]


def write_csv(store: Store, rows: list[dict[str, Any]]) -> Path:
    names = sorted({k for r in rows for k in (r["metrics"] or {})})
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["hash", "status", "parent", "mutation", "seed", "params", "macs", *names, "seconds", "error"])
    for r in rows:
        m = r["metrics"] or {}
        w.writerow([r["hash"], r["status"], r["parent"] or "", r["mutation"], r["seed"], r["params"], r["macs"],
                    *[m.get(n, "") for n in names], r["seconds"] or "", (r["error"] or "").strip()])
    path = store.root / "results.csv"
    write_atomic(path, out.getvalue())
    return path


def write_best(store: Store, best: Sequence[Record]) -> list[Path]:
    folder = store.root / "best"
    folder.mkdir(exist_ok=True)
    paths = []
    for r in best:
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in (r.metrics or {}).items())
        path = folder / f"{r.hash}.arch"
        write_atomic(path, f"# archdsl search: {metrics}; {r.params:,} params, {r.macs:,} MACs\n{r.spec}")
        paths.append(path)
    return paths


def _xy(records: Sequence[Record], x: str, y: str) -> list[tuple[float, float]]:
    pairs = [(_value(r, x), _value(r, y)) for r in records]
    return [(a, b) for a, b in pairs if a is not None and b is not None]


def plot(store: Store, records: Sequence[Record], objectives: Sequence[Objective], best: Sequence[Record]) -> Path:
    """The Pareto plot (matplotlib's Agg back-end: no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y, x = objectives[0], objectives[1]
    done = _xy([r for r in records if r.status == "done"], x.name, y.name)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ax.scatter([p[0] for p in done], [p[1] for p in done], s=14, c="0.6", label="trials")
    pts = sorted(_xy(best, x.name, y.name))
    ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", c="tab:red", ms=5, label="Pareto front")
    ax.set_xlabel(str(x))
    ax.set_ylabel(str(y))
    ax.set_title(f"archdsl search: {len(done)} trials, {len(best)} on the front")
    ax.legend(loc="best")
    fig.tight_layout()
    path = store.root / "pareto.png"
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    write_atomic(path, buf.getvalue())
    return path
