"""`archdsl fmt FILE... [--check | --write]`: print, check or rewrite specs in canonical form.

By default the formatted text goes to stdout. `--check` lists (on stdout) the files that would
change and exits 1 if there are any. `--write` rewrites changed files in place, atomically (a temp
file in the same directory, then `os.replace`), and leaves already-formatted files untouched. A file
that does not parse gets its diagnostic on stderr and is never written; so is one whose formatted
text would not read back as the same AST with the same comments (a printer bug, reported as such).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from archdsl.cli.common import Trouble, input_file
from archdsl.diagnostics import ArchError, error
from archdsl.fileio import write_atomic
from archdsl.ir.read import read_spec

DESCRIPTION = "Format .arch specs canonically (comments are kept)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="the .arch specs")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="list the files that would change; exit 1 if any would")
    mode.add_argument("--write", action="store_true", help="rewrite the files that would change, in place")


def format_source(text: str, path: str) -> str:
    """The canonical text of one spec, verified to read back as the same AST and comments."""
    from archdsl.syntax.parse import parse_with_comments
    from archdsl.syntax.printer import format_file, same_ast

    file, comments = parse_with_comments(text, path)
    out = format_file(file, comments)
    again, again_comments = parse_with_comments(out, path)
    if not same_ast(file, again) or Counter(c.text for c in comments) != Counter(c.text for c in again_comments):
        raise ArchError(error(f"internal error: formatting {path} would change its meaning or lose a "
                              "comment; the file is left as it is (please report this)"))
    return out


def run(args: argparse.Namespace) -> int:
    status = 0
    trouble = False  # a file that cannot be read: exit 2 once every file has had its turn
    for path in args.files:
        try:
            text = read_spec(Path(input_file(path)))  # bounded by max_file_bytes, like every other reader
            out = format_source(text, path)
        except Trouble as exc:
            print(f"error: {exc}", file=sys.stderr)
            trouble = True
            continue
        except ArchError as exc:
            print(exc.render(), file=sys.stderr)
            status = 1
            continue
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: cannot read {path}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            status = 1
            continue
        if args.check:
            if out != text:
                print(path)
                status = 1
        elif args.write:
            if out != text:
                try:
                    write_atomic(path, out)
                except OSError as exc:
                    print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
                    status = 1
                    continue
                print(f"reformatted {path}", file=sys.stderr)
        else:
            sys.stdout.write(out)
    return 2 if trouble else status

