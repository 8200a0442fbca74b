"""`archdsl check`'s MACs against the multiply-adds counted in the traced graph of Model Garden's
own models (tests/parity/mg_macs.py): within 0.5%, at a size where TF rounds (65 is odd at every
level), and the seed's DeepLabV3+ (Model Garden's factory, `seg_deeplabv3plus_pascal` with
DilatedResNet-50) at 512, the issue's size (tracing builds no weights' values; about 20 s). No
weights are copied: only the graph's shapes are read."""

from __future__ import annotations

import pytest

import archdsl

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.backbones import efficientnet

from mg_macs import traced_macs  # noqa: E402  (tests/parity/mg_macs.py)
from official.vision.modeling.backbones import mobilenet, spinenet_mobile  # noqa: E402
from official.core import exp_factory  # noqa: E402
from official.vision.modeling import factory  # noqa: E402


def _spec(size):
    return tf_keras.layers.InputSpec(shape=[None, size, size, 3])


CASES = {
    "efficientnet_b0": (65, lambda s: efficientnet.EfficientNet("b0", input_specs=_spec(s), se_ratio=0.25,
                                                                activation="swish")),
    "efficientnet_b3": (64, lambda s: efficientnet.EfficientNet("b3", input_specs=_spec(s), se_ratio=0.25,
                                                                activation="swish")),
    "mobilenet_v3_small": (65, lambda s: mobilenet.MobileNet("MobileNetV3Small", input_specs=_spec(s))),
    "spinenet_mobile49": (128, lambda s: spinenet_mobile.SpineNetMobile(
        input_specs=_spec(s), endpoints_num_filters=48, activation="swish")),
}


@pytest.mark.parametrize("spec", CASES)
def test_macs_match_the_traced_graph(spec):
    tf_keras.backend.clear_session()
    size, build = CASES[spec]
    ours = archdsl.load(f"specs/{spec}.arch", {"input_size": size}).macs
    theirs = traced_macs(build(size), size)
    print(f"{spec}@{size}: check {ours:,} MACs, traced graph {theirs:,} ({100 * (ours / theirs - 1):+.3f}%)")
    assert abs(ours - theirs) <= 0.005 * theirs, (ours, theirs)


def test_deeplabv3plus_macs_match_the_traced_graph_at_512():
    tf_keras.backend.clear_session()
    size = 512
    config = exp_factory.get_exp_config("seg_deeplabv3plus_pascal").task.model
    config.backbone.dilated_resnet.model_id = 50
    model = factory.build_segmentation_model(_spec(size), config)
    ours = archdsl.load("specs/deeplabv3plus_resnet50.arch", {"input_size": size}).macs
    theirs, padded = traced_macs(model, size), traced_macs(model, size, atrous_padding=True)
    print(f"deeplabv3plus_resnet50@{size}: check {ours:,} MACs, traced graph {theirs:,} "
          f"({100 * (ours / theirs - 1):+.3f}%); with TF's space-to-batch padding of atrous convs {padded:,}")
    assert abs(ours - theirs) <= 0.005 * theirs, (ours, theirs)
    assert padded > theirs  # the dilated convs were found (the last group and ASPP pad their 32x32 grids)
