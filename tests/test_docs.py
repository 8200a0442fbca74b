"""The docs' examples are checked, so the docs cannot rot: the ones that form whole specs load, and
every ```arch example is in `archdsl fmt`'s canonical form (the form the docs teach is the one
`fmt` writes)."""

from __future__ import annotations

import re
import textwrap

import archdsl
import pytest
from archdsl.diagnostics import ArchError
from archdsl.syntax.printer import format_text

from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


def _examples() -> list[tuple[str, str, str]]:
    return [(f"{doc.name}:{doc.read_text()[:m.start()].count(chr(10)) + 1}", m.group(1), m.group(2))
            for doc in DOCS for m in FENCE.finditer(doc.read_text())]


def _canonical(example: str) -> str:
    """`fmt`'s layout of an example: a whole file, or else statements of an arch body."""
    try:
        return format_text(example)
    except ArchError:
        lines = format_text("arch doc() {\n" + textwrap.indent(example, "  ") + "}\n").splitlines(True)
        return textwrap.dedent("".join(lines[1:-1]))


@pytest.mark.parametrize("where, example", [pytest.param(w, e, id=w) for w, lang, e in _examples() if lang == "arch"])
def test_arch_examples_are_formatted(where, example):
    assert _canonical(example) == example, f"{where}: not in `archdsl fmt` form"


def test_language_examples_are_fenced_as_arch():
    # Unlabelled fences get no highlighting from the README's Pygments command.
    langs = [lang for where, lang, _ in _examples() if where.startswith("language.md")]
    assert langs and set(langs) == {"arch"}


def test_template_example_from_the_docs(tmp_path):
    text = (ROOT / "docs" / "language.md").read_text()
    block = re.search(r"```arch\n(block conv_bn_act.*?)```", text, re.S).group(1)
    (tmp_path / "tiny.arch").write_text(
        "arch tiny(input_size = 64, width = 16) {\n  input image: [input_size, input_size, 3]\n"
        "  s = conv 3x3 /2 width <- image\n  return s\n}\n")
    (tmp_path / "net.arch").write_text('import "tiny.arch" as backbone\n' + block)
    arch = archdsl.load(tmp_path / "net.arch")
    assert arch.outputs == {"output": (32, 32, 32)}
    assert "head.y" in arch.graph
