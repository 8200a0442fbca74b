"""Train archdsl models with Model Garden's trainer: its command line, and the same as a function.

    python -m archdsl.modelgarden.train --experiment=retinanet_archdsl \
        --config_file=my.yaml --mode=train_and_eval --model_dir=/tmp/run

is Model Garden's `official/vision/train.py` (every flag of it: `--params_override`, TF_CONFIG for
multi-worker runs, `runtime.distribution_strategy`) with the `archdsl` backbone and experiments
registered. `run` is that program's body as a function, for a strategy made by the caller (two
logical CPUs, a MultiWorkerMirroredStrategy): it writes `params.yaml`, builds Model Garden's task
inside the strategy's scope and calls `train_lib.run_experiment`, which resumes from the last
checkpoint in `model_dir`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import tensorflow as tf

import archdsl.modelgarden  # noqa: F401  registers the backbone and the experiments

__all__ = ["experiment", "run", "main"]


def experiment(name: str, config_files: Sequence[str] = (), params_override: Mapping[str, Any] | str | None = None):
    """Model Garden's experiment `name` with YAML files and overrides applied strictly, validated
    and locked, as `train_utils.parse_configuration` does for the command line."""
    from official.core import exp_factory
    from official.modeling import hyperparams

    params = exp_factory.get_exp_config(name)
    for path in config_files:
        params = hyperparams.override_params_dict(params, path, is_strict=True)
    if params_override:
        params = hyperparams.override_params_dict(params, params_override, is_strict=True)
    params.validate()
    params.lock()
    return params


def run(params: Any, model_dir: str, mode: str = "train_and_eval", strategy: tf.distribute.Strategy | None = None,
        train_actions: Sequence[Callable[[Any], None]] = (),
        eval_actions: Sequence[Callable[[Any], None]] = ()) -> tuple[Any, Mapping[str, Any]]:
    """Run Model Garden's `train_lib.run_experiment` for `params`; returns (model, eval logs)."""
    from official.core import task_factory, train_lib, train_utils
    from official.modeling import performance
    from official.vision.utils import summary_manager

    strategy = strategy or tf.distribute.get_strategy()
    if "train" in mode:
        train_utils.serialize_config(params, model_dir)
    if params.runtime.mixed_precision_dtype:
        performance.set_mixed_precision_policy(params.runtime.mixed_precision_dtype)
    with strategy.scope():
        task = task_factory.get_task(params.task, logging_dir=model_dir)
    return train_lib.run_experiment(distribution_strategy=strategy, task=task, mode=mode, params=params,
                                    model_dir=model_dir, train_actions=list(train_actions),
                                    eval_actions=list(eval_actions),
                                    # as train.py: writes image summaries (segmentation) besides scalars
                                    eval_summary_manager=summary_manager.maybe_build_eval_summary_manager(
                                        params=params, model_dir=model_dir))


def main(argv: list[str] | None = None) -> None:
    """Model Garden's `official/vision/train.py`, with archdsl's registrations loaded."""
    from absl import app, flags
    from official.common import flags as tfm_flags
    from official.vision import train as mg_train

    tfm_flags.define_flags()
    flags.mark_flags_as_required(["experiment", "mode", "model_dir"])
    app.run(mg_train.main, argv=argv)


if __name__ == "__main__":
    main()
