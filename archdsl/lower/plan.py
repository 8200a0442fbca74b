"""Flatten a checked `Arch` into primitive steps, in Model Garden's creation order; no TensorFlow.

Composite nodes (block groups, resample paths) become the layers `archdsl.ir.expand` lists, so
the Keras model, the cost counts and the diagrams all read one statement of the semantics. The
plan is the lowering's only input besides the registry of per-op builders, and weight transfer
reads it to know which Keras layers form one Model Garden block. Steps follow the IR's
topological order with ties broken by definition order, which is the order Model Garden creates
its layers in (resample paths of parent 0, then parent 1, then the block).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from archdsl.arch import Arch
from archdsl.ir import nodes as n
from archdsl.ir.expand import expand

WEIGHTED = (n.Op.CONV, n.Op.BN)


@dataclass(frozen=True, slots=True)
class Step:
    """One primitive layer. `inputs` name earlier steps; `node` is the IR node it came from (for
    spans); `share` is the key of the Keras layer to reuse; `block` is (kind, "b3.0", "conv1")
    for a layer inside a Model Garden block, else None."""

    name: str
    op: n.Op
    attrs: n.Attrs
    inputs: tuple[str, ...]
    node: n.Node
    share: str | None = None
    block: tuple[str, str, str] | None = None


def plan(arch: Arch) -> Iterator[Step]:
    """The primitive steps of `arch`, in creation order."""
    g = arch.graph
    for name in g.topo_order():
        node = g.node(name)
        inputs = g.inputs(name)
        if node.op in n.BLOCK_OPS or node.op is n.Op.RESAMPLE:
            yield from _composite(arch, node, inputs)
        else:
            yield Step(name, node.op, node.attrs, inputs, node, node.share)


def _composite(arch: Arch, node: n.Node, inputs: tuple[str, ...]) -> Iterator[Step]:
    g = arch.graph
    parent_block = node.op is n.Op.RESAMPLE and g.node(inputs[0]).op is n.Op.BOTTLENECK
    layers = expand(node, tuple(arch.shapes[i] for i in inputs), parent_block=parent_block,
                    target=arch.shapes[node.name])
    for layer in layers:
        ins = tuple(inputs[0] if i == "<0>" else i for i in layer.inputs)
        suffix = layer.name[len(node.name):]
        share = f"{node.share}{suffix}" if node.share else None
        block = None
        if node.op in n.BLOCK_OPS and layer.op in WEIGHTED:
            index, _, sub = suffix[1:].partition(".")
            block = (node.op.value, f"{node.name}.{index}", sub)
        yield Step(layer.name, layer.op, layer.attrs, ins, node, share, block)


def weighted_units(steps: Iterable[Step]) -> list[tuple[str, str | dict[str, str]]]:
    """Weighted layers grouped as Model Garden creates them: ("conv"|"bn", step name) for a
    top-level layer, ("bottleneck"|"residual", {sub: step name}) for one block. Shared layers
    appear once, at their first use."""
    units: list[tuple[str, str | dict[str, str]]] = []
    blocks: dict[str, dict[str, str]] = {}
    seen: set[str] = set()
    for step in steps:
        if step.op not in WEIGHTED:
            continue
        if step.share is not None:
            if step.share in seen:
                continue
            seen.add(step.share)
        if step.block is None:
            units.append((step.op.value, step.name))
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
