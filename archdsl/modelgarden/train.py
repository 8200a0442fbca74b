"""Train archdsl models with Model Garden's trainer: its command line, and the same as a function.

    python -m archdsl.modelgarden.train --experiment=retinanet_archdsl \
        --config_file=my.yaml --mode=train_and_eval --model_dir=/tmp/run

is Model Garden's `official/vision/train.py` (every flag of it: `--params_override`, TF_CONFIG for
multi-worker runs, `runtime.distribution_strategy`) with the `archdsl` types and experiments
registered, and one fix: a resumed multi-worker run restores every worker (`SharedRestoreRunner`).
`run` is that program's body as a function, for a strategy made by the caller (two logical
CPUs, a MultiWorkerMirroredStrategy): the chief writes `params.yaml`, Model Garden's task is
built inside the strategy's scope and `train_lib.run_experiment` runs, resuming from the last
checkpoint in `model_dir`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import tensorflow as tf
from official.core import train_lib

import archdsl.modelgarden  # noqa: F401  registers the types and the experiments

__all__ = ["experiment", "run", "main", "SharedRestoreRunner", "multi_worker_strategy"]


def multi_worker_strategy(heartbeat_timeout_s: int = 600) -> tf.distribute.Strategy:
    """MultiWorkerMirroredStrategy (from TF_CONFIG) whose coordination service waits
    `heartbeat_timeout_s` for a worker's heartbeat instead of TensorFlow's 10 s.

    On a loaded machine (a shared 2-core CI runner, two workers tracing and evaluating at once) a
    heartbeat can take longer than 10 s, and the run then aborts with `DEADLINE_EXCEEDED` on
    `CoordinationService/Heartbeat` although every worker is alive. The strategy configures the
    service only when nothing has yet (the same job list and leader are set here); TensorFlow has
    no public setter for the timeout, hence the `context` call. Call it before other TF work."""
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.eager import context

    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    cluster = resolver.cluster_spec()
    jobs = [coordination_config_pb2.CoordinatedJob(name=job, num_tasks=cluster.num_tasks(job))
            for job in ("chief", "worker") if job in cluster.jobs]
    leader = "chief" if "chief" in cluster.jobs else "worker"
    context.context().configure_coordination_service(
        service_type="standalone", service_leader=f"/job:{leader}/replica:0/task:0", coordinated_jobs=jobs,
        heartbeat_timeout_in_ms=heartbeat_timeout_s * 1000)
    return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)


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
    from official.core import task_factory, train_utils
    from official.modeling import performance
    from official.vision.utils import summary_manager

    strategy = strategy or tf.distribute.get_strategy()
    if "train" in mode and strategy.extended.should_checkpoint:  # one writer (workers may differ in paths)
        train_utils.serialize_config(params, model_dir)
    if params.runtime.mixed_precision_dtype:
        performance.set_mixed_precision_policy(params.runtime.mixed_precision_dtype)
    with strategy.scope():
        task = task_factory.get_task(params.task, logging_dir=model_dir)
    # `train_lib.run_experiment`'s body, with the runner that resumes every worker.
    runner = SharedRestoreRunner(distribution_strategy=strategy, task=task, mode=mode, params=params,
                                 model_dir=model_dir, train_actions=list(train_actions),
                                 eval_actions=list(eval_actions),
                                 # as train.py: writes image summaries (segmentation) besides scalars
                                 eval_summary_manager=summary_manager.maybe_build_eval_summary_manager(
                                     params=params, model_dir=model_dir))
    return runner.run()


class SharedRestoreRunner(train_lib.OrbitExperimentRunner):
    """Model Garden's experiment runner, except that every worker resumes from the chief's checkpoint.

    Model Garden gives each non-chief worker of a multi-worker run a fresh temporary checkpoint
    directory (only the chief writes `model_dir`), so in a resumed run the chief alone restored:
    it restored where the checkpoint manager is first read (the preemption handler Model Garden
    adds), creating the save counter and the optimizer slots there, while the others initialised.
    Their collective ops (MultiWorkerMirroredStrategy broadcasts every new variable) then no
    longer lined up ("Shape mismatch in the collective instance": a head kernel met the stem's),
    one worker died and the other waited until the coordination service's heartbeats timed out.
    Here a non-chief's manager still writes to its temporary directory but restores the chief's
    latest checkpoint, so every worker runs the same restore at the same point. Reading
    `model_dir` is safe: a resumed worker gets there only after building its model, whose
    variable broadcasts wait for the chief, which had first finished writing that checkpoint."""

    def _maybe_build_checkpoint_manager(self) -> Any:
        manager = super()._maybe_build_checkpoint_manager()
        if manager is not None and not self.strategy.extended.should_checkpoint and manager.latest_checkpoint is None:
            # CheckpointManager has no public way to restore from another directory than it writes.
            manager._latest_checkpoint = tf.train.latest_checkpoint(self.model_dir)
        return manager


def _main(_: Any) -> None:
    """Model Garden's `official/vision/train.py` main, through `run` (so resumed multi-worker
    runs restore every worker; see `SharedRestoreRunner`)."""
    import gin
    from absl import flags
    from official.common import distribute_utils
    from official.core import train_utils
    from official.vision import registry_imports  # noqa: F401  Model Garden's own experiments, as train.py

    flag_values = flags.FLAGS
    gin.parse_config_files_and_bindings(flag_values.gin_file, flag_values.gin_params)
    params = train_utils.parse_configuration(flag_values)
    strategy = distribute_utils.get_distribution_strategy(
        distribution_strategy=params.runtime.distribution_strategy, all_reduce_alg=params.runtime.all_reduce_alg,
        num_gpus=params.runtime.num_gpus, tpu_address=params.runtime.tpu)
    run(params, flag_values.model_dir, flag_values.mode, strategy)
    train_utils.save_gin_config(flag_values.mode, flag_values.model_dir)


def main(argv: list[str] | None = None) -> None:
    """The command line of Model Garden's `official/vision/train.py`, with archdsl's registrations."""
    from absl import app, flags
    from official.common import flags as tfm_flags

    tfm_flags.define_flags()
    flags.mark_flags_as_required(["experiment", "mode", "model_dir"])
    app.run(_main, argv=argv)


if __name__ == "__main__":
    main()
