"""Training with XLA, the `compile` command, saved artifacts and sync BN under MirroredStrategy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import archdsl
from archdsl.cli import main
from tests.conftest import ROOT

pytestmark = pytest.mark.keras
import tf_keras
SMALL = {"input_size": 128}


@pytest.fixture(autouse=True)
def _fresh_session():
    yield
    tf_keras.backend.clear_session()


def _random_batch(model, batch=2):
    x = np.random.rand(batch, *model.inputs[0].shape[1:]).astype("float32")
    y = {k: np.random.rand(batch, *t.shape[1:]).astype("float32") for k, t in model.output.items()}
    return x, y


def test_fit_one_step_with_jit_compile():
    model = archdsl.load("specs/spinenet49S.arch", {**SMALL, "drop_rate": 0.2}).to_keras()
    model.compile(optimizer=tf_keras.optimizers.SGD(0.01), loss="mse", jit_compile=True)
    x, y = _random_batch(model)
    before = [w.numpy().copy() for w in model.trainable_weights[:3]]
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights[:3]))


def test_compile_command_xla_and_keras_artifact(tmp_path, capsys):
    out = tmp_path / "m.keras"
    rc = main(["compile", "specs/spinenet49S.arch", "-D", "input_size=128", "--xla", "-o", str(out), "--json"])
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    assert report["keras_params"] == report["params"]
    assert report["xla"]["hlo_instructions"] > 0 and report["xla"]["compile_seconds"] >= 0
    model, arch = archdsl.load_model(str(out))
    assert arch.name == "spinenet49S" and arch.overrides == SMALL
    assert model.count_params() == arch.params
    assert len(report["spec_sha256"]) == 64


def test_savedmodel_artifact_has_a_serving_signature(tmp_path):
    import tensorflow as tf

    from archdsl.lower.artifacts import read_bundle, save

    arch = archdsl.load("specs/spinenet49S.arch", SMALL)
    model = arch.to_keras()
    path = save(model, arch, str(tmp_path / "sm") + os.sep)
    serve = tf.saved_model.load(path).signatures["serving_default"]
    assert "spinenet.arch" in read_bundle(path)["files"]
    loaded, again = archdsl.load_model(path)
    x = np.random.rand(1, 128, 128, 3).astype("float32")
    a, b = model(x, training=False), loaded(x, training=False)
    assert all(np.array_equal(a[k], b[k]) for k in a) and again.params == arch.params
    # The signature TF Serving calls: the model's input by name, its outputs by key.
    served = serve(**{model.input_names[0]: tf.constant(x)})
    assert set(served) == {str(k) for k in a}
    assert all(np.allclose(served[str(k)], a[k], atol=1e-5) for k in a)


def test_failed_write_leaves_the_old_artifact(tmp_path, monkeypatch):
    from archdsl.lower import artifacts

    arch = archdsl.load("specs/spinenet49S.arch", SMALL)
    model = arch.to_keras()
    out = tmp_path / "m.keras"
    artifacts.save(model, arch, str(out))  # an earlier artifact: the only kind of file a save may replace
    before = out.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(model), "save", boom)
    with pytest.raises(RuntimeError):
        artifacts.save(model, arch, str(out))
    assert out.read_bytes() == before and os.listdir(tmp_path) == ["m.keras"]


_MIRRORED = textwrap.dedent("""
    import numpy as np, tensorflow as tf, tf_keras, archdsl
    cpu = tf.config.list_physical_devices("CPU")[0]
    # Two replicas on a small machine: one intra-op thread each avoids oversubscribing the cores.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": 128, "sync_bn": True})
    with strategy.scope():
        model = arch.to_keras()
        model.compile(optimizer=tf_keras.optimizers.SGD(0.01), loss="mse")
    assert any(getattr(l, "synchronized", False) for l in model.layers)
    x = np.random.rand(4, 128, 128, 3).astype("float32")
    y = {k: np.random.rand(4, *t.shape[1:]).astype("float32") for k, t in model.output.items()}
    loss = model.fit(x, y, batch_size=4, epochs=1, verbose=0).history["loss"][0]
    assert np.isfinite(loss), loss
    print("replicas", strategy.num_replicas_in_sync, "loss", loss)
""")


def test_sync_bn_trains_under_mirrored_strategy():
    # Logical devices must be configured before TensorFlow initialises: use a fresh process.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _MIRRORED], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "replicas 2" in proc.stdout
