"""The segmentation heads' options and the mask-scoring head without TensorFlow: `logit_activation`
adds one activation on the logits (and nothing for `none`), MaskScoring's params follow Model
Garden's layer list, and the new ops' rules (flatten, resize_fixed, group_norm) are located errors
where TensorFlow would fail late."""

from __future__ import annotations

import archdsl
import pytest
from archdsl.diagnostics import ArchError

SEG = "specs/segmentation_spinenet49.arch"


def _acts_after_logits(arch) -> list[str]:
    g = arch.graph
    return [g.node(n).attrs.fn for n in g.names() if n.startswith("head.scored")]


@pytest.mark.parametrize("fn", ["sigmoid", "softmax"])
def test_logit_activation_is_one_act_on_the_logits(fn):
    plain = archdsl.load(SEG, {"input_size": 128})
    scored = archdsl.load(SEG, {"input_size": 128, "logit_activation": fn})
    assert _acts_after_logits(plain) == [] and _acts_after_logits(scored) == [fn]
    assert len(list(scored.graph.names())) == len(list(plain.graph.names())) + 1
    assert (scored.params, scored.macs, scored.outputs["logits"]) == (plain.params, plain.macs, (16, 16, 21))


def test_logit_activation_reaches_deeplabv3plus():
    arch = archdsl.load("specs/deeplabv3plus_resnet50.arch", {"input_size": 64, "logit_activation": "softmax"})
    assert _acts_after_logits(arch) == ["softmax"]


def test_unknown_logit_activation_is_refused():
    with pytest.raises(ArchError, match="logit_activation must be one of none, sigmoid, softmax"):
        archdsl.load(SEG, {"logit_activation": "tanh"})


def _mask_scoring_params(classes, convs, filters, fc, fcs, dims, cin):
    """Model Garden's MaskScoring layers: convs with bias + BN (4 weights per channel), fcs + BN,
    the classifier."""
    total, c = 0, cin
    for _ in range(convs):
        total += 9 * c * filters + filters + 4 * filters
        c = filters
    n = fc * fc * filters
    for _ in range(fcs):
        total += n * dims + dims + 4 * dims
        n = dims
    return total + n * classes + classes


def test_mask_scoring_params_and_shape():
    arch = archdsl.load("specs/mask_scoring.arch", {"input_size": 32, "num_classes": 5})
    assert arch.params == _mask_scoring_params(5, 4, 128, 8, 2, 1024, 5)
    assert arch.outputs["mask_scores"] == (1, 1, 5)
    resized, flat = arch.graph.node("head.resized"), arch.graph.node("head.flat")
    assert (resized.op, flat.op) == ("resize_fixed", "flatten")


def _error(tmp_path, body: str) -> str:
    path = tmp_path / "a.arch"
    path.write_text("arch a() {\n  defaults act(relu)\n  input x: [16, 16, 24]\n" + body + "  return y\n}\n")
    with pytest.raises(ArchError) as info:
        archdsl.load(path)
    return str(info.value)


def test_group_norm_needs_channels_that_split_into_groups(tmp_path):
    message = _error(tmp_path, "  y = group_norm 32 <- x\n")
    assert "24 channels do not split into 32 groups" in message and ":4:" in message


def test_flatten_and_resize_fixed_shapes(tmp_path):
    path = tmp_path / "b.arch"
    path.write_text("arch b() {\n  input x: [16, 16, 24]\n  r = resize_fixed 4 2 <- x\n  f = flatten <- r\n"
                    "  y = group_norm 8 <- x\n  return {f: f, y: y}\n}\n")
    arch = archdsl.load(path)
    assert arch.outputs == {"f": (1, 1, 4 * 2 * 24), "y": (16, 16, 24)}
    assert arch.params == 2 * 24 and arch.macs == 0  # group norm: gamma and beta; nothing here multiplies


def test_resize_fixed_needs_a_positive_size(tmp_path):
    assert "height must be a positive integer, got 0" in _error(tmp_path, "  y = resize_fixed 0 4 <- x\n")


def test_panoptic_fpn_fusion_convs_per_level():
    plain = archdsl.load(SEG, {"input_size": 256})
    arch = archdsl.load(SEG, {"input_size": 256, "feature_fusion": "panoptic_fpn_fusion"})
    g = arch.graph
    convs = {level: sum(1 for n in g.names() if n.startswith(f"head.panoptic[{level}].") and g.node(n).op == "conv")
             for level in range(3, 8)}
    assert convs == {3: 1, 4: 1, 5: 2, 6: 3, 7: 4}  # max(1, level - 3), as PanopticFPNFusion builds them
    norms = [n for n in g.names() if n.startswith("head.panoptic[") and g.node(n).op == "group_norm"]
    assert len(norms) == 11 and all(g.node(n).attrs.groups == 32 for n in norms)
    # 11 convs 3x3 256 -> 256 with bias, each with a group norm (gamma, beta)
    assert arch.params - plain.params == 11 * (9 * 256 * 256 + 256 + 2 * 256)
    assert arch.outputs["logits"] == (32, 32, 21)


def test_panoptic_fpn_fusion_below_the_target_level_is_a_level_error():
    with pytest.raises(ArchError) as info:
        archdsl.load(SEG, {"input_size": 256, "feature_fusion": "panoptic_fpn_fusion", "head_level": 4})
    message = str(info.value)  # Model Garden upsamples L3 to L2 too and fails in add_n
    assert "`head.total[4]` adds L2 and L4 without a resample" in message and "segmentation.arch:" in message


def test_mask_scoring_on_a_segmentation_model():
    seg = archdsl.load(SEG, {"input_size": 256})
    arch = archdsl.load("specs/segmentation_spinenet49_mask_scoring.arch", {"input_size": 256})
    assert arch.params == seg.params + _mask_scoring_params(21, 4, 128, 8, 2, 1024, 21)
    assert arch.outputs["logits"] == (32, 32, 21) and arch.outputs["mask_scores"] == (1, 1, 21)
