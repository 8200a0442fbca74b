"""The ResNet family (`specs/resnet.arch -D model_id=...`) against Model Garden's `ResNet`:
numerical parity for ResNet-18 (basic `residual` blocks, whose first group projects a 64->64
shortcut as Model Garden always does), weights copied by `transfer_weights`, one random batch,
every output within 1e-4 and equal `count_params()`. ResNet-RS the same way: stem v1,
squeeze-and-excitation, the ResNet-D shortcut and the conv that replaces the stem's max pool
(bottleneck and basic blocks; `scale_stem=false` under a depth multiplier). Input 64 px to keep CI
fast on CPU.
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


RS50 = dict(stem_type="v1", se_ratio=0.25, drop_rate=0.2, resnetd_shortcut=True, replace_stem_max_pool=True)
RS18 = dict(stem_type="v1", se_ratio=0.25, replace_stem_max_pool=True, depth_multiplier=0.5, scale_stem=False)
_MG_NAMES = {"se_ratio": "se_ratio", "drop_rate": "init_stochastic_depth_rate", "stem_type": "stem_type",
             "resnetd_shortcut": "resnetd_shortcut", "replace_stem_max_pool": "replace_stem_max_pool",
             "depth_multiplier": "depth_multiplier", "scale_stem": "scale_stem"}


@pytest.mark.parametrize("model_id,options", [(18, {}), (50, RS50), (18, RS18)], ids=["resnet18", "rs50", "rs18"])
def test_resnet_family_numerical_parity(model_id, options):
    from official.vision.modeling.backbones import resnet

    tf_keras.backend.clear_session()
    rng, size = np.random.default_rng(7), 64
    arch = archdsl.load("specs/resnet.arch", {"model_id": model_id, "input_size": size, **options})
    ref = resnet.ResNet(model_id=model_id, input_specs=mg.spec(size), **{_MG_NAMES[k]: v for k, v in options.items()})
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours) == len(ref.weights)
    x = rng.normal(size=(2, size, size, 3)).astype("float32")
    diffs = mg.max_diff(ref(x, training=False), ours(x, training=False))
    assert set(diffs) == {"2", "3", "4", "5"}
    assert all(d <= TOL for d in diffs.values()), diffs
