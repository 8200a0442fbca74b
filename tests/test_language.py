"""The language, construct by construct: each test writes a small spec and checks the IR it makes."""

from __future__ import annotations

import pytest

from archdsl import ArchError
from archdsl.arch import from_module
from archdsl.ir.load import load_module


def load_text(tmp_path, text, overrides=None, name="t.arch", extra=None):
    for fname, body in (extra or {}).items():
        (tmp_path / fname).write_text(body)
    path = tmp_path / name
    path.write_text(text)
    return from_module(load_module(path), overrides)


TINY = """
arch tiny(input_size = 64, width = 16, act_fn: relu | swish = relu) {
  defaults act(act_fn)
  input image: [input_size, input_size, 3]
  stem = conv 3x3 /2 width -> bn -> act <- image   # L1
  down = maxpool 3x3 /2 <- stem                    # L2
  up = upsample 2 <- down
  both = add <- stem, up
  return both
}
"""


def test_chain_names_levels_and_groups(tmp_path):
    arch = load_text(tmp_path, TINY)
    g = arch.graph
    assert [n.name for n in g.nodes()] == ["image", "stem.conv", "stem.bn", "stem", "down", "up", "both"]
    assert [n.level for n in g.nodes()] == [0, 1, 1, 1, 2, 1, 1]
    assert {n.group for n in g.nodes() if n.name.startswith("stem")} == {"stem"}
    assert g.inputs("both") == ("stem", "up")
    assert arch.outputs == {"output": (32, 32, 16)}


def test_parameters_overrides_and_expressions(tmp_path):
    arch = load_text(tmp_path, TINY.replace("width -> bn", "(width * 2 + 1) -> bn"), {"width": 8})
    assert arch.shapes["stem.conv"].channels == 17
    assert load_text(tmp_path, TINY, {"act_fn": "swish"}).graph.node("stem").attrs.fn == "swish"


def test_variant_imports_and_defaults(tmp_path):
    text = 'import "tiny.arch"\narch small = tiny(width = 4)\n'
    arch = load_text(tmp_path, text, extra={"tiny.arch": TINY})
    assert arch.name == "small"
    assert arch.shapes["stem"].channels == 4


def test_import_alias_and_template_call(tmp_path):
    text = """
import "tiny.arch" as backbone
block head(classes) {
  input x
  y = conv 1x1 classes bias <- x
  return y
}
arch net(input_size = 64) {
  input image: [input_size, input_size, 3]
  feat = backbone(width = 8) <- image
  logits = head(10) <- feat
  return logits
}
"""
    arch = load_text(tmp_path, text, extra={"tiny.arch": TINY})
    names = [n.name for n in arch.graph.nodes()]
    assert "feat.stem.conv" in names and "logits.y" in names
    assert arch.outputs == {"output": (32, 32, 10)}
    assert arch.graph.node("logits.y").attrs.bias is True


def test_for_loops_families_and_records(tmp_path):
    text = """
arch pyr(input_size = 64) {
  input image: [input_size, input_size, 3]
  c[1] = conv 3x3 /2 8 <- image
  for l in 2..4 {
    c[l] = conv 3x3 /2 8 <- c[l - 1]
  }
  for l in L2..L4 {
    p[l] = conv 1x1 4 share=lat <- c[l]
  }
  return {features: c, heads: p}
}
"""
    arch = load_text(tmp_path, text)
    assert arch.outputs["heads"] == {"2": (16, 16, 4), "3": (8, 8, 4), "4": (4, 4, 4)}
    assert {arch.graph.node(f"p[{l}]").share for l in (2, 3, 4)} == {"lat"}
    # A shared conv's weights are counted once; its MACs at every level.
    assert sum(arch.costs[f"p[{l}]"].params for l in (2, 3, 4)) == 8 * 4
    assert arch.costs["p[3]"].macs == 8 * 8 * 8 * 4


def test_repeat_unrolls_and_shares_per_iteration(tmp_path):
    text = """
arch tower(input_size = 32) {
  defaults act(relu)
  input image: [input_size, input_size, 8]
  t = repeat 3 (conv 3x3 8 share=tw -> bn -> act) <- image
  return t
}
"""
    arch = load_text(tmp_path, text)
    convs = [n for n in arch.graph.nodes() if n.op == "conv"]
    assert [c.name for c in convs] == ["t.0.conv", "t.1.conv", "t.2.conv"]
    assert [c.share for c in convs] == ["tw.0", "tw.1", "tw.2"]


def test_forward_references_are_allowed(tmp_path):
    text = """
arch fwd(input_size = 32) {
  input image: [input_size, input_size, 3]
  b = conv 1x1 4 <- a
  a = conv 1x1 4 <- image
  return b
}
"""
    assert load_text(tmp_path, text).graph.inputs("b") == ("a",)


def test_fuse_section_builds_resamples_and_records_lines(tmp_path):
    arch = load_text(tmp_path, open("specs/spinenet.arch").read(), {"input_size": 256})
    g = arch.graph
    assert [n.op for n in (g.node("b3.in0"), g.node("b3.in1"), g.node("b3.add"), g.node("b3.act"), g.node("b3"))] \
        == ["resample", "resample", "add", "act", "bottleneck"]
    assert g.inputs("b3.in0") == ("b1",) and g.inputs("b3") == ("b3.act",)
    lines = g.sections[0].lines
    assert [line.node for line in lines][:3] == ["b1", "b2", "b3"]
    assert [line.output for line in lines].count(True) == 6
    # Stochastic depth ramps linearly over the 16 blocks (Model Garden's get_stochastic_depth_rate).
    drop = load_text(tmp_path, open("specs/spinenet.arch").read(), {"drop_rate": 0.2}).graph
    assert drop.node("b1").attrs.drop_rate == pytest.approx(0.2 / 16)
    assert drop.node("b15").attrs.drop_rate == pytest.approx(0.2 * 15 / 16)


def test_comments_and_line_continuations(tmp_path):
    text = """# leading comment
arch c(
  input_size = 32,   # trailing
) {
  input image: [input_size,
                input_size, 3]
  x = conv 1x1 4 ->
      bn <- image  # wraps after ->
  return x
}
"""
    assert len(load_text(tmp_path, text).graph) == 3


def test_errors_are_collected_not_first_only(tmp_path):
    text = """
arch bad(input_size = 32) {
  input image: [input_size, input_size, 3]
  a = conv 1x1 4 <- imgae
  b = conv 1x1 four <- image
  c = nope <- image
  return a
}
"""
    with pytest.raises(ArchError) as exc:
        load_text(tmp_path, text)
    assert len(exc.value.errors) == 3


@pytest.mark.parametrize("text", ["", "arch", "arch x(", "\x00\x01", "arch x() { return }", "block b() {}"])
def test_garbage_never_escapes_as_a_python_error(tmp_path, text):
    with pytest.raises(ArchError):
        load_text(tmp_path, text)
