"""Mixed precision: build a model under a Keras dtype policy, float32 where it must stay.

`mixed_float16` and `mixed_bfloat16` compute in half precision with float32 variables (Keras's
policies). The layers whose outputs are the model's outputs -- the heads' final convs (class
scores, box regression), segmentation logits, backbone endpoints -- are built under `float32`,
so losses, box decoding and any post-processing see float32 (Keras casts their half-precision
inputs up). Keras reads the global policy when a layer is constructed, so the policy is set
around construction only and restored afterwards: building never changes the caller's policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


@contextmanager
def policy_scope(name: str | None) -> Iterator[None]:
    """Layers constructed inside get dtype policy `name` (None: leave the current one)."""
    if name is None:
        yield
        return
    if name not in POLICIES:
        raise ValueError(f"unknown dtype policy {name!r}; expected one of {', '.join(POLICIES)}")
    import tf_keras

    before = tf_keras.mixed_precision.global_policy()
    tf_keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        tf_keras.mixed_precision.set_global_policy(before)
