"""Argument helpers shared by the subcommand modules: the spec arguments (file, -D, -I, limits),
loading the spec they name, printing its warnings, and the summary every spec command reports.

Subcommand modules import from here and never from each other or from `archdsl.cli` itself, so
the package has no import cycle and no module reaches for another's private helpers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from archdsl.diagnostics import ArchError, Severity


class Trouble(Exception):
    """The command cannot run as asked: an input file is missing, a folder, or unreadable.
    `main` prints the message and exits 2 (the diff(1) and grep convention), as for a usage
    error; 1 stays "the spec has errors"."""


def input_file(path: str) -> str:
    """`path` if it names a readable file, else a Trouble saying what is wrong with it. A missing
    file the spec imports is still a located spec error (exit 1): only the named file is checked.
    `-` is standard input, asked for explicitly."""
    if path == "-":
        return path
    if not os.path.exists(path):
        raise Trouble(f"no such file: {path}")
    if os.path.isdir(path):
        raise Trouble(f"{path} is a directory, not a spec file")
    if not os.access(path, os.R_OK):  # not an open(): a named pipe must be read once, by the loader
        raise Trouble(f"cannot read {path}: permission denied")
    return path


def overrides(pairs: list[str], parser: argparse.ArgumentParser) -> dict[str, Any]:
    """The `-D name=value` pairs as a dict (a malformed pair is a usage error of `parser`)."""
    from archdsl.ir.expr import parse_cli_value

    out: dict[str, Any] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            parser.error(f"-D expects name=value, got {pair!r}")
        out[name.strip()] = parse_cli_value(value, name.strip())
    return out


def spec_args(p: argparse.ArgumentParser) -> None:
    """Add the arguments of a command that reads one spec: FILE, -D, -I and the resource limits."""
    p.add_argument("file", help="the .arch spec")
    p.add_argument("-D", dest="defines", action="append", metavar="NAME=VALUE", default=[],
                   help="override a parameter of the spec's arch (repeatable)")
    p.add_argument("-I", dest="search_path", action="append", metavar="DIR", default=None,
                   help="add a directory to the spec search path (default: the spec's own directory)")
    p.add_argument("-O", dest="outputs", action="append", metavar="NAME|LEVEL", default=None,
                   help="return this node or level instead of the spec's outputs (repeatable; see archdsl.taps)")
    from archdsl.limits import DEFAULT, FLAGS
    group = p.add_argument_group("limits", "raise (or lower) a resource limit; the defaults suit any real network")
    for name, what in FLAGS.items():
        group.add_argument("--" + name.replace("_", "-"), dest=name, type=positive, metavar="N",
                           default=getattr(DEFAULT, name), help=f"{what} (default {getattr(DEFAULT, name):,})")


def positive(text: str) -> int:
    """argparse type: a positive integer (underscores allowed, as in 1_000_000)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def load_arch(args: argparse.Namespace):
    """Load the spec named on the command line (raises ArchError)."""
    from archdsl.arch import load
    from archdsl.limits import FLAGS, Limits

    input_file(args.file)
    try:
        limits = Limits(**{name: getattr(args, name) for name in FLAGS})
    except ValueError as exc:  # a limit past its cap (see archdsl.limits.CAPS)
        args.parser.error(str(exc))
    search = None
    if args.search_path:
        search = [os.path.dirname(os.path.abspath(args.file))] + args.search_path
    return load(args.file, overrides(args.defines, args.parser), search_path=search, limits=limits,
                outputs=getattr(args, "outputs", None))


def verbose_arg(p: argparse.ArgumentParser) -> None:
    """`-v/--verbose` for a command that imports TensorFlow: show its log lines (quiet by default)."""
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show TensorFlow's own log lines (hidden by default)")


def print_warnings(arch, notes: bool = False) -> None:
    """Warnings on stderr; notes (expected pruning, Severity.NOTE) too when `notes` (--table, -v)."""
    for w in arch.warnings:
        if w.severity is Severity.WARNING or (notes and w.severity is Severity.NOTE):
            print(w.render(), file=sys.stderr)


def summary(arch) -> dict:
    return {"name": arch.name, "params": arch.params, "trainable_params": arch.trainable_params,
            "macs": arch.macs, "outputs": _jsonable(arch.outputs)}


def _jsonable(tree):
    return {k: _jsonable(v) if isinstance(v, dict) else list(v) for k, v in tree.items()}


def format_macs(macs: int) -> str:
    """`28.26 G MACs`, `12.35 M MACs`, `880 MACs`: the largest unit that keeps the number at least
    1 (so a small model does not read as `0.00 G MACs`), two decimals."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if macs >= scale * (1 - 5e-6):  # what rounds to 1.00 of a unit is shown in it, not as 1,000.00
            return f"{macs / scale:,.2f} {unit} MACs"
    return f"{macs} MACs"


def report_write(path: str, write: Callable[[], object]) -> int:
    """Run `write`, which writes the user's `path`: 0 and `wrote PATH`, or 1 with one error line
    (refused by the write guard, `archdsl.fileio`: not archdsl's file, or an input; or the OS)."""
    try:
        write()
    except ArchError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0
