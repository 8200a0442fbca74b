"""The IR printer's fuse sections: a section's lines back to the AST of one `fuse` statement.

Each fuse line's nodes are its parents' resample paths, then its chain (the section's combine
chain, then its own stages). The section's header is recovered from them: the resampling rule
(and its alpha or width), the combine chain the lines share, `merge orphans` (orphan edges are
not printed: the clause adds them again) and the `stochastic_depth` rate whose linear ramp gives
each line's first block its drop rate. `archdsl.ir.printer` calls `fuse_section` for each section
in a scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archdsl.ir.graph import FuseSection
from archdsl.ir.naming import resample_name
from archdsl.ir.print_chains import Unprintable, chain_stages, combines, is_block, value
from archdsl.ops.registry import get_op
from archdsl.syntax import ast, synth
from archdsl.syntax.synth import SPAN

if TYPE_CHECKING:
    from archdsl.ir.printer import _Printer, _Scope, _Stmt


def fuse_section(p: _Printer, scope: _Scope, k: int, ctx: list) -> list[ast.Stmt]:
    """The `fuse` statement of section `k` (with the `defaults` lines its body needs)."""
    sec: FuseSection = p.g.sections[k]
    stmts = [p.stmt_of[p.key(line.node)] for line in sec.lines if line.node in p.g]
    outputs = {line.node: line.output for line in sec.lines}
    heads, rows = [], []
    rule_args: set = set()
    for stmt in stmts:
        resamples = [x for x in stmt.nodes if x.origin is not None and x.origin.role == "resample"]
        rest = stmt.nodes[len(resamples):]
        expected = [scope.prefix + resample_name(stmt.target, i) for i in range(len(resamples))]
        if [x.name for x in resamples] != expected or not rest or not all(get_op(x.op).resampler for x in resamples):
            raise Unprintable(f"fuse line `{stmt.group}` is not resamples then a chain")
        a = resamples[0].attrs
        rule_args.add((a.rule, a.alpha if a.rule == "alpha" else a.channels if a.rule == "nasfpn" else None))
        stages = chain_stages(rest, stmt.target, scope.prefix)
        p.check_chain(rest)
        if p.inputs(rest[0].name) != tuple(x.name for x in resamples):
            raise Unprintable(f"fuse line `{stmt.group}`: its combine does not read its resamples")
        block_at = next((i for i, x in enumerate(rest) if is_block(x.op)), len(rest))
        sized_by_block = sec.rule != "nasfpn"  # alpha, sepconv: the line's block sets the width
        head = stages[:block_at] if sized_by_block and len(resamples) > 1 else []
        if len(stages) != len(rest) and sized_by_block:
            raise Unprintable(f"fuse line `{stmt.group}`: a repeat in a resample-alpha line")
        heads.append(head)
        parents = tuple(p.ref(scope, p.inputs(r.name)[0]) for r in resamples)
        rows.append((stmt, stages, parents, outputs[stmt.nodes[-1].name]))
    if len(rule_args) != 1:
        raise Unprintable("a fuse section mixes resampling rules")
    rule, arg = rule_args.pop()
    combine = next((h for h, (_, _, ps, _) in zip(heads, rows) if len(ps) > 1), [])
    rule_stage = synth.stage(rule, *([ast.Arg("pos", value(arg), SPAN)] if arg is not None else []))
    clauses = [ast.FuseClause("resample", rule_stage, SPAN)]
    if combine:
        clauses.append(ast.FuseClause("combine", synth.chain(combine), SPAN))
    if sec.merge_orphans:
        seeds = tuple(p.ref(scope, x) for x in getattr(sec, "seeds", ()))
        clauses.append(ast.FuseClause("orphans", seeds or None, SPAN))
    drop = _drop_rate([s for s, *_ in rows])
    if drop:
        clauses.append(ast.FuseClause("drop", value(drop), SPAN))
    body: list[ast.Stmt] = []
    for (stmt, stages, parents, output), head in zip(rows, heads):
        if len(parents) == 1 or head != combine:  # one parent: no combine; or its own combine op
            if len(parents) > 1 and not (len(head) <= 1 and combines(stmt.nodes[len(parents)].op)):
                raise Unprintable(f"fuse line `{stmt.group}` combines unlike its section")
            own = stages
        else:
            own = stages[len(combine):]
        body += p.defaults(ctx, stmt.nodes)
        body.append(ast.NodeStmt(synth.target(stmt.target), synth.chain(own),
                                 synth.level(stmt.nodes[-1].level), parents, output, SPAN,
                                 optional=stmt.group in p.g.optional))
    return [ast.Fuse(tuple(clauses), tuple(body), SPAN)]


def _drop_rate(stmts: list[_Stmt]) -> float:
    """The `stochastic_depth r` that gives each line's first block its drop rate (r * i / n)."""
    firsts = [next((x for x in s.nodes if is_block(x.op)), None) for s in stmts]
    rates = [x.attrs.drop_rate for x in firsts if x is not None]
    total = len(rates)
    if not any(rates):
        return 0.0
    for i, rate in enumerate(rates, start=1):
        r = rate * total / i
        if all(r * j / total == d for j, d in enumerate(rates, start=1)):
            return r
    raise Unprintable("the stochastic-depth rates of this fuse section are not one linear ramp")
