"""What every pass shares: the `State` passed along the pipeline and the `Pass` interface.

A pass is a small frozen dataclass with a `name` and one method, `run(state) -> state`. Checks add
diagnostics; analyses (shapes, costs) fill a field of the state; transforms return a state with a
new graph (copied, never changed in place). The state is immutable, so the pipeline can keep every
intermediate for `--print-between-passes` style debugging and golden tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar

from archdsl.diagnostics import Diagnostic, Severity
from archdsl.ir.graph import ArchGraph
from archdsl.limits import DEFAULT, Limits
from archdsl.ops.base import Cost, RuleContext, Shape
from archdsl.ops.rules import inner_width

__all__ = ["Cost", "Pass", "State", "rule_context"]


def rule_context(g: ArchGraph, shapes: Mapping[str, Shape], name: str) -> RuleContext:
    """What an op's rules see of node `name`'s surroundings: its level, the image's shape and each
    input's inner width (read from the producers' definitions)."""
    image = shapes[g.input_names()[0]]
    inner = tuple(inner_width(g.node(i).op, g.node(i).attrs, shapes[i]) for i in g.inputs(name))
    return RuleContext(g.node(name).level, image, inner)


@dataclass(frozen=True)
class State:
    graph: ArchGraph
    shapes: Mapping[str, Shape] = field(default_factory=dict)
    costs: Mapping[str, Cost] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    limits: Limits = DEFAULT  # the run's resource limits (check-limits reads them)

    def with_diagnostics(self, diags: list[Diagnostic]) -> State:
        return replace(self, diagnostics=self.diagnostics + tuple(diags))

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


@dataclass(frozen=True)
class Pass:
    name: ClassVar[str] = ""

    def run(self, state: State) -> State:  # pragma: no cover - interface
        raise NotImplementedError
