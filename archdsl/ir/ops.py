"""The built-in ops of the language: their arguments, types, defaults, and how they become attrs.

Each op has a signature (`SIGNATURES`): ordered positional parameters and keyword parameters with
types and defaults. `bind` matches a stage's arguments to it (the `3x3` form fills `kernel`, `/2`
fills `stride`, a bare boolean parameter name such as `bias` is a flag), after the enclosing
`defaults` statements. Building the attrs waits until the node's level is known, because a block's
filters default to the `widths` entry of its level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archdsl.diagnostics import ArchError, Span, did_you_mean, error
from archdsl.ir import nodes as n
from archdsl.ir.expr import Scope, coerce, evaluate
from archdsl.syntax import ast

REQUIRED = object()


@dataclass(frozen=True, slots=True)
class P:
    type: str
    default: Any = REQUIRED


@dataclass(frozen=True, slots=True)
class Signature:
    op: n.Op
    positional: tuple[str, ...]
    params: dict[str, P]
    doc: str


_BN = {"momentum": P("float", 0.99), "epsilon": P("float", 1e-3), "sync": P("bool", False)}
_BLOCK = {"filters": P("int", None), "stride": P("int", 1), "repeats": P("int", 1),
          "drop_rate": P("float", 0.0)}

SIGNATURES: dict[str, Signature] = {
    "conv": Signature(n.Op.CONV, ("kernel", "filters"), {
        "kernel": P("int"), "filters": P("int", None), "stride": P("int", 1), "bias": P("bool", False),
        "groups": P("int", 1), "depthwise": P("bool", False), "init": P("string", "variance_scaling"),
        "bias_init": P("float", 0.0), "share": P("string", None)},
        "2-D convolution with 'same' padding: conv 3x3 /2 64 [bias] [depthwise] [share=name]"),
    "bn": Signature(n.Op.BN, (), dict(_BN), "batch normalization: bn [momentum=] [epsilon=] [sync=]"),
    "act": Signature(n.Op.ACT, ("fn",), {"fn": P("string")}, "activation: act swish"),
    "maxpool": Signature(n.Op.MAXPOOL, ("kernel",), {"kernel": P("int", 3), "stride": P("int", None)},
                         "max pooling, 'same' padding: maxpool 3x3 /2"),
    "upsample": Signature(n.Op.UPSAMPLE, ("factor",), {"factor": P("int", 2)},
                          "nearest-neighbour upsampling: upsample 2"),
    "resize": Signature(n.Op.RESIZE, ("factor",), {"factor": P("int", 2)},
                        "bilinear upsampling (tf.image.resize): resize 4"),
    "add": Signature(n.Op.ADD, (), {}, "element-wise sum of all inputs"),
    "concat": Signature(n.Op.CONCAT, (), {}, "channel concatenation of all inputs"),
    "attention": Signature(n.Op.ATTENTION, (), {},
                           "NAS-FPN global attention: coarse + fine * sigmoid(global max of coarse)"),
    "global_pool": Signature(n.Op.GLOBAL_POOL, (), {}, "global average pooling (keeps H, W = 1)"),
    "identity": Signature(n.Op.IDENTITY, (), {}, "pass-through"),
    "bottleneck": Signature(n.Op.BOTTLENECK, ("filters",), dict(_BLOCK),
                            "Model Garden bottleneck block group (outputs 4x filters)"),
    "residual": Signature(n.Op.RESIDUAL, ("filters",), dict(_BLOCK),
                          "Model Garden residual block group (outputs filters)"),
}

# Resampling rules named in a `fuse resample ...` clause.
RESAMPLE_RULES: dict[str, Signature] = {
    "alpha": Signature(n.Op.RESAMPLE, ("alpha",), {"alpha": P("float", 0.5)},
                       "SpineNet resample-with-alpha"),
    "nasfpn": Signature(n.Op.RESAMPLE, ("filters",), {"filters": P("int")},
                        "NAS-FPN resampling to `filters` channels"),
}

Bound = dict[str, Any]


def bind(stage: ast.Stage, sig: Signature, scope: Scope, defaults: dict[str, Bound], *,
         fill: bool = True) -> Bound:
    """Match a stage's arguments to `sig`; missing ones come from `defaults`, then the signature.

    With `fill=False` only the arguments written in the stage are returned (for `defaults`).
    """
    values: Bound = {}
    pos = list(sig.positional)

    def put(name: str, value: Any, span: Span) -> None:
        if name not in sig.params:
            raise ArchError(error(f"`{stage.op}` has no parameter `{name}`", span,
                                  hint=did_you_mean(name, sig.params) or _params_hint(stage.op, sig)))
        if name in values:
            raise ArchError(error(f"`{name}` is given twice", span))
        values[name] = coerce(value, sig.params[name].type, f"`{stage.op}` parameter `{name}`", span)

    for arg in stage.args:
        if arg.kind == "kernel" or arg.kind == "stride":
            put(arg.kind, evaluate(arg.value, scope), arg.span)
            if arg.kind in pos:
                pos.remove(arg.kind)
        elif arg.kind == "kw":
            put(arg.name or "", evaluate(arg.value, scope, symbols=True), arg.span)
            if arg.name in pos:
                pos.remove(arg.name)
        elif isinstance(arg.value, ast.Var) and sig.params.get(arg.value.name, P("")).type == "bool":
            put(arg.value.name, True, arg.span)  # a flag such as `bias`
        else:
            while pos and pos[0] in values:
                pos.pop(0)
            if not pos:
                raise ArchError(error(f"too many arguments for `{stage.op}`", arg.span,
                                      hint=_params_hint(stage.op, sig)))
            put(pos.pop(0), evaluate(arg.value, scope, symbols=True), arg.span)
    if not fill:
        return values
    for name, value in defaults.get(stage.op, {}).items():
        values.setdefault(name, value)
    for name, p in sig.params.items():
        if name not in values:
            if p.default is REQUIRED:
                raise ArchError(error(f"`{stage.op}` needs `{name}`", stage.span,
                                      hint=_params_hint(stage.op, sig)))
            values[name] = p.default
    return values


def _params_hint(op: str, sig: Signature) -> str:
    """A hint from the op's doc line, "what it is: how to write it" (the usage part optional)."""
    what, _, usage = sig.doc.partition(": ")
    if usage.startswith(op):
        return f"write it as `{usage}` ({what})"
    return f"`{op}` takes {', '.join(sig.params) or 'no parameters'}: {sig.doc}"


def make_attrs(op: n.Op, v: Bound, *, level: int, widths: dict[int, int] | None,
               defaults: dict[str, Bound], span: Span) -> n.Attrs:
    """Build the typed attrs of a bound stage once its level is known."""
    try:
        return _BUILDERS[op](v, level, widths, defaults, span)
    except ValueError as exc:
        raise ArchError(error(f"invalid `{op}`: {exc}", span)) from None


def _bn_from(defaults: dict[str, Bound]) -> n.BatchNormAttrs:
    d = defaults.get("bn", {})
    return n.BatchNormAttrs(d.get("momentum", 0.99), d.get("epsilon", 1e-3), d.get("sync", False))


def _act_from(defaults: dict[str, Bound], span: Span) -> str:
    fn = defaults.get("act", {}).get("fn")
    if fn is None:
        raise ArchError(error("blocks need an activation", span,
                              hint="add `defaults act(swish)` (or relu) before this line"))
    return fn


def _conv(v, level, widths, defaults, span):
    filters = v["filters"]
    if filters is None and not v["depthwise"]:
        raise ArchError(error("`conv` needs `filters`", span, hint=_params_hint("conv", SIGNATURES["conv"])))
    return n.ConvAttrs(filters or 1, v["kernel"], v["stride"], v["bias"], v["groups"], v["depthwise"],
                       v["init"], v["bias_init"])


def _block(v, level, widths, defaults, span):
    filters = v["filters"]
    if filters is None:
        if not widths or level not in widths:
            known = ", ".join(f"L{k}" for k in sorted(widths or {})) or "none"
            raise ArchError(error(f"no width for L{level}: give the block's filters", span,
                                  hint=f"`widths` has entries for: {known}"))
        filters = widths[level]
    return n.BlockAttrs(filters, _act_from(defaults, span), v["stride"], v["repeats"],
                        _bn_from(defaults), v["drop_rate"])


_BUILDERS: dict[n.Op, Callable[..., n.Attrs]] = {
    n.Op.CONV: _conv,
    n.Op.BN: lambda v, *_: n.BatchNormAttrs(v["momentum"], v["epsilon"], v["sync"]),
    n.Op.ACT: lambda v, *_: n.ActAttrs(v["fn"]),
    n.Op.MAXPOOL: lambda v, *_: n.PoolAttrs(v["kernel"], v["stride"] or v["kernel"]),
    n.Op.UPSAMPLE: lambda v, *_: n.UpsampleAttrs(v["factor"]),
    n.Op.RESIZE: lambda v, *_: n.ResizeAttrs(v["factor"]),
    n.Op.BOTTLENECK: _block,
    n.Op.RESIDUAL: _block,
    **{op: (lambda v, *_: n.NoAttrs()) for op in
       (n.Op.ADD, n.Op.CONCAT, n.Op.ATTENTION, n.Op.GLOBAL_POOL, n.Op.IDENTITY)},
}
