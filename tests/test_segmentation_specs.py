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
