"""Numerical parity with Model Garden's VisionTransformer (vit-ti16, and vit-s16 once): each
pooler, the 2-D feature-map output, and a position embedding made for a 7x7 grid resized to the
input's 4x4 (pos_embed_shape). Weights are perturbed on Model Garden's side (so the class token,
layer norms and biases are not at their initial values), copied by structure
(`archdsl.interop.mg_vit`), inference outputs compared within 1e-4 relative to their scale, and
`count_params()` equal. Input 64 keeps CI fast.
"""

from __future__ import annotations

import numpy as np
import pytest
import tf_keras
from official.vision.modeling.backbones import vit
from official.vision.modeling.backbones.vit_specs import VIT_SPECS

import archdsl
from archdsl.interop.mg_vit import transfer_vit

pytestmark = pytest.mark.parity
SIZE = 64
CASES = [  # (variant, pooler, output_2d_feature_maps, pos_embed side)
    ("ti16", "token", False, 0), ("ti16", "gap", False, 0), ("ti16", "none", False, 0),
    ("ti16", "token", True, 0), ("ti16", "gap", True, 7), ("s16", "token", False, 0)]


def _reference(variant: str, pooler: str, two_d: bool, origin: int):
    s = VIT_SPECS[f"vit-{variant}"]
    t = s["transformer"]
    return vit.VisionTransformer(
        mlp_dim=t["mlp_dim"], num_heads=t["num_heads"], num_layers=t["num_layers"], hidden_size=s["hidden_size"],
        patch_size=s["patch_size"], pooler=pooler, output_2d_feature_maps=two_d,
        pos_embed_shape=(origin, origin) if origin else None,
        input_specs=tf_keras.layers.InputSpec(shape=[None, SIZE, SIZE, 3]))


def _close(want, got) -> float:
    want, got = np.asarray(want), np.asarray(got)
    assert want.shape == got.shape
    return float(np.max(np.abs(want - got)) / max(1.0, float(np.max(np.abs(want)))))


@pytest.mark.parametrize("variant,pooler,two_d,origin", CASES,
                         ids=[f"{v}-{p}{'-2d' if d else ''}{f'-pos{o}' if o else ''}" for v, p, d, o in CASES])
def test_vision_transformer(variant, pooler, two_d, origin):
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(14)
    arch = archdsl.load(f"specs/vit_{variant}.arch", {"input_size": SIZE, "pooler": pooler,
                                                      "output_2d_feature_maps": two_d, "pos_embed_size": origin})
    ref = _reference(variant, pooler, two_d, origin)
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    for w in ref.weights:
        w.assign(w.numpy() + rng.normal(0.0, 0.05, w.shape).astype("float32"))
    assert transfer_vit(ref, ours, arch) == len(ref.weights)
    x = rng.normal(size=(2, SIZE, SIZE, 3)).astype("float32")
    want, got = ref(x, training=False), ours(x, training=False)
    key = "encoded_tokens" if pooler == "none" else "pre_logits"
    diffs = {key: _close(want[key], got["pre_logits"])}
    if two_d:
        diffs["4"] = _close(want["4"], got["feature"]["4"])
    else:
        assert got["feature"] == {} and "4" not in want
    print(f"{arch.name}@{SIZE} pooler={pooler} 2d={two_d} pos={origin}: {diffs}")
    assert max(diffs.values()) <= 1e-4
