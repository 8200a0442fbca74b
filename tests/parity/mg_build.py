"""Model Garden reference models for the parity tests (imports tf-models-official)."""

from __future__ import annotations

import numpy as np
import tf_keras
from official.vision.modeling import retinanet_model, segmentation_model
from official.vision.modeling.backbones import resnet, spinenet
from official.vision.modeling.decoders import fpn, nasfpn
from official.vision.modeling.heads import dense_prediction_heads, segmentation_heads
from official.vision.modeling.layers import detection_generator


def spec(size: int):
    return tf_keras.layers.InputSpec(shape=[None, size, size, 3])


def resnet50(size: int, activation: str):
    return resnet.ResNet(model_id=50, input_specs=spec(size), activation=activation)


def spinenet_backbone(model_id: str, size: int, activation: str, min_level: int = 3, max_level: int = 7):
    s = spinenet.SCALING_MAP[model_id]
    return spinenet.SpineNet(
        input_specs=spec(size), min_level=min_level, max_level=max_level,
        endpoints_num_filters=s["endpoints_num_filters"], resample_alpha=s["resample_alpha"],
        block_repeats=s["block_repeats"], filter_size_scale=s["filter_size_scale"], activation=activation)


def fpn_decoder(backbone, activation: str, fusion: str = "sum", min_level: int = 3, max_level: int = 7,
                separable: bool = False):
    return fpn.FPN(input_specs=backbone.output_specs, min_level=min_level, max_level=max_level,
                   fusion_type=fusion, activation=activation, use_separable_conv=separable)


def nasfpn_decoder(backbone, activation: str, repeats: int, min_level: int = 3, max_level: int = 7):
    return nasfpn.NASFPN(input_specs=backbone.output_specs, min_level=min_level, max_level=max_level,
                         num_repeats=repeats, activation=activation)


def retinanet(backbone, decoder, activation: str, num_convs: int = 4, filters: int = 256,
              num_classes: int = 91, min_level: int = 3, max_level: int = 7, share_level_convs: bool = True,
              separable: bool = False):
    head = dense_prediction_heads.RetinaNetHead(
        min_level=min_level, max_level=max_level, num_classes=num_classes, num_anchors_per_location=9,
        num_convs=num_convs, num_filters=filters, activation=activation, share_level_convs=share_level_convs,
        use_separable_conv=separable)
    return retinanet_model.RetinaNetModel(backbone, decoder, head,
                                          detection_generator.MultilevelDetectionGenerator())


def segmentation(backbone, activation: str, fusion: str | None = None, level: int = 3, num_convs: int = 3,
                 num_classes: int = 21, low_level: int = 2, depthwise: bool = False,
                 logit_activation: str | None = None, decoder_levels: tuple[int, int] | None = None,
                 mask_scoring=None):
    low, high = decoder_levels or (None, None)
    head = segmentation_heads.SegmentationHead(
        num_classes=num_classes, level=level, num_convs=num_convs, feature_fusion=fusion,
        low_level=low_level, activation=activation, use_depthwise_convolution=depthwise,
        logit_activation=logit_activation, decoder_min_level=low, decoder_max_level=high)
    return segmentation_model.SegmentationModel(backbone, None, head, mask_scoring_head=mask_scoring)


def run_retinanet(model, x):
    """Scores and boxes of a RetinaNetModel in inference mode, without the detection generator."""
    feats = model.backbone(x, training=False)
    if model.decoder is not None:
        feats = model.decoder(feats, training=False)
    scores, boxes, _ = model.head(feats, training=False)
    return {"scores": scores, "boxes": boxes}


def randomise_bn(model, rng) -> None:
    """Non-trivial BN statistics, conv kernels and biases, so a mis-paired layer cannot hide
    behind identity defaults or the heads' tiny initializers (normal(1e-5) predictors)."""
    for w in model.weights:
        if "kernel" in w.name:
            fan_in = int(np.prod(w.shape[:-1]))
            w.assign(rng.normal(0.0, (2.0 / fan_in) ** 0.5, w.shape).astype("float32"))
        elif "bias" in w.name:
            w.assign(rng.normal(0.0, 0.1, w.shape).astype("float32"))
        elif "gamma" in w.name or "moving_variance" in w.name:
            w.assign(rng.uniform(0.5, 1.5, w.shape).astype("float32"))
        elif "beta" in w.name or "moving_mean" in w.name:
            w.assign(rng.normal(0.0, 0.1, w.shape).astype("float32"))


def max_diff(want, got) -> dict[str, float]:
    """Max abs difference per output path, for nested dicts of tensors."""
    out: dict[str, float] = {}
    assert sorted(want) == sorted(got), (sorted(want), sorted(got))
    for key in want:
        if isinstance(want[key], dict):
            out.update({f"{key}/{k}": v for k, v in max_diff(want[key], got[key]).items()})
        else:
            out[key] = float(np.max(np.abs(np.asarray(want[key]) - np.asarray(got[key]))))
    return out
