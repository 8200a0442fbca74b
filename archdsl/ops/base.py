"""What an op is: one `OpDef` holding every rule any stage needs, and the small value types rules use.

An op's definition says how a spec spells it (`name`, `params` with types, defaults and the
positional order, a `doc` line for hints), what it stores (a frozen `attrs` dataclass whose
`__post_init__` states its invariants, built by `make_attrs` once the node's level is known), how
many inputs it takes, how it moves the level (`level_step`), what shape it produces (`shape`), what
it costs (`cost`), what it expands to if it is a composite (`expand`: primitive `Layer`s), how it
becomes a tf-keras layer (`lower`, which imports TensorFlow itself, lazily), how diagrams label it
and which deployment targets run it. Every stage reads these fields through the registry
(`archdsl.ops.registry`); nothing outside an op's module branches on its name.

Rules raise `ValueError` for a user's mistake; callers turn it into a located `ArchError`.
Nothing here imports the IR, so op modules stay leaf modules (the IR imports them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

REQUIRED: Any = object()  # a parameter without a default
Bound = dict[str, Any]  # parameter name -> value, as a stage binds them


@dataclass(frozen=True, slots=True)
class Shape:
    """One sample's tensor: a feature map (height x width x channels), or with `tokens` a token
    sequence whose `height` x `width` is its patch grid (the grid keeps the level a feature map of
    that size would have), `channels` each token's width, and `extra` tokens before the grid (a
    class token). `Shape(h, w, c)` is a feature map."""

    height: int
    width: int
    channels: int
    tokens: bool = False
    extra: int = 0

    def __str__(self) -> str:
        return self.text("x")

    @property
    def length(self) -> int:
        """Tokens in a sequence (grid plus extra); a feature map's positions."""
        return self.height * self.width + self.extra

    @property
    def form(self) -> str:
        return "tokens" if self.tokens else "feature map"

    def text(self, times: str = "×") -> str:
        """`14×14×192` for a feature map; `197×192 tokens (14×14+1)` for a sequence."""
        if not self.tokens:
            return f"{self.height}{times}{self.width}{times}{self.channels}"
        extra = f"+{self.extra}" if self.extra else ""
        return f"{self.length}{times}{self.channels} tokens ({self.height}{times}{self.width}{extra})"

    def strided(self, stride: int, channels: int | None = None) -> Shape:
        """TF 'same' padding: ceil division of the spatial size."""
        return Shape(math.ceil(self.height / stride), math.ceil(self.width / stride),
                     self.channels if channels is None else channels)


@dataclass(frozen=True, slots=True)
class Cost:
    """Params (all, and trainable) and multiply-adds of one node or layer."""

    params: int = 0
    trainable: int = 0
    macs: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.params + other.params, self.trainable + other.trainable, self.macs + other.macs)


@dataclass(frozen=True, slots=True)
class Layer:
    """One primitive layer of a composite's expansion. `inputs` name layers of the same expansion
    or the node's inputs ("<0>"); `unit` says which block member it is, as Model Garden's layers
    are attributes of a block: (block kind, block index in the group, member such as "conv1")."""

    name: str
    op: str
    attrs: Any
    inputs: tuple[str, ...]
    shape: Shape
    unit: tuple[str, int, str] | None = None


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an op's signature; `type` as the language's (int, float, bool, string)."""

    name: str
    type: str
    default: Any = REQUIRED


class RuleError(ValueError):
    """A user's mistake found by an op's rule, with a hint saying what to do."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Signature:
    """Parameters of something a spec writes like a stage but that is not an op (a fuse
    section's resample rule)."""

    name: str
    doc: str
    params: tuple[Param, ...] = ()
    positional: tuple[str, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What `make_attrs` may read besides the stage's values: the node's level, the enclosing
    `widths` table and `defaults` (an op's defaults as written, by op name)."""

    level: int
    widths: Mapping[int, int] | None = None
    defaults: Mapping[str, Bound] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What shape, cost and expansion rules may read besides attrs and input shapes: the node's
    level, the network input's shape, and each input's producer's inner width (`inner_width`)."""

    level: int
    image: Shape
    inner: tuple[int, ...] = ()

    def level_shape(self, channels: int) -> Shape:
        """The 'same'-padded size of this node's level, with `channels`."""
        return self.image.strided(2**self.level, channels)


def _same_level(values: Mapping[str, Any]) -> int:
    return 0


def _first_shape(attrs: Any, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    return ins[0]


def _free(attrs: Any, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    return Cost()


def _channels(attrs: Any, shape: Shape) -> int:
    return shape.channels


def _no_lowering(attrs: Any, name: str) -> Any:
    raise NotImplementedError("this op has no Keras lowering")


@dataclass(frozen=True)
class OpDef:
    """Everything about one op. Only `name`, `doc` and `attrs` are required; the defaults describe
    an op with no settings that keeps its input's level and shape and costs nothing."""

    name: str
    doc: str  # one line, e.g. "2-D convolution: conv 3x3 /2 64 [bias]"
    attrs: type
    params: tuple[Param, ...] = ()
    positional: tuple[str, ...] = ()
    # attrs from the bound values; the default passes the values as keywords
    make_attrs: Callable[[Bound, BuildContext], Any] | None = None
    # the values a printed stage must give to rebuild `attrs` (the default reads same-named fields)
    values: Callable[[Any], Bound] | None = None
    min_inputs: int = 1
    max_inputs: int | None = 1
    ordered: bool = True  # does the order of the inputs matter (hashing)?
    # levels added by the op from its bound values (stride 2: +1, upsampling by 2: -1);
    # None: the op does not compute a level, the line must declare it (`at L3`)
    level_step: Callable[[Mapping[str, Any]], int | None] = _same_level
    shape: Callable[[Any, Sequence[Shape], RuleContext], Shape] = _first_shape
    cost: Callable[[Any, Sequence[Shape], Shape, RuleContext], Cost] = _free
    expand: Callable[[str, Any, Sequence[Shape], RuleContext], tuple[Layer, ...]] | None = None
    # an upper bound on the layers `expand` makes, from the bound values: the node budget counts
    # them before anything is expanded (a spec of 100 block groups of 2,000 blocks is refused fast)
    layers: Callable[[Bound], int] | None = None
    # the width a resample path that reads this op starts from (Model Garden's block filters)
    inner_width: Callable[[Any, Shape], int] = _channels
    # output channels from bound values alone, where they do not depend on the input
    width: Callable[[Bound, BuildContext], int | None] | None = None
    lower: Callable[[Any, str], Any] = _no_lowering  # -> a tf_keras layer
    # how a multi-input lowering orders its inputs, given their source levels (None: as written)
    input_order: Callable[[Sequence[int]], Sequence[int]] | None = None
    label: Callable[[Any], str] | None = None  # diagram text; default: name and printed args
    in_summary: bool = True  # named in a statement's one-line diagram summary (bn, act: no)
    resampler: bool = False  # brings its input to this node's level (its source is the input's level)
    spelled: bool = True  # written in specs (False: made by the compiler, e.g. input, resample)
    weighted: bool = False  # owns Keras weights (weight transfer pairs these layers)
    # what its inputs must be: "map" (feature maps), "tokens" (token sequences) or "any"
    takes: str = "map"
    # deployment targets ("tflite", "tflite-int8", "tflite-gpu", "xla") -> why it does not run there
    unsupported: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"op `{self.name}`: a parameter is declared twice")
        if self.takes not in ("map", "tokens", "any"):
            raise ValueError(f"op `{self.name}`: takes must be map, tokens or any, not {self.takes!r}")
        unknown = [p for p in self.positional if p not in names]
        if unknown:
            raise ValueError(f"op `{self.name}`: positional parameter `{unknown[0]}` is not declared")

    @property
    def composite(self) -> bool:
        return self.expand is not None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def arity_problem(self, count: int) -> str | None:
        """What is wrong with `count` inputs (None: nothing): one statement of the arity rule
        for elaboration and check-structure."""
        lo, hi = self.min_inputs, self.max_inputs
        if lo <= count and (hi is None or count <= hi):
            return None
        got = "no input" if count == 0 else f"{count} input{'s' if count > 1 else ''}"
        if hi == lo:
            want = {0: "takes no input", 1: "takes one input"}.get(lo, f"takes {lo} inputs")
        elif hi is None:
            want = f"needs at least {lo} inputs"
        else:
            want = f"takes {lo} to {hi} inputs"
        return f"{want}, got {got}"

    def build(self, values: Bound, ctx: BuildContext) -> Any:
        if self.make_attrs is not None:
            return self.make_attrs(values, ctx)
        return self.attrs(**{k: v for k, v in values.items() if k in _field_names(self.attrs)})

    def values_of(self, attrs: Any) -> Bound:
        if self.values is not None:
            return self.values(attrs)
        present = _field_names(type(attrs))
        return {p.name: getattr(attrs, p.name) for p in self.params if p.name in present}

    def describe(self, attrs: Any) -> str:
        if self.label is not None:
            return self.label(attrs)
        return " ".join([self.name] + spell(self, attrs))


def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def spell(op: OpDef, attrs: Any, *, explicit: bool = False) -> list[str]:
    """A stage's arguments as the language writes them (`3x3`, `/2`, positionals, flags, `k=v`),
    leaving out values equal to the signature's defaults unless `explicit`."""
    out = []
    for kind, name, value in spelled_args(op, attrs, explicit=explicit):
        if kind == "kernel":
            out.append(f"{value}x{value}")
        elif kind == "stride":
            out.append(f"/{value}")
        elif kind == "pos":
            out.append(_positional(value))
        elif kind == "flag":
            out.append(str(name))
        else:
            out.append(f"{name}={literal(value)}")
    return out


def spelled_args(op: OpDef, attrs: Any, *, explicit: bool = False) -> list[tuple[str, str | None, Any]]:
    """A stage's arguments as (kind, name, value), in the order `spell` writes them: kind is
    `kernel` (`3x3`), `stride` (`/2`), `pos` (a positional value), `flag` (a true bool keyword,
    written as its bare name) or `kw` (`name=value`). The IR printer builds its AST from these."""
    values = op.values_of(attrs)
    out: list[tuple[str, str | None, Any]] = []
    shown: Bound = {}
    for name, value in values.items():
        p = op.param(name)
        # a kernel is part of how an op reads (`maxpool 3x3 /2`), default or not
        if explicit or p is None or p.default is REQUIRED or value != p.default or name == "kernel":
            shown[name] = value
    special = []
    if "kernel" in shown and isinstance(shown["kernel"], int):
        out.append(("kernel", "kernel", shown.pop("kernel")))
        special.append("kernel")
    if "stride" in shown and isinstance(shown["stride"], int):
        out.append(("stride", "stride", shown.pop("stride")))
        special.append("stride")
    for name in op.positional:
        if name in special:
            continue
        if name not in shown:
            break
        out.append(("pos", name, shown.pop(name)))
    for name, value in shown.items():
        p = op.param(name)
        if value is None:
            continue
        if p is not None and p.type == "bool" and value is True:
            out.append(("flag", name, True))
        else:
            out.append(("kw", name, value))
    return out


# Words a bare positional string must not be (the grammar's keywords and boolean literals).
_KEYWORDS = frozenset({"true", "false", "output", "optional", "at", "repeat", "for", "in", "let", "defaults",
                       "widths", "input", "return", "fuse", "import", "arch", "block", "scaled", "by"})


def _positional(x: Any) -> str:
    """A positional value: a string that is a plain word is written bare, as the docs write
    `act swish` (a bare word evaluates to its own text)."""
    return x if bare_word(x) else literal(x)


def bare_word(x: Any) -> bool:
    """Whether a positional value is written as a bare word (a string that is a plain name)."""
    return isinstance(x, str) and x.isidentifier() and x not in _KEYWORDS


def literal(x: Any) -> str:
    """A value as `.arch` source text."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x) if x >= 0 else f"({x})"
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"value {x} is not finite")
        return repr(x) if x >= 0 else f"({x!r})"
    if isinstance(x, str):
        if any(c in x for c in '"\\\n'):
            raise ValueError(f"string {x!r} cannot be printed")
        return f'"{x}"'
    raise ValueError(f"{x!r} is not a value of the language")


def log2_step(value: int, what: str) -> int:
    """Levels moved by a stride or factor; only powers of two keep levels integral."""
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    if value & (value - 1):
        raise ValueError(f"{what} {value} is not a power of two (levels need 1, 2, 4, 8, ...)")
    return value.bit_length() - 1


def positive(**values: Any) -> None:
    """Invariant helper for attrs: each value is an int >= 1."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
