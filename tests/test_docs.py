"""The examples in docs/language.md that form whole specs are checked, so the docs cannot rot."""

from __future__ import annotations

import re

import archdsl
from conftest import ROOT


def test_template_example_from_the_docs(tmp_path):
    text = (ROOT / "docs" / "language.md").read_text()
    block = re.search(r"```\n(block conv_bn_act.*?)```", text, re.S).group(1)
    (tmp_path / "tiny.arch").write_text(
        "arch tiny(input_size = 64, width = 16) {\n  input image: [input_size, input_size, 3]\n"
        "  s = conv 3x3 /2 width <- image\n  return s\n}\n")
    (tmp_path / "net.arch").write_text('import "tiny.arch" as backbone\n' + block)
    arch = archdsl.load(tmp_path / "net.arch")
    assert arch.outputs == {"output": (32, 32, 32)}
    assert "head.y" in arch.graph
