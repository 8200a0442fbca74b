"""Numerical parity with Model Garden's DilatedResNet (resnet_deeplab.py): output strides 16 and
8, both stem types and DeepLab's multigrid; weights copied by structure, every endpoint within
1e-4, endpoint keys as Model Garden's, equal `count_params()` and `check`'s params. Input 64
keeps CI fast (the dilated groups still see a 4x4 or 8x8 grid, so rates 2..8 reach past the
border as at full size).
"""

from __future__ import annotations

import archdsl
import numpy as np
import pytest

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.backbones import resnet_deeplab

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)
from archdsl.interop.modelgarden import transfer_weights  # noqa: E402

SIZE = 64
CASES = [(50, 16, "v0", ""), (50, 8, "v1", "1,2,4"), (101, 16, "v1", "1,2,4")]


@pytest.mark.parametrize("model_id,output_stride,stem,multigrid", CASES,
                         ids=[f"r{m}-os{o}-{s}" + ("-mg" if g else "") for m, o, s, g in CASES])
def test_dilated_resnet(model_id, output_stride, stem, multigrid):
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(15)
    arch = archdsl.load(f"specs/dilated_resnet{model_id}.arch", {
        "input_size": SIZE, "output_stride": output_stride, "stem_type": stem, "multigrid": multigrid})
    ref = resnet_deeplab.DilatedResNet(
        model_id=model_id, output_stride=output_stride, input_specs=mg.spec(SIZE), stem_type=stem,
        multigrid=tuple(int(f) for f in multigrid.split(",")) if multigrid else None)
    ours = arch.to_keras()
    assert ours.count_params() == ref.count_params() == arch.params
    mg.randomise_bn(ref, rng)
    assert transfer_weights(ref, ours) == len(ref.weights)
    x = rng.normal(size=(1, SIZE, SIZE, 3)).astype("float32")
    want, got = ref(x, training=False), ours(x, training=False)
    assert sorted(want) == sorted(got)
    for key in want:
        a, b = want[key].numpy(), got[key].numpy()
        diff = float(np.max(np.abs(a - b)))
        print(f"DilatedResNet-{model_id} OS{output_stride} {stem} endpoint {key}: max abs diff {diff:.2e}")
        assert a.shape == b.shape and diff <= 1e-4 * max(1.0, float(np.max(np.abs(a))))
