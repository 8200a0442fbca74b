"""archdsl: a compiler for multi-scale vision architectures.

    arch = archdsl.load("specs/spinenet49.arch", {"input_size": 512})
    arch.params, arch.macs, arch.outputs     # checked, without TensorFlow
    model = arch.to_keras()                  # a tf_keras functional model

Names are imported on first use (PEP 562), so `import archdsl` stays cheap and a command loads
only what it needs (no TensorFlow, Graphviz or NAS code for `check`).
"""

from __future__ import annotations

import importlib
from typing import Any

from archdsl.diagnostics import ArchError, Diagnostic, Span
from archdsl.limits import Limits

# public name -> (module, attribute)
_LAZY = {
    # loading and checking
    "load": ("archdsl.arch", "load"), "Arch": ("archdsl.arch", "Arch"), "Row": ("archdsl.arch", "Row"),
    "load_block": ("archdsl.arch", "load_block"),
    "parse": ("archdsl.syntax.parse", "parse"),
    # ops: the op library and its extension point
    "OpDef": ("archdsl.ops.base", "OpDef"), "Param": ("archdsl.ops.base", "Param"),
    "Shape": ("archdsl.ops.base", "Shape"), "Cost": ("archdsl.ops.base", "Cost"),
    "register_op": ("archdsl.ops.registry", "register_op"), "get_op": ("archdsl.ops.registry", "get_op"),
    # lowering (imports TensorFlow when called)
    "to_keras": ("archdsl.lower", "to_keras"), "load_model": ("archdsl.lower", "load_model"),
    "hash": ("archdsl.nas.hash", "arch_hash"),
    # the IR
    "ArchGraph": ("archdsl.ir.graph", "ArchGraph"), "Node": ("archdsl.ir.nodes", "Node"),
    # diagrams
    "render_dot": ("archdsl.render", "render_dot"),
}

__all__ = ["ArchError", "Diagnostic", "Span", "Limits", *_LAZY]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'archdsl' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
