// The points and lines a measurement used, drawn over the photo (SVG in the photo's pixels);
// a point can be dragged (or moved with the arrow keys) and `onMove(name, [x, y])` is called
// when it is let go. Left and right are the person's own sides, as in the measurement.
const SVGNS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export function sideOf(name) {
  if (name.startsWith("left_") || name.endsWith(".left")) return "left";
  if (name.startsWith("right_") || name.endsWith(".right")) return "right";
  return "centre";
}

export function pointWords(name) {
  const [pair, side] = name.split(".");
  const part = pair.startsWith("shoulders") ? "shoulder" : "pelvic";
  if (side && pair.endsWith("_sticker")) return `${side} ${part} sticker`;
  if (side) return `${side} ${part} outline point`;
  return name.replace(/_/g, " ");
}

const mid = (a, b) => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];

export class Review {
  constructor(svg, table, onMove) {
    this.svg = svg;
    this.table = table; // the metric table of /api/metrics, by name
    this.onMove = onMove;
    this.positions = {};
    this.nodes = {};
    this.lines = [];
    this.keyTimer = null;
    this.zoom = 1;
  }

  // The box (x0, y0, x1, y1, image pixels) around every point, for zooming in on the person.
  extent() {
    const pts = Object.values(this.positions);
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }

  // Draw a description from /api/describe. `editable`: the points can be moved.
  show(description, editable = true) {
    const [w, h] = description.size;
    this.size = [w, h];
    this.editable = editable;
    this.svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    this.svg.setAttribute("preserveAspectRatio", "none"); // the SVG box is the photo's box
    this.svg.replaceChildren();
    this.nodes = {};
    this.lines = [];
    this.positions = Object.fromEntries(Object.entries(description.points).map(([k, v]) => [k, v.slice()]));
    const s = Math.max(w, h) / 1000 / this.zoom; // marks keep their size on screen when zoomed in
    this.unit = s;
    const labels = Object.fromEntries(description.metrics.map((m) => [m.name, m.label]));
    const measured = new Set(description.metrics.filter((m) => m.value !== null).map((m) => m.name));
    const usedBy = {};
    const seen = new Set(); // points used by a metric that was measured
    for (const [metric, points] of Object.entries(description.uses)) {
      for (const p of points) {
        (usedBy[p] ||= []).push(labels[metric] || metric);
        if (measured.has(metric)) seen.add(p);
      }
    }
    const g = (cls) => { const node = svgEl("g", { class: cls }); this.svg.append(node); return node; };
    const contours = g("contour"), lines = g("lines"), points = g("points"), marks = g("marks");

    for (const pair of Object.values(description.contour || {})) {
      for (const side of ["left", "right"]) {
        for (const [x, y] of pair[side] || []) contours.append(svgEl("circle", { cx: x, cy: y, r: 2.2 * s, class: `contour ${side}` }));
      }
    }
    for (const [metric, points] of Object.entries(description.uses)) {
      const spec = this.table[metric];
      if (!spec || points.length < 2 || !measured.has(metric)) continue; // no line for what was not measured
      if (spec.kind === "tilt") {
        const line = svgEl("line", { class: `tilt ${metric}`, "stroke-width": 3 * s });
        const level = svgEl("line", { class: "level", "stroke-width": 1.5 * s, "stroke-dasharray": `${8 * s} ${6 * s}` });
        lines.append(level, line);
        this.lines.push({ kind: "tilt", a: points[0], b: points[1], line, level });
      } else if (spec.kind === "lean" && points.length >= 4) {
        const line = svgEl("line", { class: `lean ${metric}`, "stroke-width": 2 * s });
        lines.append(line);
        this.lines.push({ kind: "lean", a: points.slice(0, 2), b: points.slice(2, 4), line });
      }
    }
    const sidesLabelled = new Set([...(description.uses.shoulder_tilt_deg || []), ...(description.uses.pelvic_tilt_deg || [])]);
    for (const name of Object.keys(this.positions)) {
      const side = sideOf(name);
      const sticker = name.includes("_sticker.");
      const outline = name.includes(".") && !sticker;
      const r = (outline ? 7 : sticker ? 10 : 8) * s;
      const node = outline
        ? svgEl("rect", { width: 2 * r, height: 2 * r, class: `point outline ${side}`, "stroke-width": 2 * s })
        : svgEl("circle", { r, class: `point ${sticker ? "sticker " : ""}${side}`, "stroke-width": 2 * s });
      node.dataset.point = name;
      node.dataset.r = String(r);
      if (!seen.has(name)) node.classList.add("unseen");
      const title = svgEl("title");
      title.textContent = seen.has(name)
        ? `${pointWords(name)}: used by ${(usedBy[name] || ["no metric"]).join(", ")}`
        : `${pointWords(name)}: not seen well enough to measure; drag it to where it is to measure by hand`;
      node.append(title);
      if (editable) {
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", `${pointWords(name)}; arrow keys move it`);
        this.bindDrag(node, name);
      }
      points.append(node);
      this.nodes[name] = node;
      if (sidesLabelled.has(name) && seen.has(name)) {
        const label = svgEl("text", { class: `side-label ${side}`, "font-size": 30 * s, "stroke-width": 5 * s });
        label.textContent = side === "left" ? "L" : "R";
        label.dataset.point = name;
        marks.append(label);
        this.nodes[`label:${name}`] = label;
      }
    }
    this.layout();
  }

  layout() {
    const s = this.unit;
    for (const [name, [x, y]] of Object.entries(this.positions)) {
      const node = this.nodes[name];
      if (!node) continue;
      const r = Number(node.dataset.r);
      if (node.tagName === "rect") { node.setAttribute("x", x - r); node.setAttribute("y", y - r); }
      else { node.setAttribute("cx", x); node.setAttribute("cy", y); }
      const label = this.nodes[`label:${name}`];
      if (label) {
        const twin = name.replace(/left/, "@").replace(/right/, "left").replace(/@/, "right");
        const other = this.positions[twin] || [x, y];
        const dir = x >= other[0] ? 1 : -1; // outwards, away from the pair's other point
        label.setAttribute("x", x + dir * 26 * s);
        label.setAttribute("y", y - 14 * s);
        label.setAttribute("text-anchor", dir > 0 ? "start" : "end");
      }
    }
    for (const l of this.lines) {
      if (l.kind === "tilt") {
        const a = this.positions[l.a], b = this.positions[l.b];
        if (!a || !b) continue;
        const ext = 0.15;
        const dx = b[0] - a[0], dy = b[1] - a[1];
        l.line.setAttribute("x1", a[0] - ext * dx); l.line.setAttribute("y1", a[1] - ext * dy);
        l.line.setAttribute("x2", b[0] + ext * dx); l.line.setAttribute("y2", b[1] + ext * dy);
        // The horizontal through the lower point: how far the line is from level.
        const low = a[1] >= b[1] ? a : b, high = low === a ? b : a;
        l.level.setAttribute("x1", low[0]); l.level.setAttribute("y1", low[1]);
        l.level.setAttribute("x2", high[0] + (high[0] - low[0]) * ext); l.level.setAttribute("y2", low[1]);
      } else {
        const pa = l.a.map((n) => this.positions[n]), pb = l.b.map((n) => this.positions[n]);
        if (pa.some((p) => !p) || pb.some((p) => !p)) continue;
        const [x1, y1] = mid(...pa), [x2, y2] = mid(...pb);
        l.line.setAttribute("x1", x1); l.line.setAttribute("y1", y1); l.line.setAttribute("x2", x2); l.line.setAttribute("y2", y2);
      }
    }
  }

  clamp([x, y]) {
    const [w, h] = this.size;
    return [Math.min(Math.max(x, 0), w - 0.1), Math.min(Math.max(y, 0), h - 0.1)];
  }

  toImage(event) {
    const p = this.svg.createSVGPoint();
    p.x = event.clientX; p.y = event.clientY;
    const q = p.matrixTransform(this.svg.getScreenCTM().inverse());
    return this.clamp([q.x, q.y]);
  }

  commit(name) {
    const [x, y] = this.positions[name];
    this.onMove(name, [Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
  }

  bindDrag(node, name) {
    let offset = null;
    node.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      node.setPointerCapture(event.pointerId);
      const [px, py] = this.toImage(event);
      const [x, y] = this.positions[name];
      offset = [x - px, y - py];
      node.classList.add("dragging");
      node.focus({ preventScroll: true });
    });
    node.addEventListener("pointermove", (event) => {
      if (!offset) return;
      const [px, py] = this.toImage(event);
      this.positions[name] = this.clamp([px + offset[0], py + offset[1]]);
      this.layout();
    });
    const end = () => {
      if (!offset) return;
      offset = null;
      node.classList.remove("dragging");
      this.commit(name);
    };
    node.addEventListener("pointerup", end);
    node.addEventListener("pointercancel", end);
    node.addEventListener("keydown", (event) => {
      const step = event.shiftKey ? 10 : 1;
      const moves = { ArrowUp: [0, -step], ArrowDown: [0, step], ArrowLeft: [-step, 0], ArrowRight: [step, 0] };
      const d = moves[event.key];
      if (!d) return;
      event.preventDefault();
      const [x, y] = this.positions[name];
      this.positions[name] = this.clamp([x + d[0], y + d[1]]);
      this.layout();
      clearTimeout(this.keyTimer);
      this.keyTimer = setTimeout(() => this.commit(name), 350);
    });
  }

  // The point to focus again after the drawing is rebuilt.
  focus(name) {
    const node = this.nodes[name];
    if (node && this.editable) node.focus({ preventScroll: true });
  }
}
