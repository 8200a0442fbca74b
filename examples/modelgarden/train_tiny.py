"""Train an archdsl backbone end to end with Model Garden on CPU, resume, evaluate and export.

    python examples/modelgarden/train_tiny.py WORKDIR [--task retinanet|seg]
        [--strategy default|mirrored|multi_worker] [--steps 2]

Writes a synthetic TFRecord dataset (`archdsl.modelgarden.synthetic`), loads the experiment
(`retinanet_archdsl` or `seg_archdsl`) with the YAML next to this file, and runs Model Garden's
`train_lib.run_experiment` in `train_and_eval` mode twice: `--steps` steps, then as many again in a
fresh task and trainer that must resume from the first run's checkpoint. The chief then exports
a SavedModel with Model Garden's `export_saved_model_lib` (through `archdsl.modelgarden.export`,
which skips tf-keras's per-layer traces) and runs its serving signature once.
`mirrored` splits the CPU into two logical devices; `multi_worker` reads TF_CONFIG (start one
process per worker; every worker resumes from the chief's checkpoint, and all wait for the
chief's export before leaving). A JSON summary goes to WORKDIR/result-<worker>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

HERE = Path(__file__).resolve().parent
TASKS = {"retinanet": ("retinanet_archdsl", "retinanet_spinenet49S_tiny.yaml"),
         "seg": ("seg_archdsl", "seg_spinenet49S_tiny.yaml")}


def make_strategy(kind: str) -> tf.distribute.Strategy:
    """Made before any other TensorFlow work, as logical devices and collectives require."""
    if kind == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    if kind == "multi_worker":
        from archdsl.modelgarden.train import multi_worker_strategy

        return multi_worker_strategy()  # a generous heartbeat timeout: CI machines are loaded
    return tf.distribute.get_strategy()


def floats(logs: dict) -> dict:
    """The scalar entries of a train or eval output (eval may also carry image summaries)."""
    out = {}
    for k, v in logs.items():  # values may be numpy, tensors or (mirrored) variables
        value = np.asarray(tf.convert_to_tensor(v))
        if value.shape == () and value.dtype.kind in "fiu":
            out[k] = float(value)
    return out


def phase(name: str, yaml: Path, data, model_dir: str, steps: int, strategy) -> dict:
    from archdsl.modelgarden.train import experiment, run

    task = {"train_data": {"input_path": data.pattern}, "validation_data": {"input_path": data.pattern}}
    if name.startswith("retinanet"):
        task["annotation_file"] = data.annotations
    override = {"task": task, "trainer": {"train_steps": steps}}
    params = experiment(name, [str(yaml)], override)
    train, evals = [], []
    run(params, model_dir, "train_and_eval", strategy,
        train_actions=[lambda out: train.append(floats(out))], eval_actions=[lambda out: evals.append(floats(out))])
    return {"params": params, "train": train, "eval": evals, "checkpoint": tf.train.latest_checkpoint(model_dir)}


def export(params, checkpoint: str, export_dir: str) -> dict:
    from archdsl.modelgarden.export import export_saved_model  # Model Garden's exporter, no layer traces

    size = list(params.task.model.input_size[:2])
    export_saved_model(params, checkpoint, export_dir, input_image_size=size)
    served = tf.saved_model.load(export_dir)
    out = served.signatures["serving_default"](tf.zeros([1, *size, 3], tf.uint8))
    return {k: list(v.shape) for k, v in out.items()}


def wait_for_all(strategy) -> float:
    """A sum over every replica: the chief exports alone while the other workers wait here, so
    no worker leaves the run early (the coordination service would report it as crashed)."""
    return float(tf.function(lambda: strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None))())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workdir")
    ap.add_argument("--task", choices=sorted(TASKS), default="retinanet")
    ap.add_argument("--strategy", choices=["default", "mirrored", "multi_worker"], default="default")
    ap.add_argument("--steps", type=int, default=2)
    args = ap.parse_args()
    strategy = make_strategy(args.strategy)

    from archdsl.modelgarden.synthetic import write_records

    worker = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {}).get("index", 0)
    work = Path(args.workdir)
    data = write_records(work / f"data-{worker}")  # one copy per worker: no two processes write a file
    name, yaml = TASKS[args.task]
    model_dir = str(work / "model")
    first = phase(name, HERE / yaml, data, model_dir, args.steps, strategy)
    second = phase(name, HERE / yaml, data, model_dir, 2 * args.steps, strategy)
    rows = [row for r in (first, second) for row in r["train"] + r["eval"]]
    result = {
        "replicas": strategy.num_replicas_in_sync,
        "runs": [{k: v for k, v in r.items() if k != "params"} for r in (first, second)],
        "finite": all(math.isfinite(x) for row in rows for x in row.values()),
    }
    if worker == 0:
        result["export"] = export(second["params"], second["checkpoint"], str(work / "export"))
    if args.strategy == "multi_worker":
        result["barrier"] = wait_for_all(strategy)
    (work / f"result-{worker}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
