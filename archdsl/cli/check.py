"""`archdsl check FILE`: parse and check a spec, then print its params, MACs and outputs (a
per-node table with `--table`, one JSON object with `--json`). Never imports TensorFlow."""

from __future__ import annotations

import argparse
import json

from archdsl.cli.common import format_macs, load_arch, print_warnings, spec_args, summary


def add_arguments(p: argparse.ArgumentParser) -> None:
    spec_args(p)
    p.add_argument("--table", action="store_true",
                   help="print a per-node table of shapes, params and MACs, and the notes (e.g. intended pruning)")
    p.add_argument("--target", choices=("tflite", "tflite-int8", "tflite-gpu", "xla"),
                   help="also check that every op deploys to this target (diagnostics at the spec lines)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (with --table, the rows are its \"table\" list)")


def format_table(arch) -> str:
    rows = arch.table()
    head = ("node", "op", "level", "HxWxC", "params", "MACs", "inputs")
    body = [(r.name, r.op + (f" share={r.share}" if r.share else ""), f"L{r.level}", str(r.shape),
             f"{r.params:,}", f"{r.macs:,}",
             ", ".join(r.inputs) + "".join(f", +{o} (orphan)" for o in r.orphans)) for r in rows]
    body.append(("total", "", "", "", f"{arch.params:,}", f"{arch.macs:,}", ""))
    widths = [max(len(str(x[i])) for x in [head] + body) for i in range(len(head))]
    right = {4, 5}
    lines = []
    for row in [head] + body:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def table_rows(arch) -> list[dict]:
    """The per-node table as JSON values: the columns of `format_table`, shapes as [H, W, C]."""
    return [{"node": r.name, "op": r.op, "share": r.share, "level": r.level,
             "shape": [r.shape.height, r.shape.width, r.shape.channels], "params": r.params,
             "macs": r.macs, "inputs": list(r.inputs), "orphans": list(r.orphans)} for r in arch.table()]


def run(args: argparse.Namespace) -> int:
    arch = load_arch(args)
    print_warnings(arch, notes=args.table or getattr(args, "verbose", False))
    if args.target:
        from archdsl.deploy.cli import report_target
        return report_target(arch, args.target, args.json)
    if args.json:
        result = summary(arch)
        if args.table:
            result["table"] = table_rows(arch)
        print(json.dumps(result))
        return 0
    if args.table:
        print(format_table(arch))
    outputs = ", ".join(f"{k}: {'x'.join(map(str, v))}" if isinstance(v, tuple) else k
                        for k, v in arch.outputs.items())
    print(f"{arch.name}: ok, {arch.params:,} params ({arch.trainable_params:,} trainable), "
          f"{format_macs(arch.macs)}; outputs {outputs}")
    return 0
