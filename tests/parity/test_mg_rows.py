"""The parameter rows of Model Garden's own tests for the components archdsl covers
(backbones/resnet_test.py, spinenet_test.py, decoders/fpn_test.py, heads/
dense_prediction_heads_test.py), built with Model Garden and with archdsl: output shapes and
`count_params()` must agree. Model Garden builds its functional backbones symbolically at the
row's input size; heads are called on small feature maps (16 channels, 16 and 8 px: a head's
params do not depend on the spatial size). Rows a static graph cannot express yet are listed in
docs/modelgarden_rows.md with the reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
tf_keras = pytest.importorskip("tf_keras")
pytest.importorskip("official.vision.modeling.heads.dense_prediction_heads")

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _spec(shape):
    return tf_keras.layers.InputSpec(shape=[None, *shape])


def _ours(spec: str, overrides: dict) -> tuple[int, dict]:
    arch = archdsl.load(SPECS / spec, overrides)
    return arch.params, {str(k): tuple(v) for k, v in arch.outputs.items()}


def _theirs(model) -> tuple[int, dict]:
    return model.count_params(), {k: tuple(v[1:]) for k, v in model.output_specs.items()}


# resnet_test.py test_network_creation (input_size, model_id, endpoint_filter_scale),
# test_resnet_rs (all 4: stem v0/v1, SE, stochastic depth, depth_multiplier, ResNet-D shortcut,
# replace_stem_max_pool), test_input_specs (input_dim 1, 3, 4).
RS = dict(stem_type="v1", se_ratio=0.25, drop_rate=0.2, resnetd_shortcut=True, replace_stem_max_pool=True)
RESNET_ROWS = [dict(model_id=m, size=128) for m in (10, 18, 26, 34, 50, 101, 152)] + [
    dict(model_id=34, size=128, depth_multiplier=1.0), dict(model_id=34, size=128, depth_multiplier=1.25, **RS),
    dict(model_id=50, size=128, depth_multiplier=1.5), dict(model_id=50, size=128, depth_multiplier=2.0, **RS),
] + [dict(model_id=50, size=128, channels=c) for c in (1, 3, 4)]


@pytest.mark.parametrize("row", RESNET_ROWS, ids=str)
def test_resnet_rows(row):
    from official.vision.modeling.backbones import resnet

    tf_keras.backend.clear_session()
    size, channels, dm = row["size"], row.get("channels", 3), row.get("depth_multiplier", 1.0)
    rs = {k: row.get(k, v) for k, v in dict(stem_type="v0", se_ratio=0.0, drop_rate=0.0, resnetd_shortcut=False,
                                             replace_stem_max_pool=False).items()}
    ref = resnet.ResNet(model_id=row["model_id"], depth_multiplier=dm, input_specs=_spec((size, size, channels)),
                        stem_type=rs["stem_type"], se_ratio=rs["se_ratio"] or None,
                        init_stochastic_depth_rate=rs["drop_rate"], resnetd_shortcut=rs["resnetd_shortcut"],
                        replace_stem_max_pool=rs["replace_stem_max_pool"])
    ours = _ours("resnet.arch", {"model_id": row["model_id"], "input_size": size, "input_channels": channels,
                                 "depth_multiplier": dm, **rs})
    assert ours == _theirs(ref)


# spinenet_test.py test_network_creation (input_size, filter_size_scale, block_repeats,
# resample_alpha, endpoints_num_filters, min_level, max_level) and the input shapes of
# test_load_from_different_input_specs (scale 0.5, repeats 2, alpha 1.0, 384 filters, L3..L7).
SPINENET_ROWS = [
    (128, 128, 0.65, 1, 0.5, 128, 4, 6), (256, 256, 1.0, 1, 0.5, 256, 3, 6), (384, 384, 1.0, 2, 0.5, 256, 4, 7),
    (512, 512, 1.0, 3, 1.0, 256, 3, 7), (640, 640, 1.3, 4, 1.0, 384, 3, 7),
    (128, 128, 0.5, 2, 1.0, 384, 3, 7), (256, 256, 0.5, 2, 1.0, 384, 3, 7), (896, 1664, 0.5, 2, 1.0, 384, 3, 7),
]


@pytest.mark.parametrize("row", SPINENET_ROWS, ids=str)
def test_spinenet_rows(row):
    from official.vision.modeling.backbones import spinenet

    tf_keras.backend.clear_session()
    h, w, scale, repeats, alpha, filters, lo, hi = row
    ref = spinenet.SpineNet(input_specs=_spec((h, w, 3)), min_level=lo, max_level=hi, endpoints_num_filters=filters,
                            resample_alpha=alpha, block_repeats=repeats, filter_size_scale=scale,
                            init_stochastic_depth_rate=0.2)
    ours = _ours("spinenet.arch", {"input_height": h, "input_width": w, "filter_scale": scale, "repeats": repeats,
                                   "alpha": alpha, "endpoint_filters": filters, "min_level": lo, "max_level": hi,
                                   "drop_rate": 0.2, "activation": "swish"})
    assert ours == _theirs(ref)


# fpn_test.py test_network_creation, all 4 rows (use_keras_layer changes only how upsampling is
# written, not the layers): ResNet-50 + FPN L3..L7, relu; regular convs with sum fusion, separable
# convs with concat fusion.
@pytest.mark.parametrize("use_keras_layer", [False, True])
@pytest.mark.parametrize("separable,fusion", [(False, "sum"), (True, "concat")])
def test_fpn_rows(use_keras_layer, separable, fusion):
    from official.vision.modeling.backbones import resnet
    from official.vision.modeling.decoders import fpn

    tf_keras.backend.clear_session()
    backbone = resnet.ResNet(model_id=50, input_specs=_spec((256, 256, 3)))
    decoder = fpn.FPN(input_specs=backbone.output_specs, min_level=3, max_level=7, fusion_type=fusion,
                      use_separable_conv=separable, use_keras_layer=use_keras_layer)
    params, shapes = _ours("fpn.arch", {"input_size": 256, "activation": "relu", "separable": separable,
                                        "fusion": "add" if fusion == "sum" else "concat"})
    assert params == backbone.count_params() + decoder.count_params()
    assert shapes == {k: tuple(v[1:]) for k, v in decoder.output_specs.items()}


HEADS = """
import "retinanet.arch"
import "rpn.arch"

arch heads(kind: retinanet_head | rpn_head = retinanet_head, size = 16, channels = 16, min_level = 3,
           max_level = 4, sync_bn = false, share_level_convs = true, separable = false) {
  input image: [size * pow(2, min_level), size * pow(2, min_level), channels]
  f[min_level] = maxpool(pow(2, min_level), stride = pow(2, min_level)) <- image  # no params
  for l in min_level + 1..max_level {
    f[l] = maxpool(2) <- f[l - 1]
  }
  head = HEAD <- f
  return head
}
"""
RETINANET_CALL = ("retinanet_head(min_level = min_level, max_level = max_level, num_classes = 3, num_anchors = 3, "
                  "num_convs = 2, filters = 256, activation = relu, sync_bn = sync_bn, "
                  "share_level_convs = share_level_convs, separable = separable)")
RPN_CALL = ("rpn_head(min_level = min_level, max_level = max_level, num_anchors = 3, num_convs = 2, filters = 256, "
            "activation = relu, sync_bn = sync_bn, separable = separable)")


def _head_params(tmp_path, call: str, overrides: dict) -> tuple[int, dict]:
    for spec in SPECS.glob("*.arch"):  # imports resolve beside the importing file
        (tmp_path / spec.name).write_text(spec.read_text())
    path = tmp_path / "heads.arch"
    path.write_text(HEADS.replace("HEAD", call))
    arch = archdsl.load(path, overrides)
    return arch.params, {k: {str(lv): tuple(s) for lv, s in v.items()} for k, v in arch.outputs.items()}


def _features():
    rng = np.random.default_rng(0)
    return {"3": rng.normal(size=(1, 16, 16, 16)).astype("float32"),
            "4": rng.normal(size=(1, 8, 8, 16)).astype("float32")}


# dense_prediction_heads_test.py RetinaNetHeadTest.test_forward_without_attribute_head, all 8
# rows: use_separable_conv x use_sync_bn x share_level_convs.
@pytest.mark.parametrize("separable", [False, True])
@pytest.mark.parametrize("sync_bn", [False, True])
@pytest.mark.parametrize("share", [True, False])
def test_retinanet_head_rows(tmp_path, separable, sync_bn, share):
    from official.vision.modeling.heads import dense_prediction_heads

    tf_keras.backend.clear_session()
    head = dense_prediction_heads.RetinaNetHead(
        min_level=3, max_level=4, num_classes=3, num_anchors_per_location=3, num_convs=2, num_filters=256,
        activation="relu", use_sync_bn=sync_bn, share_level_convs=share, use_separable_conv=separable)
    scores, boxes, _ = head(_features())
    theirs = {"scores": {k: tuple(v.shape[1:]) for k, v in scores.items()},
              "boxes": {k: tuple(v.shape[1:]) for k, v in boxes.items()}}
    overrides = {"sync_bn": sync_bn, "share_level_convs": share, "separable": separable}
    assert _head_params(tmp_path, RETINANET_CALL, overrides) == \
        (head.count_params(), theirs)


# RPNHeadTest.test_forward, all 4 rows: use_separable_conv x use_sync_bn.
@pytest.mark.parametrize("separable", [False, True])
@pytest.mark.parametrize("sync_bn", [False, True])
def test_rpn_head_rows(tmp_path, separable, sync_bn):
    from official.vision.modeling.heads import dense_prediction_heads

    tf_keras.backend.clear_session()
    head = dense_prediction_heads.RPNHead(min_level=3, max_level=4, num_anchors_per_location=3, num_convs=2,
                                          num_filters=256, activation="relu", use_sync_bn=sync_bn,
                                          use_separable_conv=separable)
    scores, boxes = head(_features())
    theirs = {"scores": {k: tuple(v.shape[1:]) for k, v in scores.items()},
              "boxes": {k: tuple(v.shape[1:]) for k, v in boxes.items()}}
    assert _head_params(tmp_path, RPN_CALL, {"sync_bn": sync_bn, "separable": separable}) == \
        (head.count_params(), theirs)


# RetinaNetHeadTest.test_forward_with_attribute_head, all 3 rows (use_sync_bn, attribute heads,
# share_classification_heads; separable convs): an attribute is a `retinanet_attribute` call
# beside the head, named after it; one that reads another's tower (prediction_tower_name) or the
# class tower (share_classification_heads) has no convs of its own and reads that tower. Model
# Garden builds those unused towers' layers but never calls them, so they hold no weights.
ATTRIBUTE_ROWS = {  # kind: use_sync_bn, share_classification_heads, per attribute its arguments and input
    "regression_head": (False, False, [("depth", "type = regression, num_convs = 1, filters = 128", "f")]),
    "classification_head": (True, True, [("depth", "type = classification, num_convs = 0", "head.classnet")]),
    "shared_prediction_tower_attribute_heads": (True, False, [
        ("attr_1", "type = regression", "f"),
        ("attr_2", "type = classification", "f"),
        ("attr_3", "type = regression, num_convs = 0", "attr_2.tower")]),
}
ATTRIBUTES = """
import "retinanet.arch"

arch heads(sync_bn = false) {
  input image: [128, 128, 16]
  f[3] = maxpool(8) <- image
  f[4] = maxpool(2) <- f[3]
  head = retinanet_head(min_level = 3, max_level = 4, num_classes = 3, num_anchors = 3, num_convs = 2, filters = 256,
                        activation = relu, sync_bn = sync_bn, separable = true) <- f
  LINES
  return {scores: head.scores, boxes: head.boxes, attributes: {FIELDS}}
}
"""
HEAD_SETTINGS = {"min_level": "3", "max_level": "4", "num_anchors": "3", "num_convs": "2", "filters": "256",
                 "activation": "relu", "sync_bn": "sync_bn", "separable": "true"}


def attribute_spec(attributes: list) -> str:
    """The test spec of one row: each attribute a `retinanet_attribute` call with the head's
    settings unless the row gives its own (Model Garden's attribute falls back to them too)."""
    lines = []
    for name, args, source in attributes:
        given = dict(a.split(" = ") for a in args.split(", "))
        call = ", ".join(f"{k} = {v}" for k, v in {**HEAD_SETTINGS, **given}.items())
        lines.append(f"{name} = retinanet_attribute({call}) <- {source}")
    fields = ", ".join(f"{name}: {name}" for name, _, _ in attributes)
    return ATTRIBUTES.replace("LINES", "\n  ".join(lines)).replace("FIELDS", fields)


def _attribute_heads(kind: str) -> list:
    from official.vision.modeling.heads import dense_prediction_heads_test

    return dense_prediction_heads_test.get_attribute_heads(kind)


def _level_shapes(tree) -> dict:
    return {k: _level_shapes(v) if isinstance(v, dict) else tuple(v.shape[1:]) for k, v in tree.items()}


@pytest.mark.parametrize("kind", list(ATTRIBUTE_ROWS))
def test_retinanet_attribute_rows(tmp_path, kind):
    from official.vision.modeling.heads import dense_prediction_heads

    sync_bn, share_cls, attributes = ATTRIBUTE_ROWS[kind]
    tf_keras.backend.clear_session()
    head = dense_prediction_heads.RetinaNetHead(
        min_level=3, max_level=4, num_classes=3, num_anchors_per_location=3, num_convs=2, num_filters=256,
        attribute_heads=_attribute_heads(kind), share_classification_heads=share_cls, use_separable_conv=True,
        activation="relu", use_sync_bn=sync_bn)
    scores, boxes, predicted = head(_features())
    theirs = _level_shapes({"scores": scores, "boxes": boxes, "attributes": predicted})
    for spec in SPECS.glob("*.arch"):
        (tmp_path / spec.name).write_text(spec.read_text())
    (tmp_path / "heads.arch").write_text(attribute_spec(attributes))
    arch = archdsl.load(tmp_path / "heads.arch", {"sync_bn": sync_bn})
    assert (arch.params, _ours_tree(arch.outputs)) == (head.count_params(), theirs)


def _ours_tree(tree) -> dict:
    return {str(k): _ours_tree(v) if isinstance(v, dict) else tuple(v) for k, v in tree.items()}


# RetinaNetHeadTest.test_forward_with_num_anchors_per_location_by_level: {'3': 2, '4': 5}, no
# tower convs, a predictor per level, 11 and 13 input channels. The head is checked on its own,
# its input family bound at those shapes; the dict goes in as Model Garden writes it.
def test_retinanet_anchors_by_level_row():
    from official.vision.modeling.heads import dense_prediction_heads

    tf_keras.backend.clear_session()
    anchors = {"3": 2, "4": 5}
    head = dense_prediction_heads.RetinaNetHead(min_level=3, max_level=4, num_classes=7,
                                                num_anchors_per_location=anchors, num_convs=0, num_filters=123,
                                                share_level_convs=False)
    rng = np.random.default_rng(0)
    scores, boxes, _ = head({"3": rng.normal(size=(2, 32, 32, 11)).astype("float32"),
                             "4": rng.normal(size=(2, 16, 16, 13)).astype("float32")})
    arch = archdsl.load_block(SPECS / "retinanet.arch", "retinanet_head", {"feats": {3: (32, 32, 11), 4: (16, 16, 13)}},
                              {"min_level": 3, "max_level": 4, "num_classes": 7, "num_anchors": anchors, "num_convs": 0,
                               "filters": 123, "share_level_convs": False, "activation": "relu"})
    assert (arch.params, _ours_tree(arch.outputs)) == \
        (head.count_params(), _level_shapes({"scores": scores, "boxes": boxes}))


# fpn_test.py test_network_creation_with_mobilenet, all 4 rows (use_keras_layer changes no layer):
# MobileNetV2 + FPN L3..L7 at 256, regular or separable convs. Model Garden's backbone model also
# holds its 1x1 1280 conv (endpoint '6', outside its output_specs), which nothing in the FPN reads
# and archdsl prunes: the reference is the backbone model cut at the endpoints the FPN reads.
MOBILENET_FPN = """
import "fpn.arch"
import "mobilenet_v2.arch"

arch mobilenet_fpn(separable = false) {
  input image: [256, 256, 3]
  backbone = mobilenet_v2(input_size = 256) <- image
  decoder = fpn(min_level = 3, max_level = 7, backbone_max = 5, separable = separable, activation = relu) <- backbone
  return decoder
}
"""


@pytest.mark.parametrize("use_keras_layer", [False, True])
@pytest.mark.parametrize("separable", [False, True])
def test_fpn_mobilenet_rows(tmp_path, separable, use_keras_layer):
    from official.vision.modeling.backbones import mobilenet
    from official.vision.modeling.decoders import fpn

    tf_keras.backend.clear_session()
    backbone = mobilenet.MobileNet(model_id="MobileNetV2")
    decoder = fpn.FPN(input_specs=backbone.output_specs, min_level=3, max_level=7, use_separable_conv=separable,
                      use_keras_layer=use_keras_layer)
    cut = tf_keras.Model(backbone.inputs, {k: backbone.output[k] for k in backbone.output_specs})
    feats = decoder(backbone(tf_keras.Input(shape=(256, 256, 3), batch_size=1)))
    for spec in SPECS.glob("*.arch"):
        (tmp_path / spec.name).write_text(spec.read_text())
    (tmp_path / "mobilenet_fpn.arch").write_text(MOBILENET_FPN)
    arch = archdsl.load(tmp_path / "mobilenet_fpn.arch", {"separable": separable})
    assert cut.count_params() < backbone.count_params()  # the cut really drops the unread conv
    assert (arch.params, _ours_tree(arch.outputs)) == \
        (cut.count_params() + decoder.count_params(), {k: tuple(v.shape[1:]) for k, v in feats.items()})
