"""archdsl: a compiler for multi-scale vision architectures.

    arch = archdsl.load("specs/spinenet49.arch", {"input_size": 512})
    arch.params, arch.macs, arch.outputs     # checked, without TensorFlow
    model = arch.to_keras()                  # a tf_keras functional model
"""

from archdsl.arch import Arch, Row, load
from archdsl.diagnostics import ArchError, Diagnostic, Span
from archdsl.ir.graph import ArchGraph
from archdsl.ir.nodes import Node, Op
from archdsl.limits import Limits
from archdsl.lower import load_model, to_keras
from archdsl.nas.hash import arch_hash as hash  # noqa: A001 (the issue's name; shadows the builtin only here)
from archdsl.render import render_dot
from archdsl.syntax.parse import parse

__all__ = [
    # loading and checking
    "load", "Arch", "Row", "parse", "Limits",
    # lowering (imports TensorFlow when called)
    "to_keras", "load_model", "hash",
    # the IR
    "ArchGraph", "Node", "Op",
    # diagrams
    "render_dot",
    # diagnostics
    "ArchError", "Diagnostic", "Span",
]
__version__ = "0.1.0"
