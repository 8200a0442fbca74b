"""The deployability table against the real TFLite converter, XLA and the GPU-delegate analyzer:
each row of `archdsl.deploy.support` is converted as a one-op model and its verdict asserted."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from archdsl.deploy.support import TARGETS, known_ops, support
from archdsl.ir import nodes as n

pytestmark = pytest.mark.keras
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

from archdsl.lower import tflite  # noqa: E402
from archdsl.ops.registry import get_op  # noqa: E402

# One-op models: every row of the table, attribute variants where the row depends on them.
CASES = [
    ("conv", n.ConvAttrs(8, 3, 1)), ("conv", n.ConvAttrs(8, 3, 2, bias=True)), ("conv", n.ConvAttrs(8, 3, 1, groups=2)),
    ("conv", n.ConvAttrs(8, 3, 1, depthwise=True)), ("bn", n.BatchNormAttrs()),
    *[("act", n.ActAttrs(f)) for f in n.ACTIVATIONS],
    ("maxpool", n.PoolAttrs()), ("upsample", n.UpsampleAttrs(2)), ("resize", n.ResizeAttrs(2)),
    ("add", n.NoAttrs()), ("concat", n.NoAttrs()), ("attention", n.NoAttrs()), ("global_pool", n.NoAttrs()),
    ("identity", n.NoAttrs()), ("drop_path", n.DropAttrs(0.2)),
]


def test_every_row_has_a_case():
    assert {op for op, _ in CASES} | {"input"} == set(known_ops())


def _one_op(op: str, attrs):
    x = tf_keras.Input((16, 16, 8), name="image")
    definition = get_op(op)
    layer = definition.lower(attrs, "probe")
    model = tf_keras.Model(x, layer([x, x] if definition.max_inputs != 1 else x))
    for w in model.weights:  # non-trivial BN statistics, so nothing folds away as a no-op
        w.assign(np.random.default_rng(0).uniform(0.5, 1.5, w.shape).astype("float32"))
    fn = tf.function(lambda t: {"out": model(t, training=False)},
                     input_signature=[tf.TensorSpec([None, 16, 16, 8], tf.float32)])
    return model, fn


def _converts(fn, model, quantize=None) -> bytes | None:
    def data():
        for _ in range(2):
            yield [np.random.default_rng(1).normal(size=(1, 16, 16, 8)).astype("float32")]
    try:
        return tflite.convert(fn, model, quantize, data)
    except tflite.ConversionError:
        return None


def _gpu_compatible(flatbuffer: bytes) -> bool:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tf.lite.experimental.Analyzer.analyze(model_content=flatbuffer, gpu_compatibility=True)
    return "GPU COMPATIBILITY WARNING" not in out.getvalue()


def _xla_compiles(fn) -> bool:
    jit = tf.function(fn.python_function, jit_compile=True)
    try:
        jit(tf.zeros([1, 16, 16, 8]))
    except Exception:
        return False
    return True


@pytest.mark.parametrize("op,attrs", CASES, ids=[f"{op}-{i}" for i, (op, _) in enumerate(CASES)])
def test_support_row_matches_the_converter(op, attrs):
    row = support(op, attrs)
    assert set(row) == set(TARGETS)
    model, fn = _one_op(op, attrs)
    fp32 = _converts(fn, model)
    assert (fp32 is not None) == row["tflite"].ok
    assert (_converts(fn, model, "int8") is not None) == row["tflite-int8"].ok
    assert _xla_compiles(fn) == row["xla"].ok
    if fp32 is not None:
        assert _gpu_compatible(fp32) == row["tflite-gpu"].ok
        # The TFLite ops the row names are the ones the converter emitted (BN may fold to MUL+ADD).
        assert set(tflite.op_names(fp32)) == set(row["tflite"].lowers_to)
        image = np.random.default_rng(2).normal(size=(2, 16, 16, 8)).astype("float32")
        got = tflite.run(fp32, image)["out"]
        want = model(image, training=False).numpy()
        assert np.max(np.abs(got - want)) <= 1e-4 * max(1.0, float(np.max(np.abs(want))))
