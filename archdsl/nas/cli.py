"""`archdsl hash | diff | sample`: the NAS subcommands (registered through cli._EXTRA_COMMANDS).

`diff A B` exits 0 when the two specs are equivalent (equal hash), 1 when they differ or on spec
errors (diagnostics on stderr), 2 on usage errors. `sample` writes `<hash>.arch` files and
`manifest.jsonl`; it is deterministic for a seed, and `--shard i/n` writes the candidates of the
run (N in all) whose position is i modulo n, so n machines produce disjoint parts of one run.
Every file is written atomically (a temporary file in the folder, then `os.replace`), and the
manifest last, so an interrupted run never leaves a partial spec or a manifest naming missing files.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from archdsl.fileio import write_atomic


def register(sub) -> None:
    from archdsl.cli import _spec_args
    p = sub.add_parser("hash", help="print the canonical, isomorphism-invariant hash of a spec")
    _spec_args(p)
    p.set_defaults(handler=cmd_hash)
    p = sub.add_parser("diff", help="difference of two specs modulo renaming (exit 0 when equivalent)")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("-o", dest="output", metavar="OUT.html", help="also write both specs to one interactive page")
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
    if args.output and not args.output.lower().endswith(".html"):
        args.parser.error(f"diff -o writes an HTML page: name it *.html, not {args.output!r}")
    a, b = archdsl.load(args.a), archdsl.load(args.b)
    d = diff(a, b)
    print(d)
    if args.output:
        from archdsl.render.html_cli import diff_page
        if diff_page(a, b, d, args.output):
            return 1
    return 0 if d.empty else 1


def cmd_sample(args) -> int:
    from archdsl.nas.printer import print_topology
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
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    seen: set[str] = set()
    written, position, draws = 0, 0, 0
    manifest: list[str] = []
    while position < args.count:  # the run's N candidates; this shard writes its part
        draws += 1
        if draws > 1000 * (args.count + 10):
            print(f"stopped: only {written} distinct candidates within budget", file=sys.stderr)
            write_atomic(out / "manifest.jsonl", "".join(manifest))
            return 1
        c = space.sample_candidate(rng, seed=args.seed)
        if c.hash in seen or not space.within_budget(c):
            continue
        seen.add(c.hash)
        position += 1
        if (position - 1) % n != i:
            continue
        write_atomic(out / f"{c.hash}.arch", print_topology(c.topology, comment=f"seed {args.seed}, #{position}"))
        manifest.append(json.dumps({"hash": c.hash, "params": c.params, "macs": c.macs, "lineage": {
            "parent": c.lineage.parent, "mutation": c.lineage.mutation, "seed": c.lineage.seed,
            "index": position}}) + "\n")
        written += 1
        print(f"\rsample: {position}/{args.count} ({written} written)", end="", file=sys.stderr)
    write_atomic(out / "manifest.jsonl", "".join(manifest))
    print(file=sys.stderr)
    return 0
