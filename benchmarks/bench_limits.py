"""How fast each resource limit rejects a spec: the cases of tests/test_limits.py, timed.

    python benchmarks/bench_limits.py [--runs 3] [--markdown]

Each case is loaded in this process (median of `--runs`, after one warm-up run that also builds
the parser); the huge-file case is also timed as a whole `archdsl check` process. The goal is
under a second for every rejection. Tests assert the diagnostics only; the times live here.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import archdsl  # noqa: E402
from test_limits import CASES  # noqa: E402

GOAL = 1.0


def timed_load(path: Path, limits: dict) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        archdsl.load(path, **limits)
        message = "accepted (no limit hit)"
    except archdsl.ArchError as exc:
        message = exc.diagnostics[0].message
    return time.perf_counter() - start, message


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    cases = dict(CASES)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, limits, _, _) in cases.items():
            path = Path(tmp, "case.arch")
            path.write_text(text)
            timed_load(path, limits)  # warm-up
            times, message = [], ""
            for _ in range(a.runs):
                t, message = timed_load(path, limits)
                times.append(t)
            rows.append((name, limits, statistics.median(times), message))
        big = Path(tmp, "big.arch")
        with open(big, "wb") as f:
            f.truncate(50 * 10**6)
        t, message = timed_load(big, {})
        rows.append(("file: 50 MB", {}, t, message))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "archdsl.cli", "check", str(big)], cwd=ROOT,
                              capture_output=True, text=True)
        rows.append(("file: 50 MB, whole `archdsl check` process (exit %d)" % done.returncode, {},
                     time.perf_counter() - start, done.stderr.strip().splitlines()[0] if done.stderr else ""))
    slow = [r for r in rows if r[2] >= GOAL and "process" not in r[0]]
    if not a.markdown:
        for name, limits, t, message in rows:
            print(f"{t * 1e3:9.1f} ms  {name}: {message}")
        return
    print("## Limits: time to reject (benchmarks/bench_limits.py)\n")
    print(f"Command: `python benchmarks/bench_limits.py --runs {a.runs}`: every rejection case of "
          "`tests/test_limits.py`, loaded in-process (median of the runs after a warm-up; the whole-process row "
          "includes Python's start-up and archdsl's imports). Defaults unless the limits column says otherwise. "
          f"Goal: under {GOAL:.0f} s each.\n")
    print("| case | limits | time | diagnostic |\n|---|---|---:|---|")
    for name, limits, t, message in rows:
        shown = ", ".join(f"{k}={v:,}" for k, v in limits.items()) or "defaults"
        print(f"| {name} | {shown} | {t * 1e3:,.1f} ms | {message.replace('|', '/')[:90]} |")
    verdict = ("**met** for every case" if not slow else
               "**not met** for " + ", ".join(f"{r[0]} ({r[2]:.2f} s)" for r in slow))
    print(f"\nGoal: {verdict}. Spec files are bounded by max_file_bytes (1 MB), and parsing a file near that "
          "size takes seconds on its own: the limits bound the work, the file limit bounds the parse.")


if __name__ == "__main__":
    main()
