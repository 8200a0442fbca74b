"""The `archdsl` command: a thin layer over the library, with one module per subcommand.

`COMMANDS` is the whole command set, one row per subcommand (name, module, help): `build_parser`
imports a row's module and calls its `add_arguments(parser)`; `main` dispatches to its
`run(args) -> int`. Nothing registers itself by being imported. `main` imports only the module of
the command it runs, and that module imports its heavy dependencies inside `run`, so only
`compile` ever imports TensorFlow and `check` never loads Graphviz. Shared argument helpers live in
`archdsl.cli.common`.

Exit codes are the table `EXIT_CODES` (also `archdsl --help` and the README). Diagnostics go to
stderr; results go to stdout.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from archdsl import __version__
from archdsl.cli.common import Trouble
from archdsl.diagnostics import ArchError

EXIT_CODES = """\
exit status:
  0    success (diff: the specs are equivalent)
  1    the spec has errors, or the work failed (diff: the specs differ;
       fmt --check: a file would change)
  2    usage error, or an input file that is missing, a folder or unreadable
       (diff: a spec is missing or broken, as diff(1))
  130  interrupted"""


class Command(NamedTuple):
    name: str
    module: str  # defines add_arguments(parser) and run(args) -> int
    help: str


COMMANDS: tuple[Command, ...] = (
    Command("check", "archdsl.cli.check",
            "parse and check a spec; print params, MACs and outputs (no TensorFlow)"),
    Command("compile", "archdsl.cli.compile",
            "lower a spec to a tf-keras model; optionally XLA-compile and save it"),
    Command("fmt", "archdsl.cli.fmt", "print specs in canonical form (or --check / --write them)"),
    Command("render", "archdsl.cli.render",
            "draw a spec as a level-laned Graphviz diagram (.svg .png .pdf .dot) or viewer page (.html)"),
    Command("view", "archdsl.cli.view", "open a spec in the interactive viewer (one self-contained HTML page)"),
    Command("hash", "archdsl.cli.hash", "print the canonical, isomorphism-invariant hash of a spec"),
    Command("diff", "archdsl.cli.diff", "difference of two specs modulo renaming (exit 0 when equivalent)"),
    Command("sample", "archdsl.cli.sample", "sample distinct valid topologies from a search space"),
    Command("export", "archdsl.cli.export",
            "export a spec or a compiled artifact to SavedModel or TFLite, verified against Keras"),
    Command("import-weights", "archdsl.cli.import_weights",
            "load a Model Garden checkpoint (and its params.yaml) into the archdsl model of a spec"),
    Command("search", "archdsl.cli.search",
            "search a space for architectures (Ray Tune trials, a resumable store, Pareto fronts)"),
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that answers a misspelled subcommand with the nearest one."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if isinstance(action, argparse._SubParsersAction) and value not in action.choices:
            near = difflib.get_close_matches(value, list(action.choices), n=1)
            hint = f"did you mean `{near[0]}`?" if near else f"choose from {', '.join(action.choices)}"
            raise argparse.ArgumentError(action, f"unknown command {value!r}; {hint}")
        super()._check_value(action, value)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand in `COMMANDS`, or with `only`, of that one: the others are
    still listed (for --help and suggestions) but their modules are not imported, so a command
    loads only what it needs (`check` no Graphviz, `render` no sampler)."""
    parser = _Parser(prog="archdsl", description="A compiler for multi-scale vision architectures.",
                     epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"archdsl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        if only is not None and command.name != only:
            sub.add_parser(command.name, help=command.help)
            continue
        module = importlib.import_module(command.module)
        p = sub.add_parser(command.name, help=command.help, description=getattr(module, "DESCRIPTION", None))
        module.add_arguments(p)
        # `parser` is the subcommand's own, so a usage error found by `run` prints its usage
        p.set_defaults(handler=module.run, parser=p)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names (its first word that is not an option), if it is one of ours."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in {c.name for c in COMMANDS} else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_in(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except ArchError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except Trouble as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
