"""The result store: claims are atomic across processes, dead drivers' claims come back, settings stick."""

import multiprocessing
import random
import subprocess
import sys

from archdsl.nas.search.spaces import SpineNetSpace
from archdsl.nas.search.store import Store


def _points(n=12):
    space = SpineNetSpace({"input_size": 128})
    rng = random.Random(0)
    return space, [space.sample(rng, seed=0) for _ in range(n)]


def _claim_all(root, owner, queue):
    space, points = _points()
    store = Store(root)
    queue.put([p.hash for p in points if store.claim(p, space.encode(p.genome), owner)])
    store.close()


def test_two_processes_never_claim_the_same_hash(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_claim_all, args=(str(tmp_path), f"w{i}:1", queue)) for i in range(2)]
    for w in workers:
        w.start()
    won = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    _, points = _points()
    assert sorted(won[0] + won[1]) == sorted(p.hash for p in points)  # each hash won exactly once


def test_a_row_keeps_spec_lineage_costs_metrics_and_timings(tmp_path):
    space, points = _points(3)
    store = Store(tmp_path)
    parent = points[0]
    child = space.mutate(parent, random.Random(1), seed=7)
    assert store.claim(child, space.encode(child.genome))
    assert not store.claim(child, space.encode(child.genome))
    assert store.finish(child.hash, {"acc": 0.5}, None, 1.25)
    assert not store.finish(child.hash, {"acc": 0.9}, None, 1.0)  # a finished hash is final
    (rec,) = store.records()
    assert (rec.parent, rec.mutation.split()[0], rec.seed) == (parent.hash, child.lineage.mutation.split()[0], 7)
    assert (rec.spec, rec.params, rec.macs, rec.metrics, rec.seconds) == \
        (child.text, child.params, child.macs, {"acc": 0.5}, 1.25)
    assert rec.status == "done" and rec.claimed <= rec.finished
    assert space.point(rec.genome, child.lineage).hash == child.hash
    store.claim(points[1], space.encode(points[1].genome))
    store.finish(points[1].hash, None, "Traceback: boom", 0.1)
    assert store.counts() == {"pending": 0, "running": 0, "done": 1, "failed": 1}
    assert store.records("failed")[0].error == "Traceback: boom"


def test_claims_of_a_dead_process_become_pending_and_only_the_owner_may_finish(tmp_path):
    space, points = _points(2)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket
    store = Store(tmp_path)
    owner = f"{socket.gethostname()}:{dead.stdout.strip()}"
    assert store.claim(points[0], space.encode(points[0].genome), owner)
    assert store.claim(points[1], space.encode(points[1].genome), "elsewhere:1")  # another host: left alone
    assert not store.finish(points[0].hash, {"acc": 1.0}, None, 1.0)  # not this process's claim
    assert store.release_dead() == 1
    assert [r.hash for r in store.records("pending")] == [points[0].hash]
    assert store.claim(points[0], space.encode(points[0].genome))  # a new driver takes it over
    assert store.finish(points[0].hash, {"acc": 1.0}, None, 1.0)


def test_settings_are_recorded_once_and_conflicts_named(tmp_path):
    store = Store(tmp_path)
    assert store.check_settings({"space": "spinenet", "seed": 0}) == {}
    assert store.check_settings({"space": "spinenet", "seed": 0}) == {}
    assert Store(tmp_path).check_settings({"space": "nasfpn", "seed": 0}) == {"space": ("spinenet", "nasfpn")}
