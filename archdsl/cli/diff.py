"""`archdsl diff A B`: what differs between two specs, modulo renaming.

Exits 0 when the two specs are equivalent (equal hash), 1 when they differ or on spec errors
(diagnostics on stderr), 2 on usage errors.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a")
    p.add_argument("b")


def run(args: argparse.Namespace) -> int:
    import archdsl
    from archdsl.nas.diff import diff

    d = diff(archdsl.load(args.a), archdsl.load(args.b))
    print(d)
    return 0 if d.empty else 1
