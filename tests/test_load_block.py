"""`archdsl.load_block`: a decoder block checked on its own, its input family bound to graph
inputs at the levels (and shapes) another framework's backbone provides (no TensorFlow)."""

from __future__ import annotations

import pytest
from archdsl import load_block
from archdsl.diagnostics import ArchError

from conftest import ROOT

FPN = str(ROOT / "specs" / "fpn.arch")
RESNET = {3: (16, 16, 512), 4: (8, 8, 1024), 5: (4, 4, 2048)}


def test_fpn_block_on_resnet_levels():
    arch = load_block(FPN, "fpn", {"feats": RESNET}, {"backbone_max": 5, "filters": 64})
    inputs = {arch.graph.node(i).level: arch.shapes[i] for i in arch.graph.input_names()}
    assert {lv: (s.height, s.width, s.channels) for lv, s in inputs.items()} == RESNET
    assert list(arch.graph.outputs) == ["3", "4", "5", "6", "7"]
    top = arch.shapes[arch.graph.outputs["7"]]
    assert (top.height, top.width, top.channels) == (1, 1, 64)
    assert arch.params > 0


def test_a_level_the_family_lacks_is_a_located_error():
    with pytest.raises(ArchError, match=r"feats.*L5") as info:
        load_block(FPN, "fpn", {"feats": {3: RESNET[3], 4: RESNET[4]}}, {"backbone_max": 5})
    assert "fpn.arch" in str(info.value)


def test_wrong_inputs_and_unknown_block_are_errors():
    with pytest.raises(ArchError, match="takes the input"):
        load_block(FPN, "fpn", {"x": RESNET})
    with pytest.raises(ArchError, match="unknown block or arch `fnp`"):
        load_block(FPN, "fnp", {"feats": RESNET})
    with pytest.raises(ArchError, match="has no parameter `filtres`"):
        load_block(FPN, "fpn", {"feats": RESNET}, {"filtres": 8})
