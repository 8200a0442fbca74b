"""The Keras layers of the ViT ops (archdsl/ops/tokens.py, transformer.py), holding the same
weights as Model Garden's (official/vision/modeling/backbones/vit.py): the patch embedding (a
'valid' Conv2D flattened to tokens), the class token (`cls`, zeros), the position embedding
(`pos_embedding`, normal(0.02), bilinearly resized when the grid differs from the one it was made
for), layer scale (`gamma`), self-attention (tf-keras MultiHeadAttention called on one sequence),
the poolers and the token/feature-map reshapes. Imported only when a model is lowered.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
import tf_keras

_serializable = tf_keras.utils.register_keras_serializable(package="archdsl")


@_serializable
class PatchEmbed(tf_keras.layers.Conv2D):
    """Conv2D(kernel = stride = patch, 'valid'), then [batch, grid h * grid w, width]."""

    def __init__(self, width: int, patch: int, init: str = "lecun_normal", **kwargs: Any):
        kwargs.pop("filters", None), kwargs.pop("kernel_size", None), kwargs.pop("strides", None)
        kwargs.pop("padding", None), kwargs.pop("kernel_initializer", None)
        super().__init__(filters=width, kernel_size=patch, strides=patch, padding="valid",
                         kernel_initializer=init, **kwargs)
        self.width, self.patch, self.init = width, patch, init

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        x = super().call(inputs)
        return tf.reshape(x, [-1, x.shape[1] * x.shape[2], self.width])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "width": self.width, "patch": self.patch, "init": self.init}


@_serializable
class ClassToken(tf_keras.layers.Layer):
    """Prepends the learned class token (vit.TokenLayer)."""

    def build(self, input_shape: Any) -> None:
        self.cls = self.add_weight("cls", (1, 1, input_shape[-1]), initializer="zeros")

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        cls = tf.cast(self.cls, inputs.dtype) + tf.zeros_like(inputs[:, 0:1])
        return tf.concat([cls, inputs], axis=1)


@_serializable
class PositionEmbedding(tf_keras.layers.Layer):
    """Adds a learned embedding (vit.AddPositionEmbs): for the input's tokens, or for `origin`'s
    grid resized bilinearly (tf.image.resize) to `grid` when the lengths differ."""

    def __init__(self, grid: tuple[int, int], origin: tuple[int, int] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.grid = tuple(grid)
        self.origin = None if origin is None else tuple(origin)

    def build(self, input_shape: Any) -> None:
        length = self.origin[0] * self.origin[1] if self.origin else input_shape[1]
        self.pos_embedding = self.add_weight("pos_embedding", (1, length, input_shape[2]),
                                             initializer=tf_keras.initializers.RandomNormal(stddev=0.02))

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        emb = self.pos_embedding
        if inputs.shape[1] != emb.shape[1] and self.origin is not None:
            grid = tf.image.resize(tf.reshape(emb, [1, *self.origin, -1]), self.grid)
            emb = tf.reshape(grid, [1, self.grid[0] * self.grid[1], -1])
        return inputs + tf.cast(emb, inputs.dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "grid": self.grid, "origin": self.origin}


@_serializable
class LayerScale(tf_keras.layers.Layer):
    def __init__(self, init: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.init = float(init)

    def build(self, input_shape: Any) -> None:
        self.gamma = self.add_weight("gamma", (1, 1, input_shape[2]),
                                     initializer=tf_keras.initializers.Constant(self.init))

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return tf.cast(self.gamma, inputs.dtype) * inputs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "init": self.init}


@_serializable
class SelfAttention(tf_keras.layers.MultiHeadAttention):
    """MultiHeadAttention with query = value = key = the input; `key_dim` None means width // heads
    (Model Garden's), known when the layer first sees its input."""

    def __init__(self, num_heads: int, key_dim: int | None = None, **kwargs: Any):
        self.auto_key = not key_dim
        super().__init__(num_heads, key_dim or 1, **kwargs)

    def _build_from_signature(self, query: Any, value: Any, key: Any = None) -> None:
        if self.auto_key:
            width = (query.shape if hasattr(query, "shape") else tf.TensorShape(query))[-1]
            self._key_dim = self._value_dim = width // self._num_heads
        super()._build_from_signature(query, value, key)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if self.auto_key:
            config["key_dim"] = None
        return config

    def call(self, inputs: tf.Tensor, training: bool | None = None) -> tf.Tensor:
        return super().call(inputs, inputs, training=training)


@_serializable
class PoolTokens(tf_keras.layers.Layer):
    """token: the first token; gap: the mean of all tokens ([batch, 1, 1, width] both, as Model
    Garden's pre_logits); none: the tokens."""

    def __init__(self, pooler: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.pooler = pooler

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        if self.pooler == "none":
            return tf.identity(inputs)
        x = inputs[:, 0] if self.pooler == "token" else tf.reduce_mean(inputs, axis=1)
        return tf.reshape(x, [-1, 1, 1, inputs.shape[-1]])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pooler": self.pooler}


@_serializable
class TokensToMap(tf_keras.layers.Layer):
    """The grid tokens (after `extra` leading tokens) as a [batch, h, w, width] feature map."""

    def __init__(self, height: int, width: int, extra: int = 0, **kwargs: Any):
        super().__init__(**kwargs)
        self.h, self.w, self.extra = height, width, extra

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return tf.reshape(inputs[:, self.extra:], [-1, self.h, self.w, inputs.shape[-1]])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.h, "width": self.w, "extra": self.extra}


@_serializable
class MapToTokens(tf_keras.layers.Layer):
    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return tf.reshape(inputs, [-1, inputs.shape[1] * inputs.shape[2], inputs.shape[3]])


@tf_keras.utils.register_keras_serializable(package="archdsl", name="gelu_tanh")
def _gelu(x: tf.Tensor) -> tf.Tensor:
    return tf_keras.activations.gelu(x, approximate=True)  # Model Garden's activations.gelu


def build(kind: str, a: Any, name: str) -> Any:
    """The Keras layer of a transformer op's attrs."""
    L = tf_keras.layers
    if kind == "layer_norm":
        return L.LayerNormalization(axis=-1, epsilon=a.epsilon, name=name)
    if kind == "self_attention":
        return SelfAttention(a.heads, a.key_dim, dropout=a.dropout, kernel_initializer="glorot_uniform",
                             name=name)
    if kind == "dense":
        acts = {"linear": None, "gelu": _gelu, "gelu_exact": "gelu", "tanh": "tanh", "relu": "relu"}
        from archdsl.ops.conv import initializer

        return L.Dense(a.units, activation=acts[a.act], kernel_initializer=initializer(a.init), name=name)
    if kind == "dropout":
        return L.Dropout(a.rate, name=name)
    if kind == "layer_scale":
        return LayerScale(a.init, name=name)
    if kind == "pos_embed":
        return PositionEmbedding(a.grid, a.origin, name=name)
    raise ValueError(f"no Keras layer for {kind!r}")
