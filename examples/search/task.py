"""A tiny synthetic proxy task for `archdsl search` (examples/search, docs/search.md).

`dataset()` makes 32x32 images of noise with a bright square whose corner is the label (4
classes), as a tf.data.Dataset of (images, labels) batches; `noop` is an evaluator that trains
nothing (for measuring the engine) and returns a score from the static costs.
"""

import numpy as np


def dataset(batch=16, batches=24, size=32, seed=0):
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    n = batch * batches
    labels = rng.integers(0, 4, n)
    images = rng.normal(0.0, 0.3, (n, size, size, 3)).astype("float32")
    half = size // 2
    for i, corner in enumerate(labels):
        r, c = divmod(int(corner), 2)
        images[i, r * half:(r + 1) * half, c * half:(c + 1) * half] += 1.0
    return tf.data.Dataset.from_tensor_slices((images, labels.astype("int32"))).batch(batch)


def noop(model, arch, **options):
    return {"score": -float(arch.params)}
