"""archdsl: a compiler for multi-scale vision architectures.

    arch = archdsl.load("specs/spinenet49.arch", {"input_size": 512})
    arch.params, arch.macs, arch.outputs     # checked, without TensorFlow
    model = arch.to_keras()                  # a tf_keras functional model
"""

from archdsl.arch import Arch, Row, load
from archdsl.diagnostics import ArchError, Diagnostic, Span
from archdsl.ir.graph import ArchGraph
from archdsl.ir.nodes import Node, Op
from archdsl.syntax.parse import parse

__all__ = [
    # loading and checking
    "load", "Arch", "Row", "parse",
    # the IR
    "ArchGraph", "Node", "Op",
    # diagnostics
    "ArchError", "Diagnostic", "Span",
]
__version__ = "0.1.0"
