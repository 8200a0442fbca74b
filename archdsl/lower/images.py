"""Images for serving signatures, calibration and verification batches.

A deployed detector or segmenter receives raw pixels. Like Model Garden's serving modules
(`official/vision/serving`), the uint8 and encoded-bytes signatures normalise pixels with the
ImageNet mean and standard deviation before the model, and the float signature takes the model's
own (normalised) input. Calibration and verification batches are drawn the same way: raw uint8
images (random with a fixed seed, or read from a dataset), then normalised, so the int8
converter calibrates on the value range the model really sees.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

# ImageNet statistics in pixel units, as Model Garden's preprocess_ops.MEAN_RGB / STDDEV_RGB.
MEAN_RGB = (0.485 * 255, 0.456 * 255, 0.406 * 255)
STDDEV_RGB = (0.229 * 255, 0.224 * 255, 0.225 * 255)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")


def normalize(pixels: Any) -> Any:
    """(pixels - mean) / std per channel; NumPy or TF float tensors (3 channels)."""
    return (pixels - np.asarray(MEAN_RGB, "float32")) / np.asarray(STDDEV_RGB, "float32")


def random_pixels(shape: tuple[int, int, int], count: int, seed: int = 0) -> np.ndarray:
    """`count` uint8 images of `shape` (H, W, C), reproducible for a seed."""
    return np.random.default_rng(seed).integers(0, 256, size=(count, *shape), dtype=np.uint8)


def dataset_pixels(path: str, shape: tuple[int, int, int], limit: int | None = None) -> np.ndarray:
    """uint8 images from `path`: a `.npy` array (N, H, W, C) or a directory of image files,
    resized to `shape`. Raises ValueError for an unusable path."""
    p = Path(path)
    if p.suffix == ".npy" and p.is_file():
        pixels = np.load(p)
        if pixels.ndim != 4 or tuple(pixels.shape[1:]) != shape:
            raise ValueError(f"{path}: expected an array of shape (N, {', '.join(map(str, shape))}), "
                             f"got {pixels.shape}")
        return np.clip(pixels, 0, 255).astype(np.uint8)[:limit]
    if not p.is_dir():
        raise ValueError(f"{path}: not a directory of images or a .npy file")
    files = sorted(f for f in os.listdir(p) if f.lower().endswith(IMAGE_SUFFIXES))[:limit]
    if not files:
        raise ValueError(f"{path}: no image files ({', '.join(IMAGE_SUFFIXES)})")
    import tensorflow as tf

    out = []
    for name in files:
        image = tf.io.decode_image(tf.io.read_file(str(p / name)), channels=shape[2], expand_animations=False)
        out.append(tf.cast(tf.image.resize(image, shape[:2]), tf.uint8).numpy())
    return np.stack(out)
