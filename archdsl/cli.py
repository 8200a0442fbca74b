"""The `archdsl` command: a thin layer over the library, one function per subcommand.

Exit codes: 0 success, 1 the spec (or the work) failed with diagnostics, 2 bad command-line usage
(argparse's convention). Diagnostics go to stderr; results go to stdout. Subcommands other than
`compile` never import TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from archdsl.diagnostics import ArchError, Severity

Handler = Callable[[argparse.Namespace], int]


def _overrides(pairs: list[str], parser: argparse.ArgumentParser) -> dict[str, Any]:
    from archdsl.ir.expr import parse_cli_value

    out: dict[str, Any] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            parser.error(f"-D expects name=value, got {pair!r}")
        out[name.strip()] = parse_cli_value(value)
    return out


def _spec_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="the .arch spec")
    p.add_argument("-D", dest="defines", action="append", metavar="NAME=VALUE", default=[],
                   help="override a parameter of the spec's arch (repeatable)")
    p.add_argument("-O", dest="outputs", action="append", metavar="NAME|LEVEL", default=None,
                   help="return this node or level instead of the spec's outputs (repeatable; see archdsl.taps)")
    p.add_argument("-I", dest="search_path", action="append", metavar="DIR", default=None,
                   help="add a directory to the spec search path (default: the spec's own directory)")
    from archdsl.limits import DEFAULT, FLAGS
    group = p.add_argument_group("limits", "raise (or lower) a resource limit; the defaults suit any real network")
    for name, what in FLAGS.items():
        group.add_argument("--" + name.replace("_", "-"), dest=name, type=_positive, metavar="N",
                           default=getattr(DEFAULT, name), help=f"{what} (default {getattr(DEFAULT, name):,})")


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def load_arch(args: argparse.Namespace, parser: argparse.ArgumentParser):
    """Load the spec named on the command line (raises ArchError)."""
    from archdsl.arch import load
    from archdsl.limits import FLAGS, Limits

    limits = Limits(**{name: getattr(args, name) for name in FLAGS})
    search = None
    if args.search_path:
        import os
        search = [os.path.dirname(os.path.abspath(args.file))] + args.search_path
    return load(args.file, _overrides(args.defines, parser), search_path=search, limits=limits,
                outputs=getattr(args, "outputs", None))


def print_warnings(arch) -> None:
    for w in arch.warnings:
        if w.severity is Severity.WARNING:
            print(w.render(), file=sys.stderr)


def summary(arch) -> dict:
    return {"name": arch.name, "params": arch.params, "trainable_params": arch.trainable_params,
            "macs": arch.macs, "outputs": _jsonable(arch.outputs)}


def _jsonable(tree):
    return {k: _jsonable(v) if isinstance(v, dict) else list(v) for k, v in tree.items()}


def format_table(arch) -> str:
    rows = arch.table()
    head = ("node", "op", "level", "HxWxC", "params", "MACs", "inputs")
    body = [(r.name, r.op + (f" share={r.share}" if r.share else ""), f"L{r.level}", str(r.shape),
             f"{r.params:,}", f"{r.macs:,}",
             ", ".join(r.inputs) + "".join(f", +{o} (orphan)" for o in r.orphans)) for r in rows]
    body.append(("total", "", "", "", f"{arch.params:,}", f"{arch.macs:,}", ""))
    widths = [max(len(str(x[i])) for x in [head] + body) for i in range(len(head))]
    right = {4, 5}
    lines = []
    for row in [head] + body:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    arch = load_arch(args, args.parser)
    print_warnings(arch)
    if args.json:
        print(json.dumps(summary(arch)))
        return 0
    if args.table:
        print(format_table(arch))
    outputs = ", ".join(f"{k}: {'x'.join(map(str, v))}" if isinstance(v, tuple) else k
                        for k, v in arch.outputs.items())
    print(f"{arch.name}: ok, {arch.params:,} params ({arch.trainable_params:,} trainable), "
          f"{arch.macs / 1e9:.2f} G MACs; outputs {outputs}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archdsl", description="A compiler for multi-scale vision architectures.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="parse and check a spec; print params, MACs and outputs (no TensorFlow)")
    _spec_args(p)
    p.add_argument("--table", action="store_true", help="print a per-node table of shapes, params and MACs")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_check)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# Subcommands defined in other modules register here (each a function taking the subparsers object);
# they import their heavy dependencies inside their handlers.
_EXTRA_COMMANDS: list[Callable[[Any], None]] = []

from archdsl.lower.cli import register as _register_compile  # noqa: E402  (no TensorFlow import)

_EXTRA_COMMANDS.append(_register_compile)

from archdsl.syntax.fmt_cli import register as _register_fmt  # noqa: E402 (registers `fmt`)

_EXTRA_COMMANDS.append(_register_fmt)

from archdsl.render.cli import register as _register_render  # noqa: E402

_EXTRA_COMMANDS.append(_register_render)

from archdsl.nas.cli import register as _register_nas  # noqa: E402 (hash, diff, sample)

_EXTRA_COMMANDS.append(_register_nas)

from archdsl.interop.weights_cli import register as _register_weights  # noqa: E402 (import-weights)

_EXTRA_COMMANDS.append(_register_weights)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    args.parser = parser
    try:
        return args.handler(args)
    except ArchError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
