"""The search driver on Ray Tune: a `Searcher` that asks a strategy, claims in the store, and records.

    store = Store(dir); store.release_dead()        # a killed driver's claims become pending
    strategy replays every finished row (population restored), pending rows run first
    Tuner(trainable, search_alg=ConcurrencyLimiter(ArchSearcher, workers), num_samples=remaining).fit()

Each trial is a Tune function trial: a fresh Ray actor process (actors are not reused), so
TensorFlow memory never builds up across trials, with its resource request (`cpus_per_trial`,
`gpus_per_trial`). A process that dies is retried by Tune's `FailureConfig`, then recorded as
failed. Ray starts locally (`num_cpus = workers * cpus_per_trial`, no dashboard, a small object
store) unless `address` names a cluster to join. Progress lines go to stderr.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archdsl.nas.search.spaces import Point, Space
from archdsl.nas.search.store import Record, Store, owner_id
from archdsl.nas.search.strategies import STRATEGIES, Objective, SpaceExhausted, Strategy
from archdsl.nas.space import Lineage

OBJECT_STORE_BYTES = 200 * 1024**2  # the machine is shared; trial results are a few bytes


@dataclass
class Settings:
    """What a search is; everything but `trials`, `workers` and `address` must match on resume."""

    space: str
    strategy: str
    evaluator: str
    defines: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    objectives: list[str] | None = None
    seed: int = 0
    strategy_options: dict[str, Any] = field(default_factory=dict)
    space_options: dict[str, Any] = field(default_factory=dict)  # --dim, --blocks, budgets

    def fixed(self) -> dict[str, Any]:
        return {"space": self.space, "strategy": self.strategy, "evaluator": self.evaluator,
                "defines": self.defines, "options": self.options, "objectives": self.objectives,
                "seed": self.seed, "strategy_options": self.strategy_options, "space_options": self.space_options}


def scores(objectives: Sequence[Objective], metrics: dict[str, float], point_or_record: Any) -> tuple[float, ...]:
    """Maximised scores of a finished trial; static costs `params` and `macs` come from the store."""
    out = []
    for o in objectives:
        if o.name in metrics:
            out.append(o.score(metrics[o.name]))
        elif o.name in ("params", "macs"):
            out.append(o.score(getattr(point_or_record, o.name)))
        else:
            raise KeyError(f"no metric {o.name!r} among {', '.join(metrics)}")
    return tuple(out)


class Progress:
    """Counts and the best first objective, one line on stderr per finished trial."""

    def __init__(self, store: Store, total: int, stream=sys.stderr):
        self.store, self.total, self.stream = store, total, stream

    def show(self, objectives: Sequence[Objective] | None) -> None:
        c = self.store.counts()
        best = ""
        if objectives:
            o = objectives[0]
            values = [r.metrics[o.name] for r in self.store.records("done") if r.metrics and o.name in r.metrics]
            if values:
                best = f", best {o.name} {(max if o.maximize else min)(values):.4g}"
        print(f"search: {c['done'] + c['failed']}/{self.total} finished ({c['done']} done, {c['failed']} failed), "
              f"{c['running']} running{best}", file=self.stream, flush=True)


class Driver:
    """The bookkeeping the Searcher delegates to: which point next, and what a result means."""

    def __init__(self, store: Store, space: Space, settings: Settings, total: int, paths: Sequence[str]):
        self.store, self.space, self.settings, self.total = store, space, settings, total
        self.objectives = [Objective.parse(o) for o in settings.objectives] if settings.objectives else None
        self.owner = owner_id()
        self.paths = list(paths)
        finished = store.records("done", "failed")
        rng = random.Random(f"{settings.seed}:{len(finished)}")  # a resumed run continues, not repeats
        cls = STRATEGIES[settings.strategy]
        self.strategy: Strategy = cls(space, rng, seen=store.seen, seed=settings.seed,
                                      **settings.strategy_options)
        for rec in finished:  # replay in proposal order: evolution's population is the last ones
            self._tell(self._point(rec), rec.metrics if rec.status == "done" else None)
        self.pending = [self._point(r) for r in store.records("pending")]
        self.progress = Progress(store, total)

    def _point(self, rec: Record) -> Point:
        return self.space.point(rec.genome, Lineage(rec.parent, rec.mutation, rec.seed))

    def remaining(self) -> int:
        c = self.store.counts()
        return max(0, self.total - c["done"] - c["failed"] - c["running"])

    def next_config(self) -> dict[str, Any] | None:
        """The next claimed point as a trial config, or None when the run is complete or exhausted."""
        if self.remaining() <= 0:
            return None
        while True:
            if self.pending:
                point = self.pending.pop(0)
            else:
                try:
                    point = self.strategy.ask()
                except SpaceExhausted as exc:
                    print(f"search: {exc}", file=sys.stderr)
                    return None
            if self.store.claim(point, self.space.encode(point.genome), self.owner):
                break
        return {"hash": point.hash, "text": point.text, "evaluator": self.settings.evaluator,
                "options": self.settings.options, "paths": self.paths, "cwd": os.getcwd(),
                "store": str(self.store.root.resolve()), "owner": self.owner}

    def record(self, config: dict[str, Any], result: dict[str, Any] | None) -> None:
        """A trial finished (result from the worker) or its process died (result None)."""
        if result is None:
            result = {"error": "the trial's process died before reporting (see the Ray logs)", "seconds": None}
        self.store.finish(config["hash"], result.get("metrics"), result.get("error"), result.get("seconds"), self.owner)
        rec = self.store.record(config["hash"])
        assert rec is not None, "a claimed hash has a row"
        self._tell(self._point(rec), rec.metrics if rec.status == "done" else None)
        self.progress.show(self.objectives)

    def _tell(self, point: Point, metrics: dict[str, float] | None) -> None:
        if metrics is not None and self.objectives is None:
            self.objectives = [Objective(next(iter(metrics)))]  # the evaluator's first metric, maximised
        try:
            self.strategy.tell(point, None if metrics is None else scores(self.objectives or [], metrics, point))
        except KeyError as exc:
            print(f"search: {point.hash}: {exc.args[0]}", file=sys.stderr)
            self.strategy.tell(point, None)


def _trainable(config: dict[str, Any]) -> dict[str, str]:
    from archdsl.nas.search.trial import run_trial
    return {"archdsl_result": json.dumps(run_trial(config))}


# Tune pickles its searcher with the experiment state; the searcher names its driver by key so that
# the store's SQLite connection and the strategy stay in this process (cloudpickle pickles the local
# class by value, but the module-level `_driver` by reference).
_DRIVERS: dict[int, Driver] = {}


def _driver(key: int) -> Driver:
    return _DRIVERS[key]


def _searcher(key: int):
    from ray.tune.search import Searcher

    class ArchSearcher(Searcher):
        """Tune's view of the driver: suggest claims a point, completion records it."""

        def __init__(self) -> None:
            super().__init__()
            self.key = key
            self.configs: dict[str, dict[str, Any]] = {}

        def suggest(self, trial_id: str) -> dict | None:
            config = _driver(self.key).next_config()
            if config is None:
                return Searcher.FINISHED  # type: ignore[return-value]  # Tune's documented sentinel
            self.configs[trial_id] = config
            return config

        def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
            config = self.configs.pop(trial_id, None)
            if config is None:
                return
            found = (result or {}).get("archdsl_result")
            _driver(self.key).record(config, None if error or found is None else json.loads(found))

        def save(self, checkpoint_path: str) -> None:
            """Nothing to save: the result store is the search's state."""

        def restore(self, checkpoint_path: str) -> None:
            """Nothing to restore: a new driver reads the result store."""

    return ArchSearcher()


def run(driver: Driver, workers: int = 2, address: str | None = None, cpus_per_trial: float = 1,
        gpus_per_trial: float = 0, retries: int = 1) -> None:
    """Run the driver's remaining trials on Ray Tune, `workers` at a time."""
    if driver.remaining() <= 0:
        return
    import ray
    from ray import tune
    from ray.tune.search import ConcurrencyLimiter

    # Tune's console tables and per-trial logger files duplicate the store; keep stderr for progress.
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    _DRIVERS[id(driver)] = driver
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "warning"}
        if address:
            kwargs["address"] = address
        else:
            kwargs.update(num_cpus=max(1, int(workers * cpus_per_trial)), object_store_memory=OBJECT_STORE_BYTES)
        ray.init(**kwargs)
        started = True
    try:
        trainable = tune.with_resources(_trainable, {"cpu": cpus_per_trial, "gpu": gpus_per_trial})
        tuner = tune.Tuner(
            trainable,
            tune_config=tune.TuneConfig(search_alg=ConcurrencyLimiter(_searcher(id(driver)), max_concurrent=workers),
                                        num_samples=driver.remaining(), reuse_actors=False),
            run_config=tune.RunConfig(name=f"search-{int(time.time())}", verbose=0,
                                      storage_path=str(driver.store.root.resolve() / "ray"),
                                      failure_config=tune.FailureConfig(max_failures=retries)))
        tuner.fit()
    finally:
        _DRIVERS.pop(id(driver), None)
        if started:
            ray.shutdown()
