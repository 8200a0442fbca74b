"""The `archdsl` backbone inside Model Garden: a YAML-style override selects it, Model Garden's
own factories build RetinaNet and segmentation models on it, and the result matches Model
Garden's built-in SpineNet-49S under the same config (output specs, parameter count, one L2
penalty per conv kernel). Numerical equality of the backbones is tests/parity/test_modelgarden.py.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.parity
import tf_keras
import official  # noqa: F401  (installed by scripts/test: fail, never skip, without it)

import archdsl.modelgarden  # noqa: E402,F401  registers the backbone and the experiments
from archdsl.diagnostics import ArchError  # noqa: E402
from official.core import exp_factory  # noqa: E402
from official.vision.modeling import factory  # noqa: E402

SPEC = {"spec": "specs/spinenet49S.arch", "overrides": {"activation": "relu"}}
MODEL = {"input_size": [128, 128, 3], "num_classes": 3, "backbone": {"archdsl": SPEC},
         "norm_activation": {"use_sync_bn": False}}
L2 = tf_keras.regularizers.l2(1e-4)


def _spec(shape):
    return tf_keras.layers.InputSpec(shape=[None, *shape])


def _retinanet(backbone: dict):
    config = exp_factory.get_exp_config("retinanet_archdsl")
    config.override({"task": {"model": {**MODEL, "backbone": backbone}}}, is_strict=True)
    config.validate()
    return factory.build_retinanet(_spec([128, 128, 3]), config.task.model, l2_regularizer=L2)


def test_yaml_selects_archdsl_and_matches_modelgarden_spinenet49S():
    ours = _retinanet({"type": "archdsl", "archdsl": SPEC})
    theirs = _retinanet({"type": "spinenet", "spinenet": {"model_id": "49S"}})
    assert type(ours.backbone).__name__ == "ArchdslBackbone"
    assert ours.backbone.arch.overrides["activation"] == "relu"  # overrides win over norm_activation
    assert {k: v.as_list() for k, v in ours.backbone.output_specs.items()} == \
        {k: v.as_list() for k, v in theirs.backbone.output_specs.items()}
    images = np.zeros([1, 128, 128, 3], np.float32)
    for model in (ours, theirs):
        model(images, image_shape=np.array([[128.0, 128.0]], np.float32), training=False)
    assert ours.backbone.count_params() == theirs.backbone.count_params()
    assert ours.count_params() == theirs.count_params()
    assert len(ours.backbone.losses) == len(theirs.backbone.losses) > 0  # weight decay on every conv


def test_segmentation_experiment_builds_on_archdsl():
    config = exp_factory.get_exp_config("seg_archdsl")
    config.override({"task": {"model": {**MODEL, "head": {"level": 3, "num_convs": 1}}}}, is_strict=True)
    model = factory.build_segmentation_model(_spec([128, 128, 3]), config.task.model, l2_regularizer=L2)
    out = model(np.zeros([1, 128, 128, 3], np.float32), training=False)
    assert out["logits"].shape == (1, 16, 16, 3)


def test_bad_spec_is_a_located_archdsl_error():
    with pytest.raises(ArchError, match="has no parameter `widht`"):
        _retinanet({"type": "archdsl", "archdsl": {**SPEC, "overrides": {"widht": 2}}})
