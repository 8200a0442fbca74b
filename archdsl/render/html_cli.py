"""The viewer's commands: `archdsl view FILE` (registered through `archdsl.cli._EXTRA_COMMANDS`),
and the `.html` halves of `archdsl render FILE -o OUT.html` and `archdsl diff A B -o OUT.html`.

`view` writes the page to a new temporary file and opens it in a web browser where one is
available; otherwise (a server, a container) it prints the path to open. No TensorFlow, no
Graphviz.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import webbrowser


def register(sub) -> None:
    from archdsl.cli import _spec_args

    p = sub.add_parser("view", help="open a spec in the interactive viewer (a self-contained HTML page)")
    _spec_args(p)
    p.add_argument("--no-open", action="store_true", help="only write the page and print its path")
    p.set_defaults(handler=cmd_view)


def write_page(text: str, path: str) -> int:
    """Write a rendered page to the user's `path`; 0, or 1 with an error line."""
    from archdsl.render.html import write_html

    try:
        write_html(text, path)
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def render_page(arch, path: str) -> int:
    """`archdsl render FILE -o OUT.html`."""
    from archdsl.render.html import render_html

    return write_page(render_html(arch), path)


def diff_page(a, b, d, path: str) -> int:
    """`archdsl diff A B -o OUT.html`: the page for the diff `d` already printed as text."""
    from archdsl.render.html import diff_html

    return write_page(diff_html(a, b, d), path)


def cmd_view(args: argparse.Namespace) -> int:
    from archdsl.cli import load_arch, print_warnings
    from archdsl.render.html import render_html

    arch = load_arch(args, args.parser)
    print_warnings(arch)
    fd, path = tempfile.mkstemp(prefix=f"archdsl-{arch.name}-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(render_html(arch))
    if not args.no_open and _open(path):
        print(f"opened {path}")
    else:
        print(f"wrote {path}; open it in a web browser")
    return 0


def _open(path: str) -> bool:
    """Open `path` in the user's browser; False where there is none (no display, no BROWSER)."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return bool(browser.open("file://" + os.path.abspath(path)))
