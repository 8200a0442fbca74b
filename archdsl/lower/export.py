"""`export`: a model to a SavedModel or a TFLite flatbuffer, then proved against the Keras model.

    functions = serving_functions(model)            # float, uint8 and encoded-bytes signatures
    artifact  = savedmodel(...) | tflite.convert(...)
    figures   = compare(keras outputs, artifact outputs on the same batch)

Every export reloads what it wrote (`tf.saved_model.load`, `tf.lite.Interpreter`) and runs it on
the same batch as the Keras model; a float32 export whose max abs difference exceeds 1e-4 of the
output's scale fails (`ExportMismatch`), fp16 and int8 exports report their error figures. The
artifact carries the spec bundle (`archdsl.json`) as `compile`'s artifacts do, and is written
atomically, so a failed export leaves no partial file and never clobbers an earlier one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from archdsl.arch import Arch
from archdsl.fileio import Artifact, atomic_path, write_atomic
from archdsl.lower import tflite
from archdsl.lower.artifacts import META, SAVEDMODEL, spec_bundle
from archdsl.lower.compare import Comparison, compare, flatten
from archdsl.lower.images import normalize, random_pixels

SIGNATURES = ("image_tensor", "image_bytes")
TARGETS = ("savedmodel", "tflite")


class ExportMismatch(RuntimeError):
    """A float32 export's outputs differ from the Keras model's beyond round-off."""


@dataclass
class ExportReport:
    """What an export wrote and how close it is to the Keras model, per checked signature."""

    artifact: str
    to: str
    quantize: str | None
    spec_sha256: str
    checks: dict[str, Comparison] = field(default_factory=dict)
    ops: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """Whether the export is held to float32 round-off (not a quantised TFLite)."""
        return self.quantize is None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"artifact": self.artifact, "to": self.to, "quantize": self.quantize or "none",
                               "spec_sha256": self.spec_sha256,
                               "verification": {k: c.to_json() for k, c in self.checks.items()}}
        if self.exact:
            out["passed"] = all(c.passes() for c in self.checks.values())
        if self.ops:
            out["tflite_ops"] = self.ops
        return out


def input_shape(model: Any) -> tuple[int, int, int]:
    if len(model.inputs) != 1:
        raise ValueError("export needs a model with one image input")
    h, w, c = model.inputs[0].shape[1:]
    return int(h), int(w), int(c)


def serving_functions(model: Any) -> dict[str, Any]:
    """tf.functions by signature name: `float_image` takes the model's (normalised) float input,
    `image_tensor` uint8 pixels, `image_bytes` encoded JPEG/PNG strings; outputs keyed as the
    model's, nested keys joined with `/`."""
    h, w, c = input_shape(model)

    @tf.function(input_signature=[tf.TensorSpec([None, h, w, c], tf.float32, name="image")])
    def float_image(image: tf.Tensor) -> dict[str, tf.Tensor]:
        return flatten(model(image, training=False))

    @tf.function(input_signature=[tf.TensorSpec([None, h, w, c], tf.uint8, name="images")])
    def image_tensor(images: tf.Tensor) -> dict[str, tf.Tensor]:
        return float_image(normalize(tf.cast(images, tf.float32)))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="encoded")])
    def image_bytes(encoded: tf.Tensor) -> dict[str, tf.Tensor]:
        def decode(one: tf.Tensor) -> tf.Tensor:
            image = tf.io.decode_image(one, channels=c, expand_animations=False)
            return tf.image.resize(tf.cast(image, tf.float32), [h, w])
        pixels = tf.map_fn(decode, encoded, fn_output_signature=tf.TensorSpec([h, w, c], tf.float32))
        return float_image(normalize(pixels))

    return {"float_image": float_image, "image_tensor": image_tensor, "image_bytes": image_bytes}


def reference(model: Any, image: np.ndarray) -> dict[str, np.ndarray]:
    """The Keras model's outputs for a float batch, flat keys."""
    return {k: np.asarray(v) for k, v in flatten(model(image, training=False)).items()}


def _tflite_ours(path: Path) -> bool:
    """A TFLite file archdsl exported: a flatbuffer carrying the spec bundle as metadata."""
    try:
        tflite.read_metadata(path.read_bytes())
    except Exception:  # not a flatbuffer, or one without our metadata: not ours
        return False
    return True


TFLITE = Artifact("TFLite model archdsl exported", _tflite_ours, make_parents=True)


def export_savedmodel(model: Any, arch: Arch, out: str, pixels: np.ndarray, check: Any = None,
                      signature: str = "image_tensor") -> ExportReport:
    """Write a SavedModel with signatures `serving_default` (= `signature`), `float_image`,
    `image_tensor` and `image_bytes`, reload it, and compare the float and uint8 signatures with
    `check` (the Keras model to match; default `model`) on `pixels`."""
    functions = serving_functions(model)
    signatures = {"serving_default": functions[signature], **functions}
    bundle = spec_bundle(arch)
    dest = Path(out)
    with atomic_path(dest, SAVEDMODEL, arch.sources) as tmp:
        # Keras's own SavedModel writer, so `archdsl.load_model` (and `export`) can read it back;
        # no per-layer traces (the signatures are the serving graph; layers revive from configs).
        model.save(str(tmp), save_format="tf", signatures=signatures, save_traces=False)
        (tmp / "assets.extra").mkdir(exist_ok=True)
        (tmp / "assets.extra" / META).write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    report = ExportReport(str(dest), "savedmodel", None, bundle["sha256"])
    loaded = tf.saved_model.load(str(dest)).signatures
    image = normalize(pixels.astype("float32"))
    want = reference(model if check is None else check, image)
    report.checks["float_image"] = compare(want, _numpy(loaded["float_image"](image=tf.constant(image))))
    report.checks["image_tensor"] = compare(want, _numpy(loaded["image_tensor"](images=tf.constant(pixels))))
    return report


def export_tflite(model: Any, arch: Arch, out: str, pixels: np.ndarray, check: Any = None,
                  quantize: str | None = None, calibration: np.ndarray | None = None) -> ExportReport:
    """Convert to TFLite (float interface), store the spec bundle, run the flatbuffer with the
    TFLite interpreter on `pixels` and compare with `check` (default `model`)."""
    serve = serving_functions(model)["float_image"]
    representative = None
    if quantize == "int8":
        calib = calibration if calibration is not None else random_pixels(input_shape(model), 8, seed=1)
        representative = _representative(calib)
    bundle = spec_bundle(arch)
    flatbuffer = tflite.with_metadata(tflite.convert(serve, model, quantize, representative), bundle)
    write_atomic(out, flatbuffer, TFLITE, arch.sources)
    report = ExportReport(out, "tflite", quantize, bundle["sha256"], ops=tflite.op_names(flatbuffer))
    image = normalize(pixels.astype("float32"))
    want = reference(model if check is None else check, image)
    report.checks["float_image"] = compare(want, tflite.run(flatbuffer, image))
    return report


def _representative(pixels: np.ndarray) -> Any:
    def batches() -> Iterator[list[np.ndarray]]:
        for one in pixels:
            yield [normalize(one[None].astype("float32"))]
    return batches


def _numpy(outputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in outputs.items()}


def require_exact(report: ExportReport) -> None:
    """Raise ExportMismatch when a float32 export is not within round-off of the Keras model."""
    if not report.exact:
        return
    for sig, comparison in report.checks.items():
        if not comparison.passes():
            key, worst = comparison.worst
            raise ExportMismatch(f"{report.to} signature {sig}, output {key}: max abs diff {worst.max_abs:.3g} "
                                 f"is {worst.relative:.3g} of the output's scale {worst.scale:.3g} "
                                 f"(allowed 1e-4)")
