"""`archdsl render FILE [-D name=value]... -o OUT [--detail blocks|layers]`: draw a spec with
Graphviz, or (`-o OUT.html`) as the interactive viewer, without Graphviz. The format follows the -o
extension; no TensorFlow is imported."""

from __future__ import annotations

import argparse
import os
import sys

from archdsl.cli.common import load_arch, print_warnings, report_write, spec_args
from archdsl.render.model import DETAILS
from archdsl.render.output import FORMATS


def add_arguments(p: argparse.ArgumentParser) -> None:
    spec_args(p)
    p.add_argument("-o", dest="output", required=True, metavar="OUT",
                   help=f"output file; the format follows the extension ({' '.join(FORMATS)} .html)")
    p.add_argument("--detail", choices=DETAILS, default="blocks",
                   help="blocks: one box per statement (default); layers: every layer, composites expanded "
                        "(Graphviz formats; in the .html viewer every box opens)")


def run(args: argparse.Namespace) -> int:
    from archdsl.render import GraphvizMissing, render

    ext = os.path.splitext(args.output)[1].lower()
    if ext not in FORMATS and ext != ".html":
        args.parser.error(f"cannot tell the format of -o {args.output!r}: use one of {', '.join(FORMATS)}, .html")
    arch = load_arch(args)
    print_warnings(arch, notes=getattr(args, "verbose", False))
    if ext == ".html":  # the interactive viewer: no Graphviz
        from archdsl.cli.pages import render_page
        return render_page(arch, args.output)
    try:
        return report_write(args.output, lambda: render(arch, args.output, detail=args.detail))
    except GraphvizMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
