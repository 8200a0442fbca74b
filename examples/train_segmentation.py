"""Train the seed's DeepLabV3+ (`specs/deeplabv3plus_resnet50.arch`) with plain tf-keras.

The spec is compiled by archdsl at a small input size, its logits are resized bilinearly to the
label size (what Model Garden's loss does with `use_groundtruth_dimension`), and the model is
trained with `model.fit` on a synthetic dataset made here: rectangles and discs of random classes
drawn on noise, with a band of pixels around each shape marked with the ignore label (as VOC marks
object borders). Loss and metric are tf-keras's own: `SparseCategoricalCrossentropy` and
`MeanIoU`, both with `ignore_class`; `tests/parity/test_segmentation_losses.py` shows they equal
Model Garden's `SegmentationLosses` and mIoU on the same logits and labels.

    python examples/train_segmentation.py [STEPS]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import archdsl
import numpy as np

SPEC = Path(__file__).resolve().parent.parent / "specs" / "deeplabv3plus_resnet50.arch"
IGNORE = 255  # Model Garden's (and VOC's) ignore label


def synthetic_dataset(count: int, size: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` noisy images with shapes of classes 1..classes-1 on background 0, and their labels
    (`size` x `size` x 1, int32), an ignore band 1 pixel wide around every shape."""
    rng = np.random.default_rng(seed)
    colors = rng.uniform(-1.0, 1.0, (classes, 3)).astype("float32")
    images = rng.normal(0.0, 0.3, (count, size, size, 3)).astype("float32")
    labels = np.zeros((count, size, size, 1), "int32")
    yy, xx = np.mgrid[0:size, 0:size]
    for i in range(count):
        for _ in range(rng.integers(1, 4)):
            cls = int(rng.integers(1, classes))
            cy, cx = rng.integers(size // 6, size - size // 6, 2).tolist()
            r = int(rng.integers(size // 8, size // 4))
            if rng.random() < 0.5:
                inside, band = (yy - cy) ** 2 + (xx - cx) ** 2, (r + 1) ** 2
                shape, ring = inside <= r * r, inside <= band
            else:
                dy, dx = np.abs(yy - cy), np.abs(xx - cx)
                shape, ring = np.maximum(dy, dx) <= r, np.maximum(dy, dx) <= r + 1
            labels[i, ring & ~shape, 0] = IGNORE
            labels[i, shape, 0] = cls
            images[i][shape] += colors[cls]
    return images, labels


def build(size: int, classes: int, seed: int) -> Any:
    """The compiled Keras model: DeepLabV3+ logits resized to the label size."""
    import tf_keras

    tf_keras.utils.set_random_seed(seed)
    # sync_bn off: one CPU or GPU, no replicas to synchronise; the rest is the experiment's.
    arch = archdsl.load(SPEC, {"input_size": size, "num_classes": classes, "sync_bn": False})
    net = arch.to_keras()
    logits = tf_keras.layers.Resizing(size, size, interpolation="bilinear", name="to_label_size")(
        net.output["logits"])
    model = tf_keras.Model(net.input, logits, name="deeplabv3plus")
    model.compile(
        optimizer=tf_keras.optimizers.Adam(1e-3),
        loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=IGNORE),
        metrics=[tf_keras.metrics.MeanIoU(classes, sparse_y_pred=False, ignore_class=IGNORE, name="miou")])
    return model


def train(steps: int = 30, size: int = 64, classes: int = 4, batch: int = 4, seed: int = 0) -> dict[str, list[float]]:
    """Train for `steps` steps (one per epoch, so every step is reported); returns the history."""
    import tensorflow as tf

    images, labels = synthetic_dataset(batch * 4, size, classes, seed)
    data = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(len(images), seed=seed).batch(batch).repeat()
    model = build(size, classes, seed)
    history = model.fit(data, epochs=steps, steps_per_epoch=1, verbose=0)
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 30
    result = train(n)
    for step, (loss, miou) in enumerate(zip(result["loss"], result["miou"]), 1):
        print(f"step {step:3d}: loss {loss:.4f}  mIoU {miou:.4f}")
