"""`archdsl search` end to end on local Ray with two workers, on a tiny synthetic task made here.

The task: a two-conv spec searched over `width` (a --dim) and `activation` (a declared choice), a
Python evaluator that logs every hash it evaluates and its process id, and a score from the built
graph. Each trial imports TensorFlow in a fresh process, so these tests take a while; they are
marked `search` and kept to a few trials.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.search

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
arch tiny(input_size = 32, activation: relu | swish = relu, width = 8) {
  defaults act(activation)
  input image: [input_size, input_size, 3]
  stem = conv 3x3 /2 width -> bn -> act <- image
  c = conv 3x3 /2 width -> bn -> act <- stem
  return c
}
"""

EVALUATOR = """\
import os, time
import archdsl

def evaluate(model, arch, log, pause=0.0, fail_width=None, die_width=None):
    time.sleep(float(pause))
    width = model.layers[1].filters
    if fail_width is not None and width == int(fail_width):
        raise RuntimeError("this width is broken on purpose")
    if die_width is not None and width == int(die_width):
        os._exit(3)  # the trial's process dies without a word
    with open(log, "a") as f:
        f.write(f"{archdsl.hash(arch)} {os.getpid()}\\n")
    return {"score": float(width) - (3.0 if "swish" in arch.to_text() else 0.0)}
"""


def _task(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "tiny.arch").write_text(SPEC)
    (tmp_path / "synth_eval.py").write_text(EVALUATOR)
    log = tmp_path / "evaluated.log"
    cmd = [sys.executable, "-m", "archdsl.cli", "search", "--space", "tiny.arch", "--dim", "width=4,6,8,10,12,16",
           "--evaluator", "synth_eval:evaluate", "-O", f"log={log}", "--store", "store", "--workers", "2"]
    return log, cmd


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _rows(tmp_path: Path) -> list[tuple]:
    path = tmp_path / "store" / "results.sqlite"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        try:
            return db.execute("SELECT hash, status, error FROM trials").fetchall()
        except sqlite3.OperationalError:  # the driver has created the file but not yet its tables
            return []


def test_a_ten_trial_search_on_two_workers_completes(tmp_path):
    log, cmd = _task(tmp_path)
    run = subprocess.run(cmd + ["--strategy", "evolution", "--population", "4", "--sample-size", "2", "--trials", "10",
                                "-O", "fail_width=6", "-O", "die_width=4", "--retries", "0", "--json"],
                         cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = json.loads(run.stdout)
    assert len(rows) == 10 and len({r["hash"] for r in rows}) == 10
    failed = [r for r in rows if r["status"] == "failed"]
    raised = [r for r in failed if "broken on purpose" in r["error"]]  # recorded with its traceback
    died = [r for r in failed if "process died" in r["error"]]  # recorded, not lost
    assert raised and died and len(raised) + len(died) == len(failed)
    assert len(failed) + sum(r["status"] == "done" for r in rows) == 10
    evaluated = [line.split() for line in log.read_text().splitlines()]
    assert sorted(h for h, _ in evaluated) == sorted(r["hash"] for r in rows if r["status"] == "done")
    assert len({pid for _, pid in evaluated}) == len(evaluated)  # every trial in its own process
    assert "10/10 finished" in run.stderr
    store = tmp_path / "store"
    assert (store / "pareto.png").stat().st_size > 1000 and (store / "results.csv").exists()
    best = list((store / "best").glob("*.arch"))
    assert best and all(p.read_text().startswith("# archdsl search: score") for p in best)


def test_a_killed_search_resumes_without_evaluating_a_hash_twice(tmp_path):
    log, cmd = _task(tmp_path)
    cmd += ["--strategy", "random", "--trials", "6", "-O", "pause=1"]
    first = subprocess.Popen(cmd, cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        deadline = time.time() + 600
        while time.time() < deadline and first.poll() is None:
            if sum(s == "done" for _, s, _ in _rows(tmp_path)) >= 2:
                break
            time.sleep(0.5)
        assert first.poll() is None, "the search finished before it could be killed"
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        try:  # whatever the driver started (Ray's local processes) goes with it, as in a crash
            os.killpg(first.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    done_before = {h for h, s, _ in _rows(tmp_path) if s == "done"}
    assert 2 <= len(done_before) < 6
    second = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    rows = _rows(tmp_path)
    assert len(rows) == 6 and all(s == "done" for _, s, _ in rows), rows
    evaluated = [line.split()[0] for line in log.read_text().splitlines()]
    assert len(evaluated) == len(set(evaluated)) == 6  # no hash evaluated twice
    assert done_before <= set(evaluated)
