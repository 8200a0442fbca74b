"""Numerical parity with Model Garden's MaskScoring head (heads/segmentation_heads.py) on a
fixed-size logits input, with regular and depthwise convs, and inside a SegmentationModel
(SpineNet-49 at 256, the head's logits scored): weights copied by `transfer_weights`,
scores within 1e-4 (Model Garden's [batch, classes] against archdsl's [batch, 1, 1, classes]),
equal `count_params()` and `check`'s params, and the same initializers. A 32 x 32 x 5 input keeps CI fast."""

from __future__ import annotations

import archdsl
import mg_build as mg  # tests/parity/mg_build.py
import numpy as np
import pytest
import tf_keras
from archdsl.interop.modelgarden import transfer_weights
from archdsl.lower.names import keras_name
from official.vision.modeling.heads import segmentation_heads

pytestmark = pytest.mark.parity

SIZE, CLASSES = 32, 5


@pytest.mark.parametrize("depthwise,num_convs,num_fcs,fc_size", [(0, 2, 2, 8), (1, 3, 1, 4)],
                         ids=["regular", "depthwise"])
def test_mask_scoring(depthwise, num_convs, num_fcs, fc_size):
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(15)
    arch = archdsl.load("specs/mask_scoring.arch", {
        "input_size": SIZE, "num_classes": CLASSES, "num_convs": num_convs, "num_filters": 32,
        "fc_input_size": fc_size, "num_fcs": num_fcs, "fc_dims": 64, "use_depthwise_convolution": depthwise})
    ref = segmentation_heads.MaskScoring(num_classes=CLASSES, fc_input_size=[fc_size, fc_size],
                                         num_convs=num_convs, num_filters=32, num_fcs=num_fcs, fc_dims=64,
                                         use_depthwise_convolution=bool(depthwise))
    x = rng.normal(size=(2, SIZE, SIZE, CLASSES)).astype("float32")
    ref(x, training=False)  # builds the head
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours, "head.") == len(ref.weights)  # the arch calls the block `head`
    want = ref(x, training=False).numpy()
    got = ours(x, training=False)["mask_scores"].numpy()
    diff = float(np.max(np.abs(want - got.reshape(want.shape))))
    print(f"MaskScoring depthwise={depthwise}: params {arch.params:,}; scores max abs diff {diff:.2e} "
          f"(scale {float(np.max(np.abs(want))):.2e})")
    assert got.shape == (2, 1, 1, CLASSES) and diff <= 1e-4 * max(1.0, float(np.max(np.abs(want))))
    # trained from scratch it starts where Model Garden's does: the same initializers
    conv = "dw_convs.0.conv_2" if depthwise else "convs.0.conv"
    for theirs, node in ((ref._convs[int(depthwise)], conv), (ref._fcs[0], "fcs.0.dense"), (ref._classifier, "scores")):
        init, want_init = ours.get_layer(keras_name(f"head.{node}")).kernel_initializer, theirs.kernel_initializer
        assert (type(init), init.get_config()) == (type(want_init), want_init.get_config())


def test_segmentation_model_with_mask_scoring():
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(16)
    size = 256
    arch = archdsl.load("specs/segmentation_spinenet49_mask_scoring.arch", {"input_size": size, "fc_dims": 128})
    scoring = segmentation_heads.MaskScoring(num_classes=21, fc_input_size=[8, 8], num_convs=4, num_filters=128,
                                             num_fcs=2, fc_dims=128, activation="swish")
    ref = mg.segmentation(mg.spinenet_backbone("49", size, "swish"), "swish", mask_scoring=scoring)
    x = rng.normal(size=(1, size, size, 3)).astype("float32")
    ref(x, training=False)  # builds the heads
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours) == len(ref.weights)  # backbone., head. and mask_scoring.
    want, got = ref(x, training=False), ours(x, training=False)
    for key in ("logits", "mask_scores"):
        a, b = want[key].numpy(), got[key].numpy().reshape(want[key].shape)
        diff, scale = float(np.max(np.abs(a - b))), float(np.max(np.abs(a)))
        print(f"{arch.name}@{size} {key}: max abs diff {diff:.2e} (scale {scale:.2e})")
        assert diff <= 1e-4 * max(1.0, scale)
