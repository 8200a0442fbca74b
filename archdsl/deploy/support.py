"""Per-target support of each primitive op, read from the op definitions: `support(op, attrs)`.

The facts live in each op's `OpDef.deploy` (archdsl/ops/deploy.py says what a record holds);
this module only looks them up by op name, so `archdsl check --target` needs no table of its own
and a plug-in op's facts are read the same way as a built-in's. An op without facts (or a name no
op has) is `unknown`: the check warns, and only the converter can tell.
"""

from __future__ import annotations

from typing import Any

from archdsl.ops.deploy import TARGETS, Deploy, Problem, Support, Verdict, everywhere, unknown
from archdsl.ops.registry import all_ops, find_op

# A flatbuffer stores its weights in one buffer table addressed by 32-bit offsets.
FLATBUFFER_LIMIT = 2**31

__all__ = ["FLATBUFFER_LIMIT", "TARGETS", "Deploy", "Problem", "Support", "Verdict", "everywhere", "known_ops",
           "support"]


def support(op_kind: str, attrs: Any = None) -> dict[str, Support]:
    """Target -> Support for one primitive op (`op_kind` as in the IR, e.g. 'conv')."""
    op = find_op(op_kind)
    return unknown(op_kind) if op is None else op.support(attrs)


def known_ops() -> tuple[str, ...]:
    """The registered ops that record deployment facts (composites have none: their expansion's)."""
    return tuple(op.name for op in all_ops() if op.deploy is not None)
