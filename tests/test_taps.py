"""Feature taps: `load(..., outputs=[...])` and `-O` choose what an arch returns, checked before
TensorFlow (unknown names, duplicates, missing levels), with timm-style `feature_info`."""

from __future__ import annotations

import archdsl
import pytest
from archdsl.cli import main

SPEC = "specs/spinenet49S.arch"
SMALL = {"input_size": 128}


def test_level_and_name_taps_become_the_outputs_and_prune_the_rest():
    full = archdsl.load(SPEC, SMALL)
    tapped = archdsl.load(SPEC, SMALL, outputs=[3, "L4", "b5"])
    assert tapped.outputs == {"3": full.outputs["3"], "4": full.outputs["4"], "b5": (2, 2, 166)}
    assert tapped.graph.outputs["3"] == full.graph.outputs["3"]
    assert "endpoint[7]" not in tapped.graph and tapped.params < full.params  # only what the taps need


def test_feature_info_gives_level_stride_channels():
    arch = archdsl.load(SPEC, SMALL, outputs=["3", "b5"])
    rows = [(f.key, f.node, f.level, f.stride, f.channels) for f in arch.feature_info]
    assert rows == [("3", "endpoint[3]", 3, 8, 128), ("b5", "b5", 6, 64, 166)]
    default = archdsl.load(SPEC, SMALL).feature_info
    assert [(f.key, f.stride) for f in default] == [(str(lv), 2**lv) for lv in range(3, 8)]


@pytest.mark.parametrize("taps, message, hint", [
    (["b55"], "has no node `b55`", "did you mean `b5`?"),
    (["9"], "has no output at level 9", "its output levels: 3, 4, 5, 6, 7"),
    (["b5", "b5"], "`b5` is already selected by -O b5", "give each feature once"),
    (["3", "endpoint[3]"], "`endpoint[3]` is already selected by -O 3", None),
    ([], "no outputs selected", None),
])
def test_bad_taps_are_located_errors(taps, message, hint):
    with pytest.raises(archdsl.ArchError) as info:
        archdsl.load(SPEC, SMALL, outputs=taps)
    diag = info.value.diagnostics[0]
    assert message in diag.message and diag.span is not None and "spinenet49S.arch" in diag.render()
    assert hint is None or diag.hint == hint


def test_every_bad_tap_is_reported_at_once():
    with pytest.raises(archdsl.ArchError) as info:
        archdsl.load(SPEC, SMALL, outputs=["b55", "12", "b3"])
    assert len(info.value.diagnostics) == 2


def test_level_tap_on_a_record_says_to_use_names():
    with pytest.raises(archdsl.ArchError, match="not keyed by level"):
        archdsl.load("specs/retinanet_spinenet49.arch", outputs=["3"])


def test_cli_dash_o(capsys):
    assert main(["check", SPEC, "-D", "input_size=128", "-O", "3", "-O", "b5"]) == 0
    assert capsys.readouterr().out.strip().endswith("outputs 3: 16x16x128, b5: 2x2x166")
    assert main(["check", SPEC, "-O", "b55"]) == 1
    assert "did you mean `b5`?" in capsys.readouterr().err
