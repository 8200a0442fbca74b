"""Deployment, side by side in one process: CPU inference of the BN-folded archdsl model vs Model
Garden's with the same weights (with MACs/s against the CPU's peak and a per-op-type breakdown of
where the time goes), and TFLite fp32 / fp16 / int8 latency and error against the Keras model.

    python benchmarks/bench_export.py --size 256 --composite-size 128 --runs 5 [--markdown]

(`python benchmarks/sweep_deploy.py` compares `check --target` with the converter on every spec.)

Timings alternate between the models call by call (medians), so load from other jobs on a shared
machine hits both sides alike; they are still noisy there, and the ratios are what to read.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.chdir(ROOT)

import archdsl  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from archdsl.lower import export, tflite  # noqa: E402
from archdsl.lower.fold import fold_batch_norms  # noqa: E402
from archdsl.lower.images import normalize, random_pixels  # noqa: E402


def peak_macs_per_s() -> tuple[float, str]:
    """cores x FMA lanes x clock from lscpu: two 256-bit FMA pipes per core (8 fp32 lanes each),
    the Zen 2-4 EPYC figure (AVX-512 on Zen 4 is double-pumped, so no more lanes)."""
    text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    cores = int(re.search(r"^CPU\(s\):\s+(\d+)", text, re.M).group(1))  # type: ignore[union-attr]
    mhz = re.search(r"CPU max MHz:\s+([\d.]+)", text) or re.search(r"BogoMIPS:\s+([\d.]+)", text)
    clock = float(mhz.group(1)) * 1e6 / (2 if "BogoMIPS" in mhz.group(0) else 1)  # type: ignore[union-attr]
    lanes = 2 * 8
    return cores * lanes * clock, f"{cores} cores x {lanes} fp32 FMA lanes x {clock / 1e9:.2f} GHz"


def alternate(fns: dict[str, object], runs: int) -> dict[str, float]:
    """Median seconds per call of each no-argument function, called in turn `runs` times."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm-up: tracing
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def graph_call(model, x):
    f = tf.function(lambda t: model(t, training=False))
    return lambda: tf.nest.map_structure(lambda t: t.numpy(), f(x))


def op_breakdown(model, x, top: int = 7) -> list[tuple[str, float]]:
    """Per-op-type share of one forward pass, from TF's step stats (FULL_TRACE) of the frozen graph
    as grappler optimises and runs it (so fusions such as _FusedConv2D show as they run)."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    fn = tf.function(lambda t: model(t, training=False)).get_concrete_function(tf.TensorSpec(x.shape, tf.float32))
    frozen = convert_variables_to_constants_v2(fn)
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(frozen.graph.as_graph_def(), name="")
    with tf.compat.v1.Session(graph=graph) as sess:
        feeds = {frozen.inputs[0].name: x.numpy()}
        fetch = [t.name for t in frozen.outputs]
        sess.run(fetch, feeds)
        meta = tf.compat.v1.RunMetadata()
        opts = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
        sess.run(fetch, feeds, options=opts, run_metadata=meta)
    per: collections.Counter[str] = collections.Counter()
    for dev in meta.step_stats.dev_stats:
        if "cpu" not in dev.device.lower():
            continue
        for node in dev.node_stats:
            op = node.timeline_label.split("(")[0].split("=")[-1].strip() or node.node_name
            per[op] += node.all_end_rel_micros
    total = sum(per.values()) or 1
    shares = [(op, us / total) for op, us in per.most_common(top)]
    return shares + [("other", 1 - sum(s for _, s in shares))]


def inference(size: int, batch: int, runs: int) -> dict:
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    from archdsl.interop.modelgarden import transfer_weights
    from bench_build import build_mg

    tf_keras.backend.clear_session()
    mg = build_mg("49", size)
    arch = archdsl.load("specs/spinenet49.arch", {"input_size": size})
    ours = arch.to_keras()
    transfer_weights(mg, ours)
    folded = fold_batch_norms(ours, arch)
    x = tf.constant(normalize(random_pixels((size, size, 3), batch).astype("float32")))
    diff = export.compare(export.reference(mg, x.numpy()), export.reference(folded, x.numpy()))
    t = alternate({"mg": graph_call(mg, x), "archdsl": graph_call(ours, x), "folded": graph_call(folded, x)}, runs)
    peak, how = peak_macs_per_s()
    layers = {"mg": _count(mg), "archdsl": len(ours.layers), "folded": len(folded.layers)}
    return {"size": size, "batch": batch, "times": t, "macs": arch.macs * batch, "peak": peak, "peak_how": how,
            "diff": diff, "layers": layers,
            "profile": {"archdsl": op_breakdown(ours, x), "folded": op_breakdown(folded, x)}}


def _count(model) -> int:
    return sum(1 for _ in model._flatten_layers(include_self=False, recursive=True))


def tflite_rows(spec: str, overrides: dict, runs: int) -> list[dict]:
    tf_keras.backend.clear_session()
    arch = archdsl.load(spec, overrides)
    model = arch.to_keras()
    shape = export.input_shape(model)
    image = normalize(random_pixels(shape, 1, seed=0).astype("float32"))
    calib = random_pixels(shape, 8, seed=1)
    serve = export.serving_functions(model)["float_image"]
    rows = []
    keras_call = graph_call(model, tf.constant(image))
    for q in (None, "fp16", "int8"):
        start = time.perf_counter()
        flat = tflite.convert(serve, model, q, export._representative(calib) if q == "int8" else None)
        convert_s = time.perf_counter() - start
        interp = tf.lite.Interpreter(model_content=flat, num_threads=os.cpu_count())
        runner = interp.get_signature_runner()
        t = alternate({"keras": keras_call, "tflite": lambda r=runner: r(image=image)}, runs)
        c = export.compare(export.reference(model, image), {k: np.asarray(v) for k, v in runner(image=image).items()})
        print(f"bench_export: {arch.name} {q or 'fp32'} keras {t['keras']:.4f} s tflite {t['tflite']:.4f} s "
              f"max abs {c.max_abs:.2e} sqnr {c.min_sqnr_db:.1f}", file=sys.stderr, flush=True)
        rows.append({"spec": arch.name, "quantize": q or "fp32", "keras_s": t["keras"], "tflite_s": t["tflite"],
                     "convert_s": convert_s, "size_mb": len(flat) / 2**20, "cmp": c})
    return rows


def markdown(a: argparse.Namespace, inf: dict, rows: list[dict]) -> str:
    t, peak = inf["times"], inf["peak"]
    def rate(s: float) -> str:
        return f"{inf['macs'] / s / 1e9:.1f} G ({inf['macs'] / s / peak:.0%})"
    prof = "\n".join(f"| {i + 1} | {a_[0]} {a_[1]:.0%} | {b[0]} {b[1]:.0%} |"
                     for i, (a_, b) in enumerate(zip(inf["profile"]["archdsl"], inf["profile"]["folded"])))
    names = {"mg": "Model Garden SpineNet-49", "archdsl": "archdsl", "folded": "archdsl, BN folded"}
    models = "\n".join(
        f"| {names[k]} | {inf['layers'][k]} | {t[k] * 1e3:.1f} | "
        + (f"**{t[k] / t['mg']:.2f}** (goal <= 0.8)" if k == "folded" else f"{t[k] / t['mg']:.2f}")
        + f" | {rate(t[k])} |" for k in names)
    trows = "\n".join(
        f"| {r['spec']} | {r['quantize']} | {r['keras_s'] * 1e3:.1f} | {r['tflite_s'] * 1e3:.1f} | "
        f"{r['tflite_s'] / r['keras_s']:.2f} | {r['cmp'].max_abs:.2e} | {r['cmp'].worst[1].relative:.2e} | "
        f"{_db(r['cmp'].min_sqnr_db)} | {r['size_mb']:.1f} | {r['convert_s']:.0f} |" for r in rows)
    return f"""## Deployment: BN-folded CPU inference vs Model Garden, TFLite fp32/fp16/int8 (issue 17)

Command: `python benchmarks/bench_export.py --size {a.size} --composite-size {a.composite_size} --runs {a.runs}`
(one process; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start: the machine is shared
with ~8 jobs, so absolute times are noisy; calls alternate between the models and the figures are medians, read the
ratios). SpineNet-49 at {a.size}x{a.size}, batch {inf['batch']}, Model Garden's weights copied into archdsl's
model by structure, then folded (`archdsl export --fold-bn` does the same).

| model | layers | graph ms | ratio vs MG | MACs/s (of peak) |
|---|---:|---:|---:|---:|
{models}

Peak: {inf['peak_how']} = {peak / 1e9:.0f} G MACs/s. Folded vs Model Garden outputs: max abs diff
{inf['diff'].max_abs:.1e} ({inf['diff'].worst[1].relative:.1e} of the output's scale).
Where the time goes (TF step stats, FULL_TRACE, share of op time in one forward pass, top op types as
grappler runs them):

| rank | archdsl | archdsl, BN folded |
|---|---|---|
{prof}

TFLite on CPU ({os.cpu_count()} interpreter threads, XNNPACK), batch 1, against the Keras model's graph call
(SpineNet-49 at {a.size}, the RetinaNet-SpineNet-49 composite at {a.composite_size}, random weights; int8
calibrated on 8 random images; error figures on one held-out random image):

| spec | TFLite | Keras ms | TFLite ms | TFLite/Keras | max abs diff | worst relative | min SQNR dB | MB | convert s |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
{trows}
"""


def _db(x: float) -> str:
    return "inf" if x == float("inf") else f"{x:.1f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--composite-size", type=int, default=128)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    inf = inference(a.size, a.batch, a.runs)
    print(f"bench_export: inference {inf['times']} layers {inf['layers']} profile {inf['profile']}",
          file=sys.stderr, flush=True)
    rows = tflite_rows("specs/spinenet49.arch", {"input_size": a.size}, a.runs)
    rows += tflite_rows("specs/retinanet_spinenet49.arch", {"input_size": a.composite_size}, a.runs)
    print(markdown(a, inf, rows))


if __name__ == "__main__":
    main()
