"""Lower a checked `Arch` to a tf-keras functional model: the driver.

    for step in plan(arch):                      # primitive layers in creation order
        layer = get_op(step.op).lower(attrs, name)  # each op's own Keras builder
        tensors[step.name] = layer(inputs)

Weight-sharing groups build one layer and call it at every use. Any error raised while building
a layer becomes an `ArchError` located at the span of the IR node the layer came from. The
model's output is the graph's output tree with string keys ('3'..'7', nested for records).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tensorflow as tf
import tf_keras

from archdsl.arch import Arch
from archdsl.diagnostics import ArchError, error
from archdsl.lower.layers import ArchModel
from archdsl.lower.names import keras_name
from archdsl.lower.plan import Step, plan, shared_layers, weighted_units
from archdsl.lower.precision import policy_scope
from archdsl.ops.registry import get_op


def to_keras(arch: Arch, batch_size: int | None = None, fold_bn: bool = False,
             policy: str | None = None) -> tf_keras.Model:
    """A tf-keras functional Model computing `arch`; output keys follow `arch.graph.outputs`.
    `fold_bn` lowers the inference plan with batch norms folded into convs (`lower.fold`; its
    weights come from `fold_batch_norms`); `policy` is a dtype policy (`lower.precision`)."""
    steps = list(plan(arch))  # walked again by attach_structure: compute once
    if not fold_bn:
        return build(arch, steps, batch_size, policy=policy)
    from archdsl.lower.fold import fold_plan

    folded = fold_plan(steps, _output_names(arch.graph.outputs))
    return build(arch, folded.steps, batch_size, aliases=folded.pairs, policy=policy)


def build(arch: Arch, steps: list[Step], batch_size: int | None = None,
          aliases: Mapping[str, str] | None = None, policy: str | None = None) -> tf_keras.Model:
    """The model of a (possibly rewritten) plan; `aliases` name steps a rewrite removed -> the
    step whose output stands for theirs. Under a mixed `policy` the output layers stay float32."""
    with policy_scope(policy):
        return _build(arch, steps, batch_size, aliases or {}, _output_names(arch.graph.outputs) if policy else set())


def _build(arch: Arch, steps: list[Step], batch_size: int | None, aliases: Mapping[str, str],
           float32: set[str]) -> tf_keras.Model:
    kept = {v: k for k, v in aliases.items()}  # a folded conv stands for its BN, maybe an output
    tensors: dict[str, tf.Tensor] = {}
    shared: dict[str, tf_keras.layers.Layer] = {}
    inputs: dict[str, tf.Tensor] = {}
    for step in steps:
        op = get_op(step.op)
        if op.max_inputs == 0:  # a source: its builder makes the model's input tensor
            make = op.lower(step.attrs, keras_name(step.name))
            inputs[step.name] = tensors[step.name] = make(batch_size)
            continue
        with policy_scope("float32" if {step.name, kept.get(step.name)} & float32 else None):
            tensors[step.name] = _lower_step(arch, step, tensors, shared)
    for removed, by in aliases.items():
        tensors[removed] = tensors[by]
    outputs = _tree(arch.graph.outputs, tensors)
    model_inputs: Any = (next(iter(inputs.values())) if len(inputs) == 1
                         else {keras_name(k): v for k, v in inputs.items()})
    model = ArchModel(model_inputs, outputs, name=keras_name(arch.name))
    attach_structure(model, steps)
    return model


def _output_names(tree: Mapping[str, Any]) -> set[str]:
    return set().union(*(_output_names(v) if isinstance(v, Mapping) else {v} for v in tree.values()))


def attach_structure(model: tf_keras.Model, steps: list[Step]) -> None:
    """Remember which Keras layers form one Model Garden block (read by weight transfer), from
    the lowering's `plan` steps. Stored in `__dict__` so Keras does not track it as a sub-object."""
    model.__dict__["_archdsl_units"] = weighted_units(steps)
    model.__dict__["_archdsl_shared"] = {k: keras_name(v) for k, v in shared_layers(steps).items()}


def _lower_step(arch: Arch, step: Step, tensors: dict[str, tf.Tensor],
                shared: dict[str, tf_keras.layers.Layer]) -> tf.Tensor:
    try:
        layer = shared.get(step.share) if step.share else None
        if layer is None:
            layer = get_op(step.op).lower(step.attrs, keras_name(step.name))
            if step.share:
                shared[step.share] = layer
        args = [tensors[i] for i in _ordered_inputs(arch, step)]
        return layer(args if get_op(step.op).max_inputs != 1 else args[0])
    except ArchError:
        raise
    except Exception as exc:  # a Keras/TF complaint: point at the spec line that made the node
        raise ArchError(error(f"cannot lower `{step.name}` ({step.op}) to tf-keras: {exc}",
                              step.node.span, node=step.node.name)) from exc


def _ordered_inputs(arch: Arch, step: Step) -> tuple[str, ...]:
    """The inputs in the order the op's Keras layer takes them: as written, or by the op's
    `input_order` over their source levels (where a resample path's input came from)."""
    order = get_op(step.op).input_order
    if order is None:
        return step.inputs
    g = arch.graph

    def source_level(name: str) -> int:
        node = g.node(name)
        return g.node(g.inputs(name)[0]).level if get_op(node.op).resampler else node.level

    return tuple(step.inputs[i] for i in order([source_level(i) for i in step.inputs]))


def _tree(outputs: Mapping[str, Any], tensors: Mapping[str, tf.Tensor]) -> dict[str, Any]:
    return {str(k): _tree(v, tensors) if isinstance(v, Mapping) else tensors[v] for k, v in outputs.items()}
