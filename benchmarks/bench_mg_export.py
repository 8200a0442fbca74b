"""Model Garden's SavedModel exporter as it is against `archdsl.modelgarden.export` (the same
exporter without tf-keras's per-layer call traces), side by side, on one checkpoint.

    python benchmarks/bench_mg_export.py [--size 128] [--rounds 2]

The model is the RetinaNet with archdsl's SpineNet-49S backbone from the tiny YAML of
`examples/modelgarden/` (the model `tests/training/` trains and exports), built by Model Garden's
task and written once as an untrained checkpoint. Each round exports it both ways (the order
swaps every round), times `tf.saved_model.save` inside the exporter, the whole export and
`tf.saved_model.load`, then runs both serving signatures on one random image: their outputs
must be equal, or the script exits 1. The output is this benchmark's section of BENCHMARKS.md
(`--markdown` is accepted for `benchmarks/run`).
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

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from archdsl.modelgarden.export import export_saved_model  # noqa: E402
from archdsl.modelgarden.synthetic import write_records  # noqa: E402
from archdsl.modelgarden.train import experiment  # noqa: E402
from official.core import task_factory  # noqa: E402
from official.vision.serving import export_saved_model_lib  # noqa: E402

YAML = os.path.join(ROOT, "examples", "modelgarden", "retinanet_spinenet49S_tiny.yaml")
_save = tf.saved_model.save
_saves: list[float] = []


def _timed_save(*args, **kwargs):  # what each exporter spends in tf.saved_model.save
    start = time.perf_counter()
    _save(*args, **kwargs)
    _saves.append(time.perf_counter() - start)


def exporters(size: int):
    def model_garden(params, ckpt, out):
        export_saved_model_lib.export_inference_graph(input_type="image_tensor", batch_size=1,
                                                      input_image_size=[size, size], params=params,
                                                      checkpoint_path=ckpt, export_dir=out)

    def archdsl(params, ckpt, out):
        export_saved_model(params, ckpt, out, input_image_size=[size, size])

    return {"Model Garden export_inference_graph": model_garden, "archdsl.modelgarden.export": archdsl}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    tf.saved_model.save = _timed_save
    image = tf.constant(np.random.default_rng(0).integers(0, 256, [1, args.size, args.size, 3]), tf.uint8)
    times: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = write_records(os.path.join(tmp, "data"), size=args.size)
        params = experiment("retinanet_archdsl", [YAML], {
            "task": {"model": {"input_size": [args.size, args.size, 3]}, "annotation_file": data.annotations,
                     "train_data": {"input_path": data.pattern}, "validation_data": {"input_path": data.pattern}}})
        model = task_factory.get_task(params.task).build_model()
        ckpt = tf.train.Checkpoint(model=model).save(os.path.join(tmp, "ckpt", "ckpt"))
        ways = exporters(args.size)
        for r in range(args.rounds):
            outputs = {}
            for name in (list(ways) if r % 2 == 0 else list(reversed(ways))):
                out = os.path.join(tmp, f"export-{r}-{len(outputs)}")
                start = time.perf_counter()
                ways[name](params, ckpt, out)
                export_s = time.perf_counter() - start
                start = time.perf_counter()
                served = tf.saved_model.load(out)
                load_s = time.perf_counter() - start
                outputs[name] = {k: v.numpy() for k, v in served.signatures["serving_default"](image).items()}
                row = times.setdefault(name, {"save": [], "export": [], "load": []})
                row["save"].append(_saves[-1])
                row["export"].append(export_s)
                row["load"].append(load_s)
            first, second = outputs.values()
            if first.keys() != second.keys() or any(not np.array_equal(first[k], second[k]) for k in first):
                raise SystemExit("the two exports' serving outputs differ")
    med = {name: {k: statistics.median(v) for k, v in row.items()} for name, row in times.items()}
    mg, ours = med["Model Garden export_inference_graph"], med["archdsl.modelgarden.export"]
    print("## Exporting a Model Garden run: Model Garden's exporter vs archdsl.modelgarden.export (issue 16)\n")
    print(f"Command: `python benchmarks/bench_mg_export.py --size {args.size} --rounds {args.rounds}` "
          f"(RetinaNet with archdsl's SpineNet-49S, {args.size}x{args.size}, `image_tensor` input, CPU; load "
          f"average {os.getloadavg()[0]:.2f} at the end). Medians of {args.rounds} alternating rounds; both "
          "serving signatures gave equal outputs on a random image in every round.\n")
    print("| exporter | tf.saved_model.save | whole export | tf.saved_model.load |")
    print("|---|---:|---:|---:|")
    for name, row in med.items():
        print(f"| {name} | {row['save']:.1f} s | {row['export']:.1f} s | {row['load']:.1f} s |")
    print(f"| **ratio** archdsl / Model Garden | **{ours['save'] / mg['save']:.2f}** | "
          f"**{ours['export'] / mg['export']:.2f}** | **{ours['load'] / mg['load']:.2f}** |")


if __name__ == "__main__":
    main()
