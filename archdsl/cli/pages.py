"""The viewer's halves of the commands (`archdsl.cli.render`, `.diff`, `.view`): writing a page for
`render -o OUT.html` and `diff -o OUT.html`, and `view`'s temporary page, opened in a web browser
where one is available; otherwise (a server, a container) its path is printed. No TensorFlow, no
Graphviz.
"""

from __future__ import annotations

import os
import tempfile
import webbrowser
from collections.abc import Iterable

from archdsl.cli.common import report_write


def write_page(text: str, path: str, inputs: Iterable[str] = ()) -> int:
    """Write a rendered page to the user's `path`; 0, or 1 with an error line."""
    from archdsl.render.html import write_html

    return report_write(path, lambda: write_html(text, path, inputs))


def render_page(arch, path: str) -> int:
    """`archdsl render FILE -o OUT.html`."""
    from archdsl.render.html import render_html

    return write_page(render_html(arch), path, arch.sources)


def diff_page(a, b, d, path: str) -> int:
    """`archdsl diff A B -o OUT.html`: the page for the diff `d` already printed as text."""
    from archdsl.render.html import diff_html

    return write_page(diff_html(a, b, d), path, [*a.sources, *b.sources])


def view(arch, open_it: bool = True) -> int:
    """`archdsl view`: write the page to a new temporary file and open it (or say where it is)."""
    from archdsl.render.html import render_html

    fd, path = tempfile.mkstemp(prefix=f"archdsl-{arch.name}-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(render_html(arch))
    if open_it and _open(path):
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
