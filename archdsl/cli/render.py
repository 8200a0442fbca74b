"""`archdsl render FILE [-D name=value]... -o OUT [--detail blocks|layers]`: draw a spec with
Graphviz. The format follows the -o extension; no TensorFlow is imported."""

from __future__ import annotations

import argparse
import os
import sys

from archdsl.cli.common import load_arch, print_warnings, spec_args
from archdsl.render.model import DETAILS
from archdsl.render.output import FORMATS


def add_arguments(p: argparse.ArgumentParser) -> None:
    spec_args(p)
    p.add_argument("-o", dest="output", required=True, metavar="OUT",
                   help=f"output file; the format follows the extension ({' '.join(FORMATS)})")
    p.add_argument("--detail", choices=DETAILS, default="blocks",
                   help="blocks: one box per statement (default); layers: every layer, composites expanded")


def run(args: argparse.Namespace) -> int:
    from archdsl.render import GraphvizMissing, render

    if os.path.splitext(args.output)[1].lower() not in FORMATS:
        args.parser.error(f"cannot tell the format of -o {args.output!r}: use one of {', '.join(FORMATS)}")
    arch = load_arch(args)
    print_warnings(arch, notes=getattr(args, "verbose", False))
    try:
        render(arch, args.output, detail=args.detail)
    except GraphvizMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0
