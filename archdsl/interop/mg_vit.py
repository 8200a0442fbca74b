"""Copy the weights of a Model Garden VisionTransformer (official/vision/modeling/backbones/vit.py)
into an archdsl ViT, by structure.

Model Garden's model has one patch-embedding Conv2D, the class token layer (`cls`, only for the
`token` pooler) and one Encoder layer holding `_pos_embed`, `_encoder_layers[i]` (each with
`_attention_layer_norm`, `_attention_layer`, `_output_layer_norm`, `_intermediate_dense`,
`_output_dense`, `_layer_scale_attn`, `_layer_scale_mlp`) and `_norm`. archdsl's side is read from
the ops' expansions: each layer's `unit` (block kind, index, member) says which of those it is, so
nothing is paired by weight order or by parsing names. A count, missing layer or shape mismatch
raises `ArchError`. tf-models-official is not imported: the model object is enough.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from archdsl.interop.mg_auto import fail
from archdsl.lower.names import keras_name
from archdsl.ops.base import Layer
from archdsl.ops.registry import get_op
from archdsl.ops.rules import layers_of
from archdsl.passes.base import rule_context

__all__ = ["transfer_vit"]

_BLOCK = {"self_attention_layer_norm": "_attention_layer_norm", "self_attention": "_attention_layer",
          "output_layer_norm": "_output_layer_norm", "intermediate": "_intermediate_dense",
          "output": "_output_dense", "layer_scale_attn": "_layer_scale_attn", "layer_scale_mlp": "_layer_scale_mlp"}
_ENCODER = {"posembed_input": "_pos_embed", "norm": "_norm"}


def _weighted(arch: Any) -> Iterator[tuple[str, str, Layer | None]]:
    """(op, keras layer name, the expansion layer or None for a primitive node) of each weighted
    layer, in plan order."""
    g = arch.graph
    for name in g.topo_order():
        node = g.node(name)
        op = get_op(node.op)
        if op.composite:
            ins = tuple(arch.shapes[i] for i in g.inputs(name))
            for layer in layers_of(node.op, name, node.attrs, ins, rule_context(g, arch.shapes, name)):
                if get_op(layer.op).weighted:
                    yield layer.op, keras_name(layer.name), layer
        elif op.weighted:
            yield node.op, keras_name(name), None


def _source(ref: Any, op: str, layer: Layer | None) -> Any:
    if layer is None:
        if op == "patch_embed":
            convs = [m for m in ref.layers if type(m).__name__ == "Conv2D"]
            if len(convs) != 1:
                raise fail(f"expected one patch-embedding Conv2D, found {len(convs)}")
            return convs[0]
        if op == "cls_token":
            return next((m for m in ref.layers if hasattr(m, "cls")), None)
        raise fail(f"no Model Garden counterpart for a top-level `{op}`")
    encoder = next((m for m in ref.layers if hasattr(m, "_encoder_layers")), None)
    if encoder is None or layer.unit is None:
        raise fail(f"`{layer.name}` has no Model Garden encoder counterpart")
    kind, index, member = layer.unit
    if kind == "encoder":
        return getattr(encoder, _ENCODER[member])
    blocks = encoder._encoder_layers
    if index >= len(blocks):
        raise fail(f"archdsl has encoder block {index}, Model Garden only {len(blocks)}")
    return getattr(blocks[index], _BLOCK[member])


def transfer_vit(ref: Any, ours: Any, arch: Any) -> int:
    """Copy `ref`'s weights into `ours` (built from `arch`); returns the number of weights copied."""
    copied = 0
    for op, name, layer in _weighted(arch):
        dst = ours.get_layer(name)
        if not dst.weights:
            continue  # cls_token without the token pooler
        src = _source(ref, op, layer)
        if src is None or len(src.weights) != len(dst.weights):
            raise fail(f"`{name}`: Model Garden's layer has {0 if src is None else len(src.weights)} weights, "
                       f"archdsl's {len(dst.weights)}")
        values = src.get_weights()
        for w, v in zip(dst.weights, values):
            if tuple(w.shape) != v.shape:
                raise fail(f"`{name}` weight {w.name}: shape {tuple(w.shape)} vs Model Garden's {v.shape}")
        dst.set_weights(values)
        copied += len(values)
    if copied != len(ref.weights):
        raise fail(f"copied {copied} of Model Garden's {len(ref.weights)} weights")
    return copied
