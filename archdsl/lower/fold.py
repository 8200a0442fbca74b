"""Batch-norm folding: an inference lowering where a conv followed by its batch norm is one conv.

A transformation of the lowering plan, not of the per-op builders: `fold_plan` rewrites the
steps so that each conv whose only consumer is a batch norm (and neither is a shared layer, nor
is the conv's own output used elsewhere) becomes one conv with a bias, and the batch norm's name
becomes an alias of the conv's output. `fold_batch_norms` builds that plan and fills its weights
from a trained (or freshly built) model of the same arch:

    scale  = gamma / sqrt(moving_variance + epsilon)       (per output channel)
    kernel = kernel * scale,   bias = (bias - moving_mean) * scale + beta

which is the batch norm's inference formula applied to the conv's output, so the folded model is
equal to the original up to float32 round-off, with one op (and one memory pass) fewer per pair.
Only inference: a folded model has no batch statistics to train.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from archdsl.ir import nodes as n
from archdsl.lower.plan import Step


@dataclass(frozen=True, slots=True)
class Folded:
    """The rewritten steps, BN step name -> conv step name (both aliases and weight pairs)."""

    steps: list[Step]
    pairs: dict[str, str]


def fold_plan(steps: list[Step], outputs: set[str]) -> Folded:
    """Fold each (conv -> bn) pair where the conv's only consumer is the bn; `outputs` are the step
    names the model returns (a conv that is an output keeps its unfolded value)."""
    uses = Counter(i for s in steps for i in s.inputs)
    by_name = {s.name: s for s in steps}
    pairs: dict[str, str] = {}
    for step in steps:
        if step.op != "bn" or step.share is not None or len(step.inputs) != 1:
            continue
        conv = by_name.get(step.inputs[0])
        if conv is None or conv.op != "conv" or conv.share is not None:
            continue
        if uses[conv.name] != 1 or conv.name in outputs:
            continue
        pairs[step.name] = conv.name
    rename = dict(pairs)
    folded = []
    for step in steps:
        if step.name in pairs:
            continue
        if step.name in pairs.values():
            assert isinstance(step.attrs, n.ConvAttrs)
            step = replace(step, attrs=replace(step.attrs, bias=True))
        if any(i in rename for i in step.inputs):
            step = replace(step, inputs=tuple(rename.get(i, i) for i in step.inputs))
        folded.append(step)
    return Folded(folded, pairs)


def fold_batch_norms(model: Any, arch: Any) -> Any:
    """A BN-folded tf-keras model of `arch` computing what `model` (built from `arch`) computes."""
    from archdsl.lower.keras import _output_names, build
    from archdsl.lower.names import keras_name
    from archdsl.lower.plan import plan

    plan_ = fold_plan(list(plan(arch)), _output_names(arch.graph.outputs))
    folded, pairs = build(arch, plan_.steps, aliases=plan_.pairs), plan_.pairs
    source = {layer.name: layer for layer in model.layers}
    convs = {keras_name(c): keras_name(b) for b, c in pairs.items()}
    for layer in folded.layers:
        if not layer.weights:
            continue
        if layer.name in convs:
            layer.set_weights(_fold(source[layer.name], source[convs[layer.name]]))
        else:
            layer.set_weights(source[layer.name].get_weights())
    return folded


def _fold(conv: Any, bn: Any) -> list[np.ndarray]:
    kernel = conv.get_weights()[0].astype(np.float64)
    bias = conv.get_weights()[1].astype(np.float64) if conv.use_bias else 0.0
    gamma, beta, mean, var = (w.astype(np.float64) for w in bn.get_weights())
    scale = gamma / np.sqrt(var + bn.epsilon)
    if kernel.ndim == 4 and type(conv).__name__ == "DepthwiseConv2D":
        # (kh, kw, channels, multiplier): output channel c * multiplier + m
        kernel = kernel * scale.reshape(1, 1, kernel.shape[2], kernel.shape[3])
    else:
        kernel = kernel * scale  # output channels are the last axis
    dtype = conv.get_weights()[0].dtype
    return [kernel.astype(dtype), ((bias - mean) * scale + beta).astype(dtype)]
