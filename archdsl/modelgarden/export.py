"""Export a Model Garden run of an archdsl model as a SavedModel for serving.

    from archdsl.modelgarden.export import export_saved_model
    export_saved_model(params, "/tmp/run", "/tmp/export", input_image_size=[128, 128])

This is Model Garden's `export_saved_model_lib.export_inference_graph` (the body of its
`official/vision/serving/export_saved_model.py`), with one difference: the Keras layers inside the
export module are written without their per-layer call traces. A serving SavedModel is used
through its signatures, which are traced and written as before; the per-layer traces only let
`tf_keras.models.load_model` rebuild each layer from the file, which a Model Garden export module
(a `tf.Module`, not a Keras model) never offers. `benchmarks/bench_mg_export.py` runs both side
by side on the tiny RetinaNet-SpineNet-49S of `examples/modelgarden/` and checks that their serving
outputs are equal: `tf.saved_model.save` 53.6 s -> 21.5 s, `tf.saved_model.load` 15.4 s -> 4.8 s
(BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["export_saved_model"]


def export_saved_model(params: Any, checkpoint_path: str, export_dir: str, input_image_size: Sequence[int],
                       input_type: str = "image_tensor", batch_size: int | None = 1, **kwargs: Any) -> None:
    """Model Garden's `export_inference_graph(input_type, batch_size, input_image_size, params,
    checkpoint_path, export_dir, **kwargs)`, writing signatures but no per-layer Keras traces.
    `checkpoint_path` is a checkpoint or a directory holding one (its latest)."""
    from official.vision.serving import export_saved_model_lib

    # tf-keras's own switch (what `model.save(save_traces=False)` sets); it has no public path.
    from tf_keras.src.saving.legacy.saved_model.utils import keras_option_scope

    with keras_option_scope(save_traces=False):
        export_saved_model_lib.export_inference_graph(
            input_type=input_type, batch_size=batch_size, input_image_size=list(input_image_size), params=params,
            checkpoint_path=checkpoint_path, export_dir=export_dir, **kwargs)
