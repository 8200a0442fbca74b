"""`archdsl hash | diff | sample`: the NAS subcommands (registered through cli._EXTRA_COMMANDS).

`diff A B` exits 0 when the two specs are equivalent (equal hash), 1 when they differ or on spec
errors (diagnostics on stderr), 2 on usage errors. `sample` writes `<hash>.arch` files and
`manifest.jsonl`; it is deterministic for a seed, and `--shard i/n` writes the candidates of the
run (N in all) whose position is i modulo n, so n machines produce disjoint parts of one run.
The folder logic (what may be written into, and a manifest that always lists exactly its specs)
is `archdsl.nas.sampling`.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    from archdsl.cli import _spec_args
    p = sub.add_parser("hash", help="print the canonical, isomorphism-invariant hash of a spec")
    _spec_args(p)
    p.set_defaults(handler=cmd_hash)
    p = sub.add_parser("diff", help="difference of two specs modulo renaming (exit 0 when equivalent)")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(handler=cmd_diff)
    p = sub.add_parser("sample", help="sample distinct valid topologies from a search space")
    p.add_argument("--space", choices=["spinenet"], default="spinenet")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--blocks", type=int, default=16)
    p.add_argument("--max-params", type=float)
    p.add_argument("--max-macs", type=float)
    p.add_argument("--shard", default="0/1", help="i/n: this machine's part of the run")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.set_defaults(handler=cmd_sample)


def cmd_hash(args) -> int:
    from archdsl.cli import load_arch
    from archdsl.nas.hash import arch_hash
    print(arch_hash(load_arch(args, args.parser)))
    return 0


def cmd_diff(args) -> int:
    import archdsl
    from archdsl.nas.diff import diff
    d = diff(archdsl.load(args.a), archdsl.load(args.b))
    print(d)
    return 0 if d.empty else 1


def cmd_sample(args) -> int:
    from archdsl.nas.space import ScalePermutedSpace
    try:
        i, n = (int(x) for x in args.shard.split("/"))
        assert 0 <= i < n
    except (ValueError, AssertionError):
        args.parser.error(f"--shard wants i/n with 0 <= i < n, got {args.shard!r}")
    try:
        space = ScalePermutedSpace(num_blocks=args.blocks, max_params=args.max_params, max_macs=args.max_macs)
    except ValueError as exc:
        args.parser.error(str(exc))
    from archdsl.nas.sampling import sample_to_folder
    progress = lambda pos, written: print(f"\rsample: {pos}/{args.count} ({written} written)", end="", file=sys.stderr)
    run = sample_to_folder(args.output, space, args.count, args.seed, (i, n), progress)
    print(file=sys.stderr)
    if run.exhausted:
        print(f"stopped: only {run.written} distinct candidates within budget", file=sys.stderr)
        return 1
    return 0
