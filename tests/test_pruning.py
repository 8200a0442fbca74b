"""Pruning: a line that reaches no returned output is dropped; marked `optional` (pruning intended,
SpineNet's L2 block when min_level is 3) it is a note shown by `check --table` only, unmarked it
stays a warning with a hint."""

from __future__ import annotations

import textwrap

import archdsl
from archdsl.cli import main
from archdsl.diagnostics import Severity
from archdsl.syntax.printer import format_text

SPEC = textwrap.dedent("""
    arch tiny(input_size = 64) {{
      input image: [input_size, input_size, 3]
      stem = conv 3x3 /2 8 -> bn -> act relu <- image
      head = conv 1x1 8 <- stem
      side = conv 3x3 8 <- stem{mark}
      return head
    }}
""")


def _write(tmp_path, mark: str):
    path = tmp_path / "tiny.arch"
    path.write_text(SPEC.format(mark=mark))
    return path


def test_unmarked_dead_line_is_a_warning(tmp_path, capsys):
    path = _write(tmp_path, "")
    assert main(["check", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: `side` reaches no output and is pruned" in err
    assert "end the line with `optional`" in err


def test_optional_dead_line_is_a_note_shown_with_table(tmp_path, capsys):
    path = _write(tmp_path, " optional")
    arch = archdsl.load(path)
    assert [(d.severity, d.node) for d in arch.warnings] == [(Severity.NOTE, "side")]
    assert "side" not in arch.graph and arch.params == archdsl.load(_write(tmp_path, "")).params
    path = _write(tmp_path, " optional")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().err == ""
    assert main(["check", str(path), "--table"]) == 0
    assert "note: `side` reaches no output and is pruned (1 node), as its `optional` asks" in capsys.readouterr().err


def test_spinenet_checks_without_warnings(capsys):
    assert main(["check", "specs/spinenet49.arch"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["check", "specs/spinenet49.arch", "-D", "min_level=4"]) == 0  # b12 is not optional
    assert "warning: `b12` reaches no output" in capsys.readouterr().err


def test_fmt_keeps_optional_after_output():
    text = SPEC.format(mark=" optional").lstrip()
    assert format_text(text) == text
    fused = ("arch t() {\n  input image: [64, 64, 3]\n  fuse resample alpha(0.5) {\n"
             "    a  = residual at L2 <- image output optional\n    bb = residual at L3 <- a     output\n  }\n"
             "  return outputs\n}\n")
    assert format_text(fused) == fused
