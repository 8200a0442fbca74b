"""`archdsl sample`: sample distinct valid topologies from a search space into a folder.

The run itself (determinism, shards, atomic writes, the manifest) is `archdsl.nas.sample`; this
module parses the options, shows progress and says what it wrote. The budget flags are
`--budget-params` / `--budget-macs`: on the spec commands `--max-params` is a resource limit of the
checker, a different thing, so `sample` refuses that spelling with a pointer to the right one.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from archdsl.cli.common import positive
from archdsl.cli.progress import Count

DESCRIPTION = ("Draw distinct valid topologies from a search space and write each as <hash>.arch, "
               "with a manifest.jsonl (hash, params, MACs, lineage). The same --seed gives the same run.")


def _budget(text: str) -> float:
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number such as 5e6, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number such as 5e6, got {text!r}")
    return value


class _RenamedBudget(argparse.Action):
    """`sample --max-params` / `--max-macs`: the old budget spelling, refused with the new one."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        new = str(option_string).replace("--max-", "--budget-")
        parser.error(f"sample's budget is {new}; {option_string} is the checker's resource limit "
                     "on the spec commands (check, compile, ...)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", choices=["spinenet"], default="spinenet",
                   help="the search space: spinenet, SpineNet's scale-permuted space (default)")
    p.add_argument("--count", type=positive, required=True, metavar="N",
                   help="how many distinct candidates the run has (all shards together)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same run (default 0)")
    p.add_argument("--blocks", type=positive, default=16, metavar="N",
                   help="blocks in the scale-permuted body, outputs included (default 16, as SpineNet-49)")
    p.add_argument("--budget-params", type=_budget, metavar="N",
                   help="keep only candidates with at most N parameters (e.g. 5e6)")
    p.add_argument("--budget-macs", type=_budget, metavar="N",
                   help="keep only candidates with at most N multiply-accumulates per image (e.g. 2e9)")
    p.add_argument("--max-params", "--max-macs", nargs="?", action=_RenamedBudget, help=argparse.SUPPRESS)
    p.add_argument("--shard", default="0/1", metavar="I/N",
                   help="write only this machine's part of the run: candidates whose position is I mod N "
                        "(default 0/1, all of them)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="output folder (created if missing)")


def run(args: argparse.Namespace) -> int:
    from archdsl.nas.sample import Shard, sample_to_folder
    from archdsl.nas.space import ScalePermutedSpace

    try:
        shard = Shard.parse(args.shard)
        space = ScalePermutedSpace(num_blocks=args.blocks, max_params=args.budget_params, max_macs=args.budget_macs)
    except ValueError as exc:
        args.parser.error(str(exc))
    count = Count(args.count, "sample")
    try:
        result = sample_to_folder(space, args.count, args.seed, args.output, shard,
                                  lambda position, written: count.update(position, f"{written} written"))
    finally:
        count.close()
    specs = "spec" if result.written == 1 else "specs"
    if not result.complete:
        print(f"stopped: only {result.positions} distinct candidates within budget; "
              f"wrote {result.written} {specs} to {args.output}", file=sys.stderr)
        return 1
    print(f"wrote {result.written} {specs} to {args.output}", file=sys.stderr)
    return 0
