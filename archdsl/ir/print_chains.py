"""The IR printer's chains: one statement's nodes back to the AST of its stages and `repeat`s.

A statement's nodes become one chain (`stem = conv 7x7 /2 64 -> bn -> act swish ->
maxpool 3x3 /2`), with `repeat N (...)` wherever their origins' `iteration`s show one; each
stage's arguments are the ones its op's definition spells (`archdsl.ops.base.spelled_args`). The
chain is then named as the elaborator will name it (`archdsl.ir.naming`) and must give the nodes'
own names and share groups, or the graph is refused. `archdsl.ir.printer` puts the chains into statements, sections
and blocks; `archdsl.syntax.printer` writes the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archdsl.ir import nodes as n
from archdsl.ir.naming import share_group, stage_name
from archdsl.ir.ops import spelled_op
from archdsl.ops.base import bare_word, spelled_args
from archdsl.ops.registry import get_op
from archdsl.syntax import ast
from archdsl.syntax.synth import SPAN, chain, stage, value_expr


def combines(op: str) -> bool:
    definition = spelled_op(op)
    return definition is not None and definition.max_inputs != 1 and definition.min_inputs > 1


def is_block(op: str) -> bool:
    """A composite a line writes (a block group), as opposed to the resample paths it implies."""
    definition = get_op(op)
    return definition.composite and definition.spelled


class Unprintable(ValueError):
    """The graph cannot be written as `.arch` text with the same names."""


# ---- values and stages -----------------------------------------------------------------------

def value(x: Any) -> ast.Expr:
    try:
        return value_expr(x)
    except ValueError as exc:
        raise Unprintable(str(exc)) from None


def _arg(kind: str, name: str | None, x: Any) -> ast.Arg:
    if kind in ("kernel", "stride"):
        return ast.Arg(kind, value(x), SPAN)
    if kind == "flag":
        return ast.Arg("pos", ast.Var(str(name), SPAN), SPAN)
    if kind == "pos":
        return ast.Arg("pos", ast.Var(x, SPAN) if bare_word(x) else value(x), SPAN)
    return ast.Arg("kw", value(x), SPAN, name)


def _stage(node: n.Node, share: str | None) -> ast.Stage:
    """One op with its arguments written out (defaults omitted), in `conv 3x3 /2 64` form, as the
    op's signature spells them."""
    op = get_op(node.op)
    if not op.spelled:
        raise Unprintable(f"`{node.name}`: a {node.op} node cannot be written in `.arch` text")
    if share is not None and op.param("share") is None:
        raise Unprintable(f"`{node.name}`: {node.op} cannot share weights in `.arch` text")
    # A bare `bn` would take the `defaults bn(...)` this printer writes for blocks: spell it out.
    explicit = node.op == "bn" and node.attrs != n.BatchNormAttrs()
    try:
        args = [_arg(*a) for a in spelled_args(op, node.attrs, explicit=explicit)]
    except ValueError as exc:
        raise Unprintable(f"`{node.name}`: {exc}") from None
    args += [ast.Arg("kw", value(share), SPAN, "share")] if share is not None else []
    return stage(node.op, *args)


def defaults_of(node: n.Node) -> tuple[str, n.BatchNormAttrs] | None:
    """The `defaults act(..), bn(..)` a composite node was made under (None: any): the fields its
    op's `make_attrs` filled from those defaults."""
    a = node.attrs
    if get_op(node.op).composite and hasattr(a, "activation") and hasattr(a, "bn"):
        return a.activation, a.bn
    return None


# ---- chains: flat nodes back to stages and `repeat`s -------------------------------------------

@dataclass
class _Repeat:
    count: int
    body: list  # of n.Node (a template position) or _Repeat


Iteration = tuple[int, ...]


def _nest(seq: list[tuple[Iteration, n.Node]]) -> list:
    """(iteration, node) in chain order -> stages and repeats (iteration 0 is the template)."""
    items: list = []
    i = 0
    while i < len(seq):
        it, node = seq[i]
        if not it:
            items.append(node)
            i += 1
            continue
        if it[0] != 0:
            raise Unprintable(f"`{node.name}`: a repeat must start at iteration 0")
        iterations: list[list] = [[]]
        while i < len(seq) and seq[i][0] and seq[i][0][0] in (len(iterations) - 1, len(iterations)):
            if seq[i][0][0] == len(iterations):
                iterations.append([])
            iterations[-1].append((seq[i][0][1:], seq[i][1]))
            i += 1
        items.append(_Repeat(len(iterations), _nest(iterations[0])))
    return items


def _unroll(items: list, iteration: Iteration = ()) -> list[tuple[n.Node, Iteration]]:
    out: list[tuple[n.Node, Iteration]] = []
    for item in items:
        if isinstance(item, _Repeat):
            for i in range(item.count):
                out += _unroll(item.body, iteration + (i,))
        else:
            out.append((item, iteration))
    return out


def _local_share(node: n.Node, prefix: str, iteration: Iteration) -> str | None:
    """The `share=` text that elaborates to `node.share` here. A share group is a label with no
    typed origin, so the written name is what is left of it once the elaborator's prefix and
    iteration suffix are taken off, checked by building the group again."""
    if node.share is None:
        return None
    empty = share_group(prefix, "", iteration)
    head, tail = empty[:len(prefix)], empty[len(prefix):]
    local = node.share[len(head):len(node.share) - len(tail)]
    if not local or share_group(prefix, local, iteration) != node.share:
        raise Unprintable(f"`{node.name}`: share group `{node.share}` is not one a `share=` writes here")
    return local


def _render(items: list, prefix: str, iteration: Iteration = ()) -> list[ast.Stage | ast.Repeat]:
    out: list[ast.Stage | ast.Repeat] = []
    for item in items:
        if isinstance(item, _Repeat):
            out.append(ast.Repeat(value(item.count), chain(_render(item.body, prefix, iteration + (0,))), SPAN))
        else:
            out.append(_stage(item, _local_share(item, prefix, iteration)))
    return out


def chain_stages(nodes: list[n.Node], target: str, prefix: str) -> list[ast.Stage | ast.Repeat]:
    """The stages (and repeats) of statement `target`'s chain, whose nodes are `nodes` (in a
    template instance whose names start with `prefix`)."""
    seq = []
    for x in nodes:
        if x.origin is None:
            raise Unprintable(f"`{x.name}` has no provenance (Node.origin)")
        seq.append((x.origin.iteration, x))
    items = _nest(seq)
    _check_names(items, nodes, target, prefix)
    return _render(items, prefix)


def _check_names(items: list, nodes: list[n.Node], target: str, prefix: str) -> None:
    """That the chain elaborates to these very nodes: the elaborator's names and share groups,
    and each repeated stage equal to its iteration-0 template."""
    flat = _unroll(items)
    if len(flat) != len(nodes):
        raise Unprintable(f"statement `{prefix}{target}`: its iterations do not form whole repeats")
    used: set[str] = set()
    for i, ((template, iteration), actual) in enumerate(zip(flat, nodes)):
        name = prefix + (target if i == len(flat) - 1 else stage_name(target, iteration, template.op, used))
        if name != actual.name:
            raise Unprintable(f"`{actual.name}`: the text would name it `{name}`")
        share = _local_share(actual, prefix, iteration)
        if (template.share is None) != (actual.share is None) or _stage(template, share) != _stage(actual, share):
            raise Unprintable(f"`{actual.name}` differs from the first iteration of its `repeat`")
