"""The few Keras layers archdsl needs that tf-keras does not ship: stochastic depth (Model
Garden's formula), nearest upsampling by reshape + tile (Model Garden's `nearest_upsampling`,
whose gradient XLA compiles, unlike `UpSampling2D`'s resize op), bilinear resizing (the
segmentation head's `tf.image.resize`), NAS-FPN's global attention and Model Garden's hard
activations, plus `ArchModel`, the
class of every model archdsl builds. All are registered as serializable under the `archdsl`
package. A `.keras` file names `ArchModel` and this module, so plain `tf_keras.models.load_model`
imports this module first, which registers the layers before tf-keras looks them up (tf-keras
reads an unregistered layer's class name as a string and fails with "'str' object is not
callable"): no `custom_objects`, no `import archdsl` needed.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
import tf_keras


@tf_keras.utils.register_keras_serializable(package="archdsl")
class DropPath(tf_keras.layers.Layer):
    """Stochastic depth (`nn_layers.StochasticDepth`): in training, drop the whole residual branch
    of a sample with probability `rate` and scale survivors by 1/keep; identity in inference."""

    def __init__(self, rate: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.rate = float(rate)

    def call(self, inputs: tf.Tensor, training: bool | None = None) -> tf.Tensor:
        if training is None:
            training = tf_keras.backend.learning_phase()
        if not training or self.rate == 0.0:
            return inputs
        keep = 1.0 - self.rate
        # Same draw as Model Garden: floor(keep + U[0,1)) per sample, broadcast over H, W, C.
        shape = [tf.shape(inputs)[0]] + [1] * (inputs.shape.rank - 1)
        mask = tf.floor(keep + tf.random.uniform(shape, dtype=inputs.dtype))
        return tf.math.divide(inputs, keep) * mask

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate}


@tf_keras.utils.register_keras_serializable(package="archdsl")
class GlobalAttention(tf_keras.layers.Layer):
    """NAS-FPN attention combine: coarse + fine * sigmoid(max over H, W of coarse).
    Called as layer([coarse, fine])."""

    def call(self, inputs: list[tf.Tensor]) -> tf.Tensor:
        coarse, fine = inputs
        gate = tf.sigmoid(tf.reduce_max(coarse, axis=[1, 2], keepdims=True))
        return coarse + fine * gate


@tf_keras.utils.register_keras_serializable(package="archdsl")
class NearestUpsampling(tf_keras.layers.Layer):
    """Copy each pixel into a `factor` x `factor` patch (`spatial_transform_ops.nearest_upsampling`)."""

    def __init__(self, factor: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        s, c = tf.shape(inputs), inputs.shape[-1]
        h, w = s[1], s[2]
        x = tf.tile(tf.reshape(inputs, [-1, h, 1, w, 1, c]), [1, 1, self.factor, 1, self.factor, 1])
        return tf.reshape(x, [-1, h * self.factor, w * self.factor, c])

    def compute_output_shape(self, input_shape: Any) -> Any:
        b, h, w, c = tf.TensorShape(input_shape).as_list()
        return tf.TensorShape([b, None if h is None else h * self.factor,
                               None if w is None else w * self.factor, c])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


@tf_keras.utils.register_keras_serializable(package="archdsl")
class BilinearResize(tf_keras.layers.Layer):
    """Bilinear upsampling by `factor` with `tf.image.resize` (half-pixel centers), the call
    Model Garden's SegmentationHead makes to bring the decoder feature to the low-level size."""

    def __init__(self, factor: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        h, w = inputs.shape[1], inputs.shape[2]  # static where known, so shapes stay known
        size = [h * self.factor, w * self.factor] if h and w else tf.shape(inputs)[1:3] * self.factor
        return tf.cast(tf.image.resize(inputs, size, method=tf.image.ResizeMethod.BILINEAR), inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return NearestUpsampling.compute_output_shape(self, input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


@tf_keras.utils.register_keras_serializable(package="archdsl")
class HardActivation(tf_keras.layers.Layer):
    """Model Garden's `hard_sigmoid` (relu6(x + 3) * 0.16667) and `hard_swish`
    (x * relu6(x + 3) * (1 / 6)), written in its operation order so outputs agree bit for bit."""

    def __init__(self, fn: str, **kwargs: Any):
        super().__init__(**kwargs)
        if fn not in ("hard_sigmoid", "hard_swish"):
            raise ValueError(f"HardActivation: unknown function {fn!r}")
        self.fn = fn

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        if self.fn == "hard_sigmoid":
            return tf.nn.relu6(inputs + tf.cast(3.0, inputs.dtype)) * 0.16667
        return inputs * tf.nn.relu6(inputs + tf.cast(3.0, inputs.dtype)) * (1.0 / 6.0)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fn": self.fn}


@tf_keras.utils.register_keras_serializable(package="archdsl")
class ArchModel(tf_keras.Model):
    """A tf-keras functional model built by archdsl: a `Functional` in every respect. It exists
    so a saved model's config names this module (see the module docstring)."""

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Any:
        from archdsl.ops.registry import all_ops

        list(all_ops())  # loads plug-in ops (entry points), whose modules register their own layers
        return super().from_config(config, custom_objects)


@tf_keras.utils.register_keras_serializable(package="archdsl")
class ResizeTo(tf_keras.layers.Layer):
    """Bilinear `tf.image.resize` of the first input to the second's height and width, in float32
    and cast back: Model Garden's ASPP image-pooling branch and its heads' fusions do exactly this."""

    def call(self, inputs: list[tf.Tensor]) -> tf.Tensor:
        x, ref = inputs
        h, w = ref.shape[1], ref.shape[2]
        size = [h, w] if h and w else tf.shape(ref)[1:3]
        return tf.cast(tf.image.resize(tf.cast(x, tf.float32), size), x.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        x, ref = input_shape
        return tf.TensorShape([x[0], ref[1], ref[2], x[3]])


@tf_keras.utils.register_keras_serializable(package="archdsl")
class ResizeFixed(tf_keras.layers.Layer):
    """Bilinear `tf.image.resize` to a fixed height and width, in float32 and cast back: Model
    Garden's MaskScoring head brings its feature to `fc_input_size` so."""

    def __init__(self, height: int, width: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.size = (int(height), int(width))

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return tf.cast(tf.image.resize(tf.cast(inputs, tf.float32), self.size), inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        b, _, _, c = tf.TensorShape(input_shape).as_list()
        return tf.TensorShape([b, *self.size, c])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.size[0], "width": self.size[1]}


@tf_keras.utils.register_keras_serializable(package="archdsl")
class FlattenMap(tf_keras.layers.Layer):
    """A feature map flattened row-major to [batch, 1, 1, h * w * c] (Model Garden's
    `tf.reshape(x, [-1, h * w * filters])`, kept 4-D as archdsl's vectors are)."""

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        _, h, w, c = inputs.shape.as_list()
        return tf.reshape(inputs, [-1, 1, 1, h * w * c])


@tf_keras.utils.register_keras_serializable(package="archdsl")
class StopGradient(tf_keras.layers.Layer):
    """The identity forward, no gradient backward (`tf.stop_gradient`): a head that scores
    another head's output without training it (MaskScoring)."""

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return tf.stop_gradient(inputs)
