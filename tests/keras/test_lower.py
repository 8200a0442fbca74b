"""Lowering to tf-keras: per-level shapes and params equal what the front end computed (no TF),
layer names follow IR names, weight sharing builds one layer, and lowering errors point at the
spec line."""

from __future__ import annotations

import numpy as np
import pytest

import archdsl
from archdsl.lower import ir_name, keras_name
from tests.conftest import SPECS

pytestmark = pytest.mark.keras
import tf_keras


@pytest.fixture(autouse=True)
def _fresh_session():
    yield
    tf_keras.backend.clear_session()


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_params_and_shapes_match_the_front_end(spec):
    # ViTs: one encoder block at 224 (a multiple of every patch size; ViT-H's 630 M params would
    # cost minutes here, and tests/parity builds the real ones)
    overrides = {"input_size": 224, "num_layers": 1} if spec.stem.startswith("vit") else {"input_size": 256}
    arch = archdsl.load(spec, overrides)
    model = arch.to_keras()
    assert model.count_params() == arch.params
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == arch.trainable_params
    assert _shapes(model.output) == arch.outputs


def _shapes(tree):
    """Output shapes without the batch, nested like the outputs (records: scores -> level)."""
    return {k: _shapes(v) if isinstance(v, dict) else tuple(v.shape[1:]) for k, v in tree.items()}


def test_output_is_a_level_keyed_dict_and_runs():
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": 128})
    model = arch.to_keras(batch_size=2)
    out = model(np.random.rand(2, 128, 128, 3).astype("float32"), training=False)
    assert sorted(out) == ["3", "4", "5", "6", "7"]
    assert tuple(out["3"].shape) == (2, 16, 16, 128)


def test_layer_names_come_from_ir_names():
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": 128})
    names = {layer.name for layer in arch.to_keras().layers}
    assert {"stem.conv", "b3.0.conv1", "b3.in0.alpha_conv", "b13.add", "endpoint-3"} <= names
    assert all(keras_name(ir_name(n)) == n for n in names)
    assert ir_name("endpoint-3.bn") == "endpoint[3].bn"


def test_stochastic_depth_is_training_only():
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": 128, "drop_rate": 0.5})
    model = arch.to_keras()
    assert any(type(layer).__name__ == "DropPath" for layer in model.layers)
    x = np.random.rand(4, 128, 128, 3).astype("float32")
    a, b = model(x, training=False), model(x, training=False)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_weight_sharing_uses_one_layer(tmp_path):
    spec = tmp_path / "shared.arch"
    spec.write_text(
        "arch shared(input_size = 32) {\n"
        "  input image: [input_size, input_size, 3]\n"
        "  a = conv 3x3 8 share=k -> act relu <- image\n"
        "  b = conv 3x3 8 share=k <- image\n"
        "  c = add <- a, b\n"
        "  return c\n"
        "}\n")
    arch = archdsl.load(spec)
    model = arch.to_keras()
    assert model.count_params() == arch.params == 3 * 3 * 3 * 8


def test_lowering_error_points_at_the_spec_line(tmp_path):
    spec = tmp_path / "bad.arch"
    spec.write_text(
        "arch tiny(input_size = 32) {\n"
        "  input image: [input_size, input_size, 3]\n"
        "  a = conv 3x3 8 init=bogus -> bn -> act relu <- image\n"
        "  return a\n"
        "}\n")
    with pytest.raises(archdsl.ArchError) as info:
        archdsl.load(spec).to_keras()
    text = str(info.value)
    assert "unknown initializer 'bogus'" in text and "bad.arch:3:" in text
