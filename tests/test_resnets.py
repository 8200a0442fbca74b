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
             101: 42_605_504, 152: 58_295_232, 200: 62_800_832, 270: 87_793_088, 350: 111_049_152,
             420: 130_105_792}
# ResNet-RS: stem v1, SE 0.25, ResNet-D shortcut, the stem's max pool replaced (same source, 224 px).
RS = dict(stem_type="v1", se_ratio=0.25, resnetd_shortcut=True, replace_stem_max_pool=True)
MG_RS_PARAMS = [(dict(model_id=50, **RS), 33_696_288), (dict(model_id=34, **RS), 21_995_984),
                (dict(model_id=101, depth_multiplier=1.5, scale_stem=False, **RS), 138_516_992)]


@pytest.mark.parametrize("model_id", sorted(MG_PARAMS))
def test_every_model_id_has_model_gardens_params(model_id):
    arch = archdsl.load("specs/resnet.arch", {"model_id": model_id, "input_size": 224})
    assert arch.params == MG_PARAMS[model_id]
    widths = {"2": 64, "3": 128, "4": 256, "5": 512}
    expansion = 4 if model_id >= 50 else 1
    assert arch.outputs == {k: (224 >> int(k), 224 >> int(k), expansion * w) for k, w in widths.items()}


@pytest.mark.parametrize("options,params", MG_RS_PARAMS, ids=lambda v: str(v.get("model_id", "")) if
                         isinstance(v, dict) else "")
def test_resnet_rs_has_model_gardens_params(options, params):
    arch = archdsl.load("specs/resnet.arch", {"input_size": 224, **options})
    assert arch.params == params


def test_resnet_rs_block_layers():
    """The first bottleneck of ResNet-RS: ResNet-D's average pool then a stride-1 1x1 conv on the
    shortcut, and the SE gate after the last BN, before stochastic depth and the add."""
    from archdsl.ops.rules import layers_of
    from archdsl.passes.base import rule_context

    arch = archdsl.load("specs/resnet.arch", {"input_size": 64, "model_id": 50, "drop_rate": 0.2, **RS})
    node, g = arch.graph.node("c[3]"), arch.graph
    ins = [arch.shapes[i] for i in g.inputs("c[3]")]
    layers = layers_of(node.op, node.name, node.attrs, ins, rule_context(g, arch.shapes, "c[3]"))
    first = [(layer.unit[2], layer.op) for layer in layers if layer.unit and layer.unit[1] == 0]
    assert first[:3] == [("shortcut0", "avgpool"), ("shortcut1", "conv"), ("norm0", "bn")]
    assert layers[0].attrs.stride == 2 and layers[1].attrs.stride == 1
    members = [m for m, _ in first]
    se = members.index("squeeze_excitation.se_reduce")
    assert members.index("norm3") < se < members.index("drop") < members.index("add")


def _raise_resnetd(tmp_path):
    return _load(tmp_path, """
arch t() {
  defaults act(relu)
  input image: [32, 32, 3]
  y = residual 8 resnetd <- image
  return y
}
""")


def test_resnet_d_is_refused_on_basic_blocks(tmp_path):
    with pytest.raises(ArchError, match="`residual` has no ResNet-D shortcut"):
        _raise_resnetd(tmp_path)


def test_resnet50_is_a_variant_with_swish():
    a = archdsl.load("specs/resnet50.arch", {"input_size": 128})
    b = archdsl.load("specs/resnet.arch", {"model_id": 50, "input_size": 128, "activation": "swish"})
    assert a.params == b.params == MG_PARAMS[50] and a.macs == b.macs


def test_unknown_model_id_is_refused_at_the_define():
    with pytest.raises(ArchError, match="model_id must be one of 10, 18, .*, 200, 270, 350, 420, got 11"):
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


CHOSEN_OP = """
arch t(separable = false) {
  defaults act(relu)
  let conv_op = select(separable, false, conv, true, sepconv)
  input image: [32, 32, 3]
  y = repeat 2 (conv_op 3x3 8 bias -> bn -> act) <- image
  return y
}
"""


def test_a_chosen_op_names_its_node(tmp_path):
    # `conv_op` picks the op, so the node is `y.0.conv` (or `.sepconv`), as weight transfer expects
    plain, separable = _load(tmp_path, CHOSEN_OP), _load(tmp_path, CHOSEN_OP, {"separable": True})
    assert [n.name for n in plain.graph.nodes()][1:3] == ["y.0.conv", "y.0.bn"]
    assert [(n.name, n.op) for n in separable.graph.nodes()][1] == ("y.0.sepconv", "sepconv")
    assert separable.params < plain.params
