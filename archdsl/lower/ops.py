"""The registry of per-op lowering functions: one function per primitive IR op.

Each builder takes the step's attrs and the Keras layer name and returns a Keras layer (or None
for ops whose lowering is a rearrangement of the inputs only). The driver (`keras.py`) calls the
layer on the input tensors, reusing one layer per weight-sharing group. Settings mirror Model
Garden: 'same' padding everywhere, no bias unless asked, VarianceScaling kernels, BN
momentum/epsilon from the spec and `synchronized=True` for sync batch norm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tf_keras

from archdsl.ir import nodes as n
from archdsl.lower.layers import BilinearResize, DropPath, GlobalAttention, NearestUpsampling

Builder = Callable[[Any, str], tf_keras.layers.Layer]

# Model Garden passes the string 'VarianceScaling' (scale 1, fan_in, truncated normal).
_INITIALIZERS = {"variance_scaling": "VarianceScaling", "he_normal": "he_normal",
                 "glorot_uniform": "glorot_uniform", "zeros": "zeros"}


def initializer(name: str) -> Any:
    """A tf-keras initializer for a spec's `init=` string (ValueError when unknown)."""
    if name.startswith("normal(") and name.endswith(")"):  # normal(0.01): RetinaNet head towers
        return tf_keras.initializers.RandomNormal(stddev=float(name[7:-1]))
    try:
        return tf_keras.initializers.get(_INITIALIZERS.get(name, name))
    except ValueError:
        raise ValueError(f"unknown initializer {name!r}; expected one of {', '.join(_INITIALIZERS)}") from None


def conv(a: n.ConvAttrs, name: str) -> tf_keras.layers.Layer:
    common = dict(kernel_size=a.kernel, strides=a.stride, padding="same", use_bias=a.bias,
                  bias_initializer=tf_keras.initializers.Constant(a.bias_init), name=name)
    if a.depthwise:
        return tf_keras.layers.DepthwiseConv2D(depthwise_initializer=initializer(a.kernel_init), **common)
    return tf_keras.layers.Conv2D(a.filters, groups=a.groups, kernel_initializer=initializer(a.kernel_init),
                                  **common)


def bn(a: n.BatchNormAttrs, name: str) -> tf_keras.layers.Layer:
    return tf_keras.layers.BatchNormalization(axis=-1, momentum=a.momentum, epsilon=a.epsilon,
                                              synchronized=a.sync, name=name)


def act(a: n.ActAttrs, name: str) -> tf_keras.layers.Layer:
    if a.fn == "relu6":  # not a tf-keras activation string
        return tf_keras.layers.ReLU(max_value=6.0, name=name)
    return tf_keras.layers.Activation(a.fn, name=name)


def maxpool(a: n.PoolAttrs, name: str) -> tf_keras.layers.Layer:
    return tf_keras.layers.MaxPool2D(pool_size=a.size, strides=a.stride, padding="same", name=name)


def upsample(a: n.UpsampleAttrs, name: str) -> tf_keras.layers.Layer:
    # Reshape + tile as Model Garden does: same values as UpSampling2D(nearest), but its gradient
    # compiles under XLA (ResizeNearestNeighborGrad has no XLA CPU kernel).
    return NearestUpsampling(a.factor, name=name)


def resize(a: n.ResizeAttrs, name: str) -> tf_keras.layers.Layer:
    return BilinearResize(a.factor, name=name)


def add(a: n.NoAttrs, name: str) -> tf_keras.layers.Layer:
    return tf_keras.layers.Add(name=name)


def concat(a: n.NoAttrs, name: str) -> tf_keras.layers.Layer:
    return tf_keras.layers.Concatenate(axis=-1, name=name)


def attention(a: n.NoAttrs, name: str) -> tf_keras.layers.Layer:
    return GlobalAttention(name=name)


def global_pool(a: n.NoAttrs, name: str) -> tf_keras.layers.Layer:
    return tf_keras.layers.GlobalAveragePooling2D(keepdims=True, name=name)


def identity(a: n.NoAttrs, name: str) -> tf_keras.layers.Layer:
    return tf_keras.layers.Identity(name=name)


def drop_path(a: n.DropAttrs, name: str) -> tf_keras.layers.Layer:
    return DropPath(a.rate, name=name)


LOWERINGS: dict[n.Op, Builder] = {
    n.Op.CONV: conv, n.Op.BN: bn, n.Op.ACT: act, n.Op.MAXPOOL: maxpool, n.Op.UPSAMPLE: upsample,
    n.Op.RESIZE: resize, n.Op.ADD: add, n.Op.CONCAT: concat, n.Op.ATTENTION: attention,
    n.Op.GLOBAL_POOL: global_pool, n.Op.IDENTITY: identity, n.Op.DROP_PATH: drop_path,
}
