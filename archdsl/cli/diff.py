"""`archdsl diff A B`: what differs between two specs, modulo renaming.

Exit codes follow diff(1): 0 when the two specs are equivalent (equal hash), 1 when they differ,
2 when either is missing or broken (its diagnostics on stderr) or on a usage error. The text names
A and B first (`---` / `+++`, as in a unified diff), then lists the differences in spec order.
"""

from __future__ import annotations

import argparse
import sys

from archdsl.cli.common import input_file
from archdsl.diagnostics import ArchError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A", help="the first spec (`-` lines: only in A)")
    p.add_argument("b", metavar="B", help="the second spec (`+` lines: only in B)")
    p.add_argument("-o", dest="output", metavar="OUT.html", help="also write both specs to one interactive viewer page")


def run(args: argparse.Namespace) -> int:
    import archdsl
    from archdsl.nas.diff import diff

    if args.output and not args.output.lower().endswith(".html"):
        args.parser.error(f"diff -o writes a viewer page: name it *.html, not {args.output!r}")
    try:
        a, b = (archdsl.load(input_file(path)) for path in (args.a, args.b))
    except ArchError as exc:  # a broken input is trouble (2), not a difference (1)
        print(exc.render(), file=sys.stderr)
        return 2
    d = diff(a, b)
    print(f"--- A: {args.a}\n+++ B: {args.b}")
    print(d)
    if args.output:
        from archdsl.cli.pages import diff_page
        if diff_page(a, b, d, args.output):
            return 2  # the page could not be written: trouble, not a difference
    return 0 if d.empty else 1
