"""`archdsl import-weights`: a Model Garden checkpoint into the archdsl model of a spec.

Building the parser imports neither TensorFlow nor Model Garden; `run` does, through
`archdsl.modelgarden.import_weights` (the `modelgarden` extra).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from archdsl.cli.common import overrides, spec_args


def add_arguments(p: Any) -> None:
    spec_args(p)
    p.add_argument("--checkpoint", required=True, metavar="CKPT",
                   help="a checkpoint prefix (run/ckpt-100) or the run directory (its latest checkpoint)")
    p.add_argument("--params", required=True, metavar="YAML", help="the params.yaml Model Garden wrote for the run")
    p.add_argument("--experiment", default=None, help="the experiment to read params.yaml with "
                                                      "(default: retinanet_archdsl, then seg_archdsl)")
    p.add_argument("-o", dest="out", required=True, metavar="OUT",
                   help="write the model: OUT.keras or OUT/ (SavedModel), with its spec")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from archdsl.limits import FLAGS

    try:
        from archdsl.modelgarden.import_weights import import_weights
    except ImportError as exc:
        args.parser.error(str(exc))
    limits = {name: getattr(args, name) for name in FLAGS}
    report = import_weights(args.checkpoint, args.params, args.file, overrides(args.defines, args.parser),
                            experiment=args.experiment, out=args.out, outputs=args.outputs, **limits)
    if args.json:
        print(json.dumps({"checkpoint": report.checkpoint, "experiment": report.experiment, "saved": report.saved,
                          "loaded": [[name, list(shape)] for name, shape in report.loaded]}))
        return 0
    for name, shape in report.loaded:
        print(f"  {name}  {'x'.join(map(str, shape))}")
    print(f"{len(report.loaded)} weights from {report.checkpoint} ({report.experiment}) -> {report.saved}")
    return 0
