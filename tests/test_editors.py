"""Editor support: the Pygments lexer lexes every spec without errors, and its keywords and the
VS Code grammar's match the Lark grammar's, so they cannot drift."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SPECS

import pygments  # noqa: F401  (the editor extra; installed by scripts/test)
from pygments.token import Error, Keyword  # noqa: E402

from archdsl.editors.pygments_lexer import CONSTANTS, KEYWORDS, ArchLexer, render_markdown  # noqa: E402

VSCODE = ROOT / "editors" / "vscode"


def grammar_keywords() -> set[str]:
    text = re.sub(r"//[^\n]*", "", (ROOT / "grammars" / "archdsl.lark").read_text())
    return set(re.findall(r'"([a-z_]+)"', text))


def test_lexer_keywords_match_the_grammar():
    assert set(KEYWORDS) | set(CONSTANTS) == grammar_keywords()


@pytest.mark.parametrize("spec", SPECS + sorted((ROOT / "tests" / "golden").glob("*.arch")), ids=lambda p: p.name)
def test_every_spec_lexes_without_errors(spec):
    tokens = list(ArchLexer().get_tokens(spec.read_text()))
    bad = [v for t, v in tokens if t in Error]
    assert not bad, bad[:5]
    assert any(t in Keyword and v == "arch" for t, v in tokens)


def test_lexer_is_registered_and_highlights_docs():
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
    # The entry point exists once the package is installed (scripts/test does it): no skip.
    assert isinstance(get_lexer_by_name("arch"), ArchLexer), "reinstall: pip install -e '.[test]'"
    assert isinstance(get_lexer_for_filename("x.arch"), ArchLexer)
    page = render_markdown("text\n```arch\narch a() {\n  return x\n}\n```\nmore\n")
    assert '<span class="k">arch</span>' in page and "more" in page


def test_vscode_grammar_parses_and_matches_the_grammar():
    package = json.loads((VSCODE / "package.json").read_text())
    config = json.loads((VSCODE / "language-configuration.json").read_text())
    grammar = json.loads((VSCODE / "syntaxes" / "arch.tmLanguage.json").read_text())
    assert package["contributes"]["grammars"][0]["scopeName"] == grammar["scopeName"]
    assert ".arch" in package["contributes"]["languages"][0]["extensions"]
    assert config["comments"]["lineComment"] == "#"
    assert ["(", ")"] in config["brackets"] and ["{", "}"] in config["brackets"]
    found = set()
    for pattern in grammar["patterns"]:
        m = re.fullmatch(r"\\b\(([a-z_|]+)\)\\b", pattern["match"])
        if m and pattern["name"].startswith(("keyword.control", "constant.language")):
            found |= set(m.group(1).split("|"))
    assert found == grammar_keywords()


def test_core_does_not_import_pygments():
    code = "import sys, archdsl, archdsl.cli; assert 'pygments' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_language_reference_renders_highlighted():
    # What the README's `python -m archdsl.editors.pygments_lexer docs/language.md` produces.
    text = (ROOT / "docs" / "language.md").read_text()
    page = render_markdown(text)
    fences = text.count("```arch\n")
    assert fences >= 10 and page.count('<div class="highlight">') == fences
    assert '<span class="k">fuse</span>' in page
