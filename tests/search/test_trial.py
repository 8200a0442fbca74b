"""One trial outside Ray: failures are recorded with their cause; the proxy evaluator trains and reports."""

import sys

import pytest
from archdsl.nas.search.trial import evaluate_spec, resolve

SPEC = """\
arch tiny(input_size = 16, width = 4) {
  input image: [input_size, input_size, 3]
  stem = conv 3x3 /2 width -> bn -> act(relu) <- image
  return stem
}
"""


def test_a_bad_candidate_is_an_error_result_not_an_exception():
    r = evaluate_spec({"text": SPEC.replace("<- image", "<- imag"), "evaluator": "proxy"})
    assert "error" in r and "imag" in r["error"] and "metrics" not in r


def test_evaluator_names_are_checked():
    assert resolve("proxy").__module__ == "archdsl.nas.search.proxy"
    for bad in ("nocolon", "os:no_such_function", "no_such_module_xyz:f", "os:sep"):
        with pytest.raises(ValueError):
            resolve(bad)


def dataset():
    import numpy as np
    import tensorflow as tf
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 16, 16, 3)).astype("float32")
    y = (x[..., 0].mean(axis=(1, 2)) > 0).astype("int32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(4)


def broken(model, arch):
    return {"loss": float("nan")}


@pytest.mark.keras
def test_the_proxy_evaluator_trains_and_reports_validation_metrics():
    here = str(__import__("pathlib").Path(__file__).parent)
    module = __name__.rpartition(".")[2]
    config = {"text": SPEC, "evaluator": "proxy", "paths": [here],
              "options": {"dataset": f"{module}:dataset", "classes": 2, "steps": 2, "val_steps": 1}}
    r = evaluate_spec(config)
    assert set(r["metrics"]) == {"val_accuracy", "val_loss"}, r
    assert 0.0 <= r["metrics"]["val_accuracy"] <= 1.0 and r["metrics"]["val_loss"] > 0
    missing = evaluate_spec({**config, "options": {"classes": 2}})
    assert "needs -O dataset=module:function" in missing["error"]
    nan = evaluate_spec({**config, "evaluator": f"{module}:broken", "options": {}})
    assert "metric 'loss' is nan" in nan["error"]
    assert sys.modules.get("tensorflow") is not None
