// The HTTP API of posture app (described at /openapi.json). Every call returns parsed JSON or
// throws an Error carrying the server's one-line message.

async function check(response) {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) message = body.error;
  } catch (e) { /* not JSON */ }
  throw new Error(message);
}

async function json(url, options = {}) {
  const response = await check(await fetch(url, { credentials: "same-origin", ...options }));
  return response.status === 204 ? null : response.json();
}

function post(url, body) {
  return json(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

export const api = {
  metrics: () => json("/api/metrics"),
  analyze: (file, options) => {
    const form = new FormData();
    form.append("file", file, file.name);
    for (const [k, v] of Object.entries(options)) if (v !== null && v !== "") form.append(k, String(v));
    return json("/api/analyze", { method: "POST", body: form });
  },
  remeasure: (measurement, points) => post("/api/remeasure", { measurement, points }),
  describe: (measurement) => post("/api/describe", { measurement }),
  history: (name) => json("/api/history" + (name ? `?name=${encodeURIComponent(name)}` : "")),
  entry: (id) => json(`/api/history/${Number(id)}`),
  save: (file, measurement, fields) => {
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("measurement", JSON.stringify(measurement));
    for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v);
    return json("/api/history", { method: "POST", body: form });
  },
  annotated: async (file, measurement) => {
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("measurement", JSON.stringify(measurement));
    return (await check(await fetch("/api/annotated", { method: "POST", body: form }))).blob();
  },
  remove: (id) => json(`/api/history/${Number(id)}`, { method: "DELETE" }),
  compareUrl: (ids, format, extra = {}) => {
    const q = new URLSearchParams();
    ids.forEach((id) => q.append("ids", String(Number(id))));
    q.set("format", format);
    for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
    return `/api/compare?${q}`;
  },
  compareText: async (ids) => (await check(await fetch(api.compareUrl(ids, "text")))).text(),
  liveStart: (options) => post("/api/live", options),
  liveFrame: (room, file) => {
    const form = new FormData();
    form.append("file", file, file.name);
    return json(`/api/live/${encodeURIComponent(room)}/frame`, { method: "POST", body: form });
  },
  liveCapture: (room, wait) => json(`/api/live/${encodeURIComponent(room)}/capture?wait=${wait}`, { method: "POST" }),
  liveStop: (room) => json(`/api/live/${encodeURIComponent(room)}`, { method: "DELETE", keepalive: true }),
  chartUrl: (name) => "/api/history/chart.png" + (name ? `?name=${encodeURIComponent(name)}` : ""),
};

// A small helper to build elements without ever parsing strings as HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}
