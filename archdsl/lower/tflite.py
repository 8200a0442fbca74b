"""TFLite conversion through TensorFlow's own converter, and running the result.

`convert` takes the float serving function (`export.serving_functions`) and returns flatbuffer
bytes: float32 as it stands, fp16 with float16 weights, int8 with full-integer kernels calibrated
on a representative dataset. Only TFLite builtin ops are allowed (no TF Select ops), so a model
that needs them fails here, as `archdsl check --target tflite` predicts; int8 asks for int8
builtins, so an op without an int8 kernel fails too. The interface stays float32 in every mode,
so float post-processing (box decoding, NMS) never meets int8 outputs. The spec bundle is stored
as flatbuffer metadata named `archdsl.json` (TensorFlow's `flatbuffer_utils` edits the model).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils

from archdsl.lower.artifacts import META

QUANTIZE = ("fp16", "int8")


class ConversionError(RuntimeError):
    """The TFLite converter refused the model; the message is the converter's."""


def convert(serve: Any, owner: Any, quantize: str | None = None,
            representative: Callable[[], Iterator[list[np.ndarray]]] | None = None) -> bytes:
    """Flatbuffer bytes for the concrete function of `serve` (`owner` keeps its variables)."""
    fn = serve.get_concrete_function()
    # The converter saves its trackable as a SavedModel first. The Keras model itself would have
    # every layer's call traced again (4x the conversion time for RetinaNet-SpineNet-49S at 128);
    # a bare module holding the variables is all the function needs.
    variables = tf.Module()
    variables.held = list(owner.variables)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], variables)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8":
        if representative is None:
            raise ValueError("int8 conversion needs a representative dataset")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    elif quantize is not None:
        raise ValueError(f"unknown quantization {quantize!r}; expected one of {', '.join(QUANTIZE)}")
    try:
        return bytes(converter.convert())
    except Exception as exc:  # ConverterError and friends carry the converter's own diagnosis
        raise ConversionError(str(exc).strip()) from exc


def with_metadata(flatbuffer: bytes, bundle: Mapping[str, Any]) -> bytes:
    """`flatbuffer` with the spec bundle as the metadata entry `archdsl.json`."""
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(flatbuffer))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(json.dumps(bundle, indent=1).encode("utf-8"), dtype=np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name = META
    entry.buffer = len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if m.name != META.encode()] + [entry]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def read_metadata(flatbuffer: bytes) -> dict[str, Any]:
    """The spec bundle stored by `with_metadata` (KeyError when there is none)."""
    model = schema.Model.GetRootAsModel(flatbuffer, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if entry.Name() == META.encode():
            data = model.Buffers(entry.Buffer()).DataAsNumpy()
            return dict(json.loads(bytes(data).decode("utf-8")))
    raise KeyError(META)


def op_names(flatbuffer: bytes) -> list[str]:
    """The builtin op names the model uses (e.g. CONV_2D), sorted."""
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(flatbuffer))
    return sorted({flatbuffer_utils.opcode_to_name(model, i) for i in range(len(model.operatorCodes))})


def run(flatbuffer: bytes, image: np.ndarray, threads: int | None = None) -> dict[str, np.ndarray]:
    """Run the model's signature on a float batch; outputs keyed as the signature's."""
    interpreter = tf.lite.Interpreter(model_content=flatbuffer, num_threads=threads)
    runner = interpreter.get_signature_runner()  # resizes its input to the batch given
    (name,) = runner.get_input_details()
    return {k: np.asarray(v) for k, v in runner(**{name: image}).items()}
