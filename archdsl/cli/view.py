"""`archdsl view FILE [-D name=value]... [--no-open]`: the spec in the interactive viewer.

The page goes to a new temporary file and opens in a web browser where one is available;
otherwise (a server, a container) the command prints the path to open. No TensorFlow, no Graphviz.
"""

from __future__ import annotations

import argparse

from archdsl.cli.common import load_arch, print_warnings, spec_args


def add_arguments(p: argparse.ArgumentParser) -> None:
    spec_args(p)
    p.add_argument("--no-open", action="store_true", help="only write the page and print its path")


def run(args: argparse.Namespace) -> int:
    from archdsl.cli.pages import view

    arch = load_arch(args)
    print_warnings(arch)
    return view(arch, open_it=not args.no_open)
