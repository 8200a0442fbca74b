"""The HTML viewer in a real headless Chromium: collapsed by default, expands on click, hover
shows costs and the spec line, search jumps, the diff page colours what `archdsl diff` reports,
and no page touches the network or logs an error. Screenshots go to the test's tmp folder."""

from __future__ import annotations

from pathlib import Path

import archdsl
import pytest
from archdsl.nas.diff import diff
from archdsl.render.html import diff_html, render_html, write_html

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser

SPECS = ["spinenet49", "retinanet_resnet50_nasfpn", "retinanet_resnet50_fpn", "segmentation"]


def _page(browser, tmp_path, spec: str):
    arch = archdsl.load(ROOT / "specs" / f"{spec}.arch")
    path = tmp_path / f"{spec}.html"
    write_html(render_html(arch), path)
    browser.open(path)
    return arch, browser.page


def _items(page) -> list[dict]:
    return page.evaluate("window.archdslViewer.viewers[0].items")


@pytest.mark.parametrize("spec", SPECS)
def test_top_level_groups_start_collapsed(browser, tmp_path, spec):
    _, page = _page(browser, tmp_path, spec)
    items = _items(page)
    top = items[0]["children"]
    assert page.locator(".frame").count() == 0
    assert page.locator(".box").count() == len(top)
    for i in top:
        box = page.locator(f'.box[data-id="{i}"]')
        assert box.is_visible()
        if items[i]["children"] and items[i]["kind"] != "node":
            assert "group" in box.get_attribute("class")
    browser.shot(tmp_path / f"{spec}-collapsed.png")
    browser.assert_clean()


def test_click_expands_one_level_and_tab_collapses(browser, tmp_path):
    _, page = _page(browser, tmp_path, "retinanet_resnet50_nasfpn")
    items = _items(page)
    decoder = next(i for i in items[0]["children"] if items[i]["key"] == "decoder")
    page.click(f'.box[data-id="{decoder}"]')
    assert page.locator(f'.frame[data-id="{decoder}"]').is_visible()
    assert page.locator(f'.box[data-id="{decoder}"]').count() == 0
    for c in items[decoder]["children"]:  # its children appear, themselves still collapsed
        assert page.locator(f'.box[data-id="{c}"]').is_visible()
    assert page.locator(".frame").count() == 1
    browser.shot(tmp_path / "decoder-expanded.png")
    page.click(f'.frame[data-id="{decoder}"] .tab')
    assert page.locator(".frame").count() == 0
    assert page.locator(f'.box[data-id="{decoder}"]').is_visible()
    browser.assert_clean()


def test_hover_shows_params_macs_share_and_spec_line(browser, tmp_path):
    arch, page = _page(browser, tmp_path, "spinenet49")
    page.hover('.box[data-key="s0"]')
    details = page.locator("#details").inner_text()
    cost, span = arch.costs["s0"], arch.graph.node("s0").span
    assert f"{cost.params:,}" in details and f"{cost.macs:,}" in details
    assert f"{span.path}:{span.line}" in details
    assert span.source.line(span.line).strip() in details
    assert "stem" in details  # its input
    browser.assert_clean()


def test_hover_on_shared_head_conv_names_its_share_group(browser, tmp_path):
    arch, page = _page(browser, tmp_path, "retinanet_resnet50_fpn")
    page.fill("#search", "head.scores[4]")
    page.press("#search", "Enter")
    page.hover('.box[data-key="head.scores[4]"]')
    details = page.locator("#details").inner_text()
    assert arch.graph.node("head.scores[4]").share in details
    browser.assert_clean()


def test_search_jumps_to_a_hidden_node(browser, tmp_path):
    _, page = _page(browser, tmp_path, "retinanet_resnet50_nasfpn")
    page.fill("#search", "cell[3].n7")
    page.press("#search", "Enter")
    box = page.locator('.box[data-key="decoder.cell[3].n7"]')
    assert box.is_visible() and "sel" in box.get_attribute("class")
    assert page.locator('.frame[data-key="decoder"]').count() == 1  # its ancestors were opened
    assert "decoder.cell[3].n7" in page.locator("#details").inner_text()
    browser.shot(tmp_path / "search.png")
    browser.assert_clean()


def test_edges_carry_resample_factor_and_shape(browser, tmp_path):
    arch, page = _page(browser, tmp_path, "spinenet49")
    page.click('.box[data-key="fuse(b1..b15)"]')
    factors = page.eval_on_selector_all("svg.edges g", "gs => gs.map(g => g.dataset.factor)")
    shapes = page.eval_on_selector_all("svg.edges g", "gs => gs.map(g => g.dataset.shape)")
    assert any(f.startswith("↓×") for f in factors) and any(f.startswith("↑×") for f in factors)
    s = arch.shapes["s1"]
    assert any(f"{s.height}×{s.width}×{s.channels}" in x for x in shapes)
    browser.assert_clean()


def test_expand_all_then_collapse_all(browser, tmp_path):
    _, page = _page(browser, tmp_path, "retinanet_resnet50_nasfpn")
    items = _items(page)
    page.click("#expand-all")
    containers = sum(1 for it in items[1:] if it["children"])
    assert page.locator(".frame").count() == containers
    assert page.locator(".box").count() == sum(1 for it in items[1:] if not it["children"])
    page.click("#collapse-all")
    assert page.locator(".box").count() == len(items[0]["children"])
    browser.assert_clean()


def test_totals_panel(browser, tmp_path):
    arch, page = _page(browser, tmp_path, "retinanet_resnet50_nasfpn")
    totals = page.locator("#totals").inner_text()
    assert f"{arch.params:,}" in totals and f"{arch.trainable_params:,}" in totals and f"{arch.macs:,}" in totals
    for name in ("backbone", "decoder", "head", "L3", "L7"):
        assert name in totals
    browser.assert_clean()


def test_diff_page_colours_what_archdsl_diff_reports(browser, tmp_path):
    a = archdsl.load(ROOT / "specs" / "spinenet49.arch")
    b = archdsl.load(ROOT / "specs" / "spinenet96.arch")
    d = diff(a, b)
    path = tmp_path / "diff.html"
    write_html(diff_html(a, b, d), path)
    browser.open(path)
    page = browser.page
    lines = page.eval_on_selector_all("#difftext .diffline", "ls => ls.map(l => l.textContent)")
    assert lines == str(d).splitlines()
    page.click("#expand-marked")
    for side, names in ((0, [x for x, _, _ in d.changed]), (1, [y for _, y, _ in d.changed])):
        pane = page.locator(".pane").nth(side)
        for name in names:
            assert pane.locator(f'[data-key="{name}"].st-changed').count() == 1, name
    page.hover('.pane >> nth=1 >> .box[data-key="b8"]')
    assert "repeats 1 -> 2" in page.locator("#details").inner_text()
    browser.shot(tmp_path / "diff.png")
    browser.assert_clean()


def test_diff_page_removed_and_added(browser, tmp_path):
    a = archdsl.load(ROOT / "specs" / "retinanet_resnet50_fpn.arch")
    b = archdsl.load(ROOT / "specs" / "retinanet_resnet50_nasfpn.arch")
    d = diff(a, b)
    assert d.removed and d.added
    path = tmp_path / "diff2.html"
    write_html(diff_html(a, b, d), path)
    browser.open(path)
    page = browser.page
    page.click("#expand-all")
    assert page.locator(".pane >> nth=0 >> .k-node.st-removed").count() == len(d.removed)
    assert page.locator(".pane >> nth=1 >> .k-node.st-added").count() == len(d.added)
    browser.assert_clean()


def test_clicking_a_diff_line_reveals_its_node(browser, tmp_path):
    a = archdsl.load(ROOT / "specs" / "spinenet49.arch")
    b = archdsl.load(ROOT / "specs" / "spinenet96.arch")
    path = tmp_path / "diff.html"
    write_html(diff_html(a, b), path)
    browser.open(path)
    page = browser.page
    page.locator("#difftext .diffline", has_text="~ b8:").click()
    box = page.locator('.pane >> nth=0 >> .box.sel[data-key="b8"]')
    assert box.is_visible()
    assert page.locator('.pane >> nth=0 >> .frame[data-key="fuse(b1..b15)"]').count() == 1
    browser.assert_clean()


ALL = sorted(p.stem for p in (ROOT / "specs").glob("*.arch"))


@pytest.mark.parametrize("spec,other", list(zip(ALL, ALL[1:] + ALL[:1])))
def test_every_spec_renders_and_diffs(browser, tmp_path, spec, other):
    """Each spec's page opens, expands fully and collapses without an error; so does its diff
    page against the next spec (a different architecture, often of another family)."""
    arch, page = _page(browser, tmp_path, spec)
    items = _items(page)
    page.click("#expand-all")
    assert page.locator(".frame").count() == sum(1 for it in items[1:] if it["children"])
    page.click("#collapse-all")
    assert page.locator(".box").count() == len(items[0]["children"])
    b = archdsl.load(ROOT / "specs" / f"{other}.arch")
    d = diff(arch, b)
    path = tmp_path / "diff.html"
    write_html(diff_html(arch, b, d), path)
    browser.open(path)
    assert page.locator(".pane").count() == 2
    assert page.eval_on_selector_all("#difftext .diffline", "ls => ls.length") == len(str(d).splitlines())
    page.click("#expand-marked")
    browser.assert_clean()
