"""Params and multiply-adds from `archdsl check` (no TensorFlow) beside the SpineNet paper's table.

The paper (Du et al., CVPR 2020, Table 3: RetinaNet with SpineNet backbones) reports params and
"FLOPs" that are multiply-adds. Its params are trainable weights: batch-norm moving statistics
are not learned, so the comparison uses `trainable_params` (the moving statistics are shown too).

    python benchmarks/bench_paper.py [--markdown]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import archdsl  # noqa: E402

PAPER = {  # spec: (input size, params M, MACs B), SpineNet paper Table 3 (RetinaNet)
    "retinanet_spinenet49": (640, 28.5, 85.4),
    "retinanet_spinenet96": (1024, 43.0, 265.4),
    "retinanet_spinenet143": (1280, 67.0, 524.0),
    "retinanet_spinenet190": (1280, 163.6, 1885.0),
}
GOAL = 0.5  # percent


def rows() -> list[tuple]:
    out = []
    for spec, (size, params_m, macs_b) in PAPER.items():
        arch = archdsl.load(ROOT / "specs" / f"{spec}.arch")
        assert arch.graph.node(arch.graph.input_names()[0]).attrs.width == size
        p, m = arch.trainable_params / 1e6, arch.macs / 1e9
        out.append((spec, size, p, params_m, 100 * (p / params_m - 1), (arch.params - arch.trainable_params),
                    m, macs_b, 100 * (m / macs_b - 1)))
    return out


def markdown(table: list[tuple]) -> str:
    lines = [
        "## Params and MACs vs the SpineNet paper (issue 4)",
        "",
        "Command: `python benchmarks/bench_paper.py --markdown` (no TensorFlow: figures come from the IR, and",
        "the parity suite proves they equal Model Garden's `count_params()`). The paper's params are trainable",
        "weights, so the comparison uses `trainable_params`; batch-norm moving statistics are listed apart.",
        "",
        "| spec | input | trainable params (M) | paper (M) | diff | BN moving stats | MACs (B) | paper (B) | diff |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for spec, size, p, pp, dp, stats, m, pm, dm in table:
        lines.append(f"| {spec} | {size} | {p:.2f} | {pp:.1f} | {dp:+.2f}% | {stats:,} | {m:.2f} | {pm:.1f} | {dm:+.2f}% |")
    worst = max(max(abs(r[4]), abs(r[8])) for r in table)
    verdict = "met" if worst <= GOAL else "not met"
    lines += ["", f"Goal: every difference within {GOAL}%: **{verdict}** (largest {worst:.2f}%). MACs count conv",
              "multiply-adds at output resolution; bias adds, batch norm, activations and pooling are free, which is",
              "a plausible source of the consistent -0.1 to -0.2% gap (not confirmed: the paper does not say).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the BENCHMARKS.md section")
    args = parser.parse_args()
    table = rows()
    if args.markdown:
        print(markdown(table))
        return
    for spec, size, p, pp, dp, _, m, pm, dm in table:
        print(f"{spec:24s} @{size}: {p:7.2f} M params ({dp:+.2f}%)  {m:8.2f} B MACs ({dm:+.2f}%)")


if __name__ == "__main__":
    main()
