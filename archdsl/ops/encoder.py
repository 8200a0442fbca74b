"""The ViT encoder composites: `encoder_block` (Model Garden's nn_blocks.TransformerEncoderBlock as
vit.py configures it: norm_first, GELU MLP, epsilon 1e-6) and `encoder` (vit.Encoder: position
embedding, dropout, `repeats` blocks, final layer norm), each expanded to primitive layers.
`repeats`, as a block group's, is what elaboration's work budget charges per block.

One block is: layer_norm -> self_attention -> dropout -> [layer_scale] -> [drop_path] -> add
(residual), layer_norm -> dense mlp_dim gelu -> dense width -> dropout -> [layer_scale] ->
[drop_path] -> add. Model Garden applies the attention dropout rate twice (inside
MultiHeadAttention on the scores, and on its output), and so does this expansion. Layers carry
their block member (`unit` = ("encoder_block", i, Model Garden's attribute)) so weight transfer
pairs them with `_attention_layer`, `_intermediate_dense`, ... without reading names. Block i of
n (from 1) drops its residual branches with rate init_rate * i / n (get_stochastic_depth_rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from archdsl.ops.base import Layer, OpDef, Param, RuleContext, RuleError, Shape, positive
from archdsl.ops.blocks import Expansion
from archdsl.ops.drop_path import DropAttrs
from archdsl.ops.pool import NoAttrs
from archdsl.ops.transformer import (
    EPSILON,
    AttentionAttrs,
    DenseAttrs,
    NormAttrs,
    PosAttrs,
    RateAttrs,
    ScaleAttrs,
    key_dim,
)

BLOCK = "encoder_block"


@dataclass(frozen=True, slots=True)
class EncoderAttrs:
    """`layers` (spelled `repeats`) = 1 and `pos_embed` False is one `encoder_block`; `drop_rate` is the block's rate
    for a block and the initial (last block's) rate for an encoder."""

    heads: int
    mlp_dim: int
    layers: int = 1
    dropout: float = 0.0
    attention_dropout: float = 0.0
    drop_rate: float = 0.0
    layer_scale: float = 0.0
    epsilon: float = EPSILON
    pos_embed: bool = False
    origin: int = 0  # pos_embed_shape: the embedding's grid side; 0 = the input's grid

    def __post_init__(self) -> None:
        positive(heads=self.heads, mlp_dim=self.mlp_dim, repeats=self.layers)
        for name in ("dropout", "attention_dropout", "drop_rate"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.origin < 0:
            raise ValueError(f"pos_embed_size must be 0 or positive, got {self.origin}")


def _block(e: Expansion, a: EncoderAttrs, i: int, x: str, s: Shape, drop: float, last: bool) -> str:
    def add(member: str, op: str, attrs: object, ins: tuple[str, ...], shape: Shape = s) -> str:
        name = "" if last and member == "out" else f"{i}.{member}"
        return e.add(name, op, attrs, ins, shape, (BLOCK, i, member))

    def branch(y: str, scale: str) -> str:
        if a.layer_scale:
            y = add(scale, "layer_scale", ScaleAttrs(a.layer_scale), (y,))
        if drop:
            y = add(scale.replace("layer_scale", "drop"), "drop_path", DropAttrs(drop), (y,))
        return y

    norm = NormAttrs(a.epsilon)
    y = add("self_attention_layer_norm", "layer_norm", norm, (x,))
    y = add("self_attention", "self_attention", AttentionAttrs(a.heads, None, a.attention_dropout), (y,))
    y = add("attention_dropout", "dropout", RateAttrs(a.attention_dropout), (y,))
    attended = add("attention_add", "add", NoAttrs(), (branch(y, "layer_scale_attn"), x))
    y = add("output_layer_norm", "layer_norm", norm, (attended,))
    hidden = Shape(s.height, s.width, a.mlp_dim, True, s.extra)
    y = add("intermediate", "dense", DenseAttrs(a.mlp_dim, "gelu"), (y,), hidden)
    y = add("output", "dense", DenseAttrs(s.channels), (y,))
    y = add("output_dropout", "dropout", RateAttrs(a.dropout), (y,))
    return add("out", "add", NoAttrs(), (branch(y, "layer_scale_mlp"), attended))


@lru_cache(maxsize=1024)
def _expand(name: str, a: EncoderAttrs, ins: tuple[Shape, ...], ctx: RuleContext) -> tuple[Layer, ...]:
    e, s = Expansion(name), ins[0]
    x = "<0>"
    if a.pos_embed:
        origin = (a.origin, a.origin) if a.origin else None
        x = e.add("posembed_input", "pos_embed", PosAttrs((s.height, s.width), s.extra, origin), (x,), s,
                  ("encoder", 0, "posembed_input"))
        x = e.add("dropout", "dropout", RateAttrs(a.dropout), (x,), s)
    n = a.layers
    for i in range(n):
        drop = a.drop_rate * (i + 1) / n if a.pos_embed else a.drop_rate
        x = _block(e, a, i, x, s, drop, last=not a.pos_embed)
    if a.pos_embed:
        e.add("", "layer_norm", NormAttrs(a.epsilon), (x,), s, ("encoder", 0, "norm"))
    return tuple(e.layers)


def _shape(a: EncoderAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x = ins[0]
    key_dim(AttentionAttrs(a.heads), x.channels)
    if a.origin and x.extra:
        raise RuleError(f"a resized position embedding (pos_embed_size={a.origin}) cannot cover the "
                        f"{x.extra} class token{'s' if x.extra > 1 else ''}: Model Garden's AddPositionEmbs "
                        "sizes it for the grid only", hint="use pooler gap or none, or pos_embed_size=0")
    return x


COMMON = (Param("heads", "int"), Param("mlp_dim", "int"), Param("dropout", "float", 0.0),
          Param("attention_dropout", "float", 0.0), Param("drop_rate", "float", 0.0),
          Param("layer_scale", "float", 0.0), Param("epsilon", "float", EPSILON))

ENCODER_BLOCK = OpDef(
    "encoder_block", "pre-norm transformer encoder block (Model Garden's), e.g. `encoder_block 12 3072`",
    EncoderAttrs, params=COMMON, positional=("heads", "mlp_dim"), shape=_shape,
    expand=_expand, layers=lambda v: 12, takes="tokens", label=lambda a: f"encoder block ×{a.heads} heads")
ENCODER = OpDef(
    "encoder", "ViT encoder (position embedding, `repeats` blocks, final norm), e.g. "
    "`encoder 12 3072 repeats=12 dropout=0.1`", EncoderAttrs,
    params=(Param("repeats", "int"), *COMMON, Param("pos_embed_size", "int", 0)),
    positional=("heads", "mlp_dim"),
    make_attrs=lambda v, ctx: EncoderAttrs(v["heads"], v["mlp_dim"], v["repeats"], v["dropout"],
                                           v["attention_dropout"], v["drop_rate"], v["layer_scale"],
                                           v["epsilon"], True, v["pos_embed_size"]),
    values=lambda a: {"repeats": a.layers, "heads": a.heads, "mlp_dim": a.mlp_dim, "dropout": a.dropout,
                      "attention_dropout": a.attention_dropout, "drop_rate": a.drop_rate,
                      "layer_scale": a.layer_scale, "epsilon": a.epsilon, "pos_embed_size": a.origin},
    shape=_shape, expand=_expand, takes="tokens",
    layers=lambda v: 12 * v["repeats"] + 4,  # per block (norms, attention, MLP, dropouts, adds) + embedding, norm
    label=lambda a: f"encoder ×{a.layers} ({a.heads} heads, mlp {a.mlp_dim})")
OPS = (ENCODER_BLOCK, ENCODER)
