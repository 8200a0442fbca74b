"""Checkpoints in: a Model Garden training run's weights into the archdsl model of the same spec.

    report = import_weights("run/", "run/params.yaml", "specs/retinanet_spinenet49.arch",
                            {"input_size": 128, "num_classes": 3}, out="model.keras")

The run's `params.yaml` says which model Model Garden built; that model is rebuilt with Model
Garden's own task (`task.build_model()`), called once so every variable exists, and the checkpoint
is restored into it with `assert_existing_objects_matched`, so a checkpoint that lacks one of the
model's variables is refused. The weights then move by structure (`archdsl.interop.modelgarden.
transfer_weights`: SpineNet, ResNet, FPN, NAS-FPN, RetinaNet and segmentation heads, and archdsl
backbones). Before the transfer every archdsl weight is set to NaN; one still NaN afterwards had
no counterpart and is named in the error, so a partial load cannot pass. The result is saved with
the spec by the artifact writer, and the report lists every weight loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from archdsl.arch import load
from archdsl.diagnostics import ArchError, error

__all__ = ["ImportReport", "import_weights", "restore_modelgarden"]

# Experiments whose task configs accept any Model Garden run of that task (their backbone oneof
# is Model Garden's plus `archdsl`); the first that takes the params.yaml strictly is its task.
_EXPERIMENTS = ("retinanet_archdsl", "seg_archdsl")


@dataclass
class ImportReport:
    """What `import_weights` did: the checkpoint read, the weights set, where it was saved."""

    checkpoint: str
    experiment: str
    loaded: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    saved: str | None = None


def _fail(message: str, hint: str | None = None) -> ArchError:
    return ArchError(error(f"import-weights: {message}", hint=hint))


def _params(params_yaml: str, experiment: str | None) -> tuple[str, Any]:
    from official.core import exp_factory
    from official.modeling import hyperparams

    import archdsl.modelgarden  # noqa: F401  registers the experiments

    if not Path(params_yaml).is_file():
        raise _fail(f"no params file `{params_yaml}`", "pass the params.yaml Model Garden wrote next to the checkpoint")
    tried = []
    for name in (experiment,) if experiment else _EXPERIMENTS:
        params = exp_factory.get_exp_config(name)
        try:
            return name, hyperparams.override_params_dict(params, params_yaml, is_strict=True)
        except (KeyError, ValueError, TypeError) as exc:
            tried.append(f"{name}: {exc}")
    raise _fail(f"`{params_yaml}` is not a run of a known task", "; ".join(tried))


def restore_modelgarden(checkpoint: str, params: Any) -> Any:
    """Model Garden's model for `params`, with every variable restored from `checkpoint`."""
    from official.core import task_factory

    path = tf.train.latest_checkpoint(checkpoint) if Path(checkpoint).is_dir() else checkpoint
    if not path or not tf.io.gfile.exists(path + ".index"):
        raise _fail(f"no checkpoint at `{checkpoint}`", "pass a checkpoint prefix (run/ckpt-100) or its directory")
    model = task_factory.get_task(params.task).build_model()
    size = list(params.task.model.input_size)
    images = tf.zeros([1, *size])
    if hasattr(model, "detection_generator"):  # RetinaNet's call takes the image shape too
        model(images, image_shape=tf.constant([size[:2]], tf.float32), training=False)
    else:
        model(images, training=False)
    status = tf.train.Checkpoint(model=model).read(path)
    try:
        status.assert_existing_objects_matched()
    except AssertionError as exc:
        raise _fail(f"checkpoint `{path}` does not hold this model's weights: {str(exc)[:300]}",
                    "the params.yaml must be the one written with this checkpoint") from None
    status.expect_partial()  # the optimizer's slots are not imported
    return model, path


def import_weights(checkpoint: str, params_yaml: str, spec: str, overrides: dict[str, Any] | None = None, *,
                   experiment: str | None = None, out: str | None = None, **load_args: Any) -> ImportReport:
    """Load the Model Garden run (`checkpoint`, `params_yaml`) into the archdsl model of `spec`;
    save it to `out` (`.keras` or a SavedModel directory) when given."""
    from archdsl.interop.modelgarden import transfer_weights
    from archdsl.lower.artifacts import save

    arch = load(spec, overrides, **load_args)  # a bad spec fails before TensorFlow builds anything
    name, params = _params(params_yaml, experiment)
    source, path = restore_modelgarden(checkpoint, params)
    target = arch.to_keras()
    for w in target.weights:
        w.assign(np.full(w.shape, np.nan, w.dtype.as_numpy_dtype))
    transfer_weights(source, target)
    unset = [w for w in target.weights if np.isnan(w.numpy()).any()]
    if unset:
        raise _fail(f"archdsl weight `{unset[0].name}` has no counterpart in the checkpoint "
                    f"({len(unset)} of {len(target.weights)} not loaded)",
                    "the spec and its -D values must describe the model the run trained")
    report = ImportReport(path, name, [(w.name, tuple(w.shape)) for w in target.weights])
    if out:
        report.saved = save(target, arch, out)
    return report
