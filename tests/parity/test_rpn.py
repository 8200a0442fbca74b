"""The RPN head (`specs/rpn.arch`) and the dense part of Mask R-CNN against Model Garden:
ResNet-50 + FPN levels 2..6 + RPNHead (3 anchors, one 256-wide conv, relu), weights copied by
`transfer_weights` component by component, one random batch, scores and boxes per level within
1e-4 and equal `count_params()`; and the same with separable convs in the FPN and the head
(use_separable_conv). Input 128 px to keep CI fast on CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
tf_keras = pytest.importorskip("tf_keras")
pytest.importorskip("official.vision.modeling.heads.dense_prediction_heads")

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

TOL = 1e-4


@pytest.mark.parametrize("separable", [False, True])
def test_rpn_head_on_resnet50_fpn(separable):
    from official.vision.modeling.heads import dense_prediction_heads

    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(21), 128
    arch = archdsl.load("specs/rpn.arch", {"input_size": size, "separable": separable})
    ours = arch.to_keras()
    backbone = mg.resnet50(size, "relu")
    decoder = mg.fpn_decoder(backbone, "relu", min_level=2, max_level=6, separable=separable)
    head = dense_prediction_heads.RPNHead(min_level=2, max_level=6, num_anchors_per_location=3,
                                          use_separable_conv=separable)

    def ref(x):
        return dict(zip(("scores", "boxes"), head(decoder(backbone(x, training=False), training=False),
                                                  training=False)))

    ref(np.zeros((1, size, size, 3), "float32"))  # builds the head
    parts = (backbone, decoder, head)
    assert ours.count_params() == sum(p.count_params() for p in parts) == arch.params
    for part in parts:
        mg.randomise_bn(part, rng)
    copied = sum(transfer_weights(p, ours, prefix) for p, prefix in zip(parts, ("backbone.", "decoder.", "head.")))
    assert copied == sum(len(p.weights) for p in parts)
    x = rng.normal(size=(2, size, size, 3)).astype("float32")
    diffs = mg.max_diff(ref(x), ours(x, training=False))
    assert sorted(diffs) == [f"{k}/{lv}" for k in ("boxes", "scores") for lv in "23456"]
    assert all(d <= TOL for d in diffs.values()), diffs
