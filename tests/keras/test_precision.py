"""Mixed precision: half-precision compute with float32 outputs, and a training step under it."""

from __future__ import annotations

import archdsl
import numpy as np
import pytest

pytestmark = pytest.mark.keras
import tf_keras

from archdsl.lower.keras import to_keras  # noqa: E402

RETINANET = ("specs/retinanet_spinenet49.arch", {"input_size": 128, "filter_scale": 0.25, "endpoint_filters": 32,
                                                 "head_filters": 32, "head_convs": 1, "num_classes": 3})


@pytest.fixture(autouse=True)
def _fresh_session():
    yield
    tf_keras.backend.clear_session()


@pytest.mark.parametrize("policy,half", [("mixed_float16", "float16"), ("mixed_bfloat16", "bfloat16")])
def test_half_precision_inside_float32_at_the_outputs(policy, half):
    arch = archdsl.load(*RETINANET)
    model = to_keras(arch, policy=policy)
    assert tf_keras.mixed_precision.global_policy().name == "float32"  # restored after building
    out_layers = {t._keras_history.layer for t in model.outputs}
    assert out_layers and all(layer.compute_dtype == "float32" for layer in out_layers)
    inner = [layer for layer in model.layers if layer.weights and layer not in out_layers]
    assert inner and all(layer.compute_dtype == half and layer.variable_dtype == "float32" for layer in inner)
    x = np.random.default_rng(0).normal(size=(1, 128, 128, 3)).astype("float32")
    y = model(x, training=False)
    assert all(t.dtype == "float32" for level in y.values() for t in level.values())


def test_a_training_step_runs_under_mixed_float16():
    tf_keras.utils.set_random_seed(0)  # the initial weights decide how many steps the scale needs
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": 128, "filter_scale": 0.25, "endpoint_filters": 32})
    model = to_keras(arch, policy="mixed_float16")
    model.compile(optimizer=tf_keras.optimizers.SGD(0.01), loss="mse")
    assert isinstance(model.optimizer, tf_keras.mixed_precision.LossScaleOptimizer)  # Keras adds loss scaling
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 128, 128, 3)).astype("float32")
    y = {k: rng.normal(size=(2, *t.shape[1:])).astype("float32") for k, t in model.output.items()}
    before = [w.numpy().copy() for w in model.trainable_weights[:3]]
    # Dynamic loss scaling skips a step whose scaled gradients overflow float16 and halves the
    # scale; within a few steps the scale fits and the weights move (this net needs 10-13 of the
    # 32 halvings from 2**15 down to 2**-16, depending on its initial weights).
    for _ in range(32):
        loss = model.train_on_batch(x, y, return_dict=True)["loss"]
        if any(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights[:3])):
            break
    assert np.isfinite(loss)
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights[:3]))
