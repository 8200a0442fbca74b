"""Numerical parity with Model Garden's DeepLab models: the ASPP decoder on DilatedResNet-50, and
the whole DeepLabV3+ SegmentationModel built by Model Garden's own factory from its
`seg_deeplabv3plus_pascal` experiment config (ResNet-50 and the experiment's ResNet-101): weights
copied by structure, outputs within 1e-4 (relative to scale), equal `count_params()` and
`check`'s params. Input 64 keeps CI fast.
"""

from __future__ import annotations

import archdsl
import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)
import numpy as np
import pytest
from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.decoders import aspp
from official.core import exp_factory  # noqa: E402
from official.vision.modeling import factory  # noqa: E402
from official.vision.modeling.backbones import resnet_deeplab  # noqa: E402

SIZE = 64


def _close(want, got, what: str) -> None:
    a, b = np.asarray(want), np.asarray(got)
    diff = float(np.max(np.abs(a - b)))
    print(f"{what}: max abs diff {diff:.2e} (scale {float(np.max(np.abs(a))):.2e})")
    assert a.shape == b.shape and diff <= 1e-4 * max(1.0, float(np.max(np.abs(a))))


def test_aspp_on_dilated_resnet50():
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(16)
    arch = archdsl.load("specs/aspp.arch", {"input_size": SIZE, "dropout_rate": 0.1})
    backbone = resnet_deeplab.DilatedResNet(model_id=50, output_stride=16, input_specs=mg.spec(SIZE))
    decoder = aspp.ASPP(level=4, dilation_rates=[6, 12, 18], dropout_rate=0.1)
    x = rng.normal(size=(1, SIZE, SIZE, 3)).astype("float32")
    decoder(backbone(x))  # builds the decoder
    ours = arch.to_keras()
    assert ours.count_params() == backbone.count_params() + decoder.count_params() == arch.params
    mg.randomise_bn(backbone, rng)
    mg.randomise_bn(decoder, rng)
    copied = transfer_weights(backbone, ours, "backbone.") + transfer_weights(decoder, ours, "decoder.")
    assert copied == len(backbone.weights) + len(decoder.weights)
    want, got = decoder(backbone(x, training=False), training=False), ours(x, training=False)
    _close(want["4"], got["decoder"]["4"], "ASPP on DilatedResNet-50 OS16")


def _experiment_model(model_id: int):
    """Model Garden's DeepLabV3+ exactly as `seg_deeplabv3plus_pascal` configures it."""
    config = exp_factory.get_exp_config("seg_deeplabv3plus_pascal").task.model
    config.backbone.dilated_resnet.model_id = model_id
    return factory.build_segmentation_model(mg.spec(SIZE), config)


def test_deeplabv3plus_resnet50_model():
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(17)
    arch = archdsl.load("specs/deeplabv3plus_resnet50.arch", {"input_size": SIZE})
    ref = _experiment_model(50)
    x = rng.normal(size=(1, SIZE, SIZE, 3)).astype("float32")
    ref(x, training=False)  # builds the decoder and head
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours) == len(ref.weights)
    _close(ref(x, training=False)["logits"], ours(x, training=False)["logits"], "DeepLabV3+ ResNet-50")


def test_deeplabv3plus_resnet101_params():
    """The experiment's own model (ResNet-101): the same params, counted without TensorFlow."""
    tf_keras.backend.clear_session()
    ref = _experiment_model(101)
    ref(np.zeros((1, SIZE, SIZE, 3), "float32"), training=False)
    assert archdsl.load("specs/deeplabv3plus_resnet101.arch", {"input_size": SIZE}).params == ref.count_params()
