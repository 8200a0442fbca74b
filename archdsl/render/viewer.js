// archdsl viewer: draws the data archdsl.render.html_model built (level lanes, collapsible boxes).
// Columns inside every container were computed once in Python; expanding or collapsing a box only
// re-measures the widths of its ancestors (other widths are cached) and re-positions what is
// visible, so nothing is reordered and the picture keeps its shape.
"use strict";
const BOX_W = 180, BOX_H = 72, GAP = 76, PAD = 14, LANE_PAD = 26, CAP_W = 64, INSET = 5;
const LANE_H = BOX_H + 2 * LANE_PAD;

function fmt(x) {
  if (x === undefined || x === null) return "–";
  const a = Math.abs(x);
  if (a >= 1e9) return (x / 1e9).toFixed(2) + "G";
  if (a >= 1e6) return (x / 1e6).toFixed(2) + "M";
  if (a >= 1e3) return (x / 1e3).toFixed(1) + "k";
  return String(x);
}
function grouped(x) { return x === undefined ? "–" : x.toLocaleString("en-US"); }
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function levels(it) { return it.lo === it.hi ? "L" + it.lo : "L" + it.lo + "–L" + it.hi; }

class Viewer {
  constructor(data, pane, app) {
    this.d = data; this.items = data.items; this.pane = pane; this.app = app;
    this.total = data.totals;
    this.expanded = new Uint8Array(this.items.length);
    this.expanded[0] = 1;
    this.width = new Float64Array(this.items.length).fill(-1);  // cached widths of expanded items
    this.cols = new Array(this.items.length);  // expanded item -> [column offsets, column widths]
    this.x = new Float64Array(this.items.length);
    this.owner = new Int32Array(this.items.length);
    this.lane = new Map(data.lanes.map((lv, i) => [lv, i]));
    this.boxes = new Map(); this.frames = new Map(); this.shown = new Set();
    this.edgeIndex = new Map();
    this.zoom = 1; this.selected = -1;
    this.sizer = el("div", "sizer"); this.world = el("div", "world");
    this.laneLayer = el("div"); this.frameLayer = el("div"); this.boxLayer = el("div");
    this.svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    this.svg.setAttribute("class", "edges");
    this.world.append(this.laneLayer, this.frameLayer, this.svg, this.boxLayer);
    this.captions = el("div", "captions");  // lane names stay at the left edge while scrolling
    this.sizer.append(this.world); pane.append(this.captions, this.sizer);
    this.height = 8 + data.lanes.length * LANE_H;
    data.lanes.forEach((lv, i) => {
      const lane = el("div", "lane"); lane.style.top = (4 + i * LANE_H) + "px"; lane.style.height = LANE_H + "px";
      this.laneLayer.append(lane); this.captions.append(el("span", "", "L" + lv));
    });
  }
  top(level) { return 4 + this.lane.get(level) * LANE_H; }
  isOpen(i) { return this.expanded[i] && this.items[i].children.length > 0; }

  measure(i) {  // width of item i as drawn now; cached for expanded items until they change
    if (!this.isOpen(i)) return BOX_W;
    if (this.width[i] >= 0) return this.width[i];
    const it = this.items[i], colw = [];
    for (const c of it.children) {
      const col = this.items[c].col;
      colw[col] = Math.max(colw[col] || 0, this.measure(c));
    }
    const off = []; let x = i === 0 ? 0 : PAD;
    for (let k = 0; k < colw.length; k++) { off[k] = x; x += (colw[k] || 0) + GAP; }
    this.cols[i] = [off, colw];
    return (this.width[i] = x - GAP + (i === 0 ? 0 : PAD));
  }
  place(i, x, out) {  // positions of i and its visible descendants, appended to out in draw order
    this.x[i] = x; out.push(i);
    if (!this.isOpen(i)) return;
    const [off, colw] = this.cols[i];
    for (const c of this.items[i].children) {
      const col = this.items[c].col;
      this.place(c, x + off[col] + (colw[col] - this.measure(c)) / 2, out);
    }
  }
  invalidate(i) { for (; i >= 0; i = this.items[i].parent) this.width[i] = -1; }
  setOpen(i, open) {
    if (!this.items[i].children.length || !!this.expanded[i] === open) return false;
    this.expanded[i] = open ? 1 : 0; this.invalidate(i); return true;
  }

  update() {
    const t0 = performance.now();
    const w = this.measure(0), order = [];
    this.place(0, CAP_W, order);
    const seen = new Set(order);
    for (const i of this.shown) if (!seen.has(i)) this.detach(i);
    let depth = new Int32Array(this.items.length);
    for (const i of order) {
      if (i === 0) continue;
      const it = this.items[i];
      depth[i] = depth[it.parent] + 1;
      if (this.isOpen(i)) this.drawFrame(i, depth[i]); else this.drawBox(i);
    }
    this.shown = seen;
    this.drawEdges();
    if (this.paneW === undefined) this.paneW = this.pane.clientWidth;  // read once: reading forces a layout
    const W = CAP_W + w + 40, bands = Math.max(W, this.paneW / this.zoom);
    this.world.style.width = W + "px"; this.world.style.height = this.height + "px";
    for (const lane of this.laneLayer.children) lane.style.width = bands + "px";
    this.world.style.transform = "scale(" + this.zoom + ")";
    [...this.captions.children].forEach((c, k) => { c.style.top = (4 + k * LANE_H) * this.zoom + "px"; });
    this.sizer.style.width = W * this.zoom + "px"; this.sizer.style.height = this.height * this.zoom + "px";
    this.lastUpdateMs = performance.now() - t0;
  }
  detach(i) {
    const b = this.boxes.get(i); if (b && b.parentNode) b.remove();
    const f = this.frames.get(i); if (f && f.parentNode) f.remove();
  }
  classes(it, base) {
    let cls = base + " k-" + it.kind;
    if (it.st) cls += " st-" + it.st; else if (it.nst) cls += " st-has";
    return cls;
  }
  drawFrame(i, depth) {
    const it = this.items[i];
    const b = this.boxes.get(i); if (b && b.parentNode) b.remove();
    let f = this.frames.get(i);
    if (!f) {
      f = el("div", this.classes(it, "frame")); f.dataset.id = i; f.dataset.key = it.key;
      const tab = el("div", "tab", "⊟ " + it.title + "  ·  " + levels(it));
      tab.title = "collapse " + it.key;
      tab.addEventListener("click", (ev) => { ev.stopPropagation(); this.toggle(i); });
      tab.addEventListener("mouseenter", () => this.app.show(this, i, false));
      f.append(tab); this.frames.set(i, f);
    }
    f.classList.toggle("low", depth % 2 === 0);  // nested frames put their tabs on alternate edges
    const inset = Math.min(depth, 4) * INSET;
    const y0 = this.top(it.lo) + inset, y1 = this.top(it.hi) + LANE_H - inset;
    const s = f.style;
    s.left = this.x[i] + "px"; s.width = this.measure(i) + "px"; s.top = y0 + "px"; s.height = (y1 - y0) + "px";
    if (!f.parentNode) this.frameLayer.append(f);
  }
  drawBox(i) {
    const it = this.items[i];
    const f = this.frames.get(i); if (f && f.parentNode) f.remove();
    let b = this.boxes.get(i);
    if (!b) { b = this.makeBox(i); this.boxes.set(i, b); }
    const y0 = this.top(it.lo) + LANE_PAD, y1 = this.top(it.hi) + LANE_PAD + BOX_H;
    if (b._x !== this.x[i]) {  // touch the DOM only for boxes that moved
      const s = b.style;
      s.left = this.x[i] + "px"; s.top = y0 + "px"; s.width = BOX_W + "px"; s.height = (y1 - y0) + "px";
      b._x = this.x[i];
    }
    if (!b.parentNode) this.boxLayer.append(b);
  }
  makeBox(i) {
    const it = this.items[i], n = it.children.length;
    const group = n > 0 && it.kind !== "node";
    let cls = this.classes(it, "box" + (group ? " group" : "") + (n && !group ? " expandable" : ""));
    if (it.out === "model") cls += " out";
    const b = el("div", cls); b.dataset.id = i; b.dataset.key = it.key; b.dataset.kind = it.kind;
    b.append(el("div", "t", it.title + (group ? "  (" + n + ")" : "") + (it.out === "model" ? "  ⇒ output" : "")));
    b.append(el("div", "o", it.op || it.kind));
    b.append(el("div", "s", levels(it) + (it.shape ? " · " + it.shape : "")));
    b.append(el("div", "c", fmt(it.params) + " params · " + fmt(it.macs) + " MACs"));
    const bar = el("div", "bar"), fill = el("i");
    const share = this.total.macs ? (it.macs || 0) / this.total.macs : 0;
    fill.style.width = (share > 0 ? Math.max(1, 100 * share) : 0) + "%";
    bar.title = (100 * share).toFixed(1) + "% of the model's MACs";
    bar.append(fill); b.append(bar);
    if (it.nst) b.append(el("span", "nst", String(it.nst)));
    const y0 = this.top(it.lo) + LANE_PAD;
    for (const [lv, shape] of Object.entries(it.ports || {})) {  // a tall box: what leaves it at each lane
      const port = el("div", "port", "L" + lv + " → " + shape);
      const y = this.top(Number(lv)) + LANE_PAD + BOX_H / 2 - y0;
      if (y > BOX_H - 8) { port.style.top = (y - 8) + "px"; b.append(port); }
    }
    b.addEventListener("mouseenter", () => { this.app.show(this, i, false); this.heat(i, true); });
    b.addEventListener("mouseleave", () => { this.heat(i, false); this.app.restore(); });
    b.addEventListener("click", () => { this.select(i); if (n) this.toggle(i); });
    return b;
  }

  owners() {  // the visible box holding every item (ids are in pre-order, parents first)
    const own = this.owner, items = this.items;
    own[0] = 0;
    const under = new Uint8Array(items.length);
    for (let i = 1; i < items.length; i++) {
      const p = items[i].parent;
      if (under[p]) { own[i] = own[p]; under[i] = 1; } else { own[i] = i; under[i] = this.isOpen(i) ? 0 : 1; }
    }
  }
  attachY(box, leaf) {
    const it = this.items[box], lv = this.items[leaf].level;
    const lo = this.top(it.lo) + LANE_PAD + 8, hi = this.top(it.hi) + LANE_PAD + BOX_H - 8;
    const y = lv === undefined ? lo : this.top(lv) + LANE_PAD + BOX_H / 2;
    return Math.min(hi, Math.max(lo, y));
  }
  drawEdges() {
    this.owners();
    const agg = new Map();
    for (const e of this.d.edges) {
      const a = this.owner[e[0]], b = this.owner[e[1]];
      if (a === b) continue;
      const ya = this.attachY(a, e[0]), yb = this.attachY(b, e[1]);
      const key = a + "," + b + "," + ya + "," + yb;
      let g = agg.get(key);
      if (!g) agg.set(key, g = { a, b, ya, yb, n: 0, labels: new Set(), shapes: new Set(), orphan: 1, st: "" });
      g.n++; if (e[2] && e[2] !== "orphan") g.labels.add(e[2]); g.shapes.add(e[3]);
      g.orphan &= e[4]; if (e[5]) g.st = e[5];
    }
    const NS = "http://www.w3.org/2000/svg", frag = document.createDocumentFragment();
    const old = this.edgeEls || new Map(), kept = new Map();
    this.edgeIndex = new Map();
    for (const [key, g] of agg) {
      const x1 = this.x[g.a] + BOX_W, x2 = this.x[g.b], y1 = g.ya, y2 = g.yb;
      let d;
      if (x2 > x1 && Math.abs(y1 - y2) < 1 && x2 - x1 > GAP + BOX_W) {  // skips boxes in its lane: arc over them
        const h = BOX_H / 2 + LANE_PAD * 0.8;
        d = `M${x1},${y1} C${x1 + 40},${y1 - h} ${x2 - 40},${y2 - h} ${x2},${y2}`;
      } else {
        const dx = Math.max(40, Math.abs(x2 - x1) / 2);
        d = `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
      }
      const factor = [...g.labels].join(" ");
      const shape = [...g.shapes].join(", ") + (g.n > 1 ? " (" + g.n + " edges)" : "");
      let ge = old.get(key);
      if (ge && ge.dataset.d === d + x1 + x2 && ge.dataset.shape === shape && ge.dataset.factor === factor) {
        kept.set(key, ge); old.delete(key); this.index(g, ge); continue;  // unchanged: keep the element
      }
      if (ge) { ge.remove(); old.delete(key); }
      ge = document.createElementNS(NS, "g");
      ge.setAttribute("class", "e" + (g.orphan ? " orphan" : "") + (g.st === "added" ? " ea" : g.st === "removed" ? " er" : ""));
      ge.dataset.factor = factor; ge.dataset.shape = shape; ge.dataset.d = d + x1 + x2;
      const p = document.createElementNS(NS, "path"); p.setAttribute("d", d); ge.append(p);
      const f = document.createElementNS(NS, "text");
      f.setAttribute("x", x2 - 4); f.setAttribute("y", y2 - 4); f.setAttribute("text-anchor", "end"); f.textContent = factor;
      const s = document.createElementNS(NS, "text");  // the shape, shown while an end is hovered or selected
      s.setAttribute("class", "s"); s.setAttribute("x", x1 + 4); s.setAttribute("y", y1 + 12);
      s.textContent = [...g.shapes].join(", ");
      ge.append(f, s); frag.append(ge); kept.set(key, ge); this.index(g, ge);
    }
    for (const ge of old.values()) ge.remove();  // edges no longer drawn
    this.svg.append(frag);
    this.edgeEls = kept;
  }
  index(g, ge) {
    for (const end of [g.a, g.b]) {
      if (!this.edgeIndex.has(end)) this.edgeIndex.set(end, []);
      this.edgeIndex.get(end).push(ge);
    }
  }
  heat(i, on) { for (const g of this.edgeIndex.get(i) || []) g.classList.toggle("hot", on); }

  toggle(i) { if (this.setOpen(i, !this.expanded[i])) this.update(); }
  expandAll() { for (let i = 0; i < this.items.length; i++) this.setOpen(i, true); this.update(); }
  collapseAll() { for (let i = 1; i < this.items.length; i++) this.setOpen(i, false); this.update(); }
  expandMarked() {
    for (let i = 1; i < this.items.length; i++) if (this.items[i].nst && this.items[i].kind !== "statement" && this.items[i].kind !== "node") this.setOpen(i, true);
    this.update();
  }
  select(i) {
    if (this.selected >= 0) { const b = this.boxes.get(this.selected); if (b) b.classList.remove("sel"); this.heat(this.selected, false); }
    this.selected = i;
    const b = this.boxes.get(i); if (b) b.classList.add("sel");
    this.heat(i, true);
    this.app.show(this, i, true);
  }
  reveal(i) {  // open every ancestor, select the box, scroll it into view
    for (let p = this.items[i].parent; p > 0; p = this.items[p].parent) this.setOpen(p, true);
    this.update();
    this.select(i);
    const b = this.boxes.get(i) || this.frames.get(i);
    if (b) {
      b.classList.remove("flash"); void b.offsetWidth; b.classList.add("flash");
      const r = this.pane.getBoundingClientRect(), br = b.getBoundingClientRect();
      this.pane.scrollBy({ left: br.left - r.left - r.width / 2 + br.width / 2, top: br.top - r.top - r.height / 2 });
    }
  }
  find(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    const exact = [], part = [];
    this.items.forEach((it, i) => {
      if (!i || it.kind === "layer" && !q.includes(".")) return;
      const k = it.key.toLowerCase();
      if (k === q || it.title.toLowerCase() === q) exact.push(i); else if (k.includes(q)) part.push(i);
    });
    return exact.concat(part);
  }
}

class App {
  constructor(spec) {
    this.spec = spec; this.sticky = null;
    this.details = document.getElementById("details");
    const panes = document.getElementById("panes");
    this.viewers = spec.views.map((v) => {
      const pane = el("section", "pane"); pane.dataset.side = v.side || "";
      if (v.heading) pane.append(el("h2", "", v.heading));
      panes.append(pane);
      return new Viewer(v.data, pane, this);
    });
    for (const v of this.viewers) {  // start zoomed out far enough to show every lane
      const room = v.pane.clientHeight - 24;
      if (room > 100 && v.height > room) v.zoom = Math.max(0.6, room / v.height);
      v.update();
    }
    this.totals(); this.wire();
    window.addEventListener("resize", () => this.viewers.forEach((v) => { v.paneW = undefined; v.update(); }));
    if (spec.diff) this.diffPanel(spec.diff);
  }
  wire() {
    const q = document.getElementById("search"), count = document.getElementById("count");
    let hits = [], at = 0;
    const go = () => {
      if (!hits.length) { count.textContent = q.value ? "no match" : ""; return; }
      const [v, i] = hits[at % hits.length];
      count.textContent = (at % hits.length + 1) + " / " + hits.length;
      v.reveal(i); at++;
    };
    q.addEventListener("input", () => { hits = []; at = 0; this.viewers.forEach((v) => v.find(q.value).forEach((i) => hits.push([v, i]))); count.textContent = hits.length ? hits.length + " found" : (q.value ? "no match" : ""); });
    q.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
    document.addEventListener("keydown", (e) => {  // "/" jumps to the search box, as on most sites
      if (e.key === "/" && document.activeElement !== q) { e.preventDefault(); q.focus(); q.select(); }
    });
    const on = (id, f) => document.getElementById(id).addEventListener("click", f);
    on("expand-all", () => this.viewers.forEach((v) => v.expandAll()));
    on("collapse-all", () => this.viewers.forEach((v) => v.collapseAll()));
    on("zoom-in", () => this.viewers.forEach((v) => { v.zoom = Math.min(2, v.zoom * 1.25); v.update(); }));
    on("zoom-out", () => this.viewers.forEach((v) => { v.zoom = Math.max(0.2, v.zoom / 1.25); v.update(); }));
  }
  show(v, i, sticky) {
    if (sticky) this.sticky = [v, i];
    const it = v.items[i], d = this.details;
    d.replaceChildren();
    d.append(el("div", "key", it.key || v.d.name));
    const rows = [["kind", it.kind + (it.children.length ? " · " + it.children.length + " inside" : "")],
      ["op", it.op || ""], ["level", levels(it)], ["output", it.shape || "—"],
      ["params", grouped(it.params) + (it.trainable !== undefined && it.trainable !== it.params ? " (" + grouped(it.trainable) + " trainable)" : "")],
      ["MACs", grouped(it.macs) + (v.total.macs ? "  (" + (100 * (it.macs || 0) / v.total.macs).toFixed(1) + "%)" : "")],
      ["share", it.share || "—"]];
    if (it.st) rows.push(["diff", it.st + (it.what ? ": " + it.what : "")]);
    if (it.nst) rows.push(["diff", it.nst + " marked inside"]);
    d.append(this.table(rows));
    if (it.inputs && it.inputs.length) {
      d.append(el("h3", "", "inputs"));
      d.append(this.table(it.inputs.map((name) => {
        const j = v.items.findIndex((x) => x.key === name && x.kind === "node");
        const src = v.items[j] || {};
        return [name, (src.shape || "") + (src.level !== undefined && src.level !== it.level ? "  L" + src.level + "→L" + it.level : "")];
      })));
    }
    if (it.src) {
      d.append(el("h3", "", it.kind === "node" || it.kind === "layer" || it.kind === "statement" ? "spec line" : "first spec line"));
      d.append(el("div", "src", it.src));
      d.append(el("pre", "line", it.line));
    }
  }
  restore() { if (this.sticky) this.show(this.sticky[0], this.sticky[1], false); }
  table(rows, onclick, numeric) {
    const t = el("table");
    rows.forEach((r, k) => {
      const tr = el("tr", onclick ? "link" : "");
      r.forEach((c, j) => tr.append(el("td", numeric && j > 0 ? "n" : "", c)));
      if (numeric && r[0].startsWith("  ")) { tr.firstChild.style.paddingLeft = "16px"; tr.firstChild.textContent = r[0].trim(); }
      if (onclick) tr.addEventListener("click", () => onclick(k));
      t.append(tr);
    });
    return t;
  }
  totals() {
    const box = document.getElementById("totals");
    for (const v of this.viewers) {
      const tot = v.total;
      if (this.viewers.length > 1) box.append(el("h3", "", v.pane.dataset.side + ": " + v.d.name));
      box.append(this.table([["params", grouped(tot.params)], ["trainable", grouped(tot.trainable)], ["MACs", grouped(tot.macs)]], null, true));
      box.append(el("h3", "", "per level"));
      box.append(this.table([["level", "params", "MACs"]].concat(tot.levels.map((r) => ["L" + r[0], fmt(r[1]), fmt(r[3])])), null, true));
      box.append(el("h3", "", "per group"));
      const root = v.items[0].children, rows = [["group", "params", "MACs"]];
      const ids = [];
      for (const c of root) {
        rows.push([v.items[c].title, fmt(v.items[c].params), fmt(v.items[c].macs)]); ids.push(c);
        if (["instance", "loop", "section"].includes(v.items[c].kind))
          for (const g of v.items[c].children) { rows.push(["  " + v.items[g].title, fmt(v.items[g].params), fmt(v.items[g].macs)]); ids.push(g); }
      }
      box.append(this.table(rows, (k) => { if (k > 0) v.reveal(ids[k - 1]); }, true));
    }
  }
  diffPanel(lines) {
    const box = document.getElementById("difftext");
    box.append(el("div", "legend")); box.lastChild.innerHTML =
      '<span class="st-removed box" style="position:static">removed (A only)</span><span class="st-added box" style="position:static">added (B only)</span><span class="st-changed box" style="position:static">changed</span>';
    for (const [text, side, key] of lines) {
      const cls = text.startsWith("-") ? "m" : text.startsWith("+") ? "p" : text.startsWith("~") ? "c" : "";
      const line = el("div", "diffline " + cls, text);
      if (key) line.addEventListener("click", () => {
        const v = this.viewers[side === "b" ? 1 : 0], j = v.items.findIndex((x) => x.key === key && x.kind === "node");
        if (j >= 0) v.reveal(j);
      });
      box.append(line);
    }
    document.getElementById("expand-marked").addEventListener("click", () => this.viewers.forEach((v) => v.expandMarked()));
  }
}

window.addEventListener("DOMContentLoaded", () => {
  const spec = JSON.parse(document.getElementById("archdsl-data").textContent);
  window.archdslViewer = new App(spec);
  window.archdslReadyMs = performance.now();  // since navigation started: load to interactive
  document.body.dataset.ready = "1";
});
