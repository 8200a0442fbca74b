"""Multiply-adds of a Keras model counted from its traced TensorFlow graph: every Conv2D,
DepthwiseConv2dNative and MatMul op, at batch 1, from the shapes the trace infers (the convention
`archdsl check` follows: convolutions and dense layers; adds, activations, pooling and batch norm
are free)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def traced_macs(model, size: int) -> int:
    fn = tf.function(lambda x: model(x, training=False))
    graph = fn.get_concrete_function(tf.TensorSpec([1, size, size, 3], tf.float32)).graph
    total = 0
    for op in graph.get_operations():
        if op.type not in ("Conv2D", "DepthwiseConv2dNative", "MatMul"):
            continue
        out = op.outputs[0].shape.as_list()
        kernel = op.inputs[1].shape.as_list()
        if op.type == "Conv2D":  # kernel [kh, kw, cin, cout]
            total += int(np.prod(out[1:3])) * int(np.prod(kernel))
        elif op.type == "DepthwiseConv2dNative":  # kernel [kh, kw, cin, multiplier]
            total += int(np.prod(out[1:3])) * int(np.prod(kernel))
        else:  # [m, k] x [k, n]
            total += int(out[0]) * int(kernel[0]) * int(out[1])
    return total
