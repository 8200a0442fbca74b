"""Copy weights of Model Garden's segmentation decoder `ASPP` (layers/deeplab.py's
SpatialPyramidPooling, v1) into an archdsl model built from `specs/aspp.arch`, by structure.

Model Garden keeps the branches as `Sequential`s in `aspp_layers`: the 1x1 branch, one per
dilation rate (a depthwise conv first with `use_depthwise_convolution`), and the pooling branch
(global pool, reshape, then a `Sequential` of conv, BN, act), and the `projection`. They pair with
the spec's `conv1x1`, `atrous<i>`, `pool` and `projection` nodes (`.conv`, `.bn`), under the
decoder's prefix. Build the ASPP (call the model once) first.
"""

from __future__ import annotations

from typing import Any

from archdsl.interop.mg_auto import copy, fail
from archdsl.lower.names import keras_name


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
    copied = 0
    for node, branch in zip(names + ["projection"], branches):
        conv, norm = _weighted(branch)
        for layer, ours in ((conv, f"{prefix}{node}.conv"), (norm, f"{prefix}{node}.bn")):
            try:
                dst = target.get_layer(keras_name(ours))
            except ValueError:
                raise fail(f"archdsl has no layer `{ours}` for Model Garden's `{layer.name}`") from None
            copied += copy(layer, dst, ours)
    return copied
