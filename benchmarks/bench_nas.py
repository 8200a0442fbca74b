"""Candidates per second on one core: sample + validity + cost + canonical hash (fast evaluator),
and the complete path (builder IR + every pass + IR hash) for comparison.

    python benchmarks/bench_nas.py [--count 5000]
"""

import argparse
import random
import time

from archdsl.nas import ScalePermutedSpace, arch_hash

parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int, default=5000)
args = parser.parse_args()
space, rng = ScalePermutedSpace(), random.Random(0)
space.sample_candidate(rng)  # warm the caches
t = time.perf_counter()
for _ in range(args.count):
    c = space.sample_candidate(rng)
    assert space.valid(c.topology)
fast = args.count / (time.perf_counter() - t)
t = time.perf_counter()
for _ in range(200):
    arch_hash(space.sample_candidate(rng).arch())
full = 200 / (time.perf_counter() - t)
print(f"fast path (sample+check+cost+hash): {fast:,.0f} candidates/s")
print(f"full path (+ builder IR, all passes, IR hash): {full:,.0f} candidates/s")
