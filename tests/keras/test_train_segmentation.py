"""The segmentation training example: the compiled DeepLabV3+ learns the synthetic shapes with
tf-keras's own loss and mIoU (both ignoring the ignore label), on a fixed seed."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from conftest import ROOT

pytestmark = pytest.mark.keras


def _example():
    spec = importlib.util.spec_from_file_location("train_segmentation", ROOT / "examples" / "train_segmentation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_dataset_has_shapes_and_ignored_pixels():
    images, labels = _example().synthetic_dataset(4, 32, 4, seed=1)
    assert images.shape == (4, 32, 32, 3) and labels.shape == (4, 32, 32, 1)
    values = set(np.unique(labels).tolist())
    assert 0 in values and 255 in values and values - {0, 255}


def test_loss_falls_and_miou_rises():
    history = _example().train(steps=12, size=64, classes=4, batch=4, seed=0)
    loss, miou = history["loss"], history["miou"]
    print("loss", [round(v, 3) for v in loss], "mIoU", [round(v, 3) for v in miou])
    assert np.mean(loss[-3:]) < 0.8 * np.mean(loss[:3])
    assert np.mean(miou[-3:]) > np.mean(miou[:3]) + 0.05
