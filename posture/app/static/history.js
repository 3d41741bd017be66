// History (per person, with thumbnails and a trend chart), a saved measurement in full, and the
// comparison of two or more saved measurements with its report.
import { api, el } from "./api.js";
import { metricsTable, refreshNames } from "./analyse.js";
import { Review } from "./review.js";

const DATE_SOURCE = { exif: "the photo's date", given: "date given", saved: "day saved" };
const SHOWN = ["shoulder_tilt_deg", "pelvic_tilt_deg"];

function dateText(entry) {
  return `${entry.taken_at.slice(0, 16).replace("T", " ")} (${DATE_SOURCE[entry.taken_at_source] || "date"})`;
}

function selectedIds() {
  return [...document.querySelectorAll("#entries input[type=checkbox]:checked")].map((c) => Number(c.value));
}

function updateCompareButton() {
  const n = selectedIds().length;
  const button = document.getElementById("compare-selected");
  button.disabled = n < 2;
  button.textContent = n ? `Compare selected (${n})` : "Compare selected";
}

async function showEntry(id) {
  const box = document.getElementById("entry-detail");
  const table = await metricsTable();
  let e;
  try {
    e = await api.entry(id);
  } catch (err) {
    box.replaceChildren(el("p", { class: "error", text: err.message }));
    return;
  }
  const d = e.describe;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "overlay");
  const img = el("img", { class: "photo", alt: `Saved photo #${e.id}`, src: `/api/history/${Number(e.id)}/photo` });
  const stage = el("div", { class: "stage" }, img, svg);
  stage.style.aspectRatio = `${d.size[0]} / ${d.size[1]}`;
  img.addEventListener("error", () => { img.hidden = true; stage.classList.add("no-image"); });
  const rows = d.metrics.map((m) => el("tr", { class: m.corrected ? "corrected" : "" }, el("th", { scope: "row", text: m.label }),
    el("td", {}, el("span", { text: m.text }), m.original_text ? el("div", { class: "original", text: `before correction: ${m.original_text}` }) : null)));
  const article = el("article", { class: "result" },
    el("h2", { text: `#${e.id} ${e.name || ""} · ${dateText(e)}` }),
    e.note ? el("p", { text: e.note }) : null,
    el("div", { class: "result-body" },
      el("div", { class: "photo-wrap" }, stage),
      el("div", { class: "numbers" }, el("table", { class: "metrics" }, el("tbody", {}, ...rows)),
        el("h3", { text: "Assumed" }), el("ul", {}, ...d.assumptions.map((a) => el("li", { text: a }))),
        d.warnings.length ? el("h3", { text: "Warnings" }) : null,
        el("ul", { class: "warnings" }, ...d.warnings.map((w) => el("li", { text: w }))))));
  box.replaceChildren(article);
  new Review(svg, table, () => {}).show(d, false);
  article.scrollIntoView({ behavior: "smooth", block: "start" });
}

function entryItem(e, labels) {
  const box = el("input", { type: "checkbox", value: e.id, "aria-label": `select #${e.id} to compare` });
  box.addEventListener("change", updateCompareButton);
  const show = el("button", { type: "button", text: "Show" });
  show.addEventListener("click", () => showEntry(e.id));
  const remove = el("button", { type: "button", class: "delete", text: "Delete" });
  remove.addEventListener("click", async () => {
    if (!window.confirm(`Delete measurement #${e.id}${e.name ? ` of ${e.name}` : ""} from ${e.taken_at.slice(0, 10)}? Its photo is deleted too.`)) return;
    try { await api.remove(e.id); } catch (err) { window.alert(err.message); }
    refreshHistory();
  });
  const tilts = SHOWN.filter((n) => e.metrics[n]).map((n) => el("div", { text: `${labels[n] || n}: ${e.metrics[n].text}` }));
  return el("li", { class: "entry", "data-id": e.id, "data-name": e.name || "" },
    el("img", { src: `/api/history/${Number(e.id)}/thumbnail`, alt: `Thumbnail of #${e.id}`, loading: "lazy" }),
    el("div", {}, el("div", { class: "when", text: dateText(e) }),
      el("div", { class: "who", text: `#${e.id}${e.name ? ` · ${e.name}` : ""}${e.mirrored ? " · mirror selfie" : ""}` }),
      e.corrected ? el("div", { class: "badge", text: "corrected by hand" }) : null),
    el("div", { class: "tilts" }, ...tilts, e.note ? el("div", { class: "note", text: `Note: ${e.note}` }) : null),
    el("div", { class: "actions" }, el("label", {}, box, " compare"), show, remove));
}

export async function refreshHistory() {
  const filter = document.getElementById("person-filter");
  const table = await metricsTable();
  const labels = Object.fromEntries(Object.values(table).map((m) => [m.name, m.label]));
  let data;
  try {
    data = await api.history(filter.value);
  } catch (err) {
    document.getElementById("entries").replaceChildren(el("li", { class: "error", text: err.message }));
    return;
  }
  const current = filter.value;
  filter.replaceChildren(el("option", { value: "", text: "everyone" }), ...data.names.map((n) => el("option", { value: n, text: n })));
  filter.value = data.names.includes(current) ? current : "";
  const list = document.getElementById("entries");
  list.replaceChildren(...data.entries.map((e) => entryItem(e, labels)));
  if (!data.entries.length) list.append(el("li", { class: "empty", text: "Nothing saved yet: analyse a photo and save it." }));
  // A trend is one person's: shown for the person chosen, or when everyone is one person.
  const people = new Set(data.entries.map((e) => e.name));
  const trend = document.getElementById("trend");
  trend.hidden = data.entries.length === 0 || (!filter.value && people.size > 1);
  if (!trend.hidden) trend.querySelector("img").src = `${api.chartUrl(filter.value)}${filter.value ? "&" : "?"}v=${Date.now()}`;
  document.getElementById("trend-hint").hidden = !(data.entries.length && !filter.value && people.size > 1);
  updateCompareButton();
  refreshNames();
}

// The report's links, with faces blurred when the switch is on.
function reportLinks(links, ids) {
  const blur = document.getElementById("blur-faces").checked ? { blur_faces: "true" } : {};
  links.dataset.ids = ids.join(",");
  links.replaceChildren(
    el("a", { href: api.compareUrl(ids, "html", blur), target: "_blank", rel: "noopener", class: "open-report", text: "Open the report" }),
    el("a", { href: api.compareUrl(ids, "html", { download: "true", ...blur }), class: "download-html", text: "Download HTML" }),
    el("a", { href: api.compareUrl(ids, "pdf", { download: "true", ...blur }), class: "download-pdf", text: "Download PDF" }));
}

async function compareSelected() {
  const ids = selectedIds();
  const names = new Set(ids.map((id) => document.querySelector(`#entries .entry[data-id="${id}"]`).dataset.name));
  const box = document.getElementById("comparison");
  const links = box.querySelector(".report-links");
  const text = box.querySelector(".comparison-text");
  box.hidden = false;
  text.textContent = "Comparing…";
  reportLinks(links, ids);
  try {
    const words = await api.compareText(ids);
    text.textContent = (names.size > 1 ? "Note: these measurements are of different people.\n" : "") + words;
  } catch (err) {
    text.textContent = err.message;
  }
}

export function setUpHistory() {
  document.getElementById("person-filter").addEventListener("change", refreshHistory);
  document.getElementById("compare-selected").addEventListener("click", compareSelected);
  document.getElementById("blur-faces").addEventListener("change", () => {
    const links = document.querySelector("#comparison .report-links");
    if (links.dataset.ids) reportLinks(links, links.dataset.ids.split(","));
  });
}
