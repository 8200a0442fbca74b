"""archdsl vs Model Garden, side by side in one process: Keras build time, CPU inference time
with the same weights, and XLA vs plain graph execution.

    python benchmarks/bench_build.py --size 256 --batch 1 --variants 49S 49 96 143 143L 190

Ratios are archdsl / Model Garden (goal <= 1.0) and XLA / graph (below 1.0: XLA is faster).
Each build starts from `clear_session()`; inference times are the median of `--runs` calls of a
`tf.function` after one warm-up call (which also pays the XLA compile).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from official.vision.modeling.backbones import spinenet  # noqa: E402

import archdsl  # noqa: E402
from archdsl.interop.modelgarden import transfer_weights  # noqa: E402


def build_mg(model_id: str, size: int):
    s = spinenet.SCALING_MAP[model_id]
    return spinenet.SpineNet(
        input_specs=tf_keras.layers.InputSpec(shape=[None, size, size, 3]), min_level=3, max_level=7,
        endpoints_num_filters=s["endpoints_num_filters"], resample_alpha=s["resample_alpha"],
        block_repeats=s["block_repeats"], filter_size_scale=s["filter_size_scale"], activation="swish")


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def infer_seconds(model, x, jit: bool, runs: int) -> tuple[float, float]:
    """(first call incl. trace/compile, median steady-state call) in seconds."""
    f = tf.function(lambda t: model(t, training=False), jit_compile=jit)
    _, first = timed(lambda: tf.nest.map_structure(lambda t: t.numpy(), f(x)))
    times = [timed(lambda: tf.nest.map_structure(lambda t: t.numpy(), f(x)))[1] for _ in range(runs)]
    return first, statistics.median(times)


def bench(model_id: str, size: int, batch: int, runs: int) -> dict:
    tf_keras.backend.clear_session()
    mg, mg_build = timed(lambda: build_mg(model_id, size))
    tf_keras.backend.clear_session()
    arch = archdsl.load(f"specs/spinenet{model_id}.arch", {"input_size": size})
    ours, ad_build = timed(arch.to_keras)
    transfer_weights(mg, ours)
    x = tf.constant(np.random.default_rng(0).normal(size=(batch, size, size, 3)).astype("float32"))
    diff = max(float(np.max(np.abs(a.numpy() - b.numpy())))
               for a, b in zip(*(tf.nest.flatten(m(x, training=False)) for m in (mg, ours))))
    r = {"variant": model_id, "params": ours.count_params(), "max_abs_diff": diff,
         "build_s": {"archdsl": ad_build, "mg": mg_build}, "build_ratio": ad_build / mg_build}
    for name, model in (("archdsl", ours), ("mg", mg)):
        g_first, g = infer_seconds(model, x, False, runs)
        x_first, xl = infer_seconds(model, x, True, runs)
        r[name] = {"graph_s": g, "xla_s": xl, "xla_compile_s": x_first - xl, "xla_over_graph": xl / g}
    r["infer_ratio_graph"] = r["archdsl"]["graph_s"] / r["mg"]["graph_s"]
    r["infer_ratio_xla"] = r["archdsl"]["xla_s"] / r["mg"]["xla_s"]
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variants", nargs="+", default=["49S", "49", "96", "143", "143L", "190"])
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"TF {tf.__version__}, tf_keras {tf_keras.__version__}; input {a.size}, batch {a.batch}, median of {a.runs}")
    print("| variant | params | build archdsl s | build MG s | build ratio | graph archdsl ms | graph MG ms | "
          "infer ratio (graph) | XLA archdsl ms | XLA MG ms | infer ratio (XLA) | XLA/graph archdsl | XLA compile s | max abs diff |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for v in a.variants:
        r = bench(v, a.size, a.batch, a.runs)
        if a.json:
            print(json.dumps(r), file=sys.stderr)
        ad, mg = r["archdsl"], r["mg"]
        print(f"| {v} | {r['params']:,} | {r['build_s']['archdsl']:.2f} | {r['build_s']['mg']:.2f} | "
              f"{r['build_ratio']:.2f} | {ad['graph_s'] * 1e3:.1f} | {mg['graph_s'] * 1e3:.1f} | "
              f"{r['infer_ratio_graph']:.2f} | {ad['xla_s'] * 1e3:.1f} | {mg['xla_s'] * 1e3:.1f} | "
              f"{r['infer_ratio_xla']:.2f} | {ad['xla_over_graph']:.2f} | {ad['xla_compile_s']:.1f} | "
              f"{r['max_abs_diff']:.1e} |", flush=True)


if __name__ == "__main__":
    main()
