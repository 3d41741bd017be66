// Analyse: photos in, each with its points drawn over it, every metric in words, corrections by
// dragging a point, and saving to the history.
import { api, el } from "./api.js";
import { Review } from "./review.js";

let tablePromise = null;
export function metricsTable() {
  tablePromise ||= api.metrics().then((t) => Object.fromEntries(t.metrics.map((m) => [m.name, m])));
  return tablePromise;
}

function readOptions() {
  const f = document.getElementById("options").elements;
  const mode = f.level_mode.value;
  return {
    mirrored: f.mirrored.checked,
    level: mode === "auto" ? "auto" : mode === "manual" ? f.level.value : "",
    height_cm: f.height_cm.value,
    person: f.person.value,
    fast: f.fast.checked,
    markers: f.markers.checked,
    marker_color: f.markers.checked ? f.marker_color.value : "",
  };
}

export async function refreshNames() {
  try {
    const { names } = await api.history();
    document.getElementById("names").replaceChildren(...names.map((n) => el("option", { value: n })));
  } catch (e) { /* no history yet */ }
}

// One photo's result: the photo with its points, every metric in words, corrections, saving.
// `container` receives the card; `title` heads it (the file's name by default).
export class ResultCard {
  constructor(file, table, container = document.getElementById("results"), title = file.name) {
    this.file = file;
    this.table = table;
    this.moves = {};
    const node = document.getElementById("result-template").content.firstElementChild.cloneNode(true);
    this.node = node;
    this.q = (sel) => node.querySelector(sel);
    this.q(".photo-name").textContent = title;
    const img = this.q(".photo");
    img.alt = `Photo ${file.name}`;
    img.addEventListener("error", () => {
      img.hidden = true;
      this.q(".stage").classList.add("no-image");
      this.q(".hint").prepend(el("small", { class: "note", text: "This browser cannot show this photo's format; the points are drawn without it. " }));
    });
    this.url = URL.createObjectURL(file);
    img.src = this.url;
    this.review = new Review(this.q(".overlay"), table, (name, xy) => this.moved(name, xy));
    this.q(".reset").addEventListener("click", () => { this.moves = {}; this.show(this.original); });
    this.q(".zoom").addEventListener("click", () => this.toggleZoom());
    // Forgot "mirror selfie" or the camera level? Measure the same photo again (corrections start over).
    this.q(".again").addEventListener("click", () => { this.moves = {}; this.analyse(readOptions()); });
    this.q(".save").addEventListener("submit", (event) => { event.preventDefault(); this.save(); });
    this.q(".download-annotated").addEventListener("click", () => this.downloadAnnotated());
    container.append(node);
  }

  status(text, kind = "") {
    const p = this.q(".status");
    p.textContent = text;
    p.className = `status ${kind}`;
  }

  async analyse(options) {
    this.status("Analysing…", "busy");
    let m;
    try {
      m = await api.analyze(this.file, options);
    } catch (e) {
      this.status(e.message, "error");
      this.q(".result-body").hidden = !this.measurement; // keep what an earlier analysis showed
      return;
    }
    await this.showAnalysis(m);
  }

  // A measurement of this card's photo, as analysed (a photo's, or a live capture's).
  async showAnalysis(m) {
    this.original = m;
    this.moves = {};
    this.q(".result-body").hidden = false;
    const taken = this.original.source.taken_at;
    this.exifDate = taken ? taken.slice(0, 10) : "";
    this.q(".save").elements.date.value = this.exifDate;
    await this.show(this.original);
  }

  async show(measurement) {
    this.measurement = measurement;
    if (measurement !== this.savedMeasurement) this.q(".saved").textContent = ""; // said of another one
    const d = await api.describe(measurement);
    this.description = d;
    const measured = d.status === "measured";
    if (d.status === "no_person") this.status("No person found in the photo.", "error");
    else if (!measured) this.status(`Not measured: ${d.message}`, "error");
    else this.status(d.corrected ? "Measured; points corrected by hand." : "Measured.", d.corrected ? "corrected" : "ok");
    const rows = d.metrics.map((m) => {
      const text = el("td", { class: "reading" }, el("span", { text: m.text }));
      if (m.original_text) text.append(el("div", { class: "original", text: `before correction: ${m.original_text}` }));
      return el("tr", { class: [m.value === null ? "missing" : "", m.corrected ? "corrected" : ""].join(" ").trim(), "data-metric": m.name },
        el("th", { scope: "row", text: m.label }), text);
    });
    this.q(".metrics tbody").replaceChildren(...rows);
    this.q(".assumptions").replaceChildren(...d.assumptions.map((a) => el("li", { text: a })));
    this.q(".warnings").replaceChildren(
      ...d.warnings.map((w) => el("li", { text: w })),
      ...d.tips.map((t) => el("li", { class: "tip", text: `Tip: ${t}` })));
    this.q(".warnings-box").hidden = d.warnings.length + d.tips.length === 0;
    this.q(".save").hidden = !measured;
    this.q(".reset").hidden = Object.keys(this.moves).length === 0;
    this.q(".stage").style.aspectRatio = `${d.size[0]} / ${d.size[1]}`; // used when the photo cannot be shown
    this.review.show(d, measured);
    const link = this.q(".download-json");
    if (this.jsonUrl) URL.revokeObjectURL(this.jsonUrl);
    this.jsonUrl = URL.createObjectURL(new Blob([JSON.stringify(measurement, null, 2)], { type: "application/json" }));
    link.href = this.jsonUrl;
    link.download = `${this.file.name.replace(/\.[^.]*$/, "")}.posture.json`;
  }

  // Zoom in on the person (the photo and the points together), or back out.
  toggleZoom() {
    const stage = this.q(".stage");
    const button = this.q(".zoom");
    if (this.review.zoom > 1) {
      this.review.zoom = 1;
      stage.style.transform = "";
      button.textContent = "Zoom in on the person";
    } else {
      const [w, h] = this.description.size;
      const [x0, y0, x1, y1] = this.review.extent();
      const k = Math.max(1, Math.min(4, 0.85 * w / Math.max(x1 - x0, 1), 0.85 * h / Math.max(y1 - y0, 1)));
      const cw = stage.clientWidth, ch = stage.clientHeight;
      const cx = ((x0 + x1) / 2) * cw / w, cy = ((y0 + y1) / 2) * ch / h;
      const tx = Math.min(0, Math.max(cw - k * cw, cw / 2 - k * cx));
      const ty = Math.min(0, Math.max(ch - k * ch, ch / 2 - k * cy));
      this.review.zoom = k;
      stage.style.transform = `translate(${tx}px, ${ty}px) scale(${k})`;
      button.textContent = "Zoom out";
    }
    this.review.show(this.description, this.description.status === "measured");
  }

  async moved(name, xy) {
    this.moves[name] = xy;
    try {
      const corrected = await api.remeasure(this.original, this.moves);
      await this.show(corrected);
      this.review.focus(name);
    } catch (e) {
      delete this.moves[name];
      this.status(e.message, "error");
      await this.show(this.measurement);
    }
  }

  async downloadAnnotated() {
    try {
      const url = URL.createObjectURL(await api.annotated(this.file, this.measurement));
      const a = el("a", { href: url, download: `${this.file.name.replace(/\.[^.]*$/, "")}_annotated.jpg` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      this.status(e.message, "error");
    }
  }

  async save() {
    const f = this.q(".save").elements;
    const out = this.q(".saved");
    const date = f.date.value;
    try {
      const r = await api.save(this.file, this.measurement, {
        name: f.name.value.trim(), note: f.note.value.trim(), taken_at: date && date !== this.exifDate ? date : "",
        blur_faces: f.blur_faces.checked,
      });
      out.textContent = r.created ? `Saved as #${r.id}.`
        : r.differs ? `Not saved: #${r.id} holds this photo measured differently (other switches or corrections). To keep this one, delete #${r.id} under History & compare, then save again.`
        : `Already in the history as #${r.id} (the same photo); not saved again.`;
      out.className = r.differs ? "saved error" : "saved ok";
      this.savedMeasurement = r.differs ? null : this.measurement;
      refreshNames();
    } catch (e) {
      out.textContent = e.message;
      out.className = "saved error";
    }
  }
}

async function analyseAll(files) {
  const table = await metricsTable();
  const options = readOptions();
  const cards = [...files].map((f) => new ResultCard(f, table));
  for (const card of cards) await card.analyse(options); // one at a time: the server's queue is small
}

export function setUpAnalyse() {
  const form = document.getElementById("options");
  const levelDeg = form.querySelector(".level-deg");
  form.elements.level_mode.addEventListener("change", () => { levelDeg.hidden = form.elements.level_mode.value !== "manual"; });
  const markerColor = form.querySelector(".marker-color");
  form.elements.markers.addEventListener("change", () => { markerColor.hidden = !form.elements.markers.checked; });
  const drop = document.getElementById("drop");
  const input = document.getElementById("files");
  input.addEventListener("change", () => {
    const files = [...input.files]; // a copy: clearing the input empties its list
    input.value = "";
    if (files.length) analyseAll(files);
  });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length) analyseAll([...event.dataTransfer.files]);
  });
  drop.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") input.click(); });
  refreshNames();
}
