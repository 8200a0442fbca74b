"""Tables by level (`table(...)`, `per_level(...)`, `int | table` parameters), records nested in a
`return`, and dotted names that read inside a template instance (`head.classnet`): what the
RetinaNet head's per-level anchors and attribute heads are written with."""

from __future__ import annotations

import pytest

from archdsl import ArchError
from archdsl.arch import from_module
from archdsl.ir.expr import Scope, coerce, evaluate
from archdsl.ir.load import load_module
from archdsl.syntax.parse import parse
from conftest import ROOT


def _eval(text: str, **values):
    arch = parse(f"arch t(x = {text}) {{\n  input i: [8, 8, 3]\n  return i\n}}\n", "t.arch")
    default = arch.items[0].params[0].default
    return evaluate(default, Scope(dict(values)))


def _load(tmp_path, text, overrides=None):
    path = tmp_path / "t.arch"
    path.write_text(text)
    return from_module(load_module(path), overrides)


def test_table_builds_a_dict_by_level():
    assert _eval("table(L3, 2, L4, 5)") == {3: 2, 4: 5}
    assert _eval("table(3, 1.5, 4 + 1, relu)") == {3: 1.5, 5: "relu"}  # a level may be an int; any value


@pytest.mark.parametrize("text,message", [
    ("table(L3)", "`table` takes pairs of a level and its value"),
    ("table()", "`table` takes pairs"),
    ("table(L3, 1, L3, 2)", "L3 is given twice"),
    ("table(17, 1)", "a `table` key must be a level L0..L16, got 17"),
    ('table("a", 1)', "a `table` key must be a level L0..L16, got 'a'"),
    ("table(L3, table(L4, 1))", "a `table` value cannot be a table"),
    ("table(L3, x = 1)", "takes positional arguments only"),
])
def test_table_mistakes_are_located(text, message):
    with pytest.raises(ArchError) as exc:
        _eval(text)
    assert message in str(exc.value)
    assert "t.arch:1:" in str(exc.value)


def test_per_level_spreads_a_number_and_checks_a_table():
    assert _eval("per_level(3, 3, 5)") == {3: 3, 4: 3, 5: 3}
    assert _eval("per_level(a, 3, 4)", a={4: 5, 3: 2}) == {3: 2, 4: 5}


@pytest.mark.parametrize("value,message", [
    ({3: 2}, "`a` has no entry for L4: it must give every level L3..L4 once"),
    ({3: 2, 4: 5, 6: 1}, "`a` has an entry for L6: it must give"),
    ({3: 2, 5: 1}, "`a` has no entry for L4 and has an entry for L5"),
    ({3: 2, 4: 2.5}, "`a` at L4 must be a positive int, got float 2.5"),
    ({3: 0, 4: 1}, "`a` at L3 must be a positive int, got int 0"),
    ({3: True, 4: 1}, "`a` at L3 must be a positive int, got bool True"),
    ("nine", "`a` must be an int or a table by level, got string 'nine'"),
    (2.0, "`a` must be an int or a table by level, got float 2.0"),
])
def test_per_level_mistakes_are_located(value, message):
    with pytest.raises(ArchError) as exc:
        _eval("per_level(a, 3, 4)", a=value)
    assert message in str(exc.value)
    assert "t.arch:1:" in str(exc.value)


def test_a_union_type_takes_either_and_model_gardens_string_keys():
    span = parse("arch t() {\n  input i: [8, 8, 3]\n  return i\n}\n", "t.arch").items[0].span
    assert coerce(9, "int|table", "n", span) == 9
    assert coerce({"3": 2, 4: 5}, "int|table", "n", span) == {3: 2, 4: 5}  # RetinaNetHead's dict
    for bad, message in ((1.5, "n must be an int or a table, got float 1.5"),
                         ({"p3": 1}, "n is a table whose key 'p3' is not a level"),
                         ({True: 1}, "n is a table whose key True is not a level")):
        with pytest.raises(ArchError, match=message):
            coerce(bad, "int|table", "n", span)
    # A choice of names that are not all types stays a choice.
    assert coerce("int", "int|relu", "n", span) == "int"


HEAD = """
block head_block(min_level = 3, max_level = 4, num_anchors: int | table = 3) {
  input feats
  let anchors = per_level(num_anchors, min_level, max_level)
  for l in min_level..max_level {
    tower[l] = conv 3x3 8 bias <- feats[l]
    scores[l] = conv 3x3 (2 * anchors[l]) bias <- tower[l]
  }
  return {scores: scores}
}

block attribute(min_level = 3, max_level = 4) {
  input feats
  for l in min_level..max_level {
    out[l] = conv 3x3 4 bias share="out" <- feats[l]
  }
  return out
}

arch net(anchors: int | table = table(L3, 2, L4, 5)) {
  input image: [64, 64, 3]
  c[3] = maxpool 8 <- image
  c[4] = maxpool 2 <- c[3]
  head = head_block(num_anchors = anchors) <- c
  depth = attribute <- head.tower
  return {scores: head.scores, attributes: {depth: depth, again: {depth: depth}}}
}
"""


def test_per_level_anchors_nested_records_and_instance_names(tmp_path):
    arch = _load(tmp_path, HEAD)
    assert arch.outputs["scores"] == {"3": (8, 8, 4), "4": (4, 4, 10)}
    assert arch.outputs["attributes"] == {"depth": {"3": (8, 8, 4), "4": (4, 4, 4)},
                                          "again": {"depth": {"3": (8, 8, 4), "4": (4, 4, 4)}}}
    assert arch.graph.inputs("depth.out[3]") == ("head.tower[3]",)  # the head's tower, not a copy
    assert _load(tmp_path, HEAD, {"anchors": 3}).outputs["scores"]["4"] == (4, 4, 6)
    assert _load(tmp_path, HEAD, {"anchors": {"3": 1, "4": 1}}).outputs["scores"]["4"] == (4, 4, 2)


def test_nested_records_print_back(tmp_path):
    from archdsl.cli import main

    (tmp_path / "t.arch").write_text(HEAD.lstrip())
    assert main(["fmt", "--check", str(tmp_path / "t.arch")]) == 0


def test_a_nested_record_names_each_field_once(tmp_path):
    text = HEAD.replace("again: {depth: depth}", "again: {depth: depth, depth: depth}")
    with pytest.raises(ArchError, match="field `depth` is given twice"):
        _load(tmp_path, text)


def test_retinanet_head_takes_anchors_by_level():
    from archdsl import load_block

    arch = load_block(ROOT / "specs" / "retinanet.arch", "retinanet_head", {"feats": {3: (32, 32, 11), 4: (16, 16, 13)}},
                      {"min_level": 3, "max_level": 4, "num_classes": 7, "num_anchors": {"3": 2, "4": 5},
                       "num_convs": 0, "filters": 123, "share_level_convs": False})
    assert arch.outputs["scores"] == {"3": (32, 32, 14), "4": (16, 16, 35)}
    assert arch.outputs["boxes"] == {"3": (32, 32, 8), "4": (16, 16, 20)}
    # Model Garden's count for this row (dense_prediction_heads_test.py): 3x3 predictors per level.
    assert arch.params == (9 * 11 * 14 + 14) + (9 * 13 * 35 + 35) + (9 * 11 * 8 + 8) + (9 * 13 * 20 + 20)
    with pytest.raises(ArchError, match="shares weights"):  # one shared predictor cannot change width
        load_block(ROOT / "specs" / "retinanet.arch", "retinanet_head", {"feats": {3: (32, 32, 11), 4: (16, 16, 11)}},
                   {"min_level": 3, "max_level": 4, "num_anchors": {"3": 2, "4": 5}, "num_convs": 0})


def test_nested_records_survive_the_ir_printer(tmp_path):
    arch = _load(tmp_path, HEAD)
    (tmp_path / "back.arch").write_text(arch.to_text())
    back = from_module(load_module(tmp_path / "back.arch"))
    assert (back.params, back.outputs) == (arch.params, arch.outputs)


def test_d_gives_a_table_by_level():
    from archdsl.ir.expr import parse_cli_value

    assert parse_cli_value("L3:2,L4:5") == {3: 2, 4: 5}
    assert parse_cli_value("3:2, 4:0.5") == {3: 2, 4: 0.5}
    assert parse_cli_value("a:b") == "a:b"  # not levels: a string, as before
    assert parse_cli_value("L3:2,") == "L3:2,"
    with pytest.raises(ArchError, match="L3 given twice"):
        parse_cli_value("L3:2,3:5", "num_anchors")


def test_anchors_by_level_on_a_composite_from_the_command_line(capsys):
    from archdsl.cli import main

    spec = str(ROOT / "specs" / "retinanet_spinenet49.arch")
    small = ["-D", "input_size=128", "-D", "num_anchors=L3:2,L4:5,L5:3,L6:3,L7:3"]
    assert main(["check", spec, *small, "-D", "share_level_convs=false", "--json"]) == 0
    capsys.readouterr()
    # shared predictors cannot change width by level: one error per shared group, not per level
    assert main(["check", spec, *small]) == 1
    err = capsys.readouterr().err
    assert err.count("error:") == 2 and "(and 3 more members of the group)" in err
    assert "`head.scores[4]` shares weights" in err and "`head.boxes[4]` shares weights" in err
