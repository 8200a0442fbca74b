"""The segmentation specs without TensorFlow: dilated ResNets keep ResNet's params and sizes at
every output stride (dilation changes what a conv sees, not what it owns), and the mistakes
TensorFlow would only find late are located errors here."""

from __future__ import annotations

import archdsl
import pytest
from archdsl.diagnostics import ArchError

RESNET50_PARAMS = archdsl.load("specs/resnet50.arch", {"input_size": 512, "activation": "relu"}).params


@pytest.mark.parametrize("output_stride,grid", [(16, 32), (8, 64)])
def test_dilated_resnet50_keeps_resnet50_params(output_stride, grid):
    arch = archdsl.load("specs/dilated_resnet50.arch", {"output_stride": output_stride})
    assert arch.params == RESNET50_PARAMS
    levels = sorted(arch.outputs, key=int)  # Model Garden's keys: the last group's under the stride's level
    assert [int(k) for k in levels] == list(range(2, output_stride.bit_length()))
    assert arch.outputs[levels[-1]] == (grid, grid, 2048)


def _error(path, overrides: dict | None = None, source: str | None = None) -> str:
    if source is not None:
        path.write_text(source)
    with pytest.raises(ArchError) as info:
        archdsl.load(path, overrides or {})
    return str(info.value)


def test_output_stride_the_backbone_cannot_make():
    assert "output_stride must be one of 8, 16, got 32" in _error("specs/dilated_resnet50.arch",
                                                                   {"output_stride": 32})


def test_multigrid_needs_one_factor_per_block():
    assert "multigrid has 2 factors for 3 blocks" in _error("specs/dilated_resnet50.arch",
                                                             {"multigrid": "1,2"})


def test_strided_dilated_conv_is_located(tmp_path):
    src = "arch a() {\n  input x: [32, 32, 3]\n  y = conv 3x3 /2 8 dilation=2 <- x\n  return y\n}\n"
    message = _error(tmp_path / "a.arch", source=src)
    assert "must have stride 1" in message and ":3:" in message


def test_residual_has_no_dilation(tmp_path):
    src = "arch a() {\n  defaults act(relu)\n  input x: [32, 32, 8]\n  y = residual 8 dilation=2 <- x\n  return y\n}\n"
    assert "`residual` has no dilation" in _error(tmp_path / "a.arch", source=src)


def test_fusion_asking_for_a_level_the_features_lack():
    message = _error("specs/deeplabv3plus_resnet50.arch", {"low_level": 1, "input_size": 64})
    assert "`backbone_feats` has no entry for L1" in message and "deeplabv3plus.arch" in message
    message = _error("specs/segmentation_spinenet49.arch",
                     {"head_level": 8, "input_size": 256})
    assert "`feats` has no entry for L8" in message
    message = _error("specs/segmentation_spinenet49.arch",  # a decoder level below the head's
                     {"feature_fusion": "pyramid_fusion", "head_level": 4, "input_size": 256})
    assert "`resize` parameter `factor` must be an int, got float 0.5" in message


def test_deeplabv3plus_decoder_at_the_output_stride():
    for stride, grid in ((16, 4), (8, 8)):
        arch = archdsl.load("specs/deeplabv3plus_resnet50.arch", {"input_size": 64, "output_stride": stride})
        assert arch.outputs["decoder"] == {str(stride.bit_length() - 1): (grid, grid, 256)}
        assert arch.outputs["logits"] == (16, 16, 21)  # the low level, L2


def test_upsample_factor_past_the_label_size_is_located():
    # The head reads L3 of a 256 input (32x32): a factor of 16 would make logits of 512x512, past
    # the label size (the input's); 3 makes no level. A factor short of the label size is valid:
    # Model Garden's loss resizes the logits to the labels (as its default upsample_factor=1 does).
    message = _error("specs/segmentation_spinenet49.arch", {"upsample_factor": 16, "input_size": 256})
    assert "`head.up` upsamples above the input (level -1)" in message
    assert "segmentation.arch:35:" in message and "note: in `segmentation_head`, called here" in message
    message = _error("specs/segmentation_spinenet49.arch", {"upsample_factor": 3, "input_size": 256})
    assert "upsampling factor 3 is not a power of two" in message
    assert archdsl.load("specs/segmentation_spinenet49.arch", {"upsample_factor": 8, "input_size": 256}
                        ).outputs["logits"][:2] == (256, 256)
