"""The ResNet family (`specs/resnet.arch -D model_id=...`) against Model Garden's `ResNet`:
numerical parity for ResNet-18 (basic `residual` blocks, whose first group projects a 64->64
shortcut as Model Garden always does), weights copied by `transfer_weights`, one random batch,
every output within 1e-4 and equal `count_params()`. Input 64 px to keep CI fast on CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
tf_keras = pytest.importorskip("tf_keras")
pytest.importorskip("official.vision.modeling.backbones.resnet")

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

TOL = 1e-4


@pytest.mark.parametrize("model_id", [18])
def test_resnet_family_numerical_parity(model_id):
    from official.vision.modeling.backbones import resnet

    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(7), 64
    arch = archdsl.load("specs/resnet.arch", {"model_id": model_id, "input_size": size})
    ref = resnet.ResNet(model_id=model_id, input_specs=mg.spec(size))
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours) == len(ref.weights)
    x = rng.normal(size=(2, size, size, 3)).astype("float32")
    diffs = mg.max_diff(ref(x, training=False), ours(x, training=False))
    assert set(diffs) == {"2", "3", "4", "5"}
    assert all(d <= TOL for d in diffs.values()), diffs
