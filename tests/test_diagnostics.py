"""Golden tests for diagnostics: each tests/diagnostics/bad_*.arch has a sibling .err with the exact
text `archdsl check` prints, carets included. ARCHDSL_UPDATE_GOLDENS=1 rewrites the .err files."""

from __future__ import annotations

from pathlib import Path

import pytest

from archdsl.cli import main
from conftest import ROOT, assert_golden

BAD = sorted((ROOT / "tests" / "diagnostics").glob("bad_*.arch"))


@pytest.mark.parametrize("spec", BAD, ids=lambda p: p.stem)
def test_bad_spec_diagnostic(spec: Path, capsys):
    code = main(["check", str(spec.relative_to(ROOT))])
    out, err = capsys.readouterr()
    assert code == 1, out
    assert "Traceback" not in err
    assert_golden(err, spec.with_suffix(".err"))


def test_every_bad_spec_has_a_golden():
    assert len(BAD) >= 14
    for spec in BAD:
        assert spec.with_suffix(".err").exists() or __import__("os").environ.get("ARCHDSL_UPDATE_GOLDENS")


@pytest.mark.parametrize("argv,expected", [
    (["check", "specs/spinenet49.arch", "-D", "nope=1"], "has no parameter `nope`"),
    (["check", "specs/spinenet49.arch", "-D", "input_size=abc"], "-D input_size must be an int"),
    (["check", "specs/spinenet49.arch", "-D", "activation=tanh"], "must be one of relu, swish"),
    (["check", "specs/spinenet49.arch", "-D", "input_size=650"], "is not a multiple of 2^6 = 64"),
    (["check", "specs/spinenet49.arch", "-D", "max_level=8"],
     "-D max_level must be an int in min_level..7 (3..7), got 8"),
    (["check", "specs/spinenet49.arch", "-D", "min_level=6", "-D", "max_level=4"],  # not an empty loop later
     "error: -D max_level is 4, but min_level must be <= max_level (min_level is 6)\n  --> specs/spinenet.arch:11:3\n"),
    (["check", "specs/spinenet49.arch", "-D", "max_level=2"], "min_level must be <= max_level (min_level is 3)"),
    (["check", "specs/resnet.arch", "-D", "min_level=4", "-D", "max_level=3"], "min_level must be <= max_level"),
    (["check", "specs/retinanet_resnet50_fpn.arch", "-D", "min_level=6", "-D", "max_level=4"],
     "min_level must be <= max_level (min_level is 6)\n  --> specs/retinanet_resnet50_fpn.arch:13:3\n"),
    (["check", "specs/rpn.arch", "-D", "max_level=1"], "min_level must be <= max_level (min_level is 2)"),
    (["check", "specs/spinenet49.arch", "-D", "min_level=9"], "spinenet.arch:10:3\n"),  # at its declaration
    (["check", "specs/resnet.arch", "-D", "max_level=6"], "-D max_level must be an int in min_level..5 (2..5), got 6"),
    (["check", "specs/resnet.arch", "-D", "model_id=11"], "must be one of 10, 18, 26, 34, 50, 101, 152, 200, 270, 350, 420"),
    (["check", "specs/retinanet_resnet50_nasfpn.arch", "-D", "max_level=6"], "`feats` has no entry for L7"),
    (["check", "specs/segmentation_spinenet49.arch", "-D", "feature_fusion=deeplabv3plus"],
     "`backbone_feats` has no entry for L2"),
])
def test_command_line_mistakes_are_located(argv, expected, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv,expected", [
    (["check", "specs/no_such.arch"], "no such file: specs/no_such.arch"),
    (["check", "specs"], "is a directory"),
])
def test_an_input_that_is_not_a_readable_file_is_trouble(argv, expected, capsys):
    assert main(argv) == 2  # trouble, as diff(1) and grep say it; 1 is "the spec has errors"
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["check"], ["frobnicate"], ["check", "specs/spinenet49.arch", "-D", "x"], []])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2


def test_diagnostic_names_node_without_span():
    from archdsl.diagnostics import error
    assert error("bad level", node="b3").render() == "error: bad level (node `b3`)"
