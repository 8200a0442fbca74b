"""Copy weights of Model Garden's segmentation decoder `ASPP` (layers/deeplab.py's
SpatialPyramidPooling, v1) and head `MaskScoring` into an archdsl model built from
`specs/aspp.arch` and `specs/mask_scoring.arch`, by structure.

Model Garden keeps the branches as `Sequential`s in `aspp_layers`: the 1x1 branch, one per
dilation rate (a depthwise conv first with `use_depthwise_convolution`), and the pooling branch
(global pool, reshape, then a `Sequential` of conv, BN, act), and the `projection`. They pair with
the spec's `conv1x1`, `atrous<i>`, `pool` and `projection` nodes (`.conv`, `.bn`), under the
decoder's prefix. Build the ASPP (call the model once) first. MaskScoring's `_convs`/`_conv_norms`
are the spec's `convs.<i>.conv`/`.bn` (depthwise: interleaved, `dw_convs.<i>.conv`, `.bn`,
`.conv_2`, `.bn_2`), its `_fcs`/`_fc_norms` `fcs.<i>.dense`/`.bn` and `iou-scores` is `scores`.
"""

from __future__ import annotations

from typing import Any

from archdsl.interop.mg_auto import copy_to, fail


def _weighted(seq: Any) -> list[Any]:
    """The weighted layers of a (nested) Sequential, in order."""
    out: list[Any] = []
    for layer in seq.layers:
        if hasattr(layer, "layers"):
            out += _weighted(layer)
        elif layer.weights:
            out.append(layer)
    return out


def transfer_aspp(source: Any, target: Any, prefix: str = "") -> int:
    cfg = source.get_config()
    if cfg.get("spp_layer_version", "v1") != "v1" or cfg.get("use_depthwise_convolution"):
        raise fail("only ASPP with spp_layer_version 'v1' and regular convs is supported")
    spp = getattr(source, "aspp", None)
    if spp is None or not spp.built:
        raise fail("the ASPP is not built yet: call the model once first")
    rates = len(cfg["dilation_rates"])
    names = ["conv1x1"] + [f"atrous{i + 1}" for i in range(rates)] + ["pool"]
    branches = list(spp.aspp_layers) + [spp.projection]
    pairs: list[tuple[Any, str]] = []
    for node, branch in zip(names + ["projection"], branches):
        conv, norm = _weighted(branch)
        pairs += [(conv, f"{node}.conv"), (norm, f"{node}.bn")]
    return copy_pairs(pairs, target, prefix)


def copy_pairs(pairs: list[tuple[Any, str]], target: Any, prefix: str) -> int:
    """Copy each (Model Garden layer, IR node under `prefix`) pair; the number of tensors copied."""
    return sum(copy_to(layer, target, prefix + ours) for layer, ours in pairs)


def transfer_mask_scoring(source: Any, target: Any, prefix: str = "") -> int:
    """MaskScoring (regular or depthwise convs); build it (call it) first."""
    if not source.built:
        raise fail("the MaskScoring head is not built yet: call it once first")
    if source.get_config().get("use_depthwise_convolution"):
        members = [(f"dw_convs.{i // 2}.conv{'_2' if i % 2 else ''}", f"dw_convs.{i // 2}.bn{'_2' if i % 2 else ''}")
                   for i in range(len(source._convs))]
    else:
        members = [(f"convs.{i}.conv", f"convs.{i}.bn") for i in range(len(source._convs))]
    pairs = [(conv, c) for conv, (c, _) in zip(source._convs, members)]
    pairs += [(norm, b) for norm, (_, b) in zip(source._conv_norms, members)]
    pairs += [(fc, f"fcs.{i}.dense") for i, fc in enumerate(source._fcs)]
    pairs += [(norm, f"fcs.{i}.bn") for i, norm in enumerate(source._fc_norms)]
    pairs.append((source._classifier, "scores"))
    return copy_pairs(pairs, target, prefix)
