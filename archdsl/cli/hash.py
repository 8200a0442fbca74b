"""`archdsl hash FILE`: print the canonical, isomorphism-invariant hash of a spec (no TensorFlow)."""

from __future__ import annotations

import argparse

from archdsl.cli.common import load_arch, spec_args


def add_arguments(p: argparse.ArgumentParser) -> None:
    spec_args(p)


def run(args: argparse.Namespace) -> int:
    from archdsl.nas.hash import arch_hash

    print(arch_hash(load_arch(args)))
    return 0
