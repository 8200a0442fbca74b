"""archdsl's SpineNet-49S trained by Model Garden's own trainer on CPU, in three strategies.

Each test runs `examples/modelgarden/train_tiny.py` in subprocesses with a timeout (tiny
TFRecords, 128 px, batch 2, one step per run): the default strategy (RetinaNet and semantic
segmentation), MirroredStrategy over two logical CPUs, and MultiWorkerMirroredStrategy with two
worker processes on 127.0.0.1 (TF_CONFIG) that the test starts and always kills. Each must write
a checkpoint, resume from it in a second run (one more train loop, not two: every worker resumes
from the chief's checkpoint), report evaluation metrics, keep its losses finite, and export a
SavedModel through Model Garden's `export_saved_model_lib` whose serving signature runs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.training
SCRIPT = ROOT / "examples" / "modelgarden" / "train_tiny.py"
TIMEOUT = 2400  # seconds per process: ~2 CPU-minutes each, far more wall time on a shared machine


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **extra}
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def _launch(workdir: Path, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    out = log.open("w")
    return subprocess.Popen([sys.executable, str(SCRIPT), str(workdir), "--steps", "1", *args],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait(procs: list[subprocess.Popen], logs: list[Path]) -> None:
    try:
        for proc, log in zip(procs, logs):
            rc = proc.wait(timeout=TIMEOUT)
            assert rc == 0, f"{log.name} exited {rc}:\n" + log.read_text()[-4000:]
    finally:
        for proc in procs:  # a failed or timed-out worker must not outlive the test
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _check(result: dict, eval_key: str, export_key: str, replicas: int) -> None:
    first, second = result["runs"]
    assert result["replicas"] == replicas
    assert first["checkpoint"].endswith("ckpt-1") and second["checkpoint"].endswith("ckpt-2")
    assert len(first["train"]) == 1 and len(second["train"]) == 1, "the second run did not resume"
    assert result["finite"] and "training_loss" in first["train"][0]
    assert all(eval_key in e for r in (first, second) for e in r["eval"]) and second["eval"]
    assert export_key in result["export"]


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.mark.parametrize("task, eval_key, export_key", [("retinanet", "AP", "detection_boxes"),
                                                         ("seg", "mean_iou", "logits")])
def test_default_strategy(tmp_path, task, eval_key, export_key):
    log = tmp_path / "log.txt"
    _wait([_launch(tmp_path, ["--task", task], _env(), log)], [log])
    _check(json.loads((tmp_path / "result-0.json").read_text()), eval_key, export_key, replicas=1)


def test_mirrored_two_cpus(tmp_path):
    log = tmp_path / "log.txt"
    _wait([_launch(tmp_path, ["--strategy", "mirrored"], _env(), log)], [log])
    _check(json.loads((tmp_path / "result-0.json").read_text()), "AP", "detection_boxes", replicas=2)


def test_multi_worker_two_processes(tmp_path):
    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    procs, logs = [], []
    try:
        for i in range(2):
            config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}})
            logs.append(tmp_path / f"log-{i}.txt")
            procs.append(_launch(tmp_path, ["--strategy", "multi_worker"], _env(TF_CONFIG=config), logs[-1]))
    finally:
        _wait(procs, logs)
    chief = json.loads((tmp_path / "result-0.json").read_text())
    _check(chief, "AP", "detection_boxes", replicas=2)
    other = json.loads((tmp_path / "result-1.json").read_text())
    assert other["replicas"] == 2 and other["finite"]
    assert chief["barrier"] == other["barrier"] == 2.0  # both stayed until the chief had exported
    assert [len(r["train"]) for r in other["runs"]] == [1, 1], "the second worker did not resume"
    # One model, two workers: the chief and the other worker report the same training loss.
    assert other["runs"][1]["train"][0]["training_loss"] == pytest.approx(chief["runs"][1]["train"][0]["training_loss"])
