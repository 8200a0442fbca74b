"""Lowering of a checked `Arch` to tf-keras (and from there to XLA and saved artifacts).

TensorFlow is imported only when one of these functions is called, so the front end, `check`
and the tests that need no model stay fast. `keras_name`/`ir_name` map IR names to layer names.
"""

from __future__ import annotations

from typing import Any

from archdsl.lower.names import ir_name, keras_name


def to_keras(arch: Any, batch_size: int | None = None) -> Any:
    """A tf_keras functional Model for `arch` (see `archdsl.lower.keras`)."""
    from archdsl.lower.keras import to_keras as lower
    return lower(arch, batch_size=batch_size)


def load_model(path: str, *, trust: bool = False) -> tuple[Any, Any]:
    """(model, Arch) from a `.keras` file or SavedModel directory written by `archdsl compile`.

    The model is rebuilt from the artifact's verified spec and only its weights are read, so no
    code in the artifact runs; `trust=True` loads the saved Keras model itself (see `artifacts`)."""
    from archdsl.lower.artifacts import load_model as load
    return load(path, trust=trust)


__all__ = ["to_keras", "load_model", "keras_name", "ir_name"]
