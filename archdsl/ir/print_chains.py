"""The IR printer's chains: one statement's nodes back to the AST of its stages and `repeat`s.

A statement's nodes become one chain (`stem = conv 7x7 /2 64 -> bn -> act swish ->
maxpool 3x3 /2`), with `repeat N (...)` wherever the elaborator's iteration tags show one
(`tower.0.conv`); each stage's arguments are the ones its op's definition spells
(`archdsl.ops.base.spelled_args`). `archdsl.ir.printer` puts the chains into statements, sections
and blocks; `archdsl.syntax.printer` writes the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archdsl.ir import nodes as n
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


def _tag_path(name: str, base: str) -> tuple[int, ...]:
    if not name.startswith(base + "."):
        raise Unprintable(f"`{name}` is not named after its statement `{base}`")
    parts = name[len(base) + 1:].split(".")
    if not all(p.isdigit() for p in parts[:-1]):
        raise Unprintable(f"`{name}`: cannot tell the statement's op names from it")
    return tuple(int(p) for p in parts[:-1])


def _nest(seq: list[tuple[tuple[int, ...], n.Node]]) -> list:
    """(tag path, node) in chain order -> stages and repeats (iteration 0 is the template)."""
    items: list = []
    i = 0
    while i < len(seq):
        tp, node = seq[i]
        if not tp:
            items.append(node)
            i += 1
            continue
        if tp[0] != 0:
            raise Unprintable(f"`{node.name}`: a repeat must start at iteration 0")
        iterations: list[list] = [[]]
        while i < len(seq) and seq[i][0] and seq[i][0][0] in (len(iterations) - 1, len(iterations)):
            if seq[i][0][0] == len(iterations):
                iterations.append([])
            iterations[-1].append((seq[i][0][1:], seq[i][1]))
            i += 1
        items.append(_Repeat(len(iterations), _nest(iterations[0])))
    return items


def _unroll(items: list, tag: str = "") -> list[tuple[n.Node, str]]:
    out: list[tuple[n.Node, str]] = []
    for item in items:
        if isinstance(item, _Repeat):
            for i in range(item.count):
                out += _unroll(item.body, f"{tag}{i}.")
        else:
            out.append((item, tag))
    return out


def _local_share(node: n.Node, prefix: str, tag: str) -> str | None:
    """The `share=` text that elaborates to `node.share` at this repeat tag (the elaborator appends
    `.i` per iteration and prefixes the template instance)."""
    if node.share is None:
        return None
    suffix = "." + tag.rstrip(".") if tag else ""
    if not node.share.startswith(prefix) or not node.share.endswith(suffix) or \
            len(node.share) <= len(prefix) + len(suffix):
        raise Unprintable(f"`{node.name}`: share group `{node.share}` does not fit its name")
    return node.share[len(prefix):len(node.share) - len(suffix)]


def _elaborated_names(items: list, base: str) -> list[tuple[str, n.Node, str]]:
    """What the elaborator names the unrolled chain: (name, template node, tag)."""
    flat = _unroll(items)
    used: set[str] = set()
    out = []
    for i, (node, tag) in enumerate(flat):
        if i == len(flat) - 1:
            out.append((base, node, tag))
            continue
        name, k = f"{base}.{tag}{node.op}", 1
        candidate = name
        while candidate in used:
            k += 1
            candidate = f"{name}_{k}"
        used.add(candidate)
        out.append((candidate, node, tag))
    return out


def _render(items: list, prefix: str, tag: str = "") -> list[ast.Stage | ast.Repeat]:
    out: list[ast.Stage | ast.Repeat] = []
    for item in items:
        if isinstance(item, _Repeat):
            out.append(ast.Repeat(value(item.count), chain(_render(item.body, prefix, tag + "0.")), SPAN))
        else:
            out.append(_stage(item, _local_share(item, prefix, tag)))
    return out


def chain_stages(nodes: list[n.Node], base: str, prefix: str) -> list[ast.Stage | ast.Repeat]:
    """The stages (and repeats) of a chain whose nodes are `nodes` and whose full base is `base`."""
    if nodes[-1].name != base:
        raise Unprintable(f"statement `{base}` does not end in a node of that name")
    seq = [(_tag_path(x.name, base), x) for x in nodes[:-1]]
    prev = seq[-1][0] if seq else ()
    for depth in range(len(prev), -1, -1):  # the last node's tag is not in its name: try each
        try:
            items = _nest(seq + [(prev[:depth], nodes[-1])])
            if _matches(items, nodes, base, prefix):
                return _render(items, prefix)
        except Unprintable:
            continue
    raise Unprintable(f"statement `{base}`: its node names do not follow a chain or repeat")


def _matches(items: list, nodes: list[n.Node], base: str, prefix: str) -> bool:
    named = _elaborated_names(items, base)
    if len(named) != len(nodes):
        return False
    for (name, template, tag), actual in zip(named, nodes):
        if name != actual.name:
            return False
        if _stage(template, _local_share(actual, prefix, tag)) != _stage(actual, _local_share(actual, prefix, tag)):
            return False
        if template.share is None and actual.share is not None or template.share is not None and actual.share is None:
            return False
    return True
