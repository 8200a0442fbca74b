"""The `archdsl` decoder type inside Model Garden: a YAML-style override puts archdsl's FPN block
(specs/fpn.arch) into Model Garden's own RetinaNet, and it matches Model Garden's FPN decoder
under the same config: output specs, parameter count, one L2 penalty per conv kernel and, after
`transfer_weights`, the same outputs. Model Garden has no registry for heads (its factory builds
`RetinaNetHead` / `SegmentationHead` directly), so only the decoder type exists.
"""

from __future__ import annotations

import archdsl.modelgarden  # noqa: F401  registers the types and the experiments
import numpy as np
import official  # noqa: F401  (installed by scripts/test: fail, never skip, without it)
import pytest
import tf_keras
from archdsl.diagnostics import ArchError
from archdsl.interop.modelgarden import transfer_weights
from official.core import exp_factory
from official.vision.modeling import factory
from official.vision.modeling.decoders import factory as decoder_factory

pytestmark = pytest.mark.parity

FPN = {"type": "archdsl", "archdsl": {"spec": "specs/fpn.arch", "block": "fpn", "overrides": {"backbone_max": 7}}}
BACKBONE = {"type": "archdsl", "archdsl": {"spec": "specs/spinenet49S.arch"}}
MODEL = {"input_size": [128, 128, 3], "num_classes": 3, "backbone": BACKBONE,
         "head": {"num_convs": 1, "num_filters": 32}, "norm_activation": {"use_sync_bn": False}}
L2 = tf_keras.regularizers.l2(1e-4)


def _config(decoder: dict):
    config = exp_factory.get_exp_config("retinanet_archdsl")
    config.override({"task": {"model": {**MODEL, "decoder": decoder}}}, is_strict=True)
    config.validate()
    return config.task.model


def _retinanet(decoder: dict):
    spec = tf_keras.layers.InputSpec(shape=[None, 128, 128, 3])
    return factory.build_retinanet(spec, _config(decoder), l2_regularizer=L2)


def test_yaml_selects_archdsl_fpn_and_matches_modelgarden_fpn():
    ours = _retinanet(FPN)
    theirs = _retinanet({"type": "fpn", "fpn": {"num_filters": 256}})
    assert type(ours.decoder).__name__ == "ArchdslDecoder"
    assert ours.decoder.arch.overrides["activation"] == "swish"  # from norm_activation
    assert {k: v.as_list() for k, v in ours.decoder.output_specs.items()} == \
        {k: v.as_list() for k, v in theirs.decoder.output_specs.items()}
    outs = [model(np.zeros([1, 128, 128, 3], np.float32), image_shape=np.array([[128.0, 128.0]], np.float32),
                  training=False) for model in (ours, theirs)]
    assert outs[0]["cls_outputs"]["3"].shape == outs[1]["cls_outputs"]["3"].shape == (1, 16, 16, 27)
    assert ours.decoder.count_params() == theirs.decoder.count_params()
    assert ours.count_params() == theirs.count_params()
    assert len(ours.decoder.losses) == len(theirs.decoder.losses) > 0  # weight decay on every conv


def test_archdsl_fpn_decoder_computes_what_modelgarden_fpn_does():
    specs = {str(k): tf_keras.Input([128 // 2**k, 128 // 2**k, c]).shape
             for k, c in ((3, 64), (4, 128), (5, 256))}
    model = _config({**FPN, "archdsl": {**FPN["archdsl"], "overrides": {"backbone_max": 5}}})
    ours = decoder_factory.build_decoder(specs, model, l2_regularizer=L2)
    model_mg = _config({"type": "fpn", "fpn": {"num_filters": 256}})
    theirs = decoder_factory.build_decoder(specs, model_mg, l2_regularizer=L2)
    rng = np.random.default_rng(0)
    feats = {k: rng.standard_normal([1, *s[1:]]).astype(np.float32) for k, s in specs.items()}
    theirs(feats)
    for w in theirs.weights:  # non-trivial batch-norm statistics, so a swapped norm shows
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype(np.float32) if "variance" in w.name
                 else rng.standard_normal(w.shape).astype(np.float32) * 0.1)
    assert transfer_weights(theirs, ours) == len(theirs.weights)
    mine, ref = ours(feats, training=False), theirs(feats, training=False)
    assert sorted(mine) == sorted(ref) == ["3", "4", "5", "6", "7"]
    for k in ref:
        np.testing.assert_allclose(mine[k].numpy(), ref[k].numpy(), rtol=1e-4, atol=1e-4)


def test_decoder_reading_a_level_the_backbone_lacks_is_a_located_error():
    # SpineNet-49S gives levels 3..7; `aspp` at level 2 reads feats[2].
    aspp = {"type": "archdsl", "archdsl": {"spec": "specs/aspp.arch", "block": "aspp", "overrides": {"level": 2}}}
    with pytest.raises(ArchError, match=r"feats.*L2") as info:
        _retinanet(aspp)
    assert "aspp.arch" in str(info.value)


def test_bad_decoder_config_is_an_archdsl_error():
    with pytest.raises(ArchError, match="has no parameter `filtres`"):
        _retinanet({**FPN, "archdsl": {**FPN["archdsl"], "overrides": {"filtres": 8}}})
    with pytest.raises(ArchError, match="unknown block or arch `fnp`"):
        _retinanet({**FPN, "archdsl": {**FPN["archdsl"], "block": "fnp"}})


def test_segmentation_with_archdsl_aspp_matches_modelgarden_aspp():
    def build(decoder: dict):
        config = exp_factory.get_exp_config("seg_archdsl")
        config.override({"task": {"model": {**MODEL, "head": {"level": 3, "num_convs": 1, "num_filters": 32},
                                            "decoder": decoder}}}, is_strict=True)
        spec = tf_keras.layers.InputSpec(shape=[None, 128, 128, 3])
        return factory.build_segmentation_model(spec, config.task.model, l2_regularizer=L2)

    aspp = {"spec": "specs/aspp.arch", "block": "aspp", "overrides": {"level": 3, "filters": 64}}
    ours = build({"type": "archdsl", "archdsl": aspp})
    theirs = build({"type": "aspp", "aspp": {"level": 3, "num_filters": 64, "dilation_rates": [6, 12, 18]}})
    images = np.zeros([1, 128, 128, 3], np.float32)
    outs = [model(images, training=False)["logits"] for model in (ours, theirs)]
    assert outs[0].shape == outs[1].shape == (1, 16, 16, 3)
    assert ours.decoder.count_params() == theirs.decoder.count_params()
    assert len(ours.decoder.losses) == len(theirs.decoder.losses) > 0
