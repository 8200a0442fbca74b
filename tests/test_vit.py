"""The Vision Transformer from the IR alone: token shapes, params pinned to Model Garden's, MACs
by the stated convention, and the located errors (patch size, heads, tokens vs feature maps).

The params were measured by building each Model Garden VisionTransformer (tf-models-official
2.20, tf_keras 2.20.1, 224x224x3, VIT_SPECS, defaults otherwise: pooler token, no
representation layer) in a subprocess and calling `count_params()`; tests/parity re-checks small
ones live.
"""

from __future__ import annotations

import pytest

import archdsl
from archdsl.diagnostics import ArchError
from archdsl.ops.base import Shape
from archdsl.render.model import hwc

MODEL_GARDEN = {"ti16": 5_524_416, "s16": 21_665_664, "b16": 85_798_656, "b32": 87_455_232,
                "l16": 303_301_632, "h14": 630_764_800}
TINY = {"input_size": 64, "hidden_size": 192, "mlp_dim": 768, "num_heads": 3, "num_layers": 2}


@pytest.mark.parametrize("variant", MODEL_GARDEN)
def test_params_equal_model_garden(variant):
    arch = archdsl.load(f"specs/vit_{variant}.arch")
    assert arch.params == arch.trainable_params == MODEL_GARDEN[variant]
    assert arch.outputs == {"pre_logits": (1, 1, arch.shapes["patches"].channels), "feature": {}}


def test_token_shapes_and_levels():
    arch = archdsl.load("specs/vit.arch", {**TINY, "output_2d_feature_maps": True})
    patches, tokens = arch.shapes["patches"], arch.shapes["tokens"]
    assert (patches, patches.length) == (Shape(4, 4, 192, tokens=True), 16)
    assert (tokens.extra, tokens.length) == (1, 17)
    assert arch.graph.node("patches").level == 4
    assert arch.outputs["feature"] == {"4": (4, 4, 192)}
    assert hwc(tokens) == "17×192 tokens (4×4+1)" and hwc(Shape(4, 4, 8)) == "4×4×8"
    assert arch.params == 1_041_216  # Model Garden's two-layer ViT-Ti at 64 (the figure)


def test_h14_grid_takes_model_gardens_closest_level():
    arch = archdsl.load("specs/vit_h14.arch", {"num_layers": 1, "output_2d_feature_maps": True})
    assert arch.graph.node("patches").level == 4 and arch.outputs["feature"] == {"4": (16, 16, 1280)}


@pytest.mark.parametrize("pooler, extra", [("token", 1), ("gap", 0), ("none", 0)])
def test_poolers(pooler, extra):
    arch = archdsl.load("specs/vit.arch", {**TINY, "pooler": pooler})
    assert arch.shapes["encoded"].extra == extra
    expected = arch.shapes["encoded"] if pooler == "none" else Shape(1, 1, 192)
    assert arch.shapes["pre_logits"] == expected
    assert arch.params == 1_041_216 - 192 * (1 - extra) - 192 * (1 - extra)  # cls token and its position


def test_macs_count_dense_layers_and_attention_matmuls():
    one = archdsl.load("specs/vit.arch", {**TINY, "num_layers": 1})
    two = archdsl.load("specs/vit.arch", TINY)
    n, d, m = 17, 192, 768
    block = 4 * n * d * d + 2 * n * n * d + 2 * n * d * m  # q, k, v, out; QK^T, AV; the MLP
    assert two.macs - one.macs == block
    assert one.macs == 16 * 16 * 16 * 3 * d + block  # patch embedding + one block


def test_position_embedding_resize_counts_the_origin_grid():
    arch = archdsl.load("specs/vit.arch", {**TINY, "pooler": "gap", "pos_embed_size": 7})
    base = archdsl.load("specs/vit.arch", {**TINY, "pooler": "gap"})
    assert arch.params - base.params == (49 - 16) * 192


def _error(overrides: dict, spec: str = "specs/vit.arch") -> str:
    with pytest.raises(ArchError) as info:
        archdsl.load(spec, overrides)
    return str(info.value)


def test_input_not_divisible_by_patch_is_located():
    text = _error({**TINY, "input_size": 72})
    assert "input 72x72 is not divisible by the patch size 16" in text and "vit.arch:27" in text
    text = _error({"input_size": 240, "num_layers": 1}, "specs/vit_h14.arch")
    assert "input 240x240 is not divisible by the patch size 14" in text and "vit.arch:27" in text


def test_width_not_divisible_by_heads_is_located():
    text = _error({**TINY, "num_heads": 5})
    assert "width 192 does not split into 5 heads" in text and "vit.arch:29" in text


def test_resized_embedding_with_class_token_is_refused():
    assert "cannot cover the 1 class token" in _error({**TINY, "pos_embed_size": 7})


def test_tokens_and_feature_maps_do_not_mix(tmp_path):
    spec = tmp_path / "mix.arch"
    spec.write_text("arch mix() {\n  input image: [64, 64, 3]\n  t = patch_embed 16 32 <- image\n"
                    "  c = conv 1x1 8 <- t\n  a = self_attention 2 <- image\n  return {c: c, a: a}\n}\n")
    text = _error({}, str(spec))
    assert "`conv` takes feature maps, but input 1 is tokens 16x32 tokens (4x4)" in text
    assert "mix.arch:4" in text and "to_map" in text


def test_explicit_conversions_round_trip(tmp_path):
    spec = tmp_path / "round.arch"
    spec.write_text("arch round() {\n  input image: [64, 64, 3]\n"
                    "  t = conv 3x3 /2 16 -> to_tokens -> encoder_block 2 32 <- image\n"
                    "  m = to_map -> conv 1x1 8 <- t\n  return {m: m}\n}\n")
    arch = archdsl.load(str(spec))
    assert arch.shapes["t"] == Shape(32, 32, 16, tokens=True) and arch.outputs == {"m": (32, 32, 8)}
    assert arch.graph.node("m").level == 1


def test_an_encoder_of_12_blocks_is_one_box():
    from archdsl.render.model import build

    arch = archdsl.load("specs/vit_b16.arch")
    boxes = build(arch).boxes
    assert len(boxes) == 5 and boxes["encoded"].kind == "encoder ×12 (12 heads, mlp 3072)"
    assert boxes["encoded"].shape == "197×768 tokens (14×14+1)"
    layers = build(arch, "layers").boxes  # the layer view expands it, block by block
    assert {"encoded.0.self_attention", "encoded.11.intermediate", "encoded"} <= set(layers)


def test_a_vit_under_a_segmentation_head():
    arch = archdsl.load("specs/segmentation_vit.arch", {"input_size": 64, "num_layers": 2})
    assert arch.outputs == {"logits": (64, 64, 21)}
    vit_only = archdsl.load("specs/vit_ti16.arch", {"input_size": 64, "num_layers": 2, "pooler": "none"})
    head = 3 * 3 * 192 * 256 + 3 * 3 * 256 * 256 + 2 * 4 * 256 + 256 * 21 + 21  # 2 convs + BN, classifier
    assert arch.params == vit_only.params + head


def test_a_huge_encoder_is_a_limit_error_before_expanding():
    text = _error({**TINY, "num_layers": 10**9})
    assert "max-nodes" in text or "work" in text
