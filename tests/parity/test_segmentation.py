"""Numerical parity with Model Garden's SegmentationModel (SpineNet-49, identity decoder,
SegmentationHead at level 3 with 3 convs, 21 classes), without fusion and with deeplabv3plus
fusion of the L2 endpoint (bilinear resize + concat) and with pyramid_fusion (every endpoint resized
to L3 and summed), deeplabv3plus with depthwise-separable head convs, and a softmax
`logit_activation` (Model Garden's Conv2D activation on the classifier), and panoptic_fpn_fusion
(per level convs with group norm and x2 upsampling to L3, summed): weights copied by `transfer_weights` from
the whole task model, logits within 1e-4, equal `count_params()`. Input 256 keeps CI fast.
"""

from __future__ import annotations

import archdsl
import numpy as np
import pytest

pytestmark = pytest.mark.parity
import tf_keras
import official.vision.modeling.heads.segmentation_heads  # noqa: F401  (installed by scripts/test: fail, never skip, without it)

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)
from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

SIZE = 256
CASES = [(None, 3, False, None), ("deeplabv3plus", 2, False, None), ("pyramid_fusion", 3, False, None),
         ("deeplabv3plus", 2, True, None), (None, 3, False, "softmax"), ("panoptic_fpn_fusion", 3, False, None)]


@pytest.mark.parametrize("fusion,min_level,depthwise,logit_activation", CASES,
                         ids=["no-fusion", "deeplabv3plus", "pyramid_fusion", "deeplabv3plus-depthwise",
                              "softmax-logits", "panoptic_fpn_fusion"])
def test_segmentation_spinenet49(fusion, min_level, depthwise, logit_activation):
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(6)
    arch = archdsl.load("specs/segmentation_spinenet49.arch", {
        "input_size": SIZE, "min_level": min_level, "feature_fusion": fusion or "segmentation_head",
        "head_depthwise": int(depthwise), "logit_activation": logit_activation or "none"})
    ref = mg.segmentation(mg.spinenet_backbone("49", SIZE, "swish", min_level=min_level), "swish", fusion,
                          depthwise=depthwise, logit_activation=logit_activation, decoder_levels=(min_level, 7))
    ref(np.zeros((1, SIZE, SIZE, 3), "float32"), training=False)  # builds the head
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours) == len(ref.weights)
    x = rng.normal(size=(2, SIZE, SIZE, 3)).astype("float32")
    want, got = ref(x, training=False), ours(x, training=False)
    diff = float(np.max(np.abs(want["logits"].numpy() - got["logits"].numpy())))
    if logit_activation == "softmax":  # probabilities over the classes, so the check is not vacuous
        assert np.allclose(got["logits"].numpy().sum(-1), 1.0, atol=1e-5)
    print(f"{arch.name}@{SIZE} fusion={fusion} logit_activation={logit_activation}: params {arch.params:,}; "
          f"logits max abs diff {diff:.2e}")
    assert want["logits"].shape == got["logits"].shape and diff <= 1e-4
