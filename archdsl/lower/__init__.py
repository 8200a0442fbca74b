"""Lowering of a checked `Arch` to tf-keras (and from there to XLA and saved artifacts).

TensorFlow is imported only when one of these functions is called, so the front end, `check`
and the tests that need no model stay fast, and it is imported quietly (`tflog`; `quiet(False)`
before the first call shows TensorFlow's logs). `keras_name`/`ir_name` map IR names to layer names.
"""

from __future__ import annotations

from typing import Any

from archdsl.lower import tflog
from archdsl.lower.names import ir_name, keras_name


def require_keras() -> None:
    """Import TensorFlow and tf-keras, or fail with one clear error saying what to install (the
    `keras` extra). Called where a command needs them anyway, so the import is not wasted."""
    try:
        tflog.import_tensorflow()  # quietly, unless configured verbose (see tflog)
        import tf_keras  # noqa: F401
    except ImportError as exc:
        from archdsl.diagnostics import ArchError, error
        raise ArchError(error(f"building a Keras model needs TensorFlow and tf-keras ({exc})",
                              hint='install them with `pip install "archdsl[keras]"`')) from None


def to_keras(arch: Any, batch_size: int | None = None) -> Any:
    """A tf_keras functional Model for `arch` (see `archdsl.lower.keras`)."""
    require_keras()
    from archdsl.lower.keras import to_keras as lower
    return lower(arch, batch_size=batch_size)


def load_model(path: str) -> tuple[Any, Any]:
    """(model, Arch) from a `.keras` file or SavedModel directory written by `archdsl compile`."""
    require_keras()
    from archdsl.lower.artifacts import load_model as load
    return load(path)


def quiet(on: bool = True) -> None:
    """Hide (default) or show TensorFlow's start-up and progress logs; call before the first
    `to_keras`/`load_model` of the process (`archdsl compile -v` is `quiet(False)`)."""
    tflog.configure(verbose=not on)


__all__ = ["to_keras", "load_model", "require_keras", "quiet", "keras_name", "ir_name"]
