"""Resource limits: every way a spec can make archdsl work too hard is rejected with a located
diagnostic that names the limit, and every limit can be raised (Python and command line).

No timing is asserted here (machines are noisy); `benchmarks/bench_limits.py` times the same
`CASES` and reports each rejection's time in BENCHMARKS.md.
"""

from __future__ import annotations

import pytest

import archdsl
from archdsl import ArchError, Limits
from archdsl.cli import main

NET = "arch a(x = {x}) {{\n  input image: [{size}, {size}, 3]\n  c = {op} <- image\n  return c\n}}\n"


def spec(x="1", size=64, op="conv 3x3 8") -> str:
    return NET.format(x=x, size=size, op=op)


NESTED_TEMPLATES = "block t0() {\n  input x\n  return x\n}\n" + "".join(
    f"block t{i}() {{\n  input x\n  y = t{i - 1} -> t{i - 1} <- x\n  return y\n}}\n" for i in range(1, 31)
) + spec(op="t30")

# name -> (spec text, limit overrides, expected message, expected line): each is rejected.
CASES = {
    "nodes: repeat count": (spec(op="repeat 100000000000000 (conv 3x3 8)"), {}, "expands to more than 20,000 nodes", 3),
    "nodes: nested repeats": (spec(op="repeat 1000 (repeat 1000 (repeat 1000 (conv 3x3 8)))"), {},
                              "expands to more than 20,000 nodes", 3),
    "nodes: loop range": ("arch a() {\n  input image: [64, 64, 3]\n  for l in 0..1000000000000 {\n"
                          "    p[l] = conv 3x3 8 <- image\n  }\n  return image\n}\n", {}, "more than 20,000 nodes", 3),
    "nodes: nested loops of lets": ("arch a() {\n  input image: [64, 64, 3]\n  for i in 0..19999 {\n"
                                    "    for j in 0..19999 {\n      let z = 1\n    }\n  }\n  return image\n}\n",
                                    {}, "more than 20,000 nodes", 3),
    "nodes: 2^30 template calls": (NESTED_TEMPLATES, {}, "more than 20,000 nodes", None),
    "template depth: recursion": ("block b() {\n  input x\n  y = b <- x\n  return y\n}\n" + spec(op="b"), {},
                                  "templates nest deeper than 32", 3),
    "tensor: conv with 10^9 filters": (spec(op="conv 3x3 1000000000"), {},
                                       "`c` outputs 64x64x1000000000 = 4,096,000,000,000 elements", 3),
    "tensor: input 10^7 x 10^7": (spec(size=10_000_000), {}, "`image` outputs 10000000x10000000x3", 2),
    "params: 10^5 x 10^5 conv": (spec(op="conv 3x3 100000 -> conv 3x3 100000", size=8), {},
                                 "this spec has 90,002,700,000 params, more than the limit of 10,000,000,000", 3),
    "nesting: 10,000-deep parentheses": (spec(x="(" * 10_000 + "1" + ")" * 10_000), {"max_line_chars": 10**6},
                                         "brackets nest deeper than 64", 1),
    "nesting: parentheses over 10,000 lines": (spec(x="(\n" * 10_000 + "1" + ")" * 10_000), {"max_line_chars": 10**6},
                                               "brackets nest deeper than 64", 64),
    "nesting: 2,000-term sum": (spec(x="+".join(["1"] * 2000)), {}, "expression nests deeper than 64", 1),
    "nesting: 2,000 minus signs": (spec(x="-" * 2000 + "1"), {}, "expression nests deeper than 64", 1),
    "line: 20,000 characters": (spec(x="1" + " " * 20_000), {}, "line 1 is 20,015 characters long", 1),
    "number: 5,000-digit literal": (spec(x="9" * 5000), {}, "number too large", 1),
    "number: squares of squares": (spec(x="3037000499 * 3037000499 * 3037000499"), {}, "number too large", 1),
    # Work, not just nodes: block layers summed over the spec, statements run, one error per limit.
    "nodes: 100 lines of repeats=1980": (
        "arch a() {\n  input image: [64, 64, 3]\n  defaults act(relu)\n  c0 = conv 3x3 8 <- image\n" + "".join(
            f"  c{k} = bottleneck 1 repeats=1980 <- c{k - 1}\n" for k in range(1, 101)) + "  return c100\n}\n",
        {}, "expands to more than 20,000 nodes", 5),  # the first block group alone is too big
    "nodes: block layers summed over 100 lines of repeats=100": (
        "arch a() {\n  input image: [64, 64, 3]\n  defaults act(relu)\n  c0 = conv 3x3 8 <- image\n" + "".join(
            f"  c{k} = bottleneck 1 repeats=100 <- c{k - 1}\n" for k in range(1, 101)) + "  return c100\n}\n",
        {}, "expands to more than 20,000 nodes", 21),  # 16 lines of 1,202 layers fit, the 17th does not
    "nodes: 1,000 lets, called twice per call": (
        "block b() {\n  input x\n" + "".join(f"  let v{i} = {i}\n" for i in range(1000))
        + "  y = b -> b <- x\n  return y\n}\n" + spec(op="b"), {}, "expands to more than 20,000 nodes", None),
    "template depth: three-way self-call": ("block b() {\n  input x\n  y = b -> b -> b <- x\n  return y\n}\n"
                                            + spec(op="b"), {}, "templates nest deeper than 32", 3),
    "string: 16-fold concatenations": (
        'arch a() {\n  input image: [64, 64, 3]\n  let s0 = "xxxxxxxxxxxxxxxx"\n' + "".join(
            f"  let s{i} = " + "+".join([f"s{i - 1}"] * 16) + "\n" for i in range(1, 6)) + "  return image\n}\n",
        {}, "more than the limit of 100,000", 7),
}


def _load(tmp_path, name: str, text: str, **limits):
    path = tmp_path / (name.split(":")[0] + ".arch")
    path.write_text(text)
    return archdsl.load(path, **limits)


@pytest.mark.parametrize("name", CASES)
def test_limit_is_a_located_diagnostic(tmp_path, name):
    text, limits, message, line = CASES[name]
    with pytest.raises(ArchError) as info:
        _load(tmp_path, name, text, **limits)
    first = info.value.diagnostics[0]
    assert len(info.value.errors) == 1, info.value.render()[:3000]  # the first limit stops the run
    assert message in first.message
    assert first.span is not None and (line is None or first.span.line == line), first.render()
    assert len(info.value.render()) < 5000  # long lines are shown as a window, not in full


def test_huge_file_is_rejected_without_reading_it(tmp_path):
    big = tmp_path / "big.arch"
    with open(big, "wb") as f:
        f.truncate(50 * 10**6)  # sparse: 50 MB that were never written
    with pytest.raises(ArchError, match="larger than 1,000,000 bytes"):
        archdsl.load(big)


def test_endless_file_is_rejected(tmp_path):
    (tmp_path / "zero.arch").symlink_to("/dev/zero")  # a device: refused before it is read
    with pytest.raises(ArchError, match="not a regular file"):
        archdsl.load(tmp_path / "zero.arch")


def test_endless_standard_input_is_read_bounded(monkeypatch):
    import io
    import sys

    # `-` asks for standard input explicitly; only a bounded read stops an endless one.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"#" * 2_000_000)))
    with pytest.raises(ArchError, match="<stdin> is larger than 1,000,000 bytes"):
        archdsl.load("-")


def test_limits_are_overridable(tmp_path):
    path = tmp_path / "big.arch"
    path.write_text(spec(op="conv 3x3 1000000000"))
    arch = archdsl.load(path, max_tensor_elements=10**13, max_params=10**11)  # keywords
    assert arch.params == 27 * 10**9 + 0 and arch.shapes["c"].channels == 10**9
    arch = archdsl.load(path, limits=Limits(max_tensor_elements=10**13, max_params=10**11))
    assert arch.params == 27 * 10**9
    path.write_text(spec(op="repeat 20 (conv 1x1 8)"))
    assert len(archdsl.load(path).graph) > 20
    with pytest.raises(ArchError, match="more than 10 nodes"):
        archdsl.load(path, max_nodes=10)  # the keyword it always had
    with pytest.raises(ArchError, match="more than 10 nodes"):
        archdsl.load(path, limits=Limits(max_nodes=10))


def test_deep_expressions_within_a_raised_limit_still_evaluate(tmp_path):
    path = tmp_path / "sum.arch"
    path.write_text(spec(op="conv 1x1 (" + "+".join(["1"] * 100) + ")"))
    assert archdsl.load(path, max_nesting=100).shapes["c"].channels == 100


def test_bad_limits_are_refused():
    with pytest.raises(ValueError, match="max_nodes must be a positive integer"):
        Limits(max_nodes=0)
    with pytest.raises(TypeError):
        archdsl.load("specs/spinenet49.arch", max_typo=3)


def test_cli_limit_flags(tmp_path, capsys):
    path = tmp_path / "net.arch"
    path.write_text(spec(op="repeat 20 (conv 1x1 8)"))
    assert main(["check", str(path)]) == 0
    assert main(["check", str(path), "--max-nodes", "10"]) == 1
    assert "more than 10 nodes" in capsys.readouterr().err
    path.write_text(spec(op="conv 3x3 1000000000"))
    assert main(["check", str(path)]) == 1
    assert "4,096,000,000,000 elements" in capsys.readouterr().err
    assert main(["check", str(path), "--max-tensor-elements", "10000000000000", "--max-params", "1e11"]) == 2
    assert main(["check", str(path), "--max-tensor-elements", "10_000_000_000_000",
                 "--max-params", "100000000000"]) == 0
    assert main(["check", str(path), "--max-nodes", "0"]) == 2  # usage error



def test_check_limits_is_a_pass_so_builder_graphs_meet_it_too():
    from archdsl.limits import Limits
    from archdsl.nas.builder import build_topology
    from archdsl.nas.topology import SPINENET49
    from archdsl.passes import DEFAULT_PIPELINE, State, run_pipeline

    assert DEFAULT_PIPELINE[-1] == "check-limits"
    graph = build_topology(SPINENET49)
    assert not run_pipeline(State(graph)).failed
    state = run_pipeline(State(graph, limits=Limits(max_params=1_000_000)))
    assert state.failed
    assert "more than the limit of 1,000,000" in state.diagnostics[-1].message
