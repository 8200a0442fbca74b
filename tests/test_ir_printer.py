"""The IR printer (`Arch.to_text`): IR -> `.arch` -> IR gives an equal graph (same names, ops,
levels, attrs, groups, shares, edges with positions and orphan marks, outputs, fuse sections), for
every spec and for generated topologies."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import archdsl
from archdsl.ir import nodes as n
from archdsl.nas import Builder, ScalePermutedSpace, arch_hash
from archdsl.ir.equality import graph_differences
from archdsl.nas.printer import print_topology
from archdsl.ir.print_chains import Unprintable
from archdsl.ir.printer import unelaborate
from archdsl.syntax.parse import parse
from archdsl.syntax.printer import format_text, same_ast

SPECS = sorted(Path("specs").glob("*.arch"))


def _reload(arch: archdsl.Arch, tmp: Path) -> archdsl.Arch:
    path = tmp / "printed.arch"
    path.write_text(arch.to_text())
    return archdsl.load(path)


def _assert_equal(a: archdsl.Arch, b: archdsl.Arch) -> None:
    assert graph_differences(a.graph, b.graph) == []
    assert (b.params, b.macs, b.outputs, arch_hash(b)) == (a.params, a.macs, a.outputs, arch_hash(a))
    assert b.warnings == ()  # nothing pruned or merged unexpectedly: it validates clean


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_every_spec_round_trips(spec, tmp_path):
    a = archdsl.load(spec)
    b = _reload(a, tmp_path)
    _assert_equal(a, b)
    assert b.to_text() == a.to_text()  # canonical: printing the reprint changes nothing


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_printed_ir_is_the_ast_printers_text(spec):
    """The IR printer makes an AST and `archdsl fmt`'s printer writes it: its text is already
    formatted, and parsing it gives that AST back."""
    a = archdsl.load(spec)
    text = a.to_text()
    assert format_text(text) == text
    assert same_ast(unelaborate(a.graph, a.shapes).items, parse(text).items)


def test_orphan_edges_come_back_from_merge_orphans(tmp_path):
    a = archdsl.load("specs/spinenet.arch")
    orphans = sorted((s, d) for s, d, _, o in a.graph.edges() if o)
    assert orphans  # SpineNet-49 has orphan merges; they must not be printed as inputs
    text = a.to_text()
    assert "merge orphans" in text
    b = _reload(a, tmp_path)
    assert sorted((s, d) for s, d, _, o in b.graph.edges() if o) == orphans


def test_pruned_output_line_is_not_printed():
    text = archdsl.load("specs/spinenet.arch").to_text()
    assert "b15 =" in text and "b16 =" not in text  # the L2 output reaches no endpoint


def test_optional_lines_round_trip(tmp_path):
    a = archdsl.load("specs/spinenet.arch", {"min_level": 2})  # b16 feeds the L2 endpoint: kept
    # (the fuse body's columns are aligned, as `archdsl fmt` aligns them)
    assert re.search(r"\n +b16 = bottleneck 64 +at L2 <- b1, b12 +output optional\n", a.to_text())
    _assert_equal(a, _reload(a, tmp_path))
    path = tmp_path / "x.arch"
    path.write_text(a.to_text().replace(" output optional", " output"))
    assert graph_differences(a.graph, archdsl.load(path).graph) == ["optional lines ['b16'] != []"]


def test_graph_differences_sees_a_change(tmp_path):
    a = archdsl.load("specs/spinenet.arch")
    path = tmp_path / "x.arch"
    text, count = re.subn(r"\bb3( +)= bottleneck 128", r"b3\1= residual 128", a.to_text())
    assert count == 1
    path.write_text(text)
    assert any("b3" in d for d in graph_differences(a.graph, archdsl.load(path).graph))


def test_unprintable_names_raise():
    b = Builder("odd")
    b.input("x", 8, 8, 3)
    b.add("a.b.c", "conv", 0, n.ConvAttrs(4), ["x"], group="zzz")
    b.output("0", "a.b.c")
    with pytest.raises(Unprintable, match="no provenance"):  # the statement is unknown
        b.check().to_text()


def test_names_the_text_would_not_give_raise():
    """The statement comes from the origin, never the name; the names must still come back."""
    b = Builder("odd")
    b.input("x", 8, 8, 3)
    b.add("y.conv", "conv", 0, n.ConvAttrs(4), ["x"], origin=n.Origin((), "y", "stage", (), 0))
    b.add("y", "act", 0, n.ActAttrs("relu"), ["y.conv"], origin=n.Origin((), "y", "result", (), 1))
    b.output("output", "y")
    assert "y = conv 1x1 4 -> act relu <- x" in b.check().to_text()
    b = Builder("odd")
    b.input("x", 8, 8, 3)
    b.add("a.b.c", "conv", 0, n.ConvAttrs(4), ["x"], origin=n.Origin((), "zzz", "result"))
    b.output("output", "a.b.c")
    with pytest.raises(Unprintable, match="would name it `zzz`"):
        b.check().to_text()


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32), st.integers(6, 20), st.integers(0, 3))
def test_generated_topologies_round_trip(tmp_path_factory, seed, blocks, mutations):
    """NAS topology -> builder IR -> to_text -> load: equal graph, same cost and hash, no warnings."""
    space, rng = ScalePermutedSpace(num_blocks=blocks), random.Random(seed)
    c = space.sample_candidate(rng)
    for _ in range(mutations):
        c = space.mutate_candidate(c, rng)
    a = c.arch()
    try:
        text = a.to_text()
    except Unprintable as exc:  # the one graph the text cannot say (see the test below): refused, not misprinted
        assert "pruned fuse line took orphans" in str(exc)
        return
    path = tmp_path_factory.mktemp("nas") / "printed.arch"
    path.write_text(text)
    b = archdsl.load(path)
    _assert_equal(a, b)
    assert (b.params, b.macs, arch_hash(b)) == (c.params, c.macs, c.hash)


def test_a_pruned_line_that_took_an_orphan_is_refused_not_misprinted(tmp_path):
    """A topology whose output line at L2 (pruned: min_level is 3) took b13 as an orphan before a
    later L5 output line could: printed without that line, `merge orphans` would hand b13 to the
    later line, so the text would mean another graph. The IR printer refuses it; the topology's
    own printer (every line, pruned ones too) round-trips it."""
    space, rng = ScalePermutedSpace(num_blocks=19), random.Random(595375844)
    c = space.mutate_candidate(space.sample_candidate(rng), rng)
    a = c.arch()
    with pytest.raises(Unprintable, match="pruned fuse line took orphans"):
        a.to_text()
    path = tmp_path / "t.arch"
    path.write_text(print_topology(c.topology))
    b = archdsl.load(path)
    assert graph_differences(a.graph, b.graph) == []
