"""Params and multiply-adds from `archdsl check` (no TensorFlow) beside the SpineNet and
EfficientNet papers' tables.

The SpineNet paper (Du et al., CVPR 2020, Table 3: RetinaNet with SpineNet backbones) reports params
and "FLOPs" that are multiply-adds. Its params are trainable weights: batch-norm moving statistics
are not learned, so the comparison uses `trainable_params` (the moving statistics are shown too).
The EfficientNet paper (Tan & Le, ICML 2019, Table 2) counts the whole ImageNet classifier: the
backbone spec plus global pooling and a 1000-way dense layer on the head's width, which this
script adds from the spec's endpoint '6' (width x 1000 + 1000 params, width x 1000 MACs).

    python benchmarks/bench_paper.py [--markdown] [--efficientnet]
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
EFFICIENTNET = {  # spec: (input size, params M, FLOPs B), EfficientNet paper Table 2
    "efficientnet_b0": (224, 5.3, 0.39), "efficientnet_b1": (240, 7.8, 0.70),
    "efficientnet_b2": (260, 9.2, 1.0), "efficientnet_b3": (300, 12, 1.8),
    "efficientnet_b4": (380, 19, 4.2), "efficientnet_b5": (456, 30, 9.9),
    "efficientnet_b6": (528, 43, 19), "efficientnet_b7": (600, 66, 37),
}
CLASSES = 1000


def efficientnet_rows() -> list[tuple]:
    out = []
    for spec, (size, params_m, macs_b) in EFFICIENTNET.items():
        arch = archdsl.load(ROOT / "specs" / f"{spec}.arch")
        assert arch.graph.node(arch.graph.input_names()[0]).attrs.width == size
        width = arch.outputs["6"][2]
        p = (arch.params + width * CLASSES + CLASSES) / 1e6
        m = (arch.macs + width * CLASSES) / 1e9
        out.append((spec, size, p, params_m, 100 * (p / params_m - 1), m, macs_b, 100 * (m / macs_b - 1)))
    return out


def efficientnet_markdown(table: list[tuple]) -> str:
    lines = [
        "## Params and MACs vs the EfficientNet paper (issue 13)",
        "",
        "Command: `python benchmarks/bench_paper.py --efficientnet --markdown` (no TensorFlow; the parity",
        "suite proves the backbone params equal Model Garden's `count_params()`). Each row is the spec at",
        "its paper input size plus the 1000-way classifier the paper counts (global pool + dense on the",
        "head's width). The paper gives two significant digits: params are within that rounding except",
        "B5 (30.56 vs 30); MACs of B3, B4, B5 and B7 exceed it (largest +4.6%, B4), not explained here.",
        "",
        "| spec | input | params (M) | paper (M) | diff | MACs (B) | paper FLOPs (B) | diff |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for spec, size, p, pp, dp, m, pm, dm in table:
        lines.append(f"| {spec} | {size} | {p:.2f} | {pp:g} | {dp:+.2f}% | {m:.3f} | {pm:g} | {dm:+.2f}% |")
    return "\n".join(lines + [""])


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
    parser.add_argument("--efficientnet", action="store_true", help="the EfficientNet table instead")
    args = parser.parse_args()
    if args.efficientnet:
        en = efficientnet_rows()
        if args.markdown:
            print(efficientnet_markdown(en))
            return
        for spec, size, p, pp, dp, m, pm, dm in en:
            print(f"{spec:16s} @{size}: {p:6.2f} M params ({dp:+.2f}%)  {m:6.3f} B MACs ({dm:+.2f}%)")
        return
    table = rows()
    if args.markdown:
        print(markdown(table))
        return
    for spec, size, p, pp, dp, _, m, pm, dm in table:
        print(f"{spec:24s} @{size}: {p:7.2f} M params ({dp:+.2f}%)  {m:8.2f} B MACs ({dm:+.2f}%)")


if __name__ == "__main__":
    main()
