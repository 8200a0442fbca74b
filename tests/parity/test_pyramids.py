"""Numerical parity with Model Garden for ResNet-50, FPN, the RetinaNet head and the RetinaNet
composites: weights copied by `transfer_weights` (from a bare component or a whole
RetinaNetModel), inference on one random batch, every output within 1e-4, equal `count_params()`.
Inputs are reduced (128/256) to keep CI fast on CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
import tf_keras
import official.vision.modeling.backbones.spinenet  # noqa: F401  (installed by scripts/test: fail, never skip, without it)

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

TOL = 1e-4


def _check(arch, ours, reference, want_fn, size, rng):
    x = rng.normal(size=(2, size, size, 3)).astype("float32")
    want, got = want_fn(x), ours(x, training=False)
    diffs = mg.max_diff(want, got)
    print(f"{arch.name}@{size}: params {arch.params:,}; max abs diff {max(diffs.values()):.2e}")
    assert all(d <= TOL for d in diffs.values()), diffs


def _backbone_decoder_case(arch, backbone, decoder, size, rng):
    """A Model Garden backbone + decoder against the archdsl spec: params, transfer, outputs."""
    ours = arch.to_keras()
    assert ours.count_params() == backbone.count_params() + decoder.count_params() == arch.params
    mg.randomise_bn(backbone, rng)
    mg.randomise_bn(decoder, rng)
    copied = transfer_weights(backbone, ours, "backbone.") + transfer_weights(decoder, ours, "decoder.")
    assert copied == len(backbone.weights) + len(decoder.weights)
    _check(arch, ours, decoder, lambda x: decoder(backbone(x, training=False), training=False), size, rng)


@pytest.mark.parametrize("activation", ["swish", "relu"])
def test_resnet50(activation):
    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(0), 128
    arch = archdsl.load("specs/resnet50.arch", {"input_size": size, "activation": activation})
    ref, ours = mg.resnet50(size, activation), arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours) == len(ref.weights)
    _check(arch, ours, ref, lambda x: ref(x, training=False), size, rng)


@pytest.mark.parametrize("fusion", ["add", "concat"])
def test_resnet50_fpn(fusion):
    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(1), 128
    arch = archdsl.load("specs/fpn.arch", {"input_size": size, "fusion": fusion})
    backbone = mg.resnet50(size, "swish")
    decoder = mg.fpn_decoder(backbone, "swish", "sum" if fusion == "add" else "concat")
    _backbone_decoder_case(arch, backbone, decoder, size, rng)


def _retinanet_case(spec, size, reference, rng, **overrides):
    arch = archdsl.load(spec, {"input_size": size, **overrides})
    ours = arch.to_keras()
    mg.run_retinanet(reference, np.zeros((1, size, size, 3), "float32"))  # builds the head
    parts = [reference.backbone, reference.decoder, reference.head]
    assert ours.count_params() == sum(p.count_params() for p in parts if p is not None) == arch.params
    mg.randomise_bn(reference, rng)
    assert transfer_weights(reference, ours) == len(reference.weights)
    _check(arch, ours, reference, lambda x: mg.run_retinanet(reference, x), size, rng)


@pytest.mark.parametrize("model_id,convs,filters", [("49", 4, 256), ("96", 4, 256), ("143", 4, 256), ("190", 7, 512)])
def test_retinanet_spinenet(model_id, convs, filters):
    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(2), 256
    ref = mg.retinanet(mg.spinenet_backbone(model_id, size, "swish"), None, "swish", convs, filters)
    _retinanet_case(f"specs/retinanet_spinenet{model_id}.arch", size, ref, rng)


def test_retinanet_resnet50_fpn():
    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(3), 128
    backbone = mg.resnet50(size, "swish")
    ref = mg.retinanet(backbone, mg.fpn_decoder(backbone, "swish"), "swish")
    _retinanet_case("specs/retinanet_resnet50_fpn.arch", size, ref, rng)


def test_retinanet_head_with_a_tower_per_level():
    """share_level_convs=False: every level's tower convs and predictors are its own."""
    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(4), 128
    backbone = mg.resnet50(size, "swish")
    ref = mg.retinanet(backbone, mg.fpn_decoder(backbone, "swish"), "swish", num_convs=2, share_level_convs=False)
    _retinanet_case("specs/retinanet_resnet50_fpn.arch", size, ref, rng, head_convs=2, share_level_convs=False)


@pytest.mark.parametrize("share", [True, False])
def test_retinanet_resnet50_fpn_separable(share):
    """use_separable_conv=True in the FPN and the head: every conv a SeparableConv2D."""
    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(5), 128
    backbone = mg.resnet50(size, "swish")
    decoder = mg.fpn_decoder(backbone, "swish", separable=True)
    ref = mg.retinanet(backbone, decoder, "swish", num_convs=2, share_level_convs=share, separable=True)
    _retinanet_case("specs/retinanet_resnet50_fpn.arch", size, ref, rng, head_convs=2, share_level_convs=share,
                    separable=True)
