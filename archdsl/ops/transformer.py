"""Transformer layers on token sequences, with Model Garden's ViT semantics: `layer_norm` (epsilon
1e-6, Model Garden's), `self_attention` (tf-keras `MultiHeadAttention` on one sequence: heads, key
dim = width / heads unless given, dropout on the scores), `dense` (on the last axis, optional
activation; `gelu` is Model Garden's tanh approximation), `dropout`, `layer_scale`, and the
composites `encoder_block` (nn_blocks.TransformerEncoderBlock with norm_first: pre-norm, two
residuals, optional layer scale and stochastic depth) and `encoder` (vit.Encoder: learned position
embedding, dropout, `layers` blocks whose stochastic depth grows linearly, a final layer norm).

MACs count the dense projections (tokens x in x out) and attention's two matmuls, QK^T and the
scores times V (heads x tokens x tokens x key dim each); softmax, norms and adds are free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Cost, OpDef, Param, RuleContext, RuleError, Shape, positive
from archdsl.ops.conv import check_initializer

EPSILON = 1e-6  # Model Garden's ViT layer norms (consistent with the JAX original)
DENSE_ACTS = ("linear", "gelu", "gelu_exact", "tanh", "relu")


def _rate(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")


@dataclass(frozen=True, slots=True)
class NormAttrs:
    epsilon: float = EPSILON

    def __post_init__(self) -> None:
        if not self.epsilon > 0:
            raise ValueError(f"epsilon must be positive, got {self.epsilon}")


@dataclass(frozen=True, slots=True)
class AttentionAttrs:
    heads: int
    key_dim: int | None = None  # None: width // heads (Model Garden's)
    dropout: float = 0.0

    def __post_init__(self) -> None:
        positive(heads=self.heads)
        if self.key_dim is not None:
            positive(key_dim=self.key_dim)
        _rate("attention dropout", self.dropout)


@dataclass(frozen=True, slots=True)
class DenseAttrs:
    units: int
    act: str = "linear"
    init: str = "glorot_uniform"  # conv's `init=` names (MaskScoring's fcs: fan_out_uniform)

    def __post_init__(self) -> None:
        positive(units=self.units)
        if self.act not in DENSE_ACTS:
            raise ValueError(f"dense act {self.act!r} is not one of {', '.join(DENSE_ACTS)}")
        check_initializer(self.init)


@dataclass(frozen=True, slots=True)
class RateAttrs:
    rate: float

    def __post_init__(self) -> None:
        _rate("dropout rate", self.rate)


@dataclass(frozen=True, slots=True)
class ScaleAttrs:
    init: float = 1e-5


@dataclass(frozen=True, slots=True)
class PosAttrs:
    """A learned position embedding for `grid` (+`extra` tokens), or for `origin`'s grid resized
    bilinearly to `grid` (Model Garden's pos_embed_shape)."""

    grid: tuple[int, int]
    extra: int
    origin: tuple[int, int] | None = None


def key_dim(a: AttentionAttrs, width: int) -> int:
    if a.key_dim is not None:
        return a.key_dim
    if width % a.heads:
        raise RuleError(f"width {width} does not split into {a.heads} heads",
                        hint="use a width that is a multiple of heads, or give key_dim")
    return width // a.heads


def _attention_cost(a: AttentionAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    x = ins[0]
    inner = a.heads * key_dim(a, x.channels)
    params = 3 * (x.channels * inner + inner) + inner * x.channels + x.channels
    proj = 4 * x.length * x.channels * inner
    matmuls = 2 * x.length * x.length * inner  # QK^T and scores x V
    return Cost(params, params, proj + matmuls)


def _attention_shape(a: AttentionAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    key_dim(a, ins[0].channels)
    return ins[0]


def _dense_cost(a: DenseAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    x = ins[0]
    params = x.channels * a.units + a.units
    return Cost(params, params, x.length * x.channels * a.units)


def _dense_shape(a: DenseAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x = ins[0]
    return Shape(x.height, x.width, a.units, x.tokens, x.extra)


def _norm_cost(a: Any, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    return Cost(2 * out.channels, 2 * out.channels, 0)


def _scale_cost(a: Any, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    return Cost(out.channels, out.channels, 0)


def _pos_cost(a: PosAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    length = a.origin[0] * a.origin[1] if a.origin else a.grid[0] * a.grid[1] + a.extra
    return Cost(length * out.channels, length * out.channels, 0)


def _lower(kind: str) -> Any:
    def lower(a: Any, name: str) -> Any:
        from archdsl.lower import vit_layers

        return vit_layers.build(kind, a, name)
    return lower


LAYER_NORM = OpDef("layer_norm", "layer normalization over the last axis (epsilon 1e-6, Model Garden's ViT)",
                   NormAttrs, params=(Param("epsilon", "float", EPSILON),), cost=_norm_cost,
                   lower=_lower("layer_norm"), weighted=True, takes="any", in_summary=False)
SELF_ATTENTION = OpDef(
    "self_attention", "multi-head self-attention (tf-keras MultiHeadAttention), e.g. `self_attention 12`",
    AttentionAttrs, params=(Param("heads", "int"), Param("key_dim", "int", None), Param("dropout", "float", 0.0)),
    positional=("heads",), shape=_attention_shape, cost=_attention_cost, lower=_lower("self_attention"),
    weighted=True, takes="tokens", label=lambda a: f"self-attention ×{a.heads}")
DENSE = OpDef("dense", "a dense layer on the last axis, e.g. `dense 3072 act=gelu`", DenseAttrs,
              params=(Param("units", "int"), Param("act", "string", "linear"),
                      Param("init", "string", "glorot_uniform")), positional=("units",),
              shape=_dense_shape, cost=_dense_cost, lower=_lower("dense"), weighted=True, takes="any")
DROPOUT = OpDef("dropout", "dropout (training only), e.g. `dropout 0.1`", RateAttrs,
                params=(Param("rate", "float"),), positional=("rate",), lower=_lower("dropout"), takes="any",
                in_summary=False)
LAYER_SCALE = OpDef("layer_scale", "a learned per-channel scale (CaiT's layer scale), e.g. `layer_scale 1e-5`",
                    ScaleAttrs, params=(Param("init", "float", 1e-5),), positional=("init",), cost=_scale_cost,
                    lower=_lower("layer_scale"), weighted=True, takes="tokens")
POS_EMBED = OpDef("pos_embed", "learned position embedding (made by `encoder`)", PosAttrs, cost=_pos_cost,
                  lower=_lower("pos_embed"), weighted=True, spelled=False, takes="tokens", in_summary=False)
OPS = (LAYER_NORM, SELF_ATTENTION, DENSE, DROPOUT, LAYER_SCALE, POS_EMBED)
