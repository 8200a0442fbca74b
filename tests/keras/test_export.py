"""`archdsl export`: one variant of every spec family to SavedModel and fp32 TFLite, each proved
against the Keras model on the same batch; fp16 and int8 for a subset; BN folding equal to the
unfolded model with fewer layers; the deployability check's verdict equal to the converter's.
Small input sizes and widths (the op set, not the size, decides what converts)."""

from __future__ import annotations

import json

import archdsl
import numpy as np
import pytest
from archdsl.cli import main
from archdsl.deploy import check_target

pytestmark = pytest.mark.keras
import tensorflow as tf
import tf_keras

from archdsl.lower import export, tflite  # noqa: E402
from archdsl.lower.compare import FP32_TOLERANCE  # noqa: E402
from archdsl.lower.fold import fold_batch_norms  # noqa: E402
from archdsl.lower.images import normalize, random_pixels  # noqa: E402

TINY_SPINE = {"input_size": 128, "filter_scale": 0.25, "endpoint_filters": 32}
FAMILIES = {
    "spinenet": ("specs/spinenet49S.arch", TINY_SPINE),
    "resnet": ("specs/resnet50.arch", {"input_size": 64, "depth_multiplier": 0.25}),
    "fpn": ("specs/fpn.arch", {"input_size": 128, "filters": 32}),
    "nasfpn": ("specs/nasfpn.arch", {"input_size": 128, "filters": 32, "num_repeats": 1}),
    "retinanet": ("specs/retinanet_spinenet49.arch",
                  {**TINY_SPINE, "head_filters": 32, "head_convs": 1, "num_classes": 3}),
    "segmentation": ("specs/segmentation_spinenet49.arch",
                     {**TINY_SPINE, "head_filters": 32, "head_convs": 1, "low_level_filters": 16}),
}


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def built(request):
    path, overrides = FAMILIES[request.param]
    arch = archdsl.load(path, overrides)
    model = arch.to_keras()
    yield request.param, arch, model
    tf_keras.backend.clear_session()


def _pixels(model, batch=2):
    return random_pixels(export.input_shape(model), batch, seed=0)


def test_fold_bn_equals_unfolded_with_fewer_layers(built):
    _, arch, model = built
    for layer in model.layers:  # trained-looking statistics, so folding has something to fold
        if isinstance(layer, tf_keras.layers.BatchNormalization):
            rng = np.random.default_rng(len(layer.name))
            layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") if i != 2
                               else rng.normal(0, 0.1, w.shape).astype("float32")
                               for i, w in enumerate(layer.get_weights())])
    folded = fold_batch_norms(model, arch)
    assert len(folded.layers) < len(model.layers)
    image = normalize(_pixels(model).astype("float32"))
    figures = export.compare(export.reference(model, image), export.reference(folded, image))
    assert figures.passes(), figures.worst


def test_savedmodel_export_matches_keras(built, tmp_path):
    _, arch, model = built
    report = export.export_savedmodel(model, arch, str(tmp_path / "sm"), _pixels(model))
    export.require_exact(report)
    assert set(report.checks) == {"float_image", "image_tensor"}
    sigs = tf.saved_model.load(str(tmp_path / "sm")).signatures
    assert {"serving_default", "float_image", "image_tensor", "image_bytes"} <= set(sigs)
    assert set(sigs["float_image"].structured_outputs) == set(export.flatten(model.output))
    pixels = _pixels(model)
    encoded = tf.stack([tf.io.encode_png(p) for p in pixels])  # lossless, so equal to the uint8 path
    from_bytes = export.compare(export._numpy(sigs["image_tensor"](images=tf.constant(pixels))),
                                export._numpy(sigs["image_bytes"](encoded=encoded)))
    assert from_bytes.passes(), from_bytes.worst
    bundle = json.loads((tmp_path / "sm" / "assets.extra" / "archdsl.json").read_text())
    assert bundle["sha256"] == report.spec_sha256 and bundle["overrides"] == arch.overrides


def test_tflite_fp32_matches_keras_and_the_check_predicted_it(built, tmp_path):
    _, arch, model = built
    predicted_ok = not check_target(arch, "tflite")
    out = str(tmp_path / "m.tflite")
    try:
        report = export.export_tflite(model, arch, out, _pixels(model))
    except tflite.ConversionError:
        assert not predicted_ok, "check --target tflite said ok, the converter refused"
        return
    assert predicted_ok, "check --target tflite predicted a failure, the converter succeeded"
    comparison = report.checks["float_image"]
    assert comparison.passes(FP32_TOLERANCE), comparison.worst
    data = open(out, "rb").read()
    assert tflite.read_metadata(data)["sha256"] == report.spec_sha256


@pytest.mark.parametrize("family,quantize", [("spinenet", "fp16"), ("spinenet", "int8"), ("segmentation", "int8")])
def test_quantized_tflite_reports_error_figures(family, quantize, tmp_path):
    path, overrides = FAMILIES[family]
    arch = archdsl.load(path, overrides)
    model = arch.to_keras()
    predicted_ok = not check_target(arch, "tflite-int8" if quantize == "int8" else "tflite")
    calibration = random_pixels(export.input_shape(model), 4, seed=1)
    report = export.export_tflite(model, arch, str(tmp_path / "q.tflite"), _pixels(model), quantize=quantize,
                                  calibration=calibration)
    assert predicted_ok
    c = report.checks["float_image"]
    assert not report.exact and "passed" not in report.to_json()
    assert 0 < c.max_abs and np.isfinite(c.min_sqnr_db)
    if quantize == "fp16":  # fp16 weights: ~3 decimal digits
        assert c.min_sqnr_db > 30, c.to_json()
    else:
        assert "QUANTIZE" in report.ops or "DEQUANTIZE" in report.ops
    tf_keras.backend.clear_session()


def test_export_cli_from_a_compiled_artifact(tmp_path, capsys):
    art = tmp_path / "m.keras"
    spec = ["specs/spinenet49S.arch"] + [a for k, v in TINY_SPINE.items() for a in ("-D", f"{k}={v}")]
    assert main(["compile", *spec, "-o", str(art)]) == 0
    capsys.readouterr()
    out = tmp_path / "m.tflite"
    assert main(["export", str(art), "--to", "tflite", "--fold-bn", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and report["verification"]["float_image"]["worst_relative"] <= FP32_TOLERANCE
    assert report["spec_sha256"] == archdsl.lower.artifacts.read_bundle(str(art))["sha256"]


def test_export_fails_when_the_artifact_does_not_match(tmp_path, capsys, monkeypatch):
    real = tflite.run

    def off_by_a_bit(flatbuffer, image, threads=None):
        return {k: v * 1.001 for k, v in real(flatbuffer, image, threads).items()}

    monkeypatch.setattr(tflite, "run", off_by_a_bit)
    spec = ["specs/resnet50.arch", "-D", "input_size=64", "-D", "depth_multiplier=0.25"]
    rc = main(["export", *spec, "--to", "tflite", "-o", str(tmp_path / "r.tflite")])
    assert rc == 1
    assert "does not match the Keras model" in capsys.readouterr().err


def test_export_usage_errors(tmp_path):
    assert main(["export", "specs/resnet50.arch", "--to", "savedmodel", "--quantize", "int8"]) == 2
    assert main(["export", "specs/resnet50.arch", "--to", "onnx"]) == 2
