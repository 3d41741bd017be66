// Live: the camera in the page, as `posture live` runs it. Each frame is sent to the server's live
// session (the next frame only when the previous answer is back): the guide's one instruction
// until the stance can be measured, a preview of the numbers (one pass a frame, smoothed, no
// uncertainty) with the shoulder and hip lines over the video, and captures: the best frames of
// a few seconds analysed as photos on the server, combined into one measurement with
// uncertainty, shown as a photo's result and saved like one.
import { api, el } from "./api.js";
import { metricsTable, ResultCard } from "./analyse.js";
import { Review } from "./review.js";

const SHOWN = ["shoulder_tilt_deg", "pelvic_tilt_deg", "head_tilt_deg", "trunk_lean_deg"];
const FRAME_WIDTH = 1280;

let stream = null;
let running = false;
let room = null;
let session = 0; // bumped by every start and stop: an answer that comes back after a stop is dropped

function mirrored(description) {
  // The view shown as a mirror: x flipped in the drawing, so labels stay readable and L/R stay the person's.
  const w = description.size[0];
  const flip = ([x, y]) => [w - x, y];
  const points = Object.fromEntries(Object.entries(description.points).map(([k, p]) => [k, flip(p)]));
  const contour = Object.fromEntries(Object.entries(description.contour || {}).map(([k, c]) => [k, { left: c.left.map(flip), right: c.right.map(flip) }]));
  return { ...description, points, contour };
}

const sentence = (text) => text.charAt(0).toUpperCase() + text.slice(1) + ".";

function showProgress(box, capture) {
  const bar = box.querySelector(".capture-progress");
  const text = box.querySelector(".capture-text");
  bar.hidden = !capture;
  if (!capture) { text.textContent = ""; return; }
  text.textContent = capture.text;
  if (capture.phase === "analysing") { bar.max = capture.total; bar.value = capture.done; }
  else { bar.max = capture.span_s; bar.value = Math.min(capture.elapsed_s, capture.span_s); }
  bar.dataset.phase = capture.phase;
}

async function showCapture(box, captured, table) {
  // The capture's measurement as a photo analysis of the frame it was drawn from.
  const list = box.querySelector(".live-captures");
  const when = new Date().toLocaleTimeString();
  const item = el("div", { class: "live-capture" }, el("p", { class: "capture-headline", text: captured.headline }));
  list.prepend(item);
  const m = captured.measurement;
  if (!captured.photo) {
    item.append(el("p", { class: "status error", text: `Capture at ${when}: nothing measured (${m.message}).` }));
    return;
  }
  const blob = await (await fetch(captured.photo, { credentials: "same-origin" })).blob();
  const file = new File([blob], `live-capture-${when.replace(/[^0-9]/g, "")}.jpg`, { type: "image/jpeg" });
  const card = new ResultCard(file, table, item, `Capture at ${when}`);
  card.q(".again").hidden = true; // it would measure the one frame again, not the capture
  await card.showAnalysis(m);
}

async function loop(box, review, table, mine) {
  const video = box.querySelector("video");
  const canvas = box.querySelector("canvas");
  const status = box.querySelector(".live-status");
  const instruction = box.querySelector(".live-instruction");
  const readout = box.querySelector(".live-numbers tbody");
  const failed = box.querySelector(".capture-failed");
  const mirror = box.querySelector("input[name=mirror-view]");
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
    const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.9));
    try {
      const a = await api.liveFrame(room, new File([blob], "camera-frame.jpg", { type: "image/jpeg" }));
      if (!current()) break; // stopped while this frame was being analysed
      frames += 1;
      const fps = frames / ((performance.now() - started) / 1000);
      review.show(mirror.checked ? mirrored(a.preview) : a.preview, false);
      instruction.textContent = a.instruction ? sentence(a.instruction) : "";
      instruction.hidden = !a.instruction;
      box.querySelector(".capture").disabled = a.capturing;
      if (a.usable) {
        status.textContent = `Preview, ${fps.toFixed(1)} frames a second.`;
        const byName = Object.fromEntries(a.preview.metrics.map((x) => [x.name, x]));
        readout.replaceChildren(...SHOWN.filter((n) => byName[n]).map((n) =>
          el("tr", { "data-metric": n }, el("th", { scope: "row", text: byName[n].label }), el("td", { text: byName[n].text }))));
      } else {
        status.textContent = a.people === 0 ? "Nobody in view." : `Not measurable: ${a.refusal || "see the instruction"}`;
        readout.replaceChildren();
      }
      showProgress(box, a.capture);
      if (a.failed) failed.textContent = a.failed;
      if (a.captured) {
        failed.textContent = "";
        showCapture(box, a.captured, table).catch((e) => { failed.textContent = `The capture could not be shown: ${e.message}`; });
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
  running = true;
  session += 1;
  const mine = session;
  box.querySelector(".start").disabled = true;
  box.querySelector(".stop").disabled = false;
  const auto = box.querySelector("input[name=auto-capture]").checked;
  status.textContent = "Loading the pose model…";
  try {
    const opened = await api.liveStart({ auto });
    if (session !== mine) { api.liveStop(opened.id); return; } // stopped meanwhile
    room = opened.id;
  } catch (e) {
    stop(box);
    status.textContent = e.message;
    return;
  }
  const video = box.querySelector("video");
  const mirror = box.querySelector("input[name=mirror-view]");
  video.srcObject = stream;
  await video.play();
  box.querySelector(".capture").disabled = false;
  const table = await metricsTable();
  const review = new Review(box.querySelector(".overlay"), table, () => {});
  const setView = () => box.querySelector(".live-stage").classList.toggle("mirror", mirror.checked);
  mirror.addEventListener("change", setView);
  setView();
  loop(box, review, table, mine);
}

async function capture(box) {
  const auto = box.querySelector("input[name=auto-capture]").checked;
  box.querySelector(".capture-failed").textContent = "";
  try {
    await api.liveCapture(room, auto);
    box.querySelector(".capture").disabled = true;
  } catch (e) {
    box.querySelector(".capture-failed").textContent = e.message;
  }
}

function stop(box) {
  running = false;
  session += 1;
  if (room) api.liveStop(room).catch(() => {});
  room = null;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  box.querySelector(".start").disabled = false;
  box.querySelector(".stop").disabled = true;
  box.querySelector(".capture").disabled = true;
  box.querySelector(".live-instruction").hidden = true;
  showProgress(box, null);
  box.querySelector(".live-status").textContent = "Stopped.";
}

export function setUpLive() {
  const box = document.getElementById("live");
  box.querySelector(".start").addEventListener("click", () => start(box));
  box.querySelector(".stop").addEventListener("click", () => stop(box));
  box.querySelector(".capture").addEventListener("click", () => capture(box));
  document.querySelector(".tab[data-tab=live]").hidden = false;
  window.addEventListener("pagehide", stopLive); // the server's live session ends with the page
}

export function stopLive() {
  if (running) stop(document.getElementById("live"));
}
