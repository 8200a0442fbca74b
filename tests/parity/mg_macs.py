"""Multiply-adds of a Keras model counted from its traced TensorFlow graph: every Conv2D,
DepthwiseConv2dNative and MatMul op, at batch 1, from the shapes the trace infers (the convention
`archdsl check` follows: convolutions and dense layers; adds, activations, pooling and batch norm
are free).

A dilated conv traces as SpaceToBatchND -> Conv2D -> BatchToSpaceND: the conv runs on rate^2
sub-grids of the input padded up to a multiple of the rate, so its Conv2D's output is
[rate^2, ceil(h / rate), ceil(w / rate), c]. Counted as a layer it costs its output positions
(the BatchToSpaceND's cropped output) times its kernel, as any other conv; `atrous_padding=True`
counts the padded sub-grids instead (what this TensorFlow build computes)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def _conv_out(op, atrous_padding: bool) -> list[int]:
    out = op.outputs[0].shape.as_list()
    if atrous_padding:
        return out
    for consumer in op.outputs[0].consumers():
        if consumer.type == "BatchToSpaceND":  # a dilated conv: the layer's output, after the crop
            return consumer.outputs[0].shape.as_list()
    return out


def traced_macs(model, size: int, *, atrous_padding: bool = False) -> int:
    fn = tf.function(lambda x: model(x, training=False))
    graph = fn.get_concrete_function(tf.TensorSpec([1, size, size, 3], tf.float32)).graph
    total = 0
    for op in graph.get_operations():
        if op.type not in ("Conv2D", "DepthwiseConv2dNative", "MatMul"):
            continue
        out = op.outputs[0].shape.as_list() if op.type == "MatMul" else _conv_out(op, atrous_padding)
        kernel = op.inputs[1].shape.as_list()
        if op.type == "Conv2D":  # kernel [kh, kw, cin, cout]
            total += int(np.prod(out[0:3])) * int(np.prod(kernel))
        elif op.type == "DepthwiseConv2dNative":  # kernel [kh, kw, cin, multiplier]
            total += int(np.prod(out[0:3])) * int(np.prod(kernel))
        else:  # [m, k] x [k, n]
            total += int(out[0]) * int(kernel[0]) * int(out[1])
    return total
