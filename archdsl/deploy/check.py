"""`check --target`: the ops of a checked arch that a deployment target cannot run, as located
diagnostics, before anything is built.

The check walks the lowering plan (the primitive ops the Keras model and the converter will see,
composites expanded), asks each op's definition for its facts (`OpDef.deploy`, through `support`),
and reports one diagnostic per spec node and problem, at the node's span, with the reason and a
hint. A whole-model limit is checked too: a TFLite flatbuffer cannot hold more than 2 GiB of
weights. No TensorFlow is imported.
"""

from __future__ import annotations

from archdsl.arch import Arch
from archdsl.deploy.support import FLATBUFFER_LIMIT, TARGETS, Verdict, support
from archdsl.diagnostics import Diagnostic, error, warning
from archdsl.lower.plan import plan

_WHAT = {
    Verdict.NEEDS_SELECT: "needs TF Select ops (not TFLite builtins)",
    Verdict.NO_INT8: "has no int8 kernel",
    Verdict.NO_GPU: "is not supported by the TFLite GPU delegate",
    Verdict.DYNAMIC: "has a dynamic shape",
    Verdict.NO_XLA: "does not compile with XLA",
}


def check_target(arch: Arch, target: str) -> list[Diagnostic]:
    """Diagnostics for every op of `arch` that `target` cannot run (errors) or knows nothing
    about (warnings); empty when the arch deploys."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")
    diags: list[Diagnostic] = []
    seen: set[tuple[str, str, Verdict]] = set()
    for step in plan(arch):
        s = support(step.op, step.attrs)[target]
        if s.ok:
            continue
        key = (step.node.name, step.op, s.verdict)
        if key in seen:  # a block's repeats report once, at the block's line
            continue
        seen.add(key)
        if s.verdict is Verdict.UNKNOWN:
            diags.append(warning(f"`{step.node.name}` ({step.op}): {s.reason}; {target} may reject it",
                                 step.node.span, hint=s.hint or None, node=step.node.name))
            continue
        what = _WHAT.get(s.verdict, str(s.verdict))
        diags.append(error(f"`{step.node.name}`: {step.op} {what} on {target}" + (f": {s.reason}" if s.reason else ""),
                           step.node.span, hint=s.hint or None, node=step.node.name))
    if target.startswith("tflite"):
        diags.extend(_size(arch, target))
    return diags


def _size(arch: Arch, target: str) -> list[Diagnostic]:
    bytes_per = 1 if target == "tflite-int8" else 4
    size = arch.params * bytes_per
    if size < FLATBUFFER_LIMIT:
        return []
    return [error(f"{arch.name}: {arch.params:,} parameters need {size / 2**30:.1f} GiB of weights; a TFLite "
                  f"flatbuffer holds at most 2 GiB", hint="quantize (--quantize int8) or export a SavedModel")]
