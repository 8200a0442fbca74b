"""The HTML viewer without a browser: the data model over every spec, the group hierarchy, the
page's self-containment, and the `render -o .html`, `view` and `diff -o` commands. The browser
half (clicks, hover, search) is tests/browser."""

from __future__ import annotations

import re
from types import SimpleNamespace

import archdsl
import pytest
from archdsl.cli import main
from archdsl.cli import pages as html_cli
from archdsl.render import html_model
from archdsl.render.html import diff_html, render_html

from conftest import ROOT, SPECS


@pytest.fixture(scope="module")
def models():
    return {p.stem: (a := archdsl.load(p), html_model.build(a)) for p in SPECS}


@pytest.mark.parametrize("spec", [p.stem for p in SPECS])
def test_every_spec_gives_a_consistent_tree(models, spec):
    arch, data = models[spec]
    items = data["items"]
    assert items[0]["params"] == arch.params and items[0]["macs"] == arch.macs
    assert items[0]["trainable"] == arch.trainable_params
    nodes = [it["key"] for it in items if it["kind"] == "node"]
    assert sorted(nodes) == sorted(arch.graph.names())  # every IR node exactly once
    for it in items:
        assert it["lo"] <= it["hi"]
        for c in it["children"]:
            assert items[c]["parent"] == it["id"] and it["lo"] <= items[c]["lo"] <= items[c]["hi"] <= it["hi"]
        _check_columns(items, it, data["edges"])
    for a, b, *_ in data["edges"]:
        assert not items[a]["children"] and not items[b]["children"]  # edges join leaves


def _check_columns(items, it, edges):
    """Children sharing a column never share a lane, and a child fed by a sibling sits right of it."""
    kids = it["children"]
    for i, x in enumerate(kids):
        for y in kids[i + 1:]:
            if items[x]["col"] == items[y]["col"]:
                assert items[x]["hi"] < items[y]["lo"] or items[y]["hi"] < items[x]["lo"]
    under = {}
    for c in kids:
        stack = [c]
        while stack:
            k = stack.pop()
            under[k] = c
            stack.extend(items[k]["children"])
    for a, b, *_ in edges:
        if a in under and b in under and under[a] != under[b]:
            assert items[under[a]]["col"] < items[under[b]]["col"], (items[under[a]]["key"], items[under[b]]["key"])


def test_hierarchy_comes_from_the_typed_origin(models):
    arch, _ = models["retinanet_resnet50_nasfpn"]
    assert html_model.hierarchy(arch.graph.node("decoder.cell[2].n5.conv")) == ("decoder", "cell[2]", "n5")
    assert html_model.hierarchy(arch.graph.node("image")) == ("image",)
    builder_made = SimpleNamespace(group="b3", origin=None)  # NAS samples: no origin
    assert html_model.hierarchy(builder_made) == ("b3",)
    assert html_model.loop_of("endpoint[3]") == ("endpoint", "3") and html_model.loop_of("stem") is None


def _top(data):
    items = data["items"]
    return [(items[c]["kind"], items[c]["title"]) for c in items[0]["children"]]


def test_groups_sections_and_loops(models):
    assert _top(models["spinenet49"][1]) == [("node", "image"), ("statement", "stem"), ("node", "s0"),
                                            ("node", "s1"), ("section", "b1 … b15"), ("loop", "endpoint[3..7]")]
    assert [t for _, t in _top(models["retinanet_resnet50_nasfpn"][1])] == ["image", "backbone", "decoder", "head"]
    items = models["retinanet_resnet50_nasfpn"][1]["items"]
    decoder = next(it for it in items if it["key"] == "decoder")
    assert [(items[c]["kind"], items[c]["title"]) for c in decoder["children"]] == \
        [("section", "proj[3] … proj[7]"), ("loop", "cell[1..7]")]
    # FPN's top-down path alternates topdown[L] and up[L]: grouping either loop would make a cycle.
    items = models["retinanet_resnet50_fpn"][1]["items"]
    titles = {it["title"] for it in items if it["kind"] == "loop"}
    assert "lateral[3..5]" in titles and not any(t.startswith(("topdown[", "up[")) for t in titles)


def test_layers_of_a_block_group_and_their_costs(models):
    arch, data = models["spinenet49"]
    items = data["items"]
    s0 = next(it for it in items if it["key"] == "s0" and it["kind"] == "node")
    layers = [items[c] for c in s0["children"]]
    assert layers and all(x["kind"] == "layer" for x in layers)
    assert sum(x["params"] for x in layers) == arch.costs["s0"].params
    assert sum(x["macs"] for x in layers) == arch.costs["s0"].macs


def test_spec_lines_come_from_the_spans(models):
    arch, data = models["spinenet49"]
    b3 = next(it for it in data["items"] if it["key"] == "b3" and it["kind"] == "statement")
    span = arch.graph.node("b3").span
    assert b3["src"] == f"{span.path}:{span.line}" and b3["line"].startswith("b3")


def test_page_is_self_contained():
    arch = archdsl.load(ROOT / "specs" / "retinanet_spinenet49.arch")
    page = render_html(arch)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert page.count("</script>") == 2  # the data cannot close its element early
    assert "default-src 'none'" in page


def test_render_html_command(tmp_path, capsys):
    out = tmp_path / "net.html"
    assert main(["render", "specs/spinenet49.arch", "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>") and "spinenet49" in out.read_text()
    assert main(["render", "specs/spinenet49.arch", "-o", str(tmp_path / "net.htm")]) == 2
    assert main(["render", "specs/spinenet49.arch", "-o", str(tmp_path / "missing" / "x.html")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_view_command_writes_a_page_and_opens_it_where_it_can(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    opened = []
    monkeypatch.setattr(html_cli, "_open", lambda path: opened.append(path) or True)
    assert main(["view", "specs/spinenet49.arch"]) == 0
    assert len(opened) == 1 and opened[0].endswith(".html") and "opened" in capsys.readouterr().out
    monkeypatch.setattr(html_cli, "_open", lambda path: False)  # no browser here: say where it is
    assert main(["view", "specs/spinenet49.arch"]) == 0
    path = capsys.readouterr().out.split()[1].rstrip(";")
    assert path.startswith(str(tmp_path)) and open(path).read().startswith("<!DOCTYPE html>")
    assert main(["view", "--no-open", "specs/spinenet49.arch"]) == 0


def test_diff_command_writes_the_page(tmp_path, capsys):
    out = tmp_path / "d.html"
    assert main(["diff", "specs/spinenet49.arch", "specs/spinenet96.arch", "-o", str(out)]) == 1
    text = capsys.readouterr().out
    assert "~ b8: repeats 1 -> 2" in text and f"wrote {out}" in text
    assert "~ b8: repeats 1 -> 2" in out.read_text()
    assert main(["diff", "specs/spinenet49.arch", "specs/spinenet49.arch", "-o", str(out)]) == 0
    assert main(["diff", "specs/spinenet49.arch", "specs/spinenet96.arch", "-o", str(tmp_path / "d.svg")]) == 2
    assert main(["diff", "specs/spinenet49.arch", "specs/spinenet96.arch", "-o", str(tmp_path / "no" / "d.html")]) == 2


def test_diff_marks_match_the_diff():
    from archdsl.nas.diff import diff

    a = archdsl.load(ROOT / "specs" / "retinanet_resnet50_fpn.arch")
    b = archdsl.load(ROOT / "specs" / "retinanet_resnet50_nasfpn.arch")
    d = diff(a, b)
    page = diff_html(a, b, d)
    assert page.count('"st":"removed"') == len(d.removed) + _statements(a, d.removed)
    assert page.count('"st":"added"') == len(d.added) + _statements(b, d.added)


def _statements(arch, names):
    """Statements whose result is one of `names` (they show its status), with more than one node."""
    g = arch.graph
    sizes = {}
    for node in g.nodes():
        sizes[node.group] = sizes.get(node.group, 0) + 1
    return sum(1 for x in names if x in sizes and sizes[x] > 1 and g.node(x).group == x)


def test_html_needs_neither_tensorflow_nor_graphviz(tmp_path):
    """The page is made without importing TensorFlow and without Graphviz's executables (no PATH)."""
    import os
    import subprocess
    import sys

    code = ("import sys; from archdsl.cli import main; "
            f"rc = main(['render', 'specs/retinanet_spinenet49.arch', '-o', {str(tmp_path / 'x.html')!r}]); "
            "assert rc == 0, rc; assert 'tensorflow' not in sys.modules")
    env = {**os.environ, "PATH": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env, capture_output=True)
    assert (tmp_path / "x.html").stat().st_size > 10_000


def test_a_tall_box_names_what_it_hands_on_at_each_level(models):
    arch, data = models["retinanet_resnet50_nasfpn"]
    backbone = next(it for it in data["items"] if it["key"] == "backbone")
    s = {lv: arch.shapes[f"backbone.endpoint[{lv}]"] for lv in (3, 4, 5)}
    assert backbone["ports"] == {str(lv): f"{x.height}×{x.width}×{x.channels}" for lv, x in s.items()}


def test_a_builder_made_sample_renders_and_diffs():
    """NAS samples have no spans and no origin: each statement is a top-level box, no spec line."""
    import random

    from archdsl.nas.space import ScalePermutedSpace

    space = ScalePermutedSpace()
    a, b = space.sample(random.Random(1)), space.sample(random.Random(2))
    data = html_model.build(a)
    assert data["items"][0]["params"] == a.params
    assert not any("src" in it for it in data["items"])
    assert "<!DOCTYPE html>" in diff_html(a, b)
