// Live: the camera in the page; each frame is sent to the server and analysed in one pass (the
// next frame only when the previous answer is back), and the shoulder and hip lines are drawn over
// the video. Nothing is recorded or saved.
import { api, el } from "./api.js";
import { metricsTable } from "./analyse.js";
import { Review } from "./review.js";

const SHOWN = ["shoulder_tilt_deg", "pelvic_tilt_deg", "head_tilt_deg", "trunk_lean_deg"];
const FRAME_WIDTH = 640;

let stream = null;
let running = false;
let session = 0; // bumped by every start and stop: an answer that comes back after a stop is dropped

function mirrored(description) {
  // The view shown as a mirror: x flipped in the drawing, so labels stay readable and L/R stay the person's.
  const w = description.size[0];
  const flip = ([x, y]) => [w - x, y];
  const points = Object.fromEntries(Object.entries(description.points).map(([k, p]) => [k, flip(p)]));
  const contour = Object.fromEntries(Object.entries(description.contour || {}).map(([k, c]) => [k, { left: c.left.map(flip), right: c.right.map(flip) }]));
  return { ...description, points, contour };
}

async function loop(video, canvas, review, readout, status, mirror, mine) {
  const ctx = canvas.getContext("2d");
  let frames = 0;
  const started = performance.now();
  const current = () => running && session === mine;
  while (current()) {
    if (video.readyState < 2) { await new Promise((r) => setTimeout(r, 100)); continue; }
    const scale = Math.min(1, FRAME_WIDTH / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.85));
    const file = new File([blob], "camera-frame.jpg", { type: "image/jpeg" });
    try {
      const m = await api.analyze(file, { fast: true });
      const d = await api.describe(m);
      if (!current()) break; // stopped while this frame was being analysed
      frames += 1;
      const fps = frames / ((performance.now() - started) / 1000);
      review.show(mirror.checked ? mirrored(d) : d, false);
      if (m.status === "measured") {
        status.textContent = `Measuring, ${fps.toFixed(1)} frames a second (one pass each: no uncertainty).`;
        const byName = Object.fromEntries(d.metrics.map((x) => [x.name, x]));
        readout.replaceChildren(...SHOWN.filter((n) => byName[n]).map((n) =>
          el("tr", { "data-metric": n }, el("th", { scope: "row", text: byName[n].label }), el("td", { text: byName[n].text }))));
      } else {
        status.textContent = m.status === "no_person" ? "Nobody in view: step into the frame, facing the camera." : `Not measured: ${m.message}`;
        readout.replaceChildren();
      }
    } catch (e) {
      if (!current()) break;
      status.textContent = e.message; // busy or an error: try the next frame
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

async function start(box) {
  const status = box.querySelector(".live-status");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status.textContent = "This browser gives no camera here (a camera needs the app opened as 127.0.0.1 or localhost).";
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
  } catch (e) {
    status.textContent = `No camera: ${e.message}`;
    return;
  }
  const video = box.querySelector("video");
  const mirror = box.querySelector("input[name=mirror-view]");
  video.srcObject = stream;
  await video.play();
  running = true;
  session += 1;
  const mine = session;
  box.querySelector(".start").disabled = true;
  box.querySelector(".stop").disabled = false;
  const table = await metricsTable();
  const review = new Review(box.querySelector(".overlay"), table, () => {});
  const setView = () => box.querySelector(".live-stage").classList.toggle("mirror", mirror.checked);
  mirror.addEventListener("change", setView);
  setView();
  loop(video, box.querySelector("canvas"), review, box.querySelector(".live-numbers tbody"), status, mirror, mine);
}

function stop(box) {
  running = false;
  session += 1;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  box.querySelector(".start").disabled = false;
  box.querySelector(".stop").disabled = true;
  box.querySelector(".live-status").textContent = "Stopped.";
}

export function setUpLive() {
  const box = document.getElementById("live");
  box.querySelector(".start").addEventListener("click", () => start(box));
  box.querySelector(".stop").addEventListener("click", () => stop(box));
  document.querySelector(".tab[data-tab=live]").hidden = false;
}

export function stopLive() {
  if (running) stop(document.getElementById("live"));
}
