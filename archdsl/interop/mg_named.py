"""Copy weights of Model Garden components whose layers have explicit names (FPN, RetinaNetHead,
SegmentationHead) into an archdsl model, by name.

The archdsl specs name their nodes after Model Garden's layers, so the pairing is a rule, not a
table: FPN's `lateral_3`, `post_hoc_3`, `coarser_6` and `norm_3` are the spec's `lateral[3]`,
`post_hoc[3]`, `coarser[6]` and `norm[3]`. The RetinaNet head's shared tower convs
`classnet-conv_i` are the sharing groups `classnet.i` (one Keras layer, named after its first
use), its per-level norms `classnet-conv-norm_<level>_i` are `classnet[level].i.bn`, and the
predictors `scores`/`boxes` are the sharing groups of the same names; the RPNHead's `rpn-conv_i`,
`rpn-conv-norm_<level>_i`, `rpn-scores`, `rpn-boxes` are `rpn.i`, `rpn[level].i.bn`, `scores` and
`boxes` the same way; with use_separable_conv each SeparableConv2D pairs with a `sepconv` node the
same way (a tower per level: `classnet[level].i.sepconv`). The SegmentationHead's
`segmentation_head_conv_i`/`_norm_i` are `tower.i.conv`/`tower.i.bn` (depthwise: `dw_tower`), its deeplabv3plus fusion
conv and norm `fusion.conv`/`fusion.bn`, its panoptic_fpn_fusion (an auto-named functional model:
conv2d_k, group_normalization_k) pairs by creation order with the `panoptic[l]` branches (`mg_auto`),
and `segmentation_output` is `logits`. Everything sits
under the component's prefix in the target (`decoder.`, `head.`).
"""

from __future__ import annotations

import re
from typing import Any

from archdsl.interop.mg_auto import copy, fail, transfer_auto
from archdsl.lower.names import keras_name

_LEVEL = re.compile(r"^(.*)_(\d+)$")


def _layer(target: Any, ir_name: str, what: str) -> Any:
    try:
        return target.get_layer(keras_name(ir_name))
    except ValueError:
        raise fail(f"archdsl has no layer `{ir_name}` for Model Garden's {what}") from None


def _shared(target: Any, key: str, what: str) -> Any:
    name = target.__dict__.get("_archdsl_shared", {}).get(key)
    if name is None:
        raise fail(f"archdsl has no sharing group `{key}` for Model Garden's {what}")
    return target.get_layer(name)


def transfer_fpn(source: Any, target: Any, prefix: str = "") -> int:
    """FPN: each weighted layer `name_<level>` goes to `<prefix>name[<level>]`."""
    copied = 0
    for layer in source.layers:
        if not layer.weights:
            continue
        m = _LEVEL.match(layer.name)
        if not m:
            raise fail(f"Model Garden FPN layer `{layer.name}` has no level in its name")
        ours = f"{prefix}{m.group(1)}[{m.group(2)}]"
        copied += copy(layer, _layer(target, ours, f"`{layer.name}`"), ours)
    return copied


def transfer_retinanet_head(source: Any, target: Any, prefix: str = "") -> int:
    """RetinaNetHead: shared (or, share_level_convs=False, per-level) convs and predictors,
    per-level norms; its attribute heads go to the `retinanet_attribute` instances beside the
    head, named after each attribute (`head.` -> `depth.`)."""
    cfg = source.get_config()
    copied = _transfer_towers(source, target, prefix, cfg)
    if cfg.get("attribute_heads"):
        if not source.built:
            raise fail("the RetinaNetHead is not built yet: call it once first")
        beside = prefix.rstrip(".").rpartition(".")[0]
        copied += _transfer_attributes(source, target, beside + "." if beside else "", cfg)
    return copied


def _transfer_attributes(source: Any, target: Any, prefix: str, cfg: dict) -> int:
    """Each attribute's `<name>-conv_i` (shared across levels), `<name>-conv-norm_<level>_i` and
    `<name>_attributes` are `<name>.tower.i`, `<name>.tower[level].i.bn` and `<name>.attribute`.
    Model Garden builds the tower of an attribute that reads another tower (a shared
    prediction_tower_name, the class tower) but never calls it: it has no weights to copy, and
    the archdsl attribute has no convs of its own (`num_convs = 0`)."""
    copied = 0
    for att in cfg["attribute_heads"]:
        name = att["name"]
        at = f"{prefix}{name}."
        for i, conv in enumerate(source._att_convs[name]):
            if conv.weights:
                copied += copy(conv, _shared(target, f"{at}tower.{i}", conv.name), conv.name)
        for li, level in enumerate(range(cfg["min_level"], cfg["max_level"] + 1)):
            for i, norm in enumerate(source._att_norms[name][li]):
                if norm.weights:
                    ours = f"{at}tower[{level}].{i}.bn"
                    copied += copy(norm, _layer(target, ours, f"`{norm.name}`"), ours)
        final = source._att_predictors[name]
        copied += copy(final, _shared(target, f"{at}attribute", final.name), final.name)
    return copied


def _transfer_towers(source: Any, target: Any, prefix: str, cfg: dict) -> int:
    shared = cfg.get("share_level_convs", True)
    member = "sepconv" if cfg.get("use_separable_conv") else "conv"  # the chain's node is named after its op
    levels = range(cfg["min_level"], cfg["max_level"] + 1)
    copied = 0
    towers = (("classnet", "scores", source._cls_convs, source._cls_norms, source._classifier),
              ("boxnet", "boxes", source._box_convs, source._box_norms, source._box_regressor))
    for net, predictor, convs, norms, final in towers:
        if not shared:  # `<net>-conv_<level>_i` and `<predictor>-<level>` are per-level nodes
            for li, level in enumerate(levels):
                for i, conv in enumerate(convs[li]):
                    ours = f"{prefix}{net}[{level}].{i}.{member}"
                    copied += copy(conv, _layer(target, ours, f"`{conv.name}`"), ours)
                ours = f"{prefix}{predictor}[{level}]"
                copied += copy(final[li], _layer(target, ours, f"`{final[li].name}`"), ours)
        for i, conv in enumerate(convs if shared else ()):
            copied += copy(conv, _shared(target, f"{prefix}{net}.{i}", conv.name), conv.name)
        for li, level in enumerate(levels):
            for i, norm in enumerate(norms[li]):
                ours = f"{prefix}{net}[{level}].{i}.bn"
                copied += copy(norm, _layer(target, ours, f"`{norm.name}`"), ours)
        if shared:
            copied += copy(final, _shared(target, f"{prefix}{predictor}", final.name), final.name)
    return copied


def transfer_rpn_head(source: Any, target: Any, prefix: str = "") -> int:
    """RPNHead (regular or separable convs: one layer per conv either way): shared `rpn-conv_i`
    and predictors, per-level norms; build it first."""
    cfg = source.get_config()
    if not source.built:
        raise fail("the RPNHead is not built yet: call it once first")
    copied = 0
    for i, conv in enumerate(source._convs):
        copied += copy(conv, _shared(target, f"{prefix}rpn.{i}", conv.name), conv.name)
    for li, level in enumerate(range(cfg["min_level"], cfg["max_level"] + 1)):
        for i, norm in enumerate(source._norms[li]):
            ours = f"{prefix}rpn[{level}].{i}.bn"
            copied += copy(norm, _layer(target, ours, f"`{norm.name}`"), ours)
    for final, group in ((source._classifier, "scores"), (source._box_regressor, "boxes")):
        copied += copy(final, _shared(target, prefix + group, final.name), final.name)
    return copied


def transfer_segmentation_head(source: Any, target: Any, prefix: str = "") -> int:
    """SegmentationHead (no fusion, deeplabv3plus, pyramid_fusion (no weights of its own) or
    panoptic_fpn_fusion, regular or depthwise convs); build it (call it) first. With `use_depthwise_convolution`
    Model Garden interleaves its lists (depthwise 0, conv 0, depthwise 1, ...), which pair with
    the spec's `dw_tower.<i>.conv`/`.bn` and `dw_tower.<i>.conv_2`/`.bn_2`."""
    cfg = source.get_config()
    fusion = cfg.get("feature_fusion")
    if fusion not in (None, "deeplabv3plus", "pyramid_fusion", "panoptic_fpn_fusion"):
        raise fail(f"only SegmentationHead with feature_fusion None, 'deeplabv3plus', 'pyramid_fusion' or "
                   f"'panoptic_fpn_fusion' is supported, not {fusion!r}")
    if not source.built:
        raise fail("the SegmentationHead is not built yet: call the model once first")
    if cfg.get("use_depthwise_convolution"):
        members = [(f"dw_tower.{i // 2}.conv{'_2' if i % 2 else ''}", f"dw_tower.{i // 2}.bn{'_2' if i % 2 else ''}")
                   for i in range(len(source._convs))]
    else:
        members = [(f"tower.{i}.conv", f"tower.{i}.bn") for i in range(len(source._convs))]
    pairs = [(conv, c) for conv, (c, _) in zip(source._convs, members)]
    pairs += [(norm, b) for norm, (_, b) in zip(source._norms, members)]
    if fusion == "deeplabv3plus":
        pairs += [(source._dlv3p_conv, "fusion.conv"), (source._dlv3p_norm, "fusion.bn")]
    pairs.append((source._classifier, "logits"))
    fused = 0
    if fusion == "panoptic_fpn_fusion":
        fused = transfer_auto(source._panoptic_fpn_fusion, target, prefix + "panoptic[")
    return fused + sum(copy(layer, _layer(target, prefix + ours, f"`{layer.name}`"), prefix + ours)
                       for layer, ours in pairs)
