"""The lowered model returns exactly the taps (`outputs=`), and a `.keras` artifact keeps them."""

from __future__ import annotations

import archdsl
import numpy as np
import pytest
from archdsl.lower.artifacts import save

pytestmark = pytest.mark.keras


def test_model_returns_exactly_the_taps(tmp_path):
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": 128}, outputs=["L3", "b5", "7"])
    model = arch.to_keras()
    out = model(np.zeros([1, 128, 128, 3], np.float32))
    assert {k: tuple(v.shape[1:]) for k, v in out.items()} == arch.outputs
    assert set(out) == {"3", "b5", "7"} and model.count_params() == arch.params
    path = save(model, arch, str(tmp_path / "taps.keras"))
    loaded, again = archdsl.load_model(path)
    assert again.taps == ("L3", "b5", "7") and set(loaded.output) == set(out)
    np.testing.assert_allclose(loaded(np.ones([1, 128, 128, 3], np.float32))["b5"],
                               model(np.ones([1, 128, 128, 3], np.float32))["b5"], atol=1e-5)
