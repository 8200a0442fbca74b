"""Keras layer names from IR names, and back; no TensorFlow needed.

IR names such as `b3.0.conv1` are legal tf-keras layer names as they stand ('.' is allowed in TF
name scopes and in `.keras`/SavedModel files), but the brackets of indexed names (`endpoint[3]`)
are not. They become `-`: `endpoint[3].bn` <-> `endpoint-3.bn`. `-` never occurs in an IR name,
so the mapping is reversible and a Keras layer, a diagram node and a spec line can be matched.
"""

from __future__ import annotations

import re

_INDEX = re.compile(r"-([^-.\[\]]*)")


def keras_name(ir_name: str) -> str:
    """The tf-keras layer name of an IR node or expansion layer."""
    if "-" in ir_name:
        raise ValueError(f"IR name {ir_name!r} contains '-', which keras_name reserves for indices")
    return ir_name.replace("[", "-").replace("]", "")


def ir_name(layer_name: str) -> str:
    """The IR name a `keras_name` came from (inverse of `keras_name`)."""
    return _INDEX.sub(lambda m: f"[{m.group(1)}]", layer_name)
