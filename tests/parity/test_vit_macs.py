"""ViT MACs against Model Garden's traced graph: build VisionTransformer at 224 (vit-ti16, vit-b16),
trace its inference graph and count the multiply-adds of every Conv2D (output elements x kernel
area x input channels), MatMul, BatchMatMul and Einsum (the product of every index's size, i.e.
one multiply-add per point of the contraction). archdsl's count (`check`, no TensorFlow) follows
the convention in docs/ops.md and must agree within 0.5%.
"""

from __future__ import annotations

import math

import pytest
import tensorflow as tf
import tf_keras
from official.vision.modeling.backbones import vit
from official.vision.modeling.backbones.vit_specs import VIT_SPECS

import archdsl

pytestmark = pytest.mark.parity


def _einsum(op) -> int:
    sizes: dict[str, int] = {}
    inputs = op.get_attr("equation").decode().split("->")[0].split(",")
    for letters, tensor in zip(inputs, op.inputs):
        sizes.update(zip(letters, tensor.shape.as_list()))
    return math.prod(sizes.values())


def traced_macs(model, size: int) -> int:
    graph = tf.function(lambda x: model(x, training=False)).get_concrete_function(
        tf.TensorSpec([1, size, size, 3])).graph
    total = 0
    for op in graph.get_operations():
        if op.type == "Conv2D":
            kh, kw, cin, _ = op.inputs[1].shape.as_list()
            total += math.prod(op.outputs[0].shape.as_list()) * kh * kw * cin
        elif op.type in ("MatMul", "BatchMatMulV2"):
            a, b = op.inputs[0].shape.as_list(), op.outputs[0].shape.as_list()
            total += math.prod(b) * (a[-2] if op.get_attr("adj_x" if op.type != "MatMul" else "transpose_a")
                                     else a[-1])
        elif op.type == "Einsum":
            total += _einsum(op)
    return total


@pytest.mark.parametrize("variant", ["ti16", "b16"])
def test_macs_match_model_gardens_graph(variant):
    tf_keras.backend.clear_session()
    s = VIT_SPECS[f"vit-{variant}"]
    t = s["transformer"]
    ref = vit.VisionTransformer(mlp_dim=t["mlp_dim"], num_heads=t["num_heads"], num_layers=t["num_layers"],
                                hidden_size=s["hidden_size"], patch_size=s["patch_size"],
                                input_specs=tf_keras.layers.InputSpec(shape=[None, 224, 224, 3]))
    want = traced_macs(ref, 224)
    got = archdsl.load(f"specs/vit_{variant}.arch").macs
    print(f"vit-{variant}@224: Model Garden graph {want:,} MACs, archdsl {got:,} ({got / want - 1:+.4%})")
    assert abs(got / want - 1) <= 0.005
