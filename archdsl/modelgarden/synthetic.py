"""A small synthetic detection and segmentation dataset in Model Garden's TF Example format.

Each image is noise with a few filled rectangles; a rectangle's colour depends on its class, so
a model can learn something in a few steps. Every example carries what Model Garden's decoders
read: the encoded image with height, width and source id, normalised boxes with class labels,
areas and crowd flags (`tf_example_decoder`), one PNG mask per instance (`image/object/mask`,
for instance segmentation), and a PNG semantic mask (`image/segmentation/class/encoded`, 0 is
background, class k is pixel value k). The examples are built with Model Garden's own
`TfExampleBuilder`, so the feature keys are the ones its decoders expect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import tensorflow as tf
from official.vision.data.tf_example_builder import TfExampleBuilder

__all__ = ["Records", "make_example", "write_records"]


class Records(NamedTuple):
    """What `write_records` wrote: the TFRecord glob and the COCO annotation file."""

    pattern: str
    annotations: str


def _boxes(rng: np.random.Generator, size: int, count: int) -> list[tuple[int, int, int, int]]:
    out = []
    for _ in range(count):
        h, w = rng.integers(size // 6, size // 2, size=2)
        y, x = rng.integers(0, size - h), rng.integers(0, size - w)
        out.append((int(y), int(x), int(y + h), int(x + w)))
    return out


def make_example(rng: np.random.Generator, index: int, size: int, num_classes: int) -> tuple[tf.train.Example, list]:
    """One example (`size`x`size` RGB, 1-3 boxes of classes 1..num_classes-1, their masks) and
    its boxes as COCO annotations."""
    image = rng.integers(0, 64, size=(size, size, 3), dtype=np.uint8)
    semantic = np.zeros((size, size, 1), dtype=np.uint8)
    boxes = _boxes(rng, size, int(rng.integers(1, 4)))
    labels = [int(rng.integers(1, num_classes)) for _ in boxes]
    instances = np.zeros((len(boxes), size, size, 1), dtype=np.uint8)
    for i, ((y0, x0, y1, x1), label) in enumerate(zip(boxes, labels)):
        colour = np.array([(label * 97) % 256, (label * 53) % 256, 255 - (label * 31) % 256], dtype=np.uint8)
        image[y0:y1, x0:x1] = colour
        semantic[y0:y1, x0:x1] = label
        instances[i, y0:y1, x0:x1] = 1
    ys0, xs0, ys1, xs1 = (np.array(c, dtype=float) / size for c in zip(*boxes))
    builder = TfExampleBuilder()
    builder.add_image_matrix_feature(image, "PNG", image_source_id=str(index + 1).encode())
    builder.add_boxes_feature(list(xs0), list(xs1), list(ys0), list(ys1), labels)
    builder.add_ints_feature("image/object/is_crowd", [0] * len(boxes))
    builder.add_instance_mask_matrices_feature(instances)  # also writes image/object/area
    builder.add_semantic_mask_matrix_feature(semantic)
    coco = [{"id": index * 10 + i + 1, "image_id": index + 1, "category_id": label, "iscrowd": 0,
             "bbox": [x0, y0, x1 - x0, y1 - y0], "area": float((x1 - x0) * (y1 - y0))}
            for i, ((y0, x0, y1, x1), label) in enumerate(zip(boxes, labels))]
    return builder.example, coco


def write_records(directory: str | Path, *, shards: int = 2, per_shard: int = 4, size: int = 128,
                  num_classes: int = 3, seed: int = 0) -> Records:
    """Write `shards` TFRecord files of `per_shard` examples and `annotations.json`, their boxes
    in COCO format (Model Garden's `annotation_file`, as `instances_val2017.json` is for COCO)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for shard in range(shards):
        with tf.io.TFRecordWriter(str(directory / f"data-{shard:05d}-of-{shards:05d}.tfrecord")) as writer:
            for i in range(per_shard):
                index = shard * per_shard + i
                example, coco = make_example(rng, index, size, num_classes)
                writer.write(example.SerializeToString())
                images.append({"id": index + 1, "height": size, "width": size})
                annotations.extend(coco)
    categories = [{"id": k, "name": f"class{k}"} for k in range(1, num_classes)]
    path = directory / "annotations.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations, "categories": categories}))
    return Records(str(directory / "data-*.tfrecord"), str(path))
