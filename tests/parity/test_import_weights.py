"""`archdsl import-weights`: a Model Garden RetinaNet checkpoint (SpineNet-49S from Model Garden
itself, or the archdsl backbone) plus its params.yaml into `specs/retinanet.arch`'s
`retinanet_spinenet` with matching -D values; the saved `.keras` computes what Model Garden's
model computes. A spec that differs, or a params.yaml that does not describe the checkpoint, is
an error naming the first mismatch, never a partial load.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.parity
import tensorflow as tf
import official  # noqa: F401  (installed by scripts/test: fail, never skip, without it)

import archdsl  # noqa: E402
import archdsl.modelgarden  # noqa: E402,F401
from archdsl.cli import main  # noqa: E402
from archdsl.modelgarden.import_weights import import_weights  # noqa: E402
from official.core import exp_factory, task_factory, train_utils  # noqa: E402

SPEC = "specs/retinanet_spinenet49.arch"
DEFINES = {"input_size": 128, "filter_scale": 0.65, "endpoint_filters": 128, "num_classes": 3,
           "head_convs": 1, "head_filters": 32}
BACKBONES = {"spinenet": {"type": "spinenet", "spinenet": {"model_id": "49S"}},
             "archdsl": {"type": "archdsl", "archdsl": {"spec": "specs/spinenet49S.arch"}}}


def _run(tmp_path, backbone: str, head_convs: int = 1):
    """A Model Garden RetinaNet with random weights, saved as a training run would save it."""
    params = exp_factory.get_exp_config("retinanet_archdsl")
    params.override({"task": {"model": {
        "input_size": [128, 128, 3], "num_classes": 3, "backbone": BACKBONES[backbone],
        "head": {"num_convs": head_convs, "num_filters": 32},
        "norm_activation": {"activation": "swish", "use_sync_bn": False}}}}, is_strict=True)
    model = task_factory.get_task(params.task).build_model()
    images = tf.random.stateless_uniform([1, 128, 128, 3], seed=(1, 2))
    model(images, image_shape=tf.constant([[128.0, 128.0]]), training=False)
    rng = np.random.default_rng(0)
    for w in model.weights:
        w.assign(rng.normal(0.0, 0.05, w.shape).astype("float32") + (1.0 if "variance" in w.name else 0.0))
    tf.train.Checkpoint(model=model).save(str(tmp_path / "ckpt"))
    train_utils.serialize_config(params, str(tmp_path))
    return model, images


@pytest.mark.parametrize("backbone", ["spinenet", "archdsl"])
def test_import_matches_modelgarden(tmp_path, backbone):
    reference, images = _run(tmp_path, backbone)
    report = import_weights(str(tmp_path), str(tmp_path / "params.yaml"), SPEC, DEFINES,
                            out=str(tmp_path / "imported.keras"))
    assert len(report.loaded) == len(reference.weights) and report.experiment == "retinanet_archdsl"
    model, arch = archdsl.load_model(report.saved)
    ours = model(images)
    theirs = reference(images, image_shape=tf.constant([[128.0, 128.0]]), training=False)
    for level in range(3, 8):
        np.testing.assert_allclose(ours["scores"][str(level)], theirs["cls_outputs"][str(level)], atol=1e-3)
        np.testing.assert_allclose(ours["boxes"][str(level)], theirs["box_outputs"][str(level)], atol=1e-3)


def test_cli_and_mismatches(tmp_path, capsys):
    _run(tmp_path, "spinenet", head_convs=1)
    defines = [f"-D{k}={v}" for k, v in DEFINES.items()]
    base = ["import-weights", SPEC, "--checkpoint", str(tmp_path), "--params", str(tmp_path / "params.yaml")]
    assert main([*base, *defines, "-o", str(tmp_path / "m.keras"), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["loaded"]) > 100
    # the spec differs from the run (two head convs): the first mismatch is named
    assert main([*base, *defines, "-Dhead_convs=2", "-o", str(tmp_path / "bad.keras")]) == 1
    assert "has no counterpart in the checkpoint" in capsys.readouterr().err
    assert not (tmp_path / "bad.keras").exists()
    # a params.yaml that is not this checkpoint's run: Model Garden's model has variables the
    # checkpoint lacks
    text = (tmp_path / "params.yaml").read_text().replace("num_convs: 1", "num_convs: 2")
    (tmp_path / "other.yaml").write_text(text)
    with pytest.raises(archdsl.ArchError, match="does not hold this model's weights"):
        import_weights(str(tmp_path), str(tmp_path / "other.yaml"), SPEC, {**DEFINES, "head_convs": 2})
