"""Copy weights of a Model Garden model whose layers are auto-named (SpineNet, ResNet, NAS-FPN)
into the part of an archdsl model under a name prefix, by structure.

Model Garden names its top-level layers by creation order (`conv2d_k`, `batch_normalization_k`,
`bottleneck_block_k`, `residual_block_k`, `inverted_bottleneck_block_k`; reference §3.1), and
`model.layers`/`model.weights` are depth-sorted, not creation-ordered (§3.2), so neither side is
matched by weight order. Each Model Garden class is sorted by its auto-name index and paired with
archdsl's weighted units of the same kind in plan order (`archdsl.lower.plan.weighted_units`);
inside a block, Model Garden's `_shortcut` (ResNet-D: `_shortcut1`), `_norm0, _conv1, ...` pair with
archdsl's `.shortcut, .norm0, .conv1, ...`, and a nested layer's members by their attribute path
(`_squeeze_excitation._se_reduce`). The first difference (count, missing or extra layer, shape)
raises `ArchError`. tf-models-official is not imported: only the Model Garden model object is needed.
"""

from __future__ import annotations

import re
from typing import Any

from archdsl.diagnostics import ArchError, error
from archdsl.lower.names import keras_name

__all__ = ["copy", "copy_to", "fail", "transfer_auto"]

_AUTO = re.compile(r"^(conv2d|depthwise_conv2d|batch_normalization|sync_batch_normalization|bottleneck_block|"
                   r"residual_block|inverted_bottleneck_block|squeeze_excitation|conv2dbn_block|"
                   r"group_normalization)(?:_(\d+))?$")
_KIND = {"conv2d": "conv", "depthwise_conv2d": "dwconv", "batch_normalization": "bn",
         "sync_batch_normalization": "bn",
         "bottleneck_block": "bottleneck", "residual_block": "residual", "inverted_bottleneck_block": "mbconv",
         "squeeze_excitation": "squeeze_excitation", "conv2dbn_block": "conv_bn", "group_normalization": "group_norm"}
_KINDS = ("conv", "dwconv", "bn", "bottleneck", "residual", "mbconv", "squeeze_excitation", "conv_bn", "group_norm")
# A block's weighted members as attribute paths of Model Garden's layer (`_squeeze_excitation._se_reduce`).
_SUBS = ("shortcut", "shortcut1", "norm0", "conv0", "conv1", "norm1", "squeeze_excitation.se_reduce",
         "squeeze_excitation.se_expand", "conv2", "norm2", "conv3", "norm3", "se_reduce", "se_expand")


def fail(message: str) -> ArchError:
    return ArchError(error(f"weight transfer from Model Garden: {message}"))


_fail = fail


def copy(src: Any, dst: Any, where: str) -> int:
    return _copy(src, dst, where)


def copy_to(src: Any, target: Any, ours: str, what: str = "") -> int:
    """Copy Model Garden layer `src` into the layer of archdsl model `target` built for IR node
    `ours`; a target without that layer is a transfer error naming both."""
    try:
        dst = target.get_layer(keras_name(ours))
    except ValueError:
        raise _fail(f"archdsl has no layer `{ours}` for Model Garden's {what or f'`{src.name}`'}") from None
    return _copy(src, dst, ours)


def _source_units(source: Any) -> dict[str, list[Any]]:
    """Model Garden's weighted top-level layers per kind, in creation order."""
    found: dict[str, list[tuple[int, Any]]] = {k: [] for k in _KINDS}
    for layer in source.layers:
        m = _AUTO.match(layer.name)
        if not m:
            if layer.weights:
                raise _fail(f"Model Garden layer `{layer.name}` has weights but no known role")
            continue
        found[_KIND[m.group(1)]].append((int(m.group(2) or 0), layer))
    return {k: [layer for _, layer in sorted(v, key=lambda t: t[0])] for k, v in found.items()}


def _target_units(target: Any, prefix: str) -> dict[str, list[Any]]:
    units = target.__dict__.get("_archdsl_units")
    if units is None:
        raise _fail("the target model was not built by archdsl (`Arch.to_keras` or `archdsl.load_model`)")
    out: dict[str, list[Any]] = {k: [] for k in _KINDS}
    for kind, names in units:
        first = names if isinstance(names, str) else next(iter(names.values()))
        if first.startswith(prefix):
            # Keras counts DepthwiseConv2D apart from Conv2D (`depthwise_conv2d_k`); so does this
            if kind == "conv" and type(target.get_layer(keras_name(first))).__name__ == "DepthwiseConv2D":
                kind = "dwconv"
            out[kind].append(names)
    return out


def _copy(src: Any, dst: Any, where: str) -> int:
    s, d = src.get_weights(), dst.get_weights()
    if len(s) != len(d):
        raise _fail(f"{where}: Model Garden `{src.name}` has {len(s)} weights, archdsl `{dst.name}` {len(d)}")
    for i, (a, b) in enumerate(zip(s, d)):
        if a.shape != b.shape:
            raise _fail(f"{where}: weight {i} of Model Garden `{src.name}` has shape {tuple(a.shape)}, "
                        f"archdsl `{dst.name}` has {tuple(b.shape)}")
    dst.set_weights(s)
    return len(s)


def transfer_auto(source: Any, target: Any, prefix: str = "") -> int:
    """Copy every weight of auto-named Model Garden model `source` into the layers of archdsl
    model `target` whose names start with `prefix`. Returns the number of tensors copied."""
    src, dst = _source_units(source), _target_units(target, prefix)
    copied = 0
    for kind in _KINDS:
        if len(src[kind]) != len(dst[kind]):
            raise _fail(f"Model Garden has {len(src[kind])} top-level {kind} layers, archdsl "
                        f"{len(dst[kind])}; the specs differ (check variant, levels and input size)")
        for i, (s, d) in enumerate(zip(src[kind], dst[kind])):
            where = f"{kind} #{i}"
            if isinstance(d, str):
                copied += _copy(s, target.get_layer(keras_name(d)), where)
                continue
            copied += _copy_block(s, d, target, where)
    return copied


def _copy_block(block: Any, subs: dict[str, str], target: Any, where: str) -> int:
    copied = 0
    for sub in _SUBS:
        inner: Any = block
        for part in sub.split("."):
            inner = getattr(inner, f"_{part}", None)
        if inner is None or not getattr(inner, "weights", None):
            if sub in subs:
                raise _fail(f"{where}: archdsl layer `{subs[sub]}` has no counterpart "
                            f"`_{sub}` in Model Garden `{block.name}`")
            continue
        if sub not in subs:
            raise _fail(f"{where}: Model Garden `{block.name}._{sub}` is missing from the archdsl block")
        copied += _copy(inner, target.get_layer(keras_name(subs[sub])), f"{where} ({sub})")
    return copied
