"""Every op definition's deployment facts against the real TFLite converter, XLA and the
GPU-delegate analyzer: each case is converted as a one-op model and the facts its `OpDef.deploy`
records for those attrs (`archdsl.deploy.support`) are asserted, with the TFLite ops emitted."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from archdsl.deploy.support import TARGETS, known_ops, support
from archdsl.ir import nodes as n
from archdsl.ops import tokens as tok
from archdsl.ops import transformer as tr
from archdsl.ops.flatten import SizeAttrs
from archdsl.ops.group_norm import GroupNormAttrs
from archdsl.ops.sepconv import SepConvAttrs

from conftest import ROOT

pytestmark = pytest.mark.keras
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from archdsl.lower import tflite  # noqa: E402
from archdsl.ops.registry import get_op, register_op, unregister_op  # noqa: E402

MAP, TOKENS, WITH_CLS = (16, 16, 8), (16, 8), (17, 8)  # a feature map; 4x4 grid tokens, + a class token
# One-op models: every op with facts, attribute variants where the facts depend on them; the
# input shapes each takes (a second one for two-input ops).
CASES = [
    ("conv", n.ConvAttrs(8, 3, 1), [MAP]), ("conv", n.ConvAttrs(8, 3, 2, bias=True), [MAP]),
    ("conv", n.ConvAttrs(8, 3, 1, groups=2), [MAP]), ("conv", n.ConvAttrs(8, 3, 1, depthwise=True), [MAP]),
    ("conv", n.ConvAttrs(8, 3, 1, dilation=2), [MAP]),
    ("conv", n.ConvAttrs(8, 3, 1, depthwise=True, dilation=2), [MAP]),
    ("bn", n.BatchNormAttrs(), [MAP]),
    *[("act", n.ActAttrs(f), [MAP]) for f in n.ACTIVATIONS],
    ("maxpool", n.PoolAttrs(), [MAP]), ("avgpool", n.PoolAttrs(2, 2), [MAP]),
    ("resize_fixed", SizeAttrs(8, 4), [MAP]), ("flatten", n.NoAttrs(), [(4, 4, 8)]),
    ("stop_gradient", n.NoAttrs(), [MAP]), ("group_norm", GroupNormAttrs(4), [MAP]), ("upsample", n.UpsampleAttrs(2), [MAP]), ("resize", n.ResizeAttrs(2), [MAP]),
    ("add", n.NoAttrs(), [MAP, MAP]), ("concat", n.NoAttrs(), [MAP, MAP]), ("attention", n.NoAttrs(), [MAP, MAP]),
    ("mul", n.NoAttrs(), [MAP, (1, 1, 8)]), ("mul", n.NoAttrs(), [MAP, MAP]),
    ("global_pool", n.NoAttrs(), [MAP]), ("identity", n.NoAttrs(), [MAP]), ("drop_path", n.DropAttrs(0.2), [MAP]),
    ("sepconv", SepConvAttrs(8), [MAP]), ("sepconv", SepConvAttrs(8, 3, 2, bias=True), [MAP]),
    ("resize_to", n.NoAttrs(), [(1, 1, 8), MAP]), ("resize_to", n.NoAttrs(), [(8, 8, 8), MAP]),
    ("patch_embed", tok.PatchAttrs(4, 8), [MAP]), ("to_tokens", n.NoAttrs(), [MAP]),
    *[("cls_token", tok.ClsAttrs(p), [TOKENS]) for p in tok.POOLERS],
    ("pool_tokens", tok.PoolAttrs("token"), [WITH_CLS]), ("pool_tokens", tok.PoolAttrs("gap"), [TOKENS]),
    ("pool_tokens", tok.PoolAttrs("none"), [TOKENS]),
    ("tokens_to_map", tok.GridAttrs(4, 4, 0), [TOKENS]), ("tokens_to_map", tok.GridAttrs(4, 4, 1), [WITH_CLS]),
    ("layer_norm", tr.NormAttrs(), [TOKENS]), ("layer_norm", tr.NormAttrs(), [MAP]),
    ("self_attention", tr.AttentionAttrs(2), [TOKENS]), ("self_attention", tr.AttentionAttrs(2, 3, 0.1), [WITH_CLS]),
    *[("dense", tr.DenseAttrs(8, a), [TOKENS]) for a in tr.DENSE_ACTS], ("dense", tr.DenseAttrs(8), [(1, 1, 8)]),
    ("dropout", tr.RateAttrs(0.1), [TOKENS]), ("layer_scale", tr.ScaleAttrs(), [TOKENS]),
    ("pos_embed", tr.PosAttrs((4, 4), 0), [TOKENS]), ("pos_embed", tr.PosAttrs((4, 4), 1), [WITH_CLS]),
    ("pos_embed", tr.PosAttrs((4, 4), 0, (2, 2)), [TOKENS]),
]


def test_every_op_with_facts_has_a_case():
    assert {op for op, _, _ in CASES} | {"input"} == set(known_ops())


def _one_op(op: str, attrs, shapes):
    xs = [tf_keras.Input(s, name=f"in{i}") for i, s in enumerate(shapes)]
    definition = get_op(op)
    layer = definition.lower(attrs, "probe")
    model = tf_keras.Model(xs, layer(xs if definition.max_inputs != 1 else xs[0]))
    for w in model.weights:  # non-trivial BN statistics, so nothing folds away as a no-op
        w.assign(np.random.default_rng(0).uniform(0.5, 1.5, w.shape).astype("float32"))
    signature = [tf.TensorSpec([None, *s], tf.float32, name=f"in{i}") for i, s in enumerate(shapes)]
    fn = tf.function(lambda *t: {"out": model(list(t) if len(t) > 1 else t[0], training=False)},
                     input_signature=signature)
    return model, fn


def _converts(fn, model, shapes, quantize=None) -> bytes | None:
    """The flatbuffer, when the converter takes the model and the interpreter then runs it."""
    def data():
        for _ in range(2):
            yield [np.random.default_rng(1).normal(size=(1, *s)).astype("float32") for s in shapes]
    try:
        flatbuffer = tflite.convert(fn, model, quantize, data)
    except tflite.ConversionError:
        return None
    try:  # some conversions succeed and fail in the interpreter's prepare step
        _run(flatbuffer, [np.zeros((2, *s), "float32") for s in shapes])
    except RuntimeError:
        return None
    return flatbuffer


def _run(flatbuffer: bytes, inputs: list[np.ndarray]) -> np.ndarray:
    if len(inputs) == 1:
        return tflite.run(flatbuffer, inputs[0])["out"]
    runner = tf.lite.Interpreter(model_content=flatbuffer).get_signature_runner()
    return np.asarray(runner(**{f"in{i}": x for i, x in enumerate(inputs)})["out"])


def _gpu_compatible(flatbuffer: bytes) -> bool:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tf.lite.experimental.Analyzer.analyze(model_content=flatbuffer, gpu_compatibility=True)
    return "GPU COMPATIBILITY WARNING" not in out.getvalue()


def _xla_compiles(fn, shapes) -> bool:
    jit = tf.function(fn.python_function, jit_compile=True)
    try:
        jit(*[tf.zeros([1, *s]) for s in shapes])
    except Exception:
        return False
    return True


def _assert_facts(op, attrs, shapes):
    row = support(op, attrs)
    assert set(row) == set(TARGETS)
    model, fn = _one_op(op, attrs, shapes)
    fp32 = _converts(fn, model, shapes)
    assert (fp32 is not None) == row["tflite"].ok
    assert (_converts(fn, model, shapes, "int8") is not None) == row["tflite-int8"].ok
    assert _xla_compiles(fn, shapes) == row["xla"].ok
    if fp32 is not None:
        assert _gpu_compatible(fp32) == row["tflite-gpu"].ok
        # The TFLite ops the facts name are the ones the converter emitted (BN may fold to MUL+ADD).
        assert set(tflite.op_names(fp32)) == set(row["tflite"].lowers_to)
        rng = np.random.default_rng(2)
        inputs = [rng.normal(size=(2, *s)).astype("float32") for s in shapes]
        got = _run(fp32, inputs)
        want = model(inputs if len(inputs) > 1 else inputs[0], training=False).numpy()
        assert np.max(np.abs(got - want)) <= 1e-4 * max(1.0, float(np.max(np.abs(want))))


@pytest.mark.parametrize("op,attrs,shapes", CASES, ids=[f"{op}-{i}" for i, (op, _, _) in enumerate(CASES)])
def test_op_facts_match_the_converter(op, attrs, shapes):
    _assert_facts(op, attrs, shapes)


def test_a_plugin_ops_own_facts_match_the_converter(monkeypatch):
    """The example plug-in (examples/archdsl_coordconv) declares its facts in its OpDef."""
    monkeypatch.syspath_prepend(str(ROOT / "examples" / "archdsl_coordconv"))
    import archdsl_coordconv

    register_op(archdsl_coordconv.ADD_COORDS)
    try:
        assert "add_coords" in known_ops()
        _assert_facts("add_coords", archdsl_coordconv.CoordAttrs(), [MAP])
    finally:
        unregister_op("add_coords")
