"""A Pygments lexer for `.arch` files, registered as the `arch` lexer (entry point
`pygments.lexers`), so ```arch fences and `pygmentize -l arch` highlight specs.

Its keyword list is the Lark grammar's (a test checks they match, as does the VS Code grammar in
`editors/vscode/`). Needs Pygments (`pip install -e ".[editor]"`); the core never imports this.

Render a doc with its ```arch fences highlighted:
    python -m archdsl.editors.pygments_lexer docs/language.md -o language.html
"""

from __future__ import annotations

import html
import re
import sys

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Whitespace

KEYWORDS = ("arch", "as", "at", "block", "by", "combine", "defaults", "for", "from", "fuse", "import", "in", "input",
            "let", "merge", "optional", "orphans", "output", "repeat", "resample", "return", "scaled",
            "stochastic_depth", "widths")
CONSTANTS = ("true", "false")


class ArchLexer(RegexLexer):
    name = "archdsl"
    aliases = ["arch", "archdsl"]
    filenames = ["*.arch"]
    mimetypes = ["text/x-archdsl"]

    tokens = {
        "root": [
            (r"[ \t\f\r]+", Whitespace),
            (r"\n", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"[^"\\\n]*(\\.[^"\\\n]*)*"', String.Double),
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (r"L[0-9]+(?![A-Za-z0-9_])", Number.Integer),   # a level
            (r"[0-9]+x[0-9]+(?![A-Za-z0-9_])", Number),     # a kernel size
            (r"[0-9]+\.[0-9]+([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+", Number.Float),
            (r"[0-9]+", Number.Integer),
            (r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)(?=\s*(\(|=\s*[A-Za-z_]))", Name.Function),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"->|<-|\.\.|//|[=+\-*/%|:]", Operator),
            (r"[()\[\]{},.]", Punctuation),
        ],
    }


def render_markdown(text: str) -> str:
    """A doc as HTML: ```arch fences highlighted by this lexer, other text kept as written."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    out, pos = [], 0
    for m in re.finditer(r"^```arch\n(.*?)^```$", text, flags=re.S | re.M):
        out.append(f"<pre>{html.escape(text[pos:m.start()])}</pre>")
        out.append(highlight(m.group(1), ArchLexer(), HtmlFormatter()))
        pos = m.end()
    out.append(f"<pre>{html.escape(text[pos:])}</pre>")
    style = HtmlFormatter().get_style_defs(".highlight")
    return f"<!doctype html><meta charset=utf-8><style>{style}</style>\n" + "\n".join(out)


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="render a Markdown doc with its ```arch fences highlighted")
    p.add_argument("doc")
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    with open(a.doc, encoding="utf-8") as f:
        page = render_markdown(f.read())
    with open(a.output, "w", encoding="utf-8") as f:
        f.write(page)
    sys.exit(0)
