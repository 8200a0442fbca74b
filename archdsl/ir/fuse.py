"""Fuse sections: how a line's parents at other levels are resampled, combined and recorded.

In `fuse resample R, combine C, merge orphans [from ...], stochastic_depth d { ... }` each line's
parents are resampled to the line's level by rule R (`b3.in0`, `b3.in1`), combined by C (`b3.add`,
...) unless the line starts with its own combine, then the line's ops follow. The section is
recorded (`FuseSection`) so the merge-orphans pass can apply Model Garden's rule after shape
inference, and the blocks' stochastic-depth rates ramp linearly as Model Garden's do. This is a
part of the `Elaborator` (a mixin): it uses the elaborator's `_chain`, `_body`, `_claim`, `_add`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from archdsl.diagnostics import ArchError, Span, error
from archdsl.ir import nodes as n
from archdsl.ir.expr import coerce, evaluate
from archdsl.ir.graph import FuseLine, FuseSection
from archdsl.ir.naming import resample_name
from archdsl.ir.ops import bind, spelled_op
from archdsl.ir.resolve import Binding, NodeName, Stub, ref
from archdsl.ops import bn as bn_op
from archdsl.ops.base import BuildContext
from archdsl.ops.registry import get_op
from archdsl.ops.resample import RULES as RESAMPLE_RULES
from archdsl.syntax import ast

if TYPE_CHECKING:  # annotations only: elaborate imports this module
    from archdsl.ir.elaborate import _Frame


@dataclass
class FuseState:
    rule: str
    rule_args: dict
    combine: ast.Chain | None
    orphans: bool
    drop: float
    seeds: list = field(default_factory=list)  # bindings named by `merge orphans from`
    lines: list[FuseLine] = field(default_factory=list)
    blocks: list[Stub] = field(default_factory=list)


class FuseSections:
    """The fuse-section statements of the `Elaborator`."""

    # what this mixin uses of the Elaborator (declared for type checking)
    stubs: list[Stub]
    sections: list[FuseSection]
    seeds: list[tuple[list, Span]]
    _chain: Callable[..., Binding]
    _body: Callable[..., None]
    _claim: Callable[[str, Span], str]
    _add: Callable[[Stub], None]
    _index: Callable[..., Any]

    def _fuse(self, stmt: ast.Fuse, frame: _Frame) -> None:
        fuse = FuseState("alpha", {"alpha": 0.5}, None, False, 0.0)
        for clause in stmt.clauses:
            if clause.kind == "resample":
                stage = clause.value
                assert isinstance(stage, ast.Stage)
                sig = RESAMPLE_RULES.get(stage.op)
                if sig is None:
                    raise ArchError(error(f"unknown resample rule `{stage.op}`", stage.op_span,
                                          hint="rules: " + ", ".join(RESAMPLE_RULES)))
                fuse.rule, fuse.rule_args = stage.op, bind(stage, sig, frame.scope, {})
            elif clause.kind == "combine":
                assert isinstance(clause.value, ast.Chain)
                fuse.combine = clause.value
            elif clause.kind == "orphans":
                assert clause.value is None or isinstance(clause.value, tuple)
                fuse.orphans = True
                fuse.seeds = [ref(frame.ns, r, self._index(r, frame)) for r in clause.value or ()]
            else:
                assert not isinstance(clause.value, (ast.Stage, ast.Chain, tuple)) and clause.value is not None
                fuse.drop = coerce(evaluate(clause.value, frame.scope), "float", "stochastic depth", clause.span)
        inner = replace(frame, fuse=fuse)
        self._body(stmt.body, inner)
        frame.returned = inner.returned or frame.returned
        for i, block in enumerate(fuse.blocks, start=1):  # Model Garden: rate * i / number of blocks
            block.bound["drop_rate"] = fuse.drop * i / len(fuse.blocks)
        self.sections.append(FuseSection(tuple(fuse.lines), fuse.orphans, fuse.rule))
        self.seeds.append((fuse.seeds, stmt.span))

    def _fuse_line(self, stmt, frame, base, level, parents) -> Binding:
        fuse = frame.fuse
        if level is None:
            raise ArchError(error("a line in a fuse section needs a level", stmt.span, hint="add `at L<n>`"))
        if not parents:
            raise ArchError(error("a line in a fuse section needs parents", stmt.span, hint="add `<- a, b`"))
        stages = list(stmt.chain.stages)
        first = stages[0]
        combine_given = isinstance(first, ast.Stage) and _combines(first.op)
        head = [] if combine_given or len(parents) == 1 else list(fuse.combine.stages if fuse.combine else ())
        if not combine_given and not head and len(parents) > 1:
            head = [ast.Stage("add", (), stmt.span, stmt.span)]
        channels = self._target_channels(stages[1 if combine_given else 0:], frame, level, stmt)
        act = frame.defaults.get("act", {}).get("fn", "relu")
        attrs = _checked(stmt.span, "resample", lambda: n.ResampleAttrs(
            fuse.rule, channels, act, fuse.rule_args.get("alpha", 1.0), bn_op.from_defaults(frame.defaults)))
        resampled: list[Binding] = []
        for i, parent in enumerate(parents):
            name = self._claim(frame.ns.prefix + resample_name(base, i), stmt.span)
            self._add(Stub(name, "resample", [parent], frame.ns.prefix + base, stmt.span,
                           attrs=attrs, level=level, origin=n.Origin(frame.ns.scope, base, "resample", (), i)))
            resampled.append(NodeName(name))
        start = len(self.stubs)
        result = self._chain(tuple(head + stages), resampled, frame, base, None, stmt,
                             combines=len(head) or int(combine_given))
        made = self.stubs[start:]
        blocks = [s for s in made if get_op(s.op).composite and get_op(s.op).spelled]
        fuse.blocks.extend(blocks[:1])
        if made:
            fuse.lines.append(FuseLine(made[-1].name, made[0].name, stmt.output))
        return result

    def _target_channels(self, stages, frame, level, stmt) -> int:
        """The width a line's parents are resampled to: the rule's own (`nasfpn(256)`), or the
        width of the line's first composite stage (a block group), computed from its values."""
        if frame.fuse.rule == "nasfpn":
            return frame.fuse.rule_args["filters"]
        stage = next((s for s in stages if isinstance(s, ast.Stage)), None)
        op = spelled_op(stage.op) if stage is not None else None
        if stage is None or op is None or not op.composite or op.width is None:
            raise ArchError(error("resample alpha needs a block (bottleneck or residual) after the combine",
                                  stmt.span, hint="the block's width sets the resampled width"))
        bound = bind(stage, op, frame.scope, {}, fill=False)  # as written
        try:
            width = op.width(bound, BuildContext(level, frame.widths, frame.defaults))
        except ValueError as exc:
            raise ArchError(error(str(exc), stage.span, hint=getattr(exc, "hint", None))) from None
        assert width is not None
        return width


def _checked(span: Span, what: str, make):
    """Build attrs whose invariants a user's values can break, as a located error."""
    try:
        return make()
    except ValueError as exc:
        raise ArchError(error(f"invalid {what}: {exc}", span)) from None


def _combines(op: str) -> bool:
    """A line that starts with its own multi-input op (`attention -> ...`) replaces the combine."""
    definition = spelled_op(op)
    return definition is not None and definition.max_inputs != 1 and definition.min_inputs > 1


def seed_names(bindings: list, span: Span) -> tuple[str, ...]:
    """The nodes `merge orphans from a, feats` names: a family gives its levels in order."""
    from archdsl.ir.resolve import deref, node_of

    names: list[str] = []
    for b in bindings:
        target = deref(b)
        members = [target[k] for k in sorted(target)] if isinstance(target, dict) else [b]
        names.extend(node_of(m, span) for m in members)
    return tuple(names)
