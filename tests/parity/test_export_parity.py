"""Deployment against Model Garden: Model Garden's SpineNet-49S weights copied into archdsl's model,
folded (BN into convs) and exported to TFLite; both agree with Model Garden's own outputs to
float32 round-off, relative to each output's scale."""

from __future__ import annotations

import archdsl
import numpy as np
import pytest

pytestmark = pytest.mark.parity
import tf_keras
from official.vision.modeling.backbones import spinenet

from archdsl.interop.modelgarden import transfer_weights  # noqa: E402
from archdsl.lower import export  # noqa: E402
from archdsl.lower.fold import fold_batch_norms  # noqa: E402
from archdsl.lower.images import normalize, random_pixels  # noqa: E402
from tests.parity.test_modelgarden import _randomise_bn  # noqa: E402

SIZE = 128


def test_folded_and_tflite_spinenet49s_match_modelgarden(tmp_path):
    tf_keras.backend.clear_session()
    s = spinenet.SCALING_MAP["49S"]
    mg = spinenet.SpineNet(input_specs=tf_keras.layers.InputSpec(shape=[None, SIZE, SIZE, 3]), min_level=3,
                           max_level=7, endpoints_num_filters=s["endpoints_num_filters"],
                           resample_alpha=s["resample_alpha"], block_repeats=s["block_repeats"],
                           filter_size_scale=s["filter_size_scale"], activation="swish")
    _randomise_bn(mg, np.random.default_rng(0))
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": SIZE})
    ours = arch.to_keras()
    transfer_weights(mg, ours)
    folded = fold_batch_norms(ours, arch)
    assert len(folded.layers) < len(ours.layers)
    pixels = random_pixels((SIZE, SIZE, 3), 2)
    image = normalize(pixels.astype("float32"))
    want = export.reference(mg, image)
    assert export.compare(want, export.reference(folded, image)).passes()
    report = export.export_tflite(folded, arch, str(tmp_path / "s.tflite"), pixels, check=mg)
    assert report.checks["float_image"].passes(), report.checks["float_image"].worst
