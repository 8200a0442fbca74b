"""Flatten a checked `Arch` into primitive steps, in Model Garden's creation order; no TensorFlow.

Composite nodes (block groups, resample paths) become the layers their op's `expand` lists, so
the Keras model, the cost counts and the diagrams all read one statement of the semantics. The
plan is the lowering's only input besides the ops' Keras builders, and weight transfer
reads it to know which Keras layers form one Model Garden block. Steps follow the IR's
topological order with ties broken by definition order, which is the order Model Garden creates
its layers in (resample paths of parent 0, then parent 1, then the block).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from archdsl.arch import Arch
from archdsl.ir.nodes import Node
from archdsl.ops.registry import get_op
from archdsl.ops.rules import layers_of
from archdsl.passes.base import rule_context


@dataclass(frozen=True, slots=True)
class Step:
    """One primitive layer. `inputs` name earlier steps; `node` is the IR node it came from (for
    spans); `share` is the key of the Keras layer to reuse; `block` is (kind, "b3.0", "conv1")
    for a weighted layer inside a Model Garden block, else None."""

    name: str
    op: str
    attrs: Any
    inputs: tuple[str, ...]
    node: Node
    share: str | None = None
    block: tuple[str, str, str] | None = None


def plan(arch: Arch) -> Iterator[Step]:
    """The primitive steps of `arch`, in creation order."""
    g = arch.graph
    for name in g.topo_order():
        node = g.node(name)
        inputs = g.inputs(name)
        if get_op(node.op).composite:
            yield from _composite(arch, node, inputs)
        else:
            yield Step(name, node.op, node.attrs, inputs, node, node.share)


def _composite(arch: Arch, node: Node, inputs: tuple[str, ...]) -> Iterator[Step]:
    ctx = rule_context(arch.graph, arch.shapes, node.name)
    layers = layers_of(node.op, node.name, node.attrs, tuple(arch.shapes[i] for i in inputs), ctx)
    renamed = {f"<{i}>": name for i, name in enumerate(inputs)}
    for k, layer in enumerate(layers):
        ins = tuple(renamed.get(i, i) for i in layer.inputs)
        # A shared composite shares each of its layers: key them by the group and the position.
        share = f"{node.share}#{k}" if node.share else None
        block = None
        if layer.unit is not None and get_op(layer.op).weighted:
            kind, index, member = layer.unit
            block = (kind, f"{node.name}.{index}", member)
        yield Step(layer.name, layer.op, layer.attrs, ins, node, share, block)


def weighted_units(steps: Iterable[Step]) -> list[tuple[str, str | dict[str, str]]]:
    """Weighted layers grouped as Model Garden creates them: ("conv"|"bn", step name) for a
    top-level layer, ("bottleneck"|"residual", {sub: step name}) for one block. Shared layers
    appear once, at their first use."""
    units: list[tuple[str, str | dict[str, str]]] = []
    blocks: dict[str, dict[str, str]] = {}
    seen: set[str] = set()
    for step in steps:
        if not get_op(step.op).weighted:
            continue
        if step.share is not None:
            if step.share in seen:
                continue
            seen.add(step.share)
        if step.block is None:
            units.append((step.op, step.name))
            continue
        kind, prefix, sub = step.block
        if prefix not in blocks:
            blocks[prefix] = {}
            units.append((kind, blocks[prefix]))
        blocks[prefix][sub] = step.name
    return units


def shared_layers(steps: Iterable[Step]) -> dict[str, str]:
    """Each weight-sharing group's key -> the step that builds its one layer (its first use)."""
    first: dict[str, str] = {}
    for step in steps:
        if step.share is not None:
            first.setdefault(step.share, step.name)
    return first
