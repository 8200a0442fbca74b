"""Model Garden's RetinaNetHead with attribute heads against archdsl's `retinanet_head` plus one
`retinanet_attribute` per attribute (specs/retinanet.arch), numerically: a tower per level
(share_level_convs=False), regular convs, BN statistics, kernels and biases randomised in Model
Garden first, weights copied by `transfer_weights` (attributes by structure: `<name>-conv_i`,
`<name>-conv-norm_<level>_i`, `<name>_attributes`), one random batch, every score, box and
attribute within 1e-4, and `count_params()` equal to the params `archdsl check` computes.
Two configurations cover the three ways an attribute gets its tower: its own (with its own
num_convs and num_filters) and one shared by prediction_tower_name; or the class tower
(share_classification_heads), which Model Garden refuses to combine with a shared tower.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
tf_keras = pytest.importorskip("tf_keras")
pytest.importorskip("official.vision.modeling.heads.dense_prediction_heads")

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

TOL = 1e-4
SPECS = Path(__file__).resolve().parents[2] / "specs"

SPEC = """
import "retinanet.arch"

arch heads() {
  input image: [128, 128, 16]
  f[3] = maxpool(8) <- image
  f[4] = maxpool(2) <- f[3]
  head = retinanet_head(min_level = 3, max_level = 4, num_classes = 3, num_anchors = 3, num_convs = 2, filters = 32,
                        activation = relu, share_level_convs = false) <- f
  LINES
  return {scores: head.scores, boxes: head.boxes, attributes: {FIELDS}}
}
"""
ATTR = "min_level = 3, max_level = 4, num_anchors = 3, activation = relu"

CASES = {  # share_classification_heads, Model Garden's attribute heads, archdsl's lines
    "own_and_shared_towers": (False, [
        dict(name="depth", type="regression", size=2, prediction_tower_name="", num_convs=1, num_filters=24),
        dict(name="attr_2", type="classification", size=1, prediction_tower_name="tower_1"),
        dict(name="attr_3", type="regression", size=3, prediction_tower_name="tower_1"),
    ], [f"depth = retinanet_attribute(type = regression, size = 2, {ATTR}, num_convs = 1, filters = 24) <- f",
        f"attr_2 = retinanet_attribute(type = classification, size = 1, {ATTR}, num_convs = 2, filters = 32) <- f",
        f"attr_3 = retinanet_attribute(type = regression, size = 3, {ATTR}, num_convs = 0) <- attr_2.tower"]),
    "class_tower": (True, [
        dict(name="kind", type="classification", size=2, prediction_tower_name=""),
        dict(name="depth", type="regression", size=1, prediction_tower_name=""),
    ], [f"kind = retinanet_attribute(type = classification, size = 2, {ATTR}, num_convs = 0) <- head.classnet",
        f"depth = retinanet_attribute(type = regression, size = 1, {ATTR}, num_convs = 2, filters = 32) <- f"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_retinanet_attributes(tmp_path, case):
    import tensorflow as tf
    from official.vision.modeling.heads import dense_prediction_heads

    share_cls, heads, lines = CASES[case]
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(7)
    for spec in SPECS.glob("*.arch"):  # imports resolve beside the importing file
        (tmp_path / spec.name).write_text(spec.read_text())
    fields = ", ".join(f"{line.split(' = ')[0]}: {line.split(' = ')[0]}" for line in lines)
    (tmp_path / "heads.arch").write_text(SPEC.replace("LINES", "\n  ".join(lines)).replace("FIELDS", fields))
    arch = archdsl.load(tmp_path / "heads.arch")
    ours = arch.to_keras()
    head = dense_prediction_heads.RetinaNetHead(
        min_level=3, max_level=4, num_classes=3, num_anchors_per_location=3, num_convs=2, num_filters=32,
        attribute_heads=heads, share_classification_heads=share_cls, activation="relu", share_level_convs=False)

    def ref(x):
        f3 = tf.nn.max_pool2d(x, 8, 8, "SAME")
        scores, boxes, attributes = head({"3": f3, "4": tf.nn.max_pool2d(f3, 2, 2, "SAME")}, training=False)
        return {"scores": scores, "boxes": boxes, "attributes": attributes}

    ref(np.zeros((1, 128, 128, 16), "float32"))  # builds the head
    assert ours.count_params() == head.count_params() == arch.params
    mg.randomise_bn(head, rng)
    assert transfer_weights(head, ours, "head.") == len(head.weights)
    x = rng.normal(size=(2, 128, 128, 16)).astype("float32")
    want = ref(x)
    diffs = mg.max_diff(want, ours(x, training=False))
    spread = mg.max_diff(want, {k: {n: {lv: 0 * t for lv, t in v.items()} for n, v in tree.items()}
                                if k == "attributes" else {lv: 0 * t for lv, t in tree.items()}
                                for k, tree in want.items()})
    assert min(spread.values()) > 0.1, spread  # every output is far from zero: a mis-paired weight shows
    names = [h["name"] for h in heads]
    assert sorted(diffs) == sorted([f"{k}/{lv}" for k in ("scores", "boxes") for lv in "34"] +
                                   [f"attributes/{n}/{lv}" for n in names for lv in "34"])
    print(f"{case}: params {arch.params:,}; max abs diff {max(diffs.values()):.2e}")
    assert all(d <= TOL for d in diffs.values()), diffs


def test_the_depth_spec_builds_what_model_garden_builds():
    """specs/retinanet_spinenet49_depth.arch against Model Garden's SpineNet-49 + RetinaNetHead with
    the same attribute head: params (Keras and `check`) and every output's shape, at 128x128."""
    from official.vision.modeling.backbones import spinenet
    from official.vision.modeling.heads import dense_prediction_heads

    tf_keras.backend.clear_session()
    arch = archdsl.load(SPECS / "retinanet_spinenet49_depth.arch", {"input_size": 128})
    ours = arch.to_keras()
    s = spinenet.SCALING_MAP["49"]
    backbone = spinenet.SpineNet(
        input_specs=tf_keras.layers.InputSpec(shape=[None, 128, 128, 3]), min_level=3, max_level=7,
        endpoints_num_filters=s["endpoints_num_filters"], resample_alpha=s["resample_alpha"],
        block_repeats=s["block_repeats"], filter_size_scale=s["filter_size_scale"], activation="swish")
    head = dense_prediction_heads.RetinaNetHead(
        min_level=3, max_level=7, num_classes=91, num_anchors_per_location=9, num_convs=4, num_filters=256,
        attribute_heads=[dict(name="depth", type="regression", size=1, prediction_tower_name="", num_convs=1,
                              num_filters=128)], activation="swish")
    image = tf_keras.Input((128, 128, 3))
    scores, boxes, attributes = head(backbone(image))
    theirs = tf_keras.Model(image, {"scores": scores, "boxes": boxes, "attributes": attributes})
    assert ours.count_params() == theirs.count_params() == arch.params

    def shapes(tree):
        return {k: shapes(v) if isinstance(v, dict) else tuple(v.shape[1:]) for k, v in tree.items()}

    assert shapes(ours.output) == shapes(theirs.output)
