"""`load` and `Arch`: the recipe from a spec file to a checked architecture.

    module   = load_module(path)             # parse the file and its imports
    graph    = Elaborator(module, limits=limits).run(...)   # statements -> IR
    state    = run_pipeline(State(graph))    # check, infer shapes, merge orphans, prune, count, limits

An `Arch` is the checked result: the IR, every node's shape and cost, and the warnings. Lowering to
tf-keras (`to_keras`) imports TensorFlow lazily, so everything else stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from archdsl.diagnostics import ArchError, Diagnostic, did_you_mean, error
from archdsl.ir.elaborate import Elaborator
from archdsl.ir.expr import coerce
from archdsl.ir.graph import ArchGraph
from archdsl.ir.load import Module, Template, bound_values, load_module, param_type
from archdsl.ir.recover import once
from archdsl.limits import DEFAULT, Limits
from archdsl.ops.base import Shape
from archdsl.passes import Cost, State, run_pipeline
from archdsl.syntax import ast


@dataclass(frozen=True, slots=True)
class Row:
    """One line of `Arch.table()`."""

    name: str
    op: str
    level: int
    shape: Shape
    params: int
    macs: int
    inputs: tuple[str, ...]
    orphans: tuple[str, ...]
    share: str | None


class Arch:
    """A checked architecture: IR, shapes and costs. Build with `archdsl.load`."""

    def __init__(self, state: State, path: str | None = None, overrides: Mapping[str, Any] | None = None,
                 sources: Mapping[str, str] | None = None):
        self.graph: ArchGraph = state.graph
        self.shapes: Mapping[str, Shape] = state.shapes
        self.costs: Mapping[str, Cost] = state.costs
        self.warnings: tuple[Diagnostic, ...] = state.diagnostics
        self.path = path
        self.overrides = dict(overrides or {})
        self.sources = dict(sources or {})  # resolved path -> the exact text it was built from
        self.taps: tuple[str, ...] | None = None  # `outputs=` of `load`, when it chose the outputs

    @property
    def name(self) -> str:
        return self.graph.name

    @property
    def params(self) -> int:
        return sum(c.params for c in self.costs.values())

    @property
    def trainable_params(self) -> int:
        return sum(c.trainable for c in self.costs.values())

    @property
    def macs(self) -> int:
        return sum(c.macs for c in self.costs.values())

    @property
    def outputs(self) -> dict:
        """Output key -> (height, width, channels); nested for records (`scores` -> level -> ...)."""
        def convert(tree: Mapping) -> dict:
            return {k: convert(v) if isinstance(v, Mapping) else self._hwc(v) for k, v in tree.items()}
        return convert(self.graph.outputs)

    @property
    def feature_info(self) -> list:
        """Per returned feature: key, node, level, stride, channels (`archdsl.taps.FeatureInfo`)."""
        from archdsl.taps import feature_info
        return feature_info(self.graph, self.shapes)

    def _hwc(self, name: str) -> tuple[int, int, int]:
        s = self.shapes[name]
        return (s.height, s.width, s.channels)

    def table(self) -> list[Row]:
        g = self.graph
        rows = []
        for node in g.nodes():
            ins = g.inputs(node.name)
            orphans = tuple(i for i in ins if g.is_orphan_edge(i, node.name))
            cost = self.costs[node.name]
            rows.append(Row(node.name, node.op, node.level, self.shapes[node.name], cost.params,
                            cost.macs, tuple(i for i in ins if i not in orphans), orphans, node.share))
        return rows

    def to_text(self) -> str:
        """Canonical `.arch` text printed from the IR; loading it gives an equal graph (same names,
        ops, levels, attrs, shares, edges, outputs; see `archdsl.ir.printer`)."""
        from archdsl.ir.printer import format_arch
        return format_arch(self.graph, self.shapes)

    def to_keras(self, batch_size: int | None = None):
        """A tf_keras functional Model (imports TensorFlow)."""
        from archdsl.lower import to_keras
        return to_keras(self, batch_size=batch_size)

    def _repr_svg_(self) -> str | None:
        """Jupyter shows an Arch as its diagram (None, so the text repr is used, without Graphviz)."""
        from archdsl.render import GraphvizMissing, svg
        try:
            return svg(self)
        except GraphvizMissing:
            return None

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"text/plain": repr(self)}
        image = self._repr_svg_()
        if image is not None:
            bundle["image/svg+xml"] = image
        return bundle

    def __repr__(self) -> str:
        return f"<Arch {self.name}: {len(self.graph)} nodes, {self.params:,} params, {self.macs:,} MACs>"


def load(path: str | os.PathLike, overrides: Mapping[str, Any] | None = None, *,
         search_path: list[str] | None = None, limits: Limits | None = None,
         outputs: Sequence[str | int] | None = None, **limit_overrides: int) -> Arch:
    """Parse, elaborate and check the main arch of `path`. Raises `ArchError` with every diagnostic.

    `outputs` (node names or levels, see `archdsl.taps`) chooses what the model returns. `limits`
    (an `archdsl.Limits`) and keywords such as `max_nodes=10**6` override the defaults."""
    limits = replace(limits or DEFAULT, **limit_overrides)
    module = load_module(path, search_path, limits)
    return from_module(module, overrides, path=str(path), limits=limits, outputs=outputs)


def from_module(module: Module, overrides: Mapping[str, Any] | None = None, *, path: str | None = None,
                limits: Limits | None = None, outputs: Sequence[str | int] | None = None,
                **limit_overrides: int) -> Arch:
    template = module.main
    if template is None:
        raise ArchError(error(f"{module.path} defines no `arch`",
                              hint="a spec needs `arch name(...) { ... }` or `arch name = base(...)`"))
    return _check(module, template, overrides, path=path, limits=replace(limits or DEFAULT, **limit_overrides),
                  outputs=outputs)


def load_block(path: str | os.PathLike, block: str, inputs: Mapping[str, Mapping[int, tuple[int, int, int]]],
               overrides: Mapping[str, Any] | None = None, *, search_path: list[str] | None = None) -> Arch:
    """Check template `block` of `path` on its own, its inputs bound to families of graph inputs
    (`{"feats": {3: (80, 80, 512), 4: ...}}`: `feats[3]` is an input at L3). This is how a decoder
    is built for another framework's backbone (`archdsl.modelgarden`'s `archdsl` decoder type)."""
    module = load_module(path, search_path)
    template = module.template(block, None)
    declared = [s.name for s in template.defn.body if isinstance(s, ast.Input)]
    if sorted(declared) != sorted(inputs):
        raise ArchError(error(f"`{block}` takes the input(s) {', '.join(declared) or 'none'}; "
                              f"given {', '.join(inputs) or 'none'}", template.span))
    return _check(module, template, overrides, path=str(path), limits=DEFAULT, given=inputs)


def _check(module: Module, template: Template, overrides: Mapping[str, Any] | None, *, path: str | None,
           limits: Limits, outputs: Sequence[str | int] | None = None,
           given: Mapping[str, Mapping[int, tuple[int, int, int]]] | None = None) -> Arch:
    given_params = _overrides(template, overrides or {})
    elaborator = Elaborator(module, limits=limits)
    try:
        graph = elaborator.run(template, given_params, given)
    except ArchError as exc:
        raise ArchError(list(elaborator.diags) + [d for d in exc.diagnostics if d not in elaborator.diags]) from None
    if graph is None:
        raise ArchError(elaborator.diags)
    if outputs is not None:  # before the passes, so pruning and costs follow the taps
        from archdsl.taps import select_outputs
        graph = select_outputs(graph, outputs, template.span)
    state = run_pipeline(State(graph, limits=limits))
    # A pass's finding in a template called N times is one finding, with a note for the call.
    state = replace(state, diagnostics=tuple(once(state.diagnostics, elaborator.calls.values())))
    if state.failed:
        raise ArchError(state.diagnostics)
    arch = Arch(state, path, overrides, module.sources)
    arch.taps = None if outputs is None else tuple(str(t) for t in outputs)
    return arch


def _overrides(template: Template, overrides: Mapping[str, Any]) -> dict:
    """Check overrides (`-D name=value`) against the arch's parameters, reporting them as `-D`."""
    params = {p.name: p for p in template.params}
    bounds = bound_values(template, overrides)  # `max_level: min_level..7` reads min_level's value
    diags = []
    for key, value in overrides.items():
        if key not in params:
            diags.append(error(f"-D {key}: arch `{template.name}` has no parameter `{key}`", template.span,
                               hint=did_you_mean(key, params) or f"parameters: {', '.join(params)}"))
            continue
        type_ = param_type(params[key])
        if type_:
            try:
                coerce(value, type_, f"-D {key}", params[key].span, bounds, key)  # the declaration that bounds it
            except ArchError as exc:
                diags.extend(exc.diagnostics)
    if diags:
        raise ArchError(diags)
    return {k: (v, template.span) for k, v in overrides.items()}
