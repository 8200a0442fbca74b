"""An op's deployment facts: what TFLite (fp32, full int8, the GPU delegate) and XLA do with it.

A primitive op's definition carries a `Deploy` record (or a function of its attrs returning one,
when the facts depend on them: a depthwise conv lowers to another TFLite op than a dense one): the
TFLite builtin ops its fp32 conversion emits, and for each target that cannot run it, why and what
to do. `archdsl check --target` reads these records through `OpDef.support`, without TensorFlow;
`tests/keras/test_deploy.py` proves each built-in op's record against the real converter. A
composite has no record of its own: the check walks its expansion. No facts (`deploy=None`) means
unknown: the check warns, and only the converter can tell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

TARGETS = ("tflite", "tflite-int8", "tflite-gpu", "xla")


class Verdict(str, Enum):
    OK = "ok"
    NEEDS_SELECT = "needs-select"   # only with TF Select ops (a larger runtime, no delegate)
    NO_INT8 = "no-int8"             # no int8 kernel: full-integer conversion fails
    NO_GPU = "no-gpu"               # the GPU delegate rejects it (runs on CPU, splits the graph)
    DYNAMIC = "dynamic-shape"       # a shape known only at run time
    NO_XLA = "no-xla"
    UNKNOWN = "unknown"             # no facts recorded for this op

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Support:
    """One op on one target: the verdict, the TFLite ops it becomes, why, and what to do."""

    verdict: Verdict
    lowers_to: tuple[str, ...] = ()
    reason: str = ""
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one target cannot run an op, and what the user can do instead."""

    verdict: Verdict
    reason: str
    hint: str = ""

    def __post_init__(self) -> None:
        if self.verdict in (Verdict.OK, Verdict.UNKNOWN):
            raise ValueError(f"a deployment problem needs a failing verdict, not {self.verdict}")


@dataclass(frozen=True, slots=True)
class Deploy:
    """What the targets do with one primitive op: `lowers_to`, the TFLite builtin ops its fp32
    conversion emits (empty: it converts to nothing, e.g. an identity); `unsupported`, the targets
    that cannot run it and why (empty: it runs everywhere); `note`, why it lowers as it does."""

    lowers_to: tuple[str, ...] = ()
    unsupported: Mapping[str, Problem] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        unknown = [t for t in self.unsupported if t not in TARGETS]
        if unknown:
            raise ValueError(f"unknown deployment target {unknown[0]!r}; expected one of {', '.join(TARGETS)}")

    def on(self, target: str) -> Support:
        problem = self.unsupported.get(target)
        if problem is None:
            return Support(Verdict.OK, self.lowers_to, self.note)
        return Support(problem.verdict, self.lowers_to, problem.reason, problem.hint)

    def support(self) -> dict[str, Support]:
        """Target -> Support, for every target."""
        return {t: self.on(t) for t in TARGETS}


def everywhere(*lowers_to: str, note: str = "") -> Deploy:
    """Facts of an op every target runs, lowering to `lowers_to` in TFLite."""
    return Deploy(tuple(lowers_to), note=note)


def unknown(op: str) -> dict[str, Support]:
    """Target -> the `unknown` verdict, for an op without facts."""
    s = Support(Verdict.UNKNOWN, (), f"no deployment facts are recorded for `{op}`",
                "convert it (`archdsl export --to tflite`) to find out, and give its OpDef `deploy=`")
    return {t: s for t in TARGETS}
