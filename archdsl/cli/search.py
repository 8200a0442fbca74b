"""`archdsl search`: run (or resume) an architecture search into a store folder.

    archdsl search --space spinenet --strategy evolution --trials 50 --evaluator proxy \
        -O dataset=mydata:make -O classes=10 --store runs/s1 -D input_size=128

The same command on the same store resumes it (other settings are refused, except `--trials`,
`--workers` and `--address`). Exit 0 when the search finished, 1 when its settings conflict with
the store or nothing could be evaluated, 2 on usage errors. Progress goes to stderr; stdout gets
the Pareto front as a table (or `--json`: every trial).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

SPACES = ("spinenet", "nasfpn")


def add_arguments(p) -> None:
    p.add_argument("--space", required=True, metavar="spinenet|nasfpn|SPEC.arch",
                   help="a built-in space, or a spec whose choice-typed parameters (and --dim) are searched")
    p.add_argument("--strategy", choices=("random", "evolution"), default="evolution",
                   help="random search, or regularized evolution (default)")
    p.add_argument("--trials", type=int, required=True, help="trials in all (a resumed run counts the finished ones)")
    p.add_argument("--evaluator", required=True, metavar="module:function|proxy",
                   help="evaluate(model, arch, **options) -> metrics, or the built-in proxy trainer")
    p.add_argument("--store", required=True, metavar="DIR", help="the result store folder (created if missing)")
    p.add_argument("--seed", type=int, default=0, help="the strategy's random seed")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter for every candidate (repeatable)")
    p.add_argument("-O", dest="options", action="append", default=[], metavar="NAME=VALUE",
                   help="an evaluator option, passed as a keyword (repeatable)")
    p.add_argument("--dim", action="append", default=[], metavar="NAME=A,B,..|NAME=LO..HI[/STEP]",
                   help="with a spec space: search this parameter over these values (repeatable)")
    p.add_argument("--objectives", metavar="NAME[:max|min],...",
                   help="what to optimise (metrics, or params / macs); default: the evaluator's first metric, max")
    p.add_argument("--population", type=int, default=20, help="evolution: population size")
    p.add_argument("--sample-size", type=int, default=5, help="evolution: tournament size")
    p.add_argument("--mutations", metavar="OP,...", help="evolution: the mutation operators to use (default: all)")
    p.add_argument("--blocks", type=int, default=16, help="spinenet: blocks per topology")
    p.add_argument("--budget-params", dest="max_params", type=float, metavar="N",
                   help="skip candidates with more params (checked from the IR before any trial)")
    p.add_argument("--budget-macs", dest="max_macs", type=float, metavar="N",
                   help="skip candidates with more MACs (checked from the IR before any trial)")
    p.add_argument("--workers", type=int, default=2, help="trials at a time")
    p.add_argument("--cpus-per-trial", type=float, default=1, help="Ray resources each trial asks for")
    p.add_argument("--gpus-per-trial", type=float, default=0, help="Ray GPUs each trial asks for")
    p.add_argument("--retries", type=int, default=1, help="retries of a trial whose process died")
    p.add_argument("--address", help="join this Ray cluster (default: start Ray locally)")
    p.add_argument("--json", action="store_true", help="print every trial as JSON on stdout")


def _pairs(items: list[str], flag: str, parser) -> dict[str, Any]:
    from archdsl.ir.expr import parse_cli_value
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            parser.error(f"{flag} expects name=value, got {item!r}")
        out[name.strip()] = parse_cli_value(value)
    return out


def make_space(args, defines: dict[str, Any]):
    """The space `--space` names (ValueError for bad settings, ArchError for a bad spec)."""
    from archdsl.nas.search.spaces import SpineNetSpace
    budget = {"max_params": args.max_params, "max_macs": args.max_macs}
    if args.space == "spinenet":
        return SpineNetSpace(defines, num_blocks=args.blocks, **budget)
    if args.space == "nasfpn":
        from archdsl.nas.search.nasfpn import NasFpnSpace
        return NasFpnSpace(defines, **budget)
    if not args.space.endswith(".arch") or not os.path.isfile(args.space):
        raise ValueError(f"--space: expected {' | '.join(SPACES)} or an existing .arch file, got {args.space!r}")
    from archdsl.nas.search.specspace import SpecSpace, parse_dim
    return SpecSpace(args.space, defines, [parse_dim(d) for d in args.dim], **budget)


def run(args) -> int:
    from archdsl.nas.search import engine
    from archdsl.nas.search.store import Store
    from archdsl.nas.search.strategies import Objective
    from archdsl.nas.search.trial import resolve

    parser = args.parser
    defines, options = _pairs(args.defines, "-D", parser), _pairs(args.options, "-O", parser)
    objectives = [o.strip() for o in args.objectives.split(",")] if args.objectives else None
    if args.trials < 1 or args.workers < 1:
        parser.error("--trials and --workers must be positive")
    if args.dim and args.space in SPACES:
        parser.error("--dim applies to a spec space (--space SPEC.arch)")
    try:
        for o in objectives or ():
            Objective.parse(o)
        sys.path.insert(0, os.getcwd())  # the user's evaluator module, as the trials will see it
        resolve(args.evaluator)
        space = make_space(args, defines)
        strategy_options: dict[str, Any] = {}
        if args.strategy == "evolution":
            strategy_options = {"population": args.population, "sample_size": args.sample_size,
                                "operators": args.mutations.split(",") if args.mutations else None}
        space_options = {"dims": args.dim, "blocks": args.blocks, "max_params": args.max_params,
                         "max_macs": args.max_macs}
        settings = engine.Settings(args.space, args.strategy, args.evaluator, defines, options, objectives,
                                   args.seed, strategy_options, space_options)
        store = Store(args.store)
        conflicts = store.check_settings(settings.fixed())
        if conflicts:
            for name, (old, new) in sorted(conflicts.items()):
                print(f"error: {args.store} holds a search with {name} = {old!r}, not {new!r}", file=sys.stderr)
            print("  hint: resume with the same settings, or give a new --store", file=sys.stderr)
            return 1
        released = store.release_dead()
        if released:
            print(f"search: resuming; {released} trial(s) of a dead driver run again", file=sys.stderr)
        driver = engine.Driver(store, space, settings, args.trials, [os.getcwd()])
    except ValueError as exc:
        parser.error(str(exc))
    with _stdout_to_stderr():  # Ray's own messages ("(raylet) A worker died ...") must not mix with --json
        engine.run(driver, args.workers, args.address, args.cpus_per_trial, args.gpus_per_trial, args.retries)
    return _report(store, driver.objectives, args.json)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout (Python's and file descriptor 1) to stderr for a while."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _report(store, objectives, as_json: bool) -> int:
    from archdsl.nas.search import report

    records = store.records()
    rows = report.table(records)
    report.write_csv(store, rows)
    if not objectives:
        print("search: no trial succeeded; see results.csv for the errors", file=sys.stderr)
        if as_json:
            print(json.dumps(rows, indent=1))
        return 1
    axes = report.plotted(objectives)
    best = report.front(records, axes)
    report.write_best(store, best)
    report.plot(store, records, axes, best)
    if as_json:
        print(json.dumps(rows, indent=1))
        return 0
    names = [o.name for o in axes]
    print("hash                              " + "  ".join(f"{n:>12}" for n in names))
    for r in best:
        print(r.hash + "  " + "  ".join(f"{report._value(r, n):>12.5g}" for n in names))
    print(f"search: {len(best)} on the front; best/*.arch, results.csv and pareto.png in {store.root}",
          file=sys.stderr)
    return 0
