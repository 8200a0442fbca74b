"""`archdsl render`: every spec draws, lanes hold one level each, edge labels carry resample factors,
the DOT text is golden-tested, and a missing Graphviz fails cleanly (no TensorFlow anywhere)."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import archdsl
from archdsl.cli import main
from archdsl.render import render, render_dot, svg
from archdsl.render.dot import lane_id
from archdsl.render.model import build, resample_label

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.arch"))
GOLDEN = ROOT / "tests" / "golden"
SVG = "{http://www.w3.org/2000/svg}"


def _groups(g, tag: str) -> dict[str, ET.Element]:
    return {e.find(f"{SVG}title").text: e for e in g.iter(f"{SVG}g") if e.get("class") == tag}


def _ys(element: ET.Element) -> list[float]:
    return [float(t.get("y")) for t in element.iter(f"{SVG}text")]


def _lane_span(cluster: ET.Element) -> tuple[float, float]:
    points = cluster.find(f"{SVG}polygon").get("points").split()
    ys = [float(p.split(",")[1]) for p in points]
    return min(ys), max(ys)


@pytest.fixture(scope="module")
def archs():
    return {p.stem: archdsl.load(p) for p in SPECS}


@pytest.mark.parametrize("spec", [p.stem for p in SPECS])
def test_every_spec_renders_in_level_lanes(spec, archs):
    arch = archs[spec]
    root = ET.fromstring(svg(arch))
    nodes, clusters, edges = _groups(root, "node"), _groups(root, "cluster"), _groups(root, "edge")
    diagram = build(arch)
    # every statement (group) of the IR is a box
    # (a weight-sharing head is drawn once, not once per level)
    shared = {n.group for n in arch.graph.nodes() if n.share}
    assert {n.group for n in arch.graph.nodes()} - shared <= set(nodes)
    # each level's boxes sit in one row (the same centre) inside that level's lane (a horizontal
    # band); bands are disjoint and ordered finest level on top, the shared lane last
    spans = {}
    for level in {b.lane for b in diagram.boxes.values()}:
        top, bottom = spans[level] = _lane_span(clusters[lane_id(level)])
        centres = set()
        for box in (b for b in diagram.boxes.values() if b.lane == level):
            ys = _ys(nodes[box.id])
            assert top < min(ys) and max(ys) < bottom, (box.id, level)
            centres.add(round((min(ys) + max(ys)) / 2))
        if level is not None:
            assert len(centres) == 1, (level, centres)
    ordered = [spans[k] for k in sorted(spans, key=lambda k: (k is None, k))]
    assert all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:])), "lanes overlap or are out of order"
    # edges crossing levels carry the resample factor; the orphan edge is labelled
    for link in diagram.links:
        text = "".join(t.text or "" for t in edges[f"{link.src}->{link.dst}"].iter(f"{SVG}text"))
        assert text == link.label
        if not link.orphan and diagram.boxes[link.src].lane is not None and diagram.boxes[link.dst].lane is not None:
            assert link.label == resample_label(diagram.boxes[link.src].lane, diagram.boxes[link.dst].lane)
    if not spec.startswith("spinenet"):
        return  # the rest is SpineNet's body: its resample factors and its orphan edge
    labels = {"".join(t.text or "" for t in e.iter(f"{SVG}text")) for e in edges.values()}
    assert {"↓×4", "↑×2", "↓×8", "orphan"} <= labels
    orphan = "b11->b14" if spec.startswith("spinenet_mobile") else "b10->b13"  # each body's own orphan merge
    assert orphan in edges and edges[orphan].find(f"{SVG}path").get("stroke-dasharray")


def test_resample_labels():
    assert resample_label(2, 5) == "↓×8"
    assert resample_label(4, 3) == "↑×2"
    assert resample_label(3, 3) == ""


def test_dot_golden():
    arch = archdsl.load(GOLDEN / "render_tiny.arch")
    text = render_dot(arch)
    golden = GOLDEN / "render_tiny.dot"
    if os.environ.get("ARCHDSL_UPDATE_GOLDENS") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_shared_head_drawn_once():
    arch = archdsl.load(GOLDEN / "render_tiny.arch")
    blocks = build(arch)
    shared = [b for b in blocks.boxes.values() if b.lane is None]
    assert [(b.title, b.levels) for b in shared] == [("head[3..5]", (3, 4, 5))]
    assert not any(k.startswith("head[") for k in blocks.boxes)
    layers = build(arch, "layers")
    shared = sorted((b.title, b.levels) for b in layers.boxes.values() if b.lane is None)
    assert shared == [("cls (shared)", (3, 4, 5)), ("tower (shared)", (3, 4, 5))]
    # non-shared layers of every block expansion are there, e.g. the first bottleneck conv of b2
    assert {"b2.0.conv1", "b3.in0.alpha_conv", "head[4].bn", "b5"} <= set(layers.boxes)


def test_layers_svg_has_every_node():
    arch = archdsl.load(GOLDEN / "render_tiny.arch")
    nodes = _groups(ET.fromstring(svg(arch, "layers")), "node")
    assert {n.name for n in arch.graph.nodes() if n.share is None} <= set(nodes)


def test_cli_formats_and_exit_codes(tmp_path, capsys):
    spec = str(GOLDEN / "render_tiny.arch")
    for ext in ("svg", "png", "pdf", "dot"):
        out = tmp_path / f"tiny.{ext}"
        assert main(["render", spec, "-o", str(out)]) == 0
        assert out.stat().st_size > 0
    assert (tmp_path / "tiny.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "tiny.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["render", spec, "-o", str(tmp_path / "x.dot"), "--detail", "layers", "-D", "width=8"]) == 0
    assert main(["render", spec, "-o", str(tmp_path / "x.jpg")]) == 2
    assert main(["render", spec]) == 2
    assert main(["render", spec, "-o", str(tmp_path / "y.svg"), "--detail", "pixels"]) == 2
    assert main(["render", spec, "-o", str(tmp_path / "y.svg"), "-D", "nope=1"]) == 1
    assert not (tmp_path / "y.svg").exists()
    assert main(["render", spec, "-o", str(tmp_path / "missing" / "y.svg")]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["tiny.svg", "tiny.png", "tiny.pdf", "tiny.dot", "x.dot"])  # no temp files left behind


def test_without_graphviz(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    spec = str(GOLDEN / "render_tiny.arch")
    out = tmp_path / "tiny.png"
    assert main(["render", spec, "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "apt-get install graphviz" in err[0]
    assert list(tmp_path.iterdir()) == []
    assert main(["render", spec, "-o", str(tmp_path / "tiny.dot")]) == 0
    assert (tmp_path / "tiny.dot").read_text().startswith("// archdsl render\ndigraph tiny")
    arch = archdsl.load(spec)
    assert arch._repr_svg_() is None and "image/svg+xml" not in arch._repr_mimebundle_()


def test_render_api_and_jupyter(tmp_path):
    arch = archdsl.load(GOLDEN / "render_tiny.arch")
    assert render(arch, tmp_path / "a.svg") == str(tmp_path / "a.svg")
    bundle = arch._repr_mimebundle_()
    assert bundle["text/plain"].startswith("<Arch tiny")
    assert ET.fromstring(bundle["image/svg+xml"]).tag == f"{SVG}svg"
    with pytest.raises(ValueError):
        render_dot(arch, detail="pixels")
    assert re.search(r"subgraph cluster_L3 ", render_dot(arch))


def test_no_tensorflow_import(tmp_path):
    import subprocess
    import sys

    code = ("import sys, archdsl; from archdsl.cli import main; "
            f"main(['render', {str(GOLDEN / 'render_tiny.arch')!r}, '-o', {str(tmp_path / 'tiny.dot')!r}]) ; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().endswith("False")


@pytest.mark.parametrize("spec, body, orphans", [
    ("spinenet49", "scale-permuted body", True),
    ("resnet50", "backbone", False),
    ("retinanet_resnet50_nasfpn", "backbone", True),  # NAS-FPN's fuse sections are the decoder's
])
def test_legend_describes_what_is_drawn(spec, body, orphans):
    dot = render_dot(archdsl.load(ROOT / "specs" / f"{spec}.arch"))
    legend = " | ".join(re.findall(r'<td align="left">([^<]*)</td>', dot))
    assert body in legend and ("scale-permuted" in legend) == (body == "scale-permuted body")
    assert ("orphan edge" in legend) == orphans
