"""The app's live check through its API, in process: sessions, frames, the guide's instruction, a
capture analysed in the pool and combined with uncertainty, saved as a photo analysis; the time-out
that says why no capture started."""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

pytest.importorskip("fastapi")
from conftest import PROTOCOL  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

from posture.app.server import AppConfig, create_app  # noqa: E402
from posture.live import guide  # noqa: E402

BASE = "http://127.0.0.1:8765"
STILL = PROTOCOL / "videos" / "front_arms_down__infonioknight_g-m1-front.mp4"


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(AppConfig(db=tmp_path / "history.sqlite3"))
    yield TestClient(app, base_url=BASE)
    app.state.live.close_all()
    app.state.pool.close()


def jpeg(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def send(client: TestClient, room: str, data: bytes) -> dict:
    r = client.post(f"/api/live/{room}/frame", files={"file": ("frame.jpg", data, "image/jpeg")})
    assert r.status_code == 200, r.text
    return r.json()


def send_until(
    client: TestClient, room: str, frame: Callable[[int], bytes], done: str, seconds: float, pause: float, answers=None
) -> list[dict]:
    """Send ``frame(0)``, ``frame(1)``, ... ``pause`` seconds apart until an answer has ``done`` set,
    within ``seconds``; every answer, after those given in ``answers``."""
    answers = [] if answers is None else answers
    deadline = time.monotonic() + seconds
    i = 0
    while not any(a[done] for a in answers):
        assert time.monotonic() < deadline, [a["capture"] for a in answers[-3:]]
        answers.append(send(client, room, frame(i)))
        i += 1
        time.sleep(pause)
    return answers


def test_the_live_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/live",
        "/api/live/{room_id}/frame",
        "/api/live/{room_id}/capture",
        "/api/live/{room_id}/photo/{sha256}",
        "/api/live/{room_id}",
    } <= set(paths)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/live/nope/capture"),
        ("get", "/api/live/nope/photo/" + "0" * 64),
    ],
)
def test_an_unknown_live_session_is_404_with_one_line(client: TestClient, method: str, path: str) -> None:
    r = getattr(client, method)(path)
    assert r.status_code == 404 and "no such live session" in r.json()["error"]
    f = client.post("/api/live/nope/frame", files={"file": ("f.jpg", jpeg(np.zeros((64, 64, 3), np.uint8)))})
    assert f.status_code == 404
    assert client.delete("/api/live/nope").status_code == 204  # ended already: nothing to do


@pytest.mark.parametrize("body", [{"capture_s": 0}, {"timeout_s": -1}, {"capture_s": "long"}, {"timeout_s": 1e9}])
def test_bad_live_options_are_422(client: TestClient, body: dict) -> None:
    r = client.post("/api/live", json=body)
    assert r.status_code == 422 and r.json()["error"]


@pytest.mark.slow
def test_nobody_in_view_the_capture_times_out_and_says_why(client: TestClient) -> None:
    room = client.post("/api/live", json={"auto": True, "timeout_s": 1}).json()["id"]
    blank = jpeg(np.full((240, 320, 3), 90, np.uint8))
    answers = send_until(client, room, lambda i: blank, "failed", 20, 0.05)
    first = answers[0]
    assert first["people"] == 0 and first["problems"] == [guide.NO_PERSON]
    assert first["instruction"] == guide.INSTRUCTIONS[guide.NO_PERSON]
    assert first["capture"]["phase"] == "waiting"
    failed = next(a["failed"] for a in answers if a["failed"])
    assert failed.startswith("Capture not started: no steady, measurable stance within 1 s")
    assert "most often: step into the camera's view" in failed
    assert answers[-1]["capturing"] is False
    # A capture asked for again waits anew; a second request meanwhile is refused.
    assert client.post(f"/api/live/{room}/capture?wait=true").json() == {"started": False, "waiting": True}
    r = client.post(f"/api/live/{room}/capture")
    assert r.status_code == 409 and "already under way" in r.json()["error"]
    assert client.delete(f"/api/live/{room}").status_code == 204
    assert client.post(f"/api/live/{room}/capture").status_code == 404


@pytest.mark.slow
def test_a_stance_that_holds_starts_the_capture_by_itself(client: TestClient) -> None:
    from conftest import protocol

    from posture.images import load_image

    # A person standing evenly, arms held out: nothing to ask (a person on one leg is asked to stand evenly).
    still = jpeg(load_image(protocol("images/front_apose__animnerf_iper_023_1_1_f01.png")).rgb)
    room = client.post("/api/live", json={"auto": True, "capture_s": 1}).json()["id"]
    answers = send_until(client, room, lambda i: still, "captured", 120, 0.05)
    held = [a["capture"]["elapsed_s"] for a in answers if a["capture"] and a["capture"]["phase"] == "waiting"]
    assert held and held[-1] >= 0.7 and not any(a["failed"] for a in answers)
    assert all(a["instruction"] is None for a in answers)
    assert next(a["captured"] for a in answers if a["captured"])["measurement"]["status"] == "measured"


@pytest.mark.slow
def test_at_most_two_live_sessions_at_once(client: TestClient) -> None:
    ids = [client.post("/api/live", json={}).json()["id"] for _ in range(2)]
    r = client.post("/api/live", json={})
    assert r.status_code == 503 and "live sessions" in r.json()["error"]
    client.delete(f"/api/live/{ids[0]}")
    assert client.post("/api/live", json={}).status_code == 201


@pytest.mark.slow
def test_an_idle_live_session_is_closed_to_make_room(client: TestClient) -> None:
    client.app.state.live.idle_s = 0.3  # type: ignore[attr-defined]
    old = [client.post("/api/live", json={}).json()["id"] for _ in range(2)]
    time.sleep(0.4)
    # Both open sessions are idle now: two new ones are let in in their place, and the idle ones are gone.
    new = [client.post("/api/live", json={}) for _ in range(2)]
    assert [r.status_code for r in new] == [201, 201]
    assert [client.post(f"/api/live/{i}/capture", json={}).status_code for i in old] == [404, 404]
    assert client.post("/api/live", json={}).status_code == 503  # the new ones are not idle


def _frames(video: Path) -> Iterator[bytes]:
    import cv2

    cap = cv2.VideoCapture(str(video))
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                return
            yield jpeg(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    finally:
        cap.release()


@pytest.mark.slow
def test_a_still_person_is_captured_with_uncertainty_and_saved_as_a_photo_analysis(client: TestClient) -> None:
    if not STILL.is_file():
        pytest.skip("real video not available (../shared/photos/protocol)")
    frames = list(_frames(STILL))[:40]
    room = client.post("/api/live", json={"capture_s": 2}).json()["id"]
    answers = [send(client, room, frames[0])]
    assert answers[0]["problems"] == [guide.ARMS] and answers[0]["instruction"] == guide.INSTRUCTIONS[guide.ARMS]
    assert answers[0]["capture"] is None and not answers[0]["capturing"]
    # Arms down only makes a frame worse, not unmeasurable: a capture started now keeps the frames.
    assert client.post(f"/api/live/{room}/capture").json() == {"started": True, "waiting": False}

    def back_and_forth(i: int) -> bytes:
        """Back and forth through the clip: a person standing still, never a jump back to the start."""
        k = i % (2 * len(frames) - 2)
        return frames[k if k < len(frames) else 2 * len(frames) - 2 - k]

    send_until(client, room, back_and_forth, "captured", 180, 0.03, answers)
    phases = [a["capture"]["phase"] for a in answers if a["capture"]]
    assert phases[0] == "collecting" and "waiting" not in phases
    # The preview went on while the pool analysed the capture's frames.
    analysing = [a for a in answers if a["capture"] and a["capture"]["phase"] == "analysing"]
    assert len(analysing) >= 2 and all(a["preview"]["points"] for a in analysing)
    assert analysing[0]["capture"]["total"] == 6
    preview = answers[-1]["preview"]
    assert {m["name"] for m in preview["metrics"]} >= {"shoulder_tilt_deg", "pelvic_tilt_deg"}
    assert {"left_shoulder", "right_shoulder", "left_hip", "right_hip"} <= set(preview["points"])

    captured = next(a["captured"] for a in answers if a["captured"])
    m = captured["measurement"]
    assert m["status"] == "measured" and m["method"]["kind"] == "live capture"
    assert m["method"]["frames_analysed"] == 6
    shoulders = m["metrics"]["shoulder_tilt_deg"]
    assert shoulders["uncertainty"] is not None and shoulders["uncertainty"] >= 0.2 and shoulders["method"]
    # The frame it was drawn from is served, named by its SHA-256, and saves as a photo analysis does.
    photo = client.get(captured["photo"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(photo.content).hexdigest() == m["source"]["sha256"]
    assert Image.open(io.BytesIO(photo.content)).size == (m["source"]["width"], m["source"]["height"])
    saved = client.post(
        "/api/history",
        files={"file": (m["source"]["path"], photo.content, "image/jpeg")},
        data={"measurement": json.dumps(m), "name": "Ana"},
    )
    assert saved.status_code == 201, saved.text
    entry = client.get(f"/api/history/{saved.json()['id']}").json()
    assert entry["measurement"]["method"]["kind"] == "live capture"
    assert client.get(f"/api/history/{saved.json()['id']}/thumbnail").status_code == 200
    assert client.get(f"/api/history/{saved.json()['id']}/photo").content == photo.content
