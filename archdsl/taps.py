"""Feature taps: choose which nodes a model returns (`archdsl.load(..., outputs=[...])`, `-O`).

A tap is a node name (`b3`, `endpoint[4]`) or a level (`4`, `L4`: the arch's own output at that
level). `select_outputs` checks the requests against the elaborated graph before any pass or
TensorFlow runs (an unknown name with a did-you-mean hint, the same node asked for twice, a level
the arch does not output), each as a diagnostic located at the arch's definition and named after
the `-O` that asked, then makes the taps the graph's outputs: level taps keep their level key
('4'), name taps are keyed by the node name. Pruning then keeps exactly what the taps need, so
params, MACs and the lowered model are those of the tapped network. `feature_info` describes the
outputs as timm's `feature_info` and Hugging Face's `channels`/`strides` do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from archdsl.diagnostics import ArchError, Diagnostic, Span, did_you_mean, error
from archdsl.ir.graph import ArchGraph

__all__ = ["FeatureInfo", "select_outputs", "feature_info"]

_LEVEL = re.compile(r"^[Ll]?(\d+)$")


@dataclass(frozen=True, slots=True)
class FeatureInfo:
    """One returned feature: its output key, the node it comes from, level, stride, channels."""

    key: str
    node: str
    level: int
    stride: int
    channels: int


def _level_outputs(graph: ArchGraph) -> dict[int, str]:
    """The arch's flat level-keyed outputs ('3' -> node), as ints."""
    return {int(k): v for k, v in graph.outputs.items() if isinstance(v, str) and str(k).isdigit()}


def _resolve(tap: Any, graph: ArchGraph, span: Span | None) -> tuple[str, str] | Diagnostic:
    """(output key, node name) for one request, or the diagnostic that refuses it."""
    text = str(tap).strip()
    m = _LEVEL.match(text) if not isinstance(tap, bool) else None
    if m:
        level, levels = int(m.group(1)), _level_outputs(graph)
        if level in levels:
            return str(level), levels[level]
        hint = (f"its output levels: {', '.join(map(str, sorted(levels)))}" if levels else
                f"its outputs are not keyed by level ({', '.join(map(str, graph.outputs))}); select nodes by name")
        return error(f"-O {text}: arch `{graph.name}` has no output at level {level}", span, hint=hint)
    if text in graph:
        return text, text
    names = [node.name for node in graph.nodes()]
    return error(f"-O {text}: arch `{graph.name}` has no node `{text}`", span,
                 hint=did_you_mean(text, names) or "name a node of the spec (`archdsl check --table` lists them)")


def select_outputs(graph: ArchGraph, taps: Iterable[Any], span: Span | None = None) -> ArchGraph:
    """A copy of `graph` whose outputs are `taps` (names or levels); raises `ArchError` with a
    diagnostic for every bad request."""
    taps = list(taps)
    if not taps:
        raise ArchError(error(f"-O: no outputs selected for arch `{graph.name}`", span,
                              hint="name at least one node or level"))
    diags: list[Diagnostic] = []
    chosen: dict[str, str] = {}
    asked: dict[str, str] = {}  # node -> the request that chose it first
    for tap in taps:
        found = _resolve(tap, graph, span)
        if isinstance(found, Diagnostic):
            diags.append(found)
            continue
        key, node = found
        if node in asked:
            diags.append(error(f"-O {tap}: `{node}` is already selected by -O {asked[node]}", span,
                               hint="give each feature once"))
            continue
        asked[node], chosen[key] = str(tap), node
    if diags:
        raise ArchError(diags)
    out = graph.copy()
    out.outputs = chosen
    return out


def feature_info(graph: ArchGraph, shapes: Mapping[str, Any]) -> list[FeatureInfo]:
    """Key, node, level, stride (input height over feature height) and channels of every flat
    output, in output order."""
    inputs = [node for node in graph.nodes() if node.op == "input"]
    height = shapes[inputs[0].name].height if inputs else None
    info = []
    for path, name in graph.output_items():
        shape = shapes[name]
        stride = height // shape.height if height and shape.height else 1
        info.append(FeatureInfo(".".join(path), name, graph.node(name).level, stride, shape.channels))
    return info
