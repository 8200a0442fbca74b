"""The ResNet family in one spec (`specs/resnet.arch`): `model_id` is a choice of integers and
`select` picks the block kind and repeats per id. Params are Model Garden's `count_params()`
(tf-models-official 2.20, `ResNet(model_id=...)` at 224 px; tests/parity checks them live)."""

from __future__ import annotations

import pytest

import archdsl
from archdsl import ArchError
from archdsl.arch import from_module
from archdsl.ir.load import load_module

# Model Garden count_params(), ResNet(model_id, input_specs=[None, 224, 224, 3]), relu, stem v0.
MG_PARAMS = {10: 4_915_904, 18: 11_190_464, 26: 17_465_024, 34: 21_306_048, 50: 23_561_152,
             101: 42_605_504, 152: 58_295_232, 200: 62_800_832}


@pytest.mark.parametrize("model_id", sorted(MG_PARAMS))
def test_every_model_id_has_model_gardens_params(model_id):
    arch = archdsl.load("specs/resnet.arch", {"model_id": model_id, "input_size": 224})
    assert arch.params == MG_PARAMS[model_id]
    widths = {"2": 64, "3": 128, "4": 256, "5": 512}
    expansion = 4 if model_id >= 50 else 1
    assert arch.outputs == {k: (224 >> int(k), 224 >> int(k), expansion * w) for k, w in widths.items()}


def test_resnet50_is_a_variant_with_swish():
    a = archdsl.load("specs/resnet50.arch", {"input_size": 128})
    b = archdsl.load("specs/resnet.arch", {"model_id": 50, "input_size": 128, "activation": "swish"})
    assert a.params == b.params == MG_PARAMS[50] and a.macs == b.macs


def test_unknown_model_id_is_refused_at_the_define():
    with pytest.raises(ArchError, match="model_id must be one of 10, 18, 26, 34, 50, 101, 152, 200, got 11"):
        archdsl.load("specs/resnet.arch", {"model_id": 11})


def _load(tmp_path, text, overrides=None):
    path = tmp_path / "t.arch"
    path.write_text(text)
    return from_module(load_module(path), overrides)


SELECT = """
arch t(depth: 1 | 2 | 3 = 2, kind: a | b = b) {
  let width = select(depth, 1, 8, 2, 16, 3, 32)
  let op = select(kind, a, global_pool, b, identity)
  input image: [32, 32, 3]
  y = conv 3x3 width -> op <- image
  return y
}
"""


def test_select_picks_values_and_ops(tmp_path):
    assert _load(tmp_path, SELECT).outputs == {"output": (32, 32, 16)}
    assert _load(tmp_path, SELECT, {"depth": 3, "kind": "a"}).outputs == {"output": (1, 1, 32)}


@pytest.mark.parametrize("body,message", [
    ("let w = select(4, 1, 8, 2, 16)", "`select` has no entry for 4"),
    ("let w = select(1, 1)", "`select` takes a key, then pairs"),
    ("let w = select(1, 1, 8, 2)", "`select` takes a key, then pairs"),
    ("let w = selec(1, 1, 8)", "did you mean `select`"),
])
def test_select_errors_are_located(tmp_path, body, message):
    with pytest.raises(ArchError) as info:
        _load(tmp_path, f"arch t() {{\n  {body}\n  input image: [8, 8, 3]\n  return image\n}}\n")
    d = info.value.diagnostics[0]
    assert message in d.message + (d.hint or "") and d.span.line == 2


RANGE = """
arch t(low: 2..4 = 3) {
  input image: [64, 64, 3]
  y = conv 3x3 /2 8 <- image
  return y
}
"""


@pytest.mark.parametrize("value,ok", [(2, True), (4, True), (1, False), (5, False), (True, False), (2.0, False)])
def test_a_range_parameter_bounds_its_overrides(tmp_path, value, ok):
    if ok:
        assert _load(tmp_path, RANGE, {"low": value}).outputs == {"output": (32, 32, 8)}
        return
    with pytest.raises(ArchError, match=r"-D low must be an int in 2\.\.4") as info:
        _load(tmp_path, RANGE, {"low": value})
    assert info.value.diagnostics[0].span.line == 2  # the parameter's declaration
