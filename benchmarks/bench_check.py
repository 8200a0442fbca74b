"""`archdsl check` vs Model Garden building the same SpineNet, each as a whole process.

This is what a user waits for after editing a spec: archdsl parses, checks and counts params
without TensorFlow; with Model Garden the first feedback comes from building the Keras model
(import TensorFlow + construct). Both run as fresh processes, alternately, on the same machine;
the median of N runs each is reported, and the ratio is the claim.

    python benchmarks/bench_check.py [--variant 190] [--runs 5] [--markdown]

`--markdown` prints this benchmark's section of BENCHMARKS.md (what `benchmarks/run` assembles).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"49S": 640, "49": 640, "96": 1024, "143": 1280, "143L": 1280, "190": 1280}

MODEL_GARDEN = """
import tf_keras
from official.vision.modeling.backbones import spinenet
scaling = spinenet.SCALING_MAP[{variant!r}]
model = spinenet.SpineNet(
    input_specs=tf_keras.layers.InputSpec(shape=[None, {size}, {size}, 3]), min_level=3, max_level=7,
    endpoints_num_filters=scaling['endpoints_num_filters'], resample_alpha=scaling['resample_alpha'],
    block_repeats=scaling['block_repeats'], filter_size_scale=scaling['filter_size_scale'], activation='swish')
print(model.count_params())
"""


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          env={"CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:3])}...\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="190", choices=SIZES)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", action="store_true", help="print a BENCHMARKS.md section")
    args = parser.parse_args()
    ours_cmd = [sys.executable, "-m", "archdsl.cli", "check", f"specs/spinenet{args.variant}.arch", "--json"]
    theirs_cmd = [sys.executable, "-c", MODEL_GARDEN.format(variant=args.variant, size=SIZES[args.variant])]
    ours, theirs = [], []
    for _ in range(args.runs):  # alternate, so drift on a shared machine hits both alike
        t, out = timed(ours_cmd)
        ours.append(t)
        t, out_mg = timed(theirs_cmd)
        theirs.append(t)
    params = __import__("json").loads(out)["params"]
    assert params == int(out_mg.strip().splitlines()[-1]), "param counts differ"
    a, b = statistics.median(ours), statistics.median(theirs)
    if args.markdown:
        print(markdown(args.variant, args.runs, params, ours, theirs))
        return
    print(f"SpineNet-{args.variant} @{SIZES[args.variant]}: params {params:,} (equal)")
    print(f"archdsl check      : median {a:.3f} s  (runs: {', '.join(f'{x:.2f}' for x in ours)})")
    print(f"Model Garden build : median {b:.3f} s  (runs: {', '.join(f'{x:.2f}' for x in theirs)})")
    print(f"speed-up           : {b / a:.1f}x")


def markdown(variant: str, runs: int, params: int, ours: list[float], theirs: list[float]) -> str:
    a, b = statistics.median(ours), statistics.median(theirs)
    size = SIZES[variant]
    return f"""## Check vs Model Garden build (issue 2)

`python benchmarks/bench_check.py --variant {variant} --runs {runs}`: `archdsl check specs/spinenet{variant}.arch --json`
as a whole process (no TensorFlow) against a process that imports Model Garden and builds the same
SpineNet-{variant} at {size}x{size} (the first point where Model Garden can tell a user the param count).
Both print {params:,} params. Runs alternate, so drift on a shared machine hits both alike; medians.

| | median | runs |
|---|---|---|
| archdsl check | {a:.3f} s | {', '.join(f'{x:.2f}' for x in ours)} |
| Model Garden build | {b:.2f} s | {', '.join(f'{x:.2f}' for x in theirs)} |
| **speed-up** | **{b / a:.0f}x** (goal: 40x) | |

Load from other jobs on the machine slows the TensorFlow side most (importing TensorFlow and
building ~100 Keras layers), so the ratio moves with the machine's load: measure on a quiet
machine (`uptime`). On a loaded machine this session saw 65-68x; on a quiet one, the figure above.
"""


if __name__ == "__main__":
    main()
