"""Model Garden's trainer, steps per second: archdsl's SpineNet-49S backbone against Model
Garden's own SpineNet-49S, same experiment, same process, rounds alternating.

    python benchmarks/bench_mg_train.py [--size 128] [--batch 2] [--steps 5] [--rounds 5] [--markdown]

Both trainers come from the `retinanet_archdsl` experiment with the tiny YAML of
`examples/modelgarden/` (RetinaNet, SpineNet-49S, swish, no sync BN, weight decay on), differing
only in `backbone` (`type: archdsl` with `specs/spinenet49S.arch`, or `type: spinenet` with
`model_id: 49S`), on the same synthetic TFRecords. Each is built by Model Garden's
`train_utils.create_trainer` and warmed up with one `trainer.train` call (which traces the train
step); then each round times `trainer.train(steps)` for one, then the other (the order swaps every
round, so drift on a shared machine hits both alike). The ratio is archdsl seconds per step over
Model Garden's (goal <= 1.0), from the medians. The output is always this benchmark's section of
BENCHMARKS.md (`--markdown` is accepted for `benchmarks/run`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import tensorflow as tf  # noqa: E402
from archdsl.modelgarden.synthetic import write_records  # noqa: E402
from archdsl.modelgarden.train import experiment  # noqa: E402
from official.core import task_factory, train_utils  # noqa: E402

YAML = os.path.join(ROOT, "examples", "modelgarden", "retinanet_spinenet49S_tiny.yaml")
BACKBONES = {
    "archdsl": {"type": "archdsl", "archdsl": {"spec": os.path.join(ROOT, "specs", "spinenet49S.arch")}},
    "Model Garden": {"type": "spinenet", "spinenet": {"model_id": "49S", "min_level": 3, "max_level": 7}},
}


def make_trainer(backbone: dict, data: str, size: int, batch: int):
    override = {"task": {"model": {"backbone": backbone, "input_size": [size, size, 3]},
                         "train_data": {"input_path": data, "global_batch_size": batch},
                         "validation_data": {"input_path": data}},
                "trainer": {"train_steps": 10**6}}
    params = experiment("retinanet_archdsl", [YAML], override)
    task = task_factory.get_task(params.task)
    trainer = train_utils.create_trainer(params, task, train=True, evaluate=False)
    trainer.train(tf.constant(1, tf.int32))  # traces the train step
    return trainer


def timed(trainer, steps: int) -> float:
    start = time.perf_counter()
    logs = trainer.train(tf.constant(steps, tf.int32))
    float(logs["training_loss"])  # wait for the step to finish
    return (time.perf_counter() - start) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5, help="train steps per timed call")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = write_records(tmp, shards=2, per_shard=8, size=args.size).pattern
        trainers = {name: make_trainer(b, data, args.size, args.batch) for name, b in BACKBONES.items()}
        times: dict[str, list[float]] = {name: [] for name in trainers}
        for r in range(args.rounds):
            order = list(trainers) if r % 2 == 0 else list(reversed(trainers))
            for name in order:
                times[name].append(timed(trainers[name], args.steps))
    med = {name: statistics.median(t) for name, t in times.items()}
    ratio = med["archdsl"] / med["Model Garden"]
    load = os.getloadavg()[0]
    cmd = (f"python benchmarks/bench_mg_train.py --size {args.size} --batch {args.batch} "
           f"--steps {args.steps} --rounds {args.rounds}")
    print("## Training in Model Garden: archdsl's SpineNet-49S vs Model Garden's (issue 16)\n")
    print(f"Command: `{cmd}` (RetinaNet, {args.size}x{args.size}, batch {args.batch}, CPU, default "
          f"strategy; load average {load:.2f} at the end). Seconds per step are medians of {args.rounds} "
          f"alternating rounds of {args.steps} steps each, after one warm-up call per trainer.\n")
    print("| backbone | steps/s | s/step (median) | rounds (s/step) |")
    print("|---|---:|---:|---|")
    for name, t in times.items():
        print(f"| {name} SpineNet-49S | {1 / med[name]:.2f} | {med[name]:.3f} | {', '.join(f'{x:.3f}' for x in t)} |")
    verdict = "**met**" if ratio <= 1.0 else ("within noise" if ratio <= 1.05 else "**not met**")
    print(f"| **ratio** archdsl / Model Garden (s/step) | | **{ratio:.2f}** (goal <= 1.0: {verdict}) | |")


if __name__ == "__main__":
    main()
