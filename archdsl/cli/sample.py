"""`archdsl sample`: sample distinct valid topologies from a search space into a folder.

The run itself (determinism, shards, atomic writes, the manifest) is `archdsl.nas.sample`; this
module parses the options and reports progress.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", choices=["spinenet"], default="spinenet")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--blocks", type=int, default=16)
    p.add_argument("--max-params", type=float)
    p.add_argument("--max-macs", type=float)
    p.add_argument("--shard", default="0/1", help="i/n: this machine's part of the run")
    p.add_argument("-o", "--output", required=True, help="output folder")


def run(args: argparse.Namespace) -> int:
    from archdsl.nas.sample import Shard, sample_to_folder
    from archdsl.nas.space import ScalePermutedSpace

    try:
        shard = Shard.parse(args.shard)
        space = ScalePermutedSpace(num_blocks=args.blocks, max_params=args.max_params, max_macs=args.max_macs)
    except ValueError as exc:
        args.parser.error(str(exc))

    def progress(position: int, written: int) -> None:
        print(f"\rsample: {position}/{args.count} ({written} written)", end="", file=sys.stderr)

    result = sample_to_folder(space, args.count, args.seed, args.output, shard, progress)
    print(file=sys.stderr)
    if not result.complete:
        print(f"stopped: only {result.positions} distinct candidates within budget", file=sys.stderr)
        return 1
    return 0
