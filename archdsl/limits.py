"""Resource limits: one frozen `Limits` value, threaded from `load` through every stage.

archdsl reads text that people write and that programs generate by the thousand, so every way a
spec can make it work too hard has a limit, checked before the work is done and reported as a
located diagnostic that names the limit and its value:

    file size      read at most `max_file_bytes` + 1 bytes (loading)
    line length    before the parser runs (parsing)
    nesting        brackets in the post-lexer, expression depth while building the AST (parsing)
    node count     before a loop or `repeat` is unrolled; it also counts the work of elaboration
                   (statements run, loop iterations, template calls, layers of block groups)
    template depth before a template is instantiated (elaboration)
    string length  before a `+` makes a string value (evaluation)
    tensor size    elements of every node's output, per sample, from the IR (before TensorFlow)
    params         the whole model's, from the IR (before TensorFlow)

Override in Python with `archdsl.load(path, limits=Limits(max_nodes=10**6))` (or a keyword such
as `max_nodes=`), and on the command line with `--max-nodes N` and friends. Nesting and template
depth have caps (`CAPS`) that no override passes, since the implementation recurses on them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from archdsl.diagnostics import ArchError, Diagnostic, error


class LimitExceeded(ArchError):
    """A limit was reached: the stage stops at once instead of collecting more diagnostics."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 1_000_000
    max_line_chars: int = 10_000
    max_nesting: int = 64              # brackets, and operators inside one expression
    max_nodes: int = 20_000            # IR nodes after unrolling (SpineNet-190 has 97; its blocks are one node each)
    max_template_depth: int = 32
    max_tensor_elements: int = 2**31 - 1  # per node output, per sample: TF's int32 indexing bound
    max_params: int = 10_000_000_000
    max_string_chars: int = 100_000    # characters in one string value (`+` concatenates)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"limit {f.name} must be a positive integer, got {value!r}")
            if value > CAPS.get(f.name, value):
                flag = "--" + f.name.replace("_", "-")
                raise ValueError(f"limit {f.name} ({flag}) can be at most {CAPS[f.name]:,}, got {value:,}: "
                                 f"{CAP_REASON}")


# Limits the implementation cannot go past: elaboration, evaluation and printing recurse (once per
# template level, per nested body, per operator), and Python's stack holds about 1,000 frames.
# Together these caps stay well inside it; a bigger value is refused instead of ending in a
# RecursionError.
CAPS = {"max_nesting": 100, "max_template_depth": 50}
CAP_REASON = "archdsl recurses once per level, and deeper would overflow Python's stack"


DEFAULT = Limits()

# The command-line flag for each limit (`--max-nodes`), with what it bounds, for `--help`.
FLAGS = {
    "max_file_bytes": "bytes per spec file",
    "max_line_chars": "characters per line",
    "max_nesting": f"nesting of brackets and expressions, at most {CAPS['max_nesting']}",
    "max_nodes": "IR nodes after expansion, and elaboration work (statements, iterations, calls)",
    "max_template_depth": f"template instantiation depth, at most {CAPS['max_template_depth']}",
    "max_tensor_elements": "elements per node output (per sample)",
    "max_params": "params of the whole model",
    "max_string_chars": "characters per string value",
}


def check_sizes(graph, shapes, costs, limits: Limits) -> list[Diagnostic]:
    """Tensor sizes and params against `limits`, from the IR alone (shapes and costs of the passes)."""
    diags = []
    for node in graph.nodes():
        shape = shapes.get(node.name)
        if shape is None:
            continue
        elements = shape.height * shape.width * shape.channels
        if elements > limits.max_tensor_elements:
            diags.append(error(
                f"`{node.name}` outputs {shape} = {elements:,} elements per sample, more than the limit "
                f"of {limits.max_tensor_elements:,}", node.span, node=node.name,
                hint="check the input size and filters (the limit is max_tensor_elements, --max-tensor-elements)"))
            return diags  # the first limit stops the run: its consumers and the params only echo it
    params = sum(c.params for c in costs.values())
    if params > limits.max_params:
        big = max(graph.nodes(), key=lambda nd: costs[nd.name].params if nd.name in costs else 0)
        diags.append(error(
            f"this spec has {params:,} params, more than the limit of {limits.max_params:,}", big.span,
            node=big.name, hint=f"the largest is `{big.name}` with {costs[big.name].params:,} params "
            "(the limit is max_params, --max-params)"))
    return diags
