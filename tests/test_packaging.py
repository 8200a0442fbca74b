"""The grammar and the viewer's script and style ship inside the wheel, and the installed package
finds the grammar there."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


@pytest.mark.slow  # builds a wheel
def test_wheel_contains_the_grammar(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("archdsl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "archdsl/grammars/archdsl.lark" in names
    packaged = zipfile.ZipFile(wheel).read("archdsl/grammars/archdsl.lark").decode()
    assert packaged == (ROOT / "grammars" / "archdsl.lark").read_text()
    # The NAS printer's template (archdsl.nas.printer) is the spec itself.
    assert zipfile.ZipFile(wheel).read("archdsl/specs/spinenet.arch").decode() == \
        (ROOT / "specs" / "spinenet.arch").read_text()
    for asset in ("viewer.js", "viewer.css"):  # the HTML viewer inlines them into every page
        assert zipfile.ZipFile(wheel).read(f"archdsl/render/{asset}").decode() == \
            (ROOT / "archdsl" / "render" / asset).read_text()
    # Installed from the wheel (outside the checkout), the parser loads the packaged grammar.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = ("import archdsl.syntax.parse as p; assert str(p.grammar_path()).startswith(%r);"
            "p.parse('arch a(input_size = 8) {\\n input i: [8, 8, 3]\\n return i\\n}\\n');"
            "import archdsl.nas.printer as q; assert str(q.spec_path()).startswith(%r)") % (str(target), str(target))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path,
                   env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
