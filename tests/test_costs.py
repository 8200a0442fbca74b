"""Costs and shapes from the IR alone, pinned to what Model Garden's own models report.

The figures were measured by building each Model Garden SpineNet (tf-models-official 2.20,
tf_keras 2.20.1, static input, swish, min/max level 3/7) and calling `count_params()`; the parity
suite (tests/parity) re-checks them against live Model Garden models. Here they guard the IR cost
model without importing TensorFlow.
"""

from __future__ import annotations

import pytest

import archdsl

MODEL_GARDEN = {  # variant: (count_params, trainable, endpoint width, input size)
    "49S": (9_146_351, 9_089_215, 128, 640),
    "49": (21_920_192, 21_831_488, 256, 640),
    "96": (36_385_728, 36_262_976, 256, 1024),
    "143": (60_413_888, 60_247_616, 256, 1280),
    "143L": (101_011_093, 100_796_257, 256, 1280),
    "190": (126_849_216, 126_587_664, 512, 1280),
}


@pytest.mark.parametrize("variant", MODEL_GARDEN)
def test_params_equal_model_garden(variant):
    params, trainable, width, size = MODEL_GARDEN[variant]
    arch = archdsl.load(f"specs/spinenet{variant}.arch")
    assert (arch.params, arch.trainable_params) == (params, trainable)
    assert arch.outputs == {str(l): (size // 2**l, size // 2**l, width) for l in range(3, 8)}


def test_min_level_2_keeps_the_level_2_block():
    arch = archdsl.load("specs/spinenet49.arch", {"min_level": 2, "input_size": 256})
    assert arch.params == 22_125_888  # Model Garden, min_level=2
    assert "b16" in arch.graph and arch.outputs["2"] == (64, 64, 256)


def test_level_2_block_is_pruned_with_a_warning_at_min_level_3():
    arch = archdsl.load("specs/spinenet49.arch")
    assert "b16" not in arch.graph and "b16.in0" not in arch.graph
    assert any("`b16` reaches no output" in w.message for w in arch.warnings)


@pytest.mark.parametrize("size", [256, 640])
def test_orphan_rule_merges_b10_into_b13(size):
    """Model Garden sums net[11] (b10, unused, same shape) raw into block 13's add_n."""
    table = {r.name: r for r in archdsl.load("specs/spinenet49.arch", {"input_size": size}).table()}
    assert table["b13.add"].orphans == ("b10",)
    assert table["b13.add"].inputs == ("b13.in0", "b13.in1")
    assert sum(1 for r in table.values() if r.orphans) == 1


def test_macs_count_convolutions_at_output_resolution():
    arch = archdsl.load("specs/spinenet49.arch")
    stem = arch.costs["stem.conv"]
    assert stem.params == 7 * 7 * 3 * 64
    assert stem.macs == 320 * 320 * 7 * 7 * 3 * 64
    assert arch.costs["stem.bn"].macs == 0 and arch.costs["stem.bn"].params == 4 * 64
    assert arch.macs == sum(r.macs for r in arch.table())
    # MACs scale with the pixel count; params do not.
    big = archdsl.load("specs/spinenet49.arch", {"input_size": 1280})
    assert big.params == arch.params and big.macs == 4 * arch.macs


def test_filter_scale_truncates_like_model_garden():
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": 256})
    assert arch.graph.node("s0").attrs.filters == 41  # int(64 * 0.65)
    assert arch.shapes["b4"].channels == 4 * 166      # int(256 * 0.65) * 4
    assert arch.graph.node("stem.conv").attrs.filters == 64  # the stem conv is never scaled


def test_table_rows_cover_every_node():
    arch = archdsl.load("specs/spinenet49.arch", {"input_size": 256})
    rows = arch.table()
    assert [r.name for r in rows] == [n.name for n in arch.graph.nodes()]
    assert sum(r.params for r in rows) == arch.params


# Model Garden count_params() (tf-models-official 2.20): ResNet-50 + NASFPN(num_repeats=5);
# RetinaNetModel with ResNet-50 + NASFPN(7) + RetinaNetHead(91 classes, 9 anchors); the
# SegmentationModel of SpineNet-49 + SegmentationHead(level 3, 3 convs, 21 classes).
@pytest.mark.parametrize("spec,overrides,params", [
    ("nasfpn", {}, 45_171_136),
    ("retinanet_resnet50_nasfpn", {}, 60_178_967),
    ("segmentation_spinenet49", {}, 23_698_133),
    ("segmentation_spinenet49", {"feature_fusion": "deeplabv3plus", "min_level": 2}, 24_026_901),
])
def test_decoder_and_head_params_equal_model_garden(spec, overrides, params):
    assert archdsl.load(f"specs/{spec}.arch", {"input_size": 256, **overrides}).params == params


def test_nasfpn_orphans_join_attention_lines_through_an_add():
    g = archdsl.load("specs/nasfpn.arch", {"input_size": 256, "num_repeats": 2}).graph
    for cell in (1, 2):  # Model Garden: cell inputs L5 and L7 are read by no line of the cell
        p5, p7 = ("decoder.proj[5]", "decoder.proj[7]") if cell == 1 else ("decoder.cell[1].n9", "decoder.cell[1].n10")
        assert g.inputs(f"decoder.cell[{cell}].n9.merge") == (f"decoder.cell[{cell}].n9.attention", p5)
        assert g.inputs(f"decoder.cell[{cell}].n10.merge") == (f"decoder.cell[{cell}].n10.attention", p7)
        assert g.is_orphan_edge(p5, f"decoder.cell[{cell}].n9.merge")
        assert g.consumers(f"decoder.cell[{cell}].n9.attention") == (f"decoder.cell[{cell}].n9.merge",)
    assert sorted(n.name for n in g.nodes() if n.name.endswith(".merge")) == sorted(
        f"decoder.cell[{c}].n{k}.merge" for c in (1, 2) for k in (9, 10))
