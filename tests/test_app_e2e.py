"""posture app end to end in a real headless Chromium (Debian's /usr/bin/chromium through
Playwright): the server runs as `posture app` on a free port; upload a photo and read the numbers,
drag a shoulder point and see the tilt follow, save, find it in the history, compare two entries
and open the report."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from conftest import ROOT, photo

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (test extra)")
pytest.importorskip("fastapi", reason="the app extra is not installed")
# A loaded machine answers slower than a quiet one: wait up to 20 s (not 5) for what a page shows.
sync_api.expect.set_options(timeout=20_000)

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BIG = "front_full__pose2sim_static_cam04_f005.jpg"
OTHER = "front_full__h36m_S7_Greeting_000396.jpg"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    db = tmp_path_factory.mktemp("app") / "history.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture", "app", "--no-browser", "--port", str(port), "--db", str(db)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "api/metrics", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"posture app did not start: {proc.communicate()[1][-2000:]}")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: object) -> Iterator[object]:
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)  # type: ignore[attr-defined]
    yield b
    b.close()


@pytest.fixture()
def page(browser: object, server: str) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(server)
    yield pg
    context.close()
    assert errors == []


def _analyse(page: object, path: Path) -> dict:
    with page.expect_response(lambda r: r.url.endswith("/api/analyze")) as resp:  # type: ignore[attr-defined]
        page.set_input_files("#files", str(path))  # type: ignore[attr-defined]
    m = resp.value.json()
    card = page.locator(".result").last  # type: ignore[attr-defined]
    sync_api.expect(card.locator(".status")).to_have_text("Measured.", timeout=60_000)
    return m


def _until(page: object, js: str, timeout: float = 30) -> None:
    """Wait until ``js`` is true in the page (the page's CSP forbids the eval that wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(js):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, f"timed out waiting for {js}"
        time.sleep(0.1)


def _shot(page: object, name: str, full_page: bool = False) -> None:
    """A screenshot into $POSTURE_SCREENSHOTS, when set, to look at the page as a user sees it."""
    if os.environ.get("POSTURE_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["POSTURE_SCREENSHOTS"], name)), full_page=full_page)  # type: ignore[attr-defined]


def _row(page: object, metric: str) -> str:
    return page.locator(f".result tr[data-metric='{metric}'] td span").last.inner_text()  # type: ignore[attr-defined]


def _point(page: object, name: str) -> tuple[float, float]:
    node = page.locator(f".result [data-point='{name}'].point").last  # type: ignore[attr-defined]
    if node.evaluate("n => n.tagName") == "rect":
        r = float(node.get_attribute("width")) / 2
        return float(node.get_attribute("x")) + r, float(node.get_attribute("y")) + r
    return float(node.get_attribute("cx")), float(node.get_attribute("cy"))


def _drag(point: object, dy: float) -> dict:
    """Drag an overlay point (a locator) ``dy`` screen pixels down; the ``/api/remeasure`` answer it caused."""
    page = point.page  # type: ignore[attr-defined]
    box = point.bounding_box()  # type: ignore[attr-defined]
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_response(lambda r: r.url.endswith("/api/remeasure")) as resp:
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, y + dy, steps=10)
        page.mouse.up()
    return resp.value.json()


def test_upload_a_photo_and_read_every_metric_as_the_terminal_words_it(page: object) -> None:
    from posture import wording
    from posture.result import PostureMeasurement

    m = PostureMeasurement.from_dict(_analyse(page, photo(BIG)))
    for name, metric in m.metrics.items():
        assert _row(page, name) == wording.reading(name, metric)
    for line in wording.assumption_lines(m, wording.APP_HINTS):
        sync_api.expect(page.locator(".result .assumptions")).to_contain_text(line)  # type: ignore[attr-defined]
    # Forgot the mirror switch: the same photo again, measured as a mirror selfie (sides swapped).
    page.check("#options input[name=mirrored]")  # type: ignore[attr-defined]
    with page.expect_response(lambda r: r.url.endswith("/api/analyze")) as again:  # type: ignore[attr-defined]
        page.click(".result .again")  # type: ignore[attr-defined]
    mirrored = again.value.json()
    assert mirrored["assumptions"]["mirrored"] and mirrored["source"]["sha256"] == m.source.sha256
    sync_api.expect(page.locator(".result .assumptions")).to_contain_text("mirror image (mirror selfie)")  # type: ignore[attr-defined]
    assert mirrored["metrics"]["shoulder_tilt_deg"]["value"] == pytest.approx(
        -m.metrics["shoulder_tilt_deg"].value, abs=0.3
    )


def test_a_photo_of_several_people_measures_the_person_chosen(page: object) -> None:
    # The warning says another person can be chosen: the page has the switch to choose them.
    first = _analyse(page, photo("multi_front_full__mediapipe_coupleanddog.jpeg"))
    assert first["subject"]["index"] == 0 and first["subject"]["people_detected"] == 2
    tip = "Tip: to measure another person, set Person above (0 or 1; 0 is the largest)"
    sync_api.expect(page.locator(".result .warnings")).to_contain_text(tip)  # type: ignore[attr-defined]
    page.fill("#options input[name=person]", "1")  # type: ignore[attr-defined]
    with page.expect_response(lambda r: r.url.endswith("/api/analyze")) as again:  # type: ignore[attr-defined]
        page.click(".result .again")  # type: ignore[attr-defined]
    second = again.value.json()
    assert second["subject"]["index"] == 1 and second["source"]["sha256"] == first["source"]["sha256"]
    assert second["subject"]["bbox_px"] != first["subject"]["bbox_px"]


def test_dragging_a_shoulder_point_changes_the_shoulder_tilt_by_the_expected_amount(page: object) -> None:
    m = _analyse(page, photo(BIG))
    outline = (m["refinement"] or {}).get("shoulders", {}).get("refined") and m["metrics"]["shoulder_tilt_deg"][
        "method"
    ] == "silhouette"
    left, right = ("shoulders.left", "shoulders.right") if outline else ("left_shoulder", "right_shoulder")
    before_l, before_r = _point(page, left), _point(page, right)
    corrected = _drag(page.locator(f".result [data-point='{right}'].point").last, -30)  # type: ignore[attr-defined]
    sync_api.expect(page.locator(".result .status").last).to_have_text("Measured; points corrected by hand.")  # type: ignore[attr-defined]
    after_l, after_r = _point(page, left), _point(page, right)
    assert after_l == before_l and after_r[1] < before_r[1] - 20  # only the dragged point moved, upwards
    scale = m["source"]["width"] / page.locator(".result .overlay").last.bounding_box()["width"]  # type: ignore[attr-defined]
    assert before_r[1] - after_r[1] == pytest.approx(30 * scale, abs=2 * scale)
    expected = math.degrees(math.atan2(after_r[1] - after_l[1], abs(after_l[0] - after_r[0])))
    tilt = corrected["metrics"]["shoulder_tilt_deg"]
    assert tilt["method"] == "manual" and tilt["value"] == pytest.approx(expected, abs=0.06)
    assert tilt["value"] < m["metrics"]["shoulder_tilt_deg"]["value"] - 1  # the right side went up
    assert "corrected by hand" in _row(page, "shoulder_tilt_deg")
    original = page.locator(".result tr[data-metric='shoulder_tilt_deg'] .original").last.inner_text()  # type: ignore[attr-defined]
    assert original.startswith("before correction: ")
    assert (
        _row(page, "knee_tilt_deg") == page.locator(".result tr[data-metric='knee_tilt_deg'] td span").last.inner_text()
    )  # type: ignore[attr-defined]
    page.click(".result .reset")  # type: ignore[attr-defined]
    sync_api.expect(page.locator(".result .status").last).to_have_text("Measured.")  # type: ignore[attr-defined]
    assert _point(page, right) == before_r
    # Zoomed in on the person, a drag moves the point by the screen distance over the zoomed scale.
    page.click(".result .zoom")  # type: ignore[attr-defined]
    zoomed = m["source"]["width"] / page.locator(".result .overlay").last.bounding_box()["width"]  # type: ignore[attr-defined]
    assert zoomed < scale / 1.5
    _drag(page.locator(f".result [data-point='{right}'].point").last, 30)  # type: ignore[attr-defined]
    sync_api.expect(page.locator(".result .status").last).to_have_text("Measured; points corrected by hand.")  # type: ignore[attr-defined]
    assert _point(page, right)[1] - before_r[1] == pytest.approx(30 * zoomed, abs=2 * zoomed)


def _stickered(path: Path, out: Path) -> Path:
    """The photo with green stickers drawn on the acromions and the ASIS, as a camera would show them."""
    from marker_support import DrawnSticker, degrade, draw_stickers, palpated_points, sticker_px

    from posture.images import load_image
    from posture.output import encode
    from posture.pose import PoseDetector

    rgb = load_image(path).rgb
    with PoseDetector() as det:
        lm = det.detect(rgb)[0]
    d = sticker_px(2.5, lm)
    drawn = [DrawnSticker(float(p[0]), float(p[1]), d) for p in palpated_points(lm, "front", (0.03, 0.0)).values()]
    out.write_bytes(encode(degrade(draw_stickers(rgb, drawn), 0.6, 92), "JPEG", quality=95))
    return out


def test_dragging_a_sticker_changes_the_sticker_tilt_by_the_expected_amount(page: object, tmp_path: Path) -> None:
    page.check("#options input[name=markers]")  # type: ignore[attr-defined]
    m = _analyse(page, _stickered(photo(BIG), tmp_path / "stickers.jpg"))
    assert m["metrics"]["shoulder_tilt_deg"]["method"] == "markers", m["markers"]
    left, right = "shoulders_sticker.left", "shoulders_sticker.right"
    assert _point(page, right) == pytest.approx(m["markers"]["shoulders"]["right"]["xy_px"], abs=0.01)
    before_l, before_r = _point(page, left), _point(page, right)
    corrected = _drag(page.locator(f".result [data-point='{right}'].point").last, -20)  # type: ignore[attr-defined]
    sync_api.expect(page.locator(".result .status").last).to_have_text("Measured; points corrected by hand.")  # type: ignore[attr-defined]
    after_r = _point(page, right)
    scale = m["source"]["width"] / page.locator(".result .overlay").last.bounding_box()["width"]  # type: ignore[attr-defined]
    assert _point(page, left) == before_l and before_r[1] - after_r[1] == pytest.approx(20 * scale, abs=2 * scale)
    expected = math.degrees(math.atan2(after_r[1] - before_l[1], abs(before_l[0] - after_r[0])))
    tilt = corrected["metrics"]["shoulder_tilt_deg"]
    assert tilt["method"] == "manual" and tilt["value"] == pytest.approx(expected, abs=0.06)
    assert corrected["markers"]["shoulders"]["right"]["xy_px"] == pytest.approx(after_r, abs=0.06)
    assert "corrected by hand" in _row(page, "shoulder_tilt_deg")
    _shot(page, "stickers.png")


def test_save_find_in_history_compare_two_and_open_the_report(page: object, server: str) -> None:
    for path, note in ((photo(BIG), "before <b>physio</b>"), (photo(OTHER), "after")):
        _analyse(page, path)
        form = page.locator(".result form.save").last  # type: ignore[attr-defined]
        form.locator("input[name=name]").fill("Ana")
        form.locator("input[name=note]").fill(note)
        if note == "after":
            form.locator("input[name=date]").fill("2025-02-01")
        form.locator("button[type=submit]").click()
        sync_api.expect(form.locator(".saved")).to_have_text(__import__("re").compile(r"Saved as #\d+\."))
    page.click(".tab[data-tab=history]")  # type: ignore[attr-defined]
    entries = page.locator("#entries .entry")  # type: ignore[attr-defined]
    sync_api.expect(entries).to_have_count(2)
    sync_api.expect(page.locator("#entries")).to_contain_text("Note: before <b>physio</b>")  # shown as text, not markup
    sync_api.expect(page.locator("#entries")).to_contain_text("2025-02-01 (date given)")
    _until(page, "[...document.querySelectorAll('#entries img')].every(i => i.complete && i.naturalWidth > 0)")
    sync_api.expect(page.locator("#trend img")).to_be_visible()  # type: ignore[attr-defined]
    _until(page, "document.querySelector('#trend img').naturalWidth > 100")
    for box in entries.locator("input[type=checkbox]").all():
        box.check()
    page.click("#compare-selected")  # type: ignore[attr-defined]
    sync_api.expect(page.locator(".comparison-text")).to_contain_text("Shoulders", timeout=60_000)  # type: ignore[attr-defined]
    with page.context.expect_page() as new:  # type: ignore[attr-defined]
        page.click("#comparison .open-report")  # type: ignore[attr-defined]
    report = new.value
    report.wait_for_load_state()
    sync_api.expect(report.locator("body")).to_contain_text("Before")
    sync_api.expect(report.locator("table")).to_contain_text("Shoulders")
    with page.expect_download() as dl:  # type: ignore[attr-defined]
        page.click("#comparison .download-pdf")  # type: ignore[attr-defined]
    assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")
    page.locator("#entries .entry button", has_text="Show").first.click()  # type: ignore[attr-defined]
    sync_api.expect(page.locator("#entry-detail .metrics")).to_contain_text("Shoulders")
    page.once("dialog", lambda d: d.accept())  # type: ignore[attr-defined]
    page.locator("#entries .entry button.delete").first.click()  # type: ignore[attr-defined]
    sync_api.expect(entries).to_have_count(1)
    listing = json.loads(urllib.request.urlopen(server + "api/history").read())
    assert len(listing["entries"]) == 1


def test_a_correction_after_saving_is_not_shown_as_saved_and_is_not_lost_silently(page: object, server: str) -> None:
    from conftest import PROTOCOL

    _analyse(page, PROTOCOL / "images" / "front_apose__animnerf_iper_023_1_1_f01.png")
    card = page.locator(".result").last  # type: ignore[attr-defined]
    form = card.locator("form.save")
    saved = card.locator(".saved")
    form.locator("button[type=submit]").click()
    sync_api.expect(saved).to_have_text(__import__("re").compile(r"Saved as #\d+\."))
    first = int(saved.inner_text().split("#")[1].rstrip("."))
    _drag(card.locator("[data-point='left_hip'].point"), 20)
    sync_api.expect(card.locator(".status")).to_have_text("Measured; points corrected by hand.")
    sync_api.expect(saved).to_have_text("")  # "Saved as #N" was said of the measurement before the correction
    form.locator("button[type=submit]").click()
    sync_api.expect(saved).to_contain_text(f"Not saved: #{first} holds this photo measured differently")
    sync_api.expect(saved).to_contain_text(f"delete #{first} under History & compare, then save again")
    stored = json.loads(urllib.request.urlopen(server + f"api/history/{first}").read())
    assert stored["measurement"]["correction"] is None  # kept as it was saved
    urllib.request.urlopen(urllib.request.Request(server + f"api/history/{first}", method="DELETE"))


def _y4m(video: Path, out: Path, frames: int = 20) -> Path:
    """The first frames of a video as a Y4M file, which Chromium plays as a fake camera."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    chunks = []
    while len(chunks) < frames:
        ok, bgr = cap.read()
        if not ok:
            break
        h, w = (bgr.shape[0] // 2) * 2, (bgr.shape[1] // 2) * 2
        chunks.append(b"FRAME\n" + cv2.cvtColor(bgr[:h, :w], cv2.COLOR_BGR2YUV_I420).tobytes())
    cap.release()
    assert chunks, f"no frames in {video}"
    out.write_bytes(f"YUV4MPEG2 W{w} H{h} F5:1 Ip A1:1 C420jpeg\n".encode() + b"".join(chunks))
    return out


def test_live_guides_captures_and_shows_the_capture_as_a_photo_result(
    playwright: object, server: str, tmp_path: Path
) -> None:
    from conftest import PROTOCOL

    # A person standing still facing the camera, arms down: every frame can be measured.
    video = PROTOCOL / "videos" / "front_arms_down__infonioknight_g-m1-front.mp4"
    if not video.is_file():
        pytest.skip("real video not available (../shared/photos/protocol)")
    camera = _y4m(video, tmp_path / "camera.y4m")
    fake = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
    ]
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS + fake)  # type: ignore[attr-defined]
    try:
        page = b.new_page(viewport={"width": 1300, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server)
        page.click(".tab[data-tab=live]")
        page.uncheck("#live input[name=auto-capture]")  # Capture starts at once (arms down never 'holds')
        with page.expect_response(lambda r: "/frame" in r.url, timeout=60_000) as first:
            page.click("#live .start")
        assert first.value.json()["preview"]["points"]  # a frame went through the live session
        # The guide's one instruction: arms down hide the hips' outline.
        sync_api.expect(page.locator("#live .live-instruction")).to_have_text(
            "Hold your arms slightly away from your hips.", timeout=30_000
        )
        sync_api.expect(page.locator("#live .live-numbers caption")).to_contain_text("Preview")
        _until(
            page,
            "document.querySelectorAll('#live .live-stage line.tilt').length >= 2"
            " && document.querySelectorAll('#live .live-stage .side-label').length >= 2",
            timeout=90,
        )
        _shot(page, "live.png")
        page.click("#live .capture")
        # The capture's result, as a photo's: every metric in words with its uncertainty, saved like one.
        card = page.locator("#live .live-captures .result").first
        sync_api.expect(card.locator(".status")).to_have_text("Measured.", timeout=180_000)
        sync_api.expect(page.locator("#live .capture-headline").first).to_contain_text("analysed as photos")
        shoulders = card.locator("tr[data-metric=shoulder_tilt_deg] td span").inner_text()
        assert "±" in shoulders and "°" in shoulders, shoulders
        sync_api.expect(card.locator(".assumptions")).not_to_be_empty()
        _shot(page, "capture.png", full_page=True)
        form = card.locator("form.save")
        form.locator("input[name=name]").fill("Live")
        form.locator("button[type=submit]").click()
        sync_api.expect(form.locator(".saved")).to_have_text(__import__("re").compile(r"Saved as #\d+\."))
        page.click("#live .stop")
        sync_api.expect(page.locator("#live .live-status")).to_have_text("Stopped.")
    finally:
        b.close()
    assert errors == []
    listing = json.loads(urllib.request.urlopen(server + "api/history?name=Live").read())
    (entry,) = listing["entries"]
    stored = json.loads(urllib.request.urlopen(server + f"api/history/{entry['id']}").read())
    assert stored["measurement"]["method"]["kind"] == "live capture"
    assert stored["measurement"]["metrics"]["shoulder_tilt_deg"]["uncertainty"] is not None
