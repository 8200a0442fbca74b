"""Token sequences and the conversions to and from feature maps, with Model Garden's ViT semantics
(official/vision/modeling/backbones/vit.py): `patch_embed` (a conv with 'valid' padding whose
kernel and stride are the patch size, flattened to tokens; the patch grid keeps the level
`round(log2(patch))`, Model Garden's feature level), `cls_token` (the learned class token, added
only for the `token` pooler as Model Garden does), `pool_tokens` (the poolers `token`, `gap`,
`none`), `to_map` (the grid tokens back to a feature map at the grid's level, dropping the class
token: `output_2d_feature_maps`) and `to_tokens` (a feature map flattened row-major).

Every conversion is explicit: the ops here state what they take (`OpDef.takes`), so a feature map
fed to a tokens op, or the reverse, is a located error before TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archdsl.ops.base import Bound, BuildContext, Cost, Layer, OpDef, Param, RuleContext, RuleError, Shape, positive
from archdsl.ops.deploy import Deploy, everywhere
from archdsl.ops.pool import NoAttrs

POOLERS = ("token", "gap", "none")


def patch_level(patch: int) -> int:
    """Model Garden's feature level of a patch size: the closest power of two (14 -> 4)."""
    return round(math.log2(patch))


@dataclass(frozen=True, slots=True)
class PatchAttrs:
    patch: int
    width: int
    init: str = "lecun_normal"  # Model Garden's `original_init` (he_uniform otherwise)

    def __post_init__(self) -> None:
        positive(patch=self.patch, width=self.width)
        if self.init not in ("lecun_normal", "he_uniform"):
            raise ValueError(f"patch_embed init must be lecun_normal or he_uniform, not {self.init!r}")


def _patch_shape(a: PatchAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x = ins[0]
    if x.height % a.patch or x.width % a.patch:
        fit = a.patch * max(1, round(x.width / a.patch))
        raise RuleError(f"input {x.height}x{x.width} is not divisible by the patch size {a.patch}",
                        hint=f"use a multiple of {a.patch}, e.g. {fit}")
    return Shape(x.height // a.patch, x.width // a.patch, a.width, tokens=True)


def _patch_cost(a: PatchAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    weights = a.patch**2 * ins[0].channels * a.width
    return Cost(weights + a.width, weights + a.width, weights * out.height * out.width)


def _patch_lower(a: PatchAttrs, name: str) -> Any:
    from archdsl.lower.vit_layers import PatchEmbed

    return PatchEmbed(a.width, a.patch, a.init, name=name)


@dataclass(frozen=True, slots=True)
class ClsAttrs:
    pooler: str = "token"

    def __post_init__(self) -> None:
        if self.pooler not in POOLERS:
            raise ValueError(f"unknown pooler {self.pooler!r}; expected one of {', '.join(POOLERS)}")


def _cls_shape(a: ClsAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x = ins[0]
    return Shape(x.height, x.width, x.channels, tokens=True, extra=x.extra + (a.pooler == "token"))


def _cls_cost(a: ClsAttrs, ins: Sequence[Shape], out: Shape, ctx: RuleContext) -> Cost:
    n = out.channels if a.pooler == "token" else 0
    return Cost(n, n, 0)


def _cls_lower(a: ClsAttrs, name: str) -> Any:
    import tf_keras
    from archdsl.lower.vit_layers import ClassToken

    return ClassToken(name=name) if a.pooler == "token" else tf_keras.layers.Identity(name=name)


@dataclass(frozen=True, slots=True)
class PoolAttrs:
    pooler: str = "token"

    def __post_init__(self) -> None:
        if self.pooler not in POOLERS:
            raise ValueError(f"unknown pooler {self.pooler!r}; expected one of {', '.join(POOLERS)}")


def _pool_shape(a: PoolAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    x = ins[0]
    if a.pooler == "none":
        return x
    if a.pooler == "token" and x.extra < 1:
        raise RuleError("the `token` pooler reads the class token, but this sequence has none",
                        hint="add one with `cls_token` before the encoder")
    return Shape(1, 1, x.channels)  # Model Garden's pre_logits: [batch, 1, 1, width]


def _pool_lower(a: PoolAttrs, name: str) -> Any:
    from archdsl.lower.vit_layers import PoolTokens

    return PoolTokens(a.pooler, name=name)


@dataclass(frozen=True, slots=True)
class GridAttrs:
    """A reshape between tokens and a feature map; the grid is filled in by expansion."""

    height: int = 0
    width: int = 0
    extra: int = 0


def _to_map_shape(a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> Shape:
    return Shape(ins[0].height, ins[0].width, ins[0].channels)


def _to_map_expand(name: str, a: NoAttrs, ins: Sequence[Shape], ctx: RuleContext) -> tuple[Layer, ...]:
    x = ins[0]
    return (Layer(name, "tokens_to_map", GridAttrs(x.height, x.width, x.extra), ("<0>",), _to_map_shape(a, ins, ctx)),)


def _grid_lower(a: GridAttrs, name: str) -> Any:
    from archdsl.lower.vit_layers import TokensToMap

    return TokensToMap(a.height, a.width, a.extra, name=name)


def _to_tokens_lower(a: NoAttrs, name: str) -> Any:
    from archdsl.lower.vit_layers import MapToTokens

    return MapToTokens(name=name)


# The TFLite ops a token op becomes; the poolers that add or read nothing convert to nothing.
_CLS_OPS = {"token": ("ZEROS_LIKE", "STRIDED_SLICE", "ADD", "CONCATENATION"), "gap": (), "none": ()}
_POOL_OPS = {"token": ("STRIDED_SLICE", "RESHAPE"), "gap": ("MEAN", "RESHAPE"), "none": ()}


def _patch_make(v: Bound, ctx: BuildContext) -> PatchAttrs:
    return PatchAttrs(v["patch"], v["width"], v["init"])


PATCH_EMBED = OpDef(
    "patch_embed", "ViT patch embedding: a patch x patch conv with stride patch and 'valid' padding, "
    "flattened to tokens, e.g. `patch_embed 16 768`", PatchAttrs,
    params=(Param("patch", "int"), Param("width", "int"), Param("init", "string", "lecun_normal")),
    positional=("patch", "width"), make_attrs=_patch_make, level_step=lambda v: patch_level(v["patch"]),
    shape=_patch_shape, cost=_patch_cost, lower=_patch_lower, weighted=True,
    width=lambda v, ctx: v.get("width"), label=lambda a: f"patch_embed {a.patch}×{a.patch} {a.width}",
    deploy=everywhere("CONV_2D", "RESHAPE"))
CLS_TOKEN = OpDef(
    "cls_token", "ViT class token prepended to the sequence when the pooler is `token` (Model Garden "
    "adds none for gap/none), e.g. `cls_token pooler`", ClsAttrs,
    params=(Param("pooler", "string", "token"),), positional=("pooler",), shape=_cls_shape, cost=_cls_cost,
    lower=_cls_lower, weighted=True, takes="tokens", deploy=lambda a: Deploy(_CLS_OPS[a.pooler]))
POOL_TOKENS = OpDef(
    "pool_tokens", "ViT pooler: `token` (the class token), `gap` (mean of all tokens) -> 1x1 map, "
    "`none` (the tokens)", PoolAttrs,
    params=(Param("pooler", "string", "token"),), positional=("pooler",), shape=_pool_shape,
    lower=_pool_lower, takes="tokens", label=lambda a: f"pool {a.pooler}", deploy=lambda a: Deploy(_POOL_OPS[a.pooler]))
TO_MAP = OpDef(
    "to_map", "tokens -> feature map on their patch grid (drops the class token), at the grid's level",
    NoAttrs, shape=_to_map_shape, expand=_to_map_expand, layers=lambda v: 2, takes="tokens")
TOKENS_TO_MAP = OpDef("tokens_to_map", "reshape of grid tokens to a feature map (made by `to_map`)",
                      GridAttrs, lower=_grid_lower, spelled=False, takes="tokens", in_summary=False,
                      deploy=everywhere("STRIDED_SLICE", "RESHAPE"))
TO_TOKENS = OpDef(
    "to_tokens", "feature map -> token sequence (row-major), keeping its grid and level", NoAttrs,
    shape=lambda a, ins, ctx: Shape(ins[0].height, ins[0].width, ins[0].channels, tokens=True),
    lower=_to_tokens_lower, deploy=everywhere("RESHAPE"))
OPS = (PATCH_EMBED, CLS_TOKEN, POOL_TOKENS, TO_MAP, TOKENS_TO_MAP, TO_TOKENS)
