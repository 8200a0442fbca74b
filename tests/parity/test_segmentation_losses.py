"""tf-keras's own loss and metric, as the training example uses them, equal Model Garden's: on the
same logits (resized bilinearly to the labels) and labels with ignored pixels,
`SparseCategoricalCrossentropy(ignore_class=...)` equals `SegmentationLosses` (softmax
cross-entropy, ignore label, ground-truth size) and `MeanIoU(ignore_class=...)` equals Model
Garden's `MeanIoU` with its valid mask."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.parity
import tensorflow as tf
import tf_keras
from official.vision.losses import segmentation_losses
from official.vision.evaluation import segmentation_metrics  # noqa: E402

IGNORE, CLASSES, SIZE = 255, 5, 32


def _data(seed: int):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 2.0, (2, SIZE // 4, SIZE // 4, CLASSES)).astype("float32")
    labels = rng.integers(0, CLASSES, (2, SIZE, SIZE, 1)).astype("int32")
    labels[rng.random(labels.shape) < 0.2] = IGNORE
    return tf.constant(logits), tf.constant(labels)


@pytest.mark.parametrize("seed", [0, 1])
def test_keras_loss_equals_model_garden(seed):
    logits, labels = _data(seed)
    resized = tf_keras.layers.Resizing(SIZE, SIZE, interpolation="bilinear")(logits)
    ours = tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=IGNORE)(labels, resized)
    theirs = segmentation_losses.SegmentationLoss(
        label_smoothing=0.0, class_weights=[], ignore_label=IGNORE, use_groundtruth_dimension=True)(logits, labels)
    assert float(ours) == pytest.approx(float(theirs), rel=1e-5)


@pytest.mark.parametrize("seed", [0, 1])
def test_keras_miou_equals_model_garden(seed):
    logits, labels = _data(seed)
    resized = tf_keras.layers.Resizing(SIZE, SIZE, interpolation="bilinear")(logits)
    ours = tf_keras.metrics.MeanIoU(CLASSES, sparse_y_pred=False, ignore_class=IGNORE)
    ours.update_state(labels, resized)
    theirs = segmentation_metrics.MeanIoU(num_classes=CLASSES)
    info = tf.constant([[[SIZE, SIZE], [SIZE, SIZE], [1.0, 1.0], [0.0, 0.0]]] * 2, tf.float32)
    theirs.update_state({"masks": labels, "valid_masks": labels != IGNORE, "image_info": info}, resized)
    assert float(ours.result()) == pytest.approx(float(theirs.result()), rel=1e-6)
    assert 0.0 < float(ours.result()) < 1.0
