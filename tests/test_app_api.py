"""The HTTP API of posture app, in process (Starlette's TestClient): every endpoint, bad uploads,
tokens, Host and Origin checks, the security headers."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
from conftest import SAMPLES, photo  # noqa: E402
from correct_support import measured  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

from posture.app.server import PAGE_CSP, REPORT_CSP, AppConfig, create_app  # noqa: E402
from posture.metrics import METRIC_NAMES  # noqa: E402
from posture.settings import Settings  # noqa: E402

BASE = "http://127.0.0.1:8765"


def png(seed: int = 0, size: tuple[int, int] = (200, 160)) -> bytes:
    rgb = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def stored(seed: int = 0) -> tuple[bytes, dict]:
    """A photo and a measurement of it (landmarks placed by hand), ready to save."""
    data = png(seed)
    m = measured(sha256=hashlib.sha256(data).hexdigest(), path=f"p{seed}.png")
    return data, m.to_dict()


@pytest.fixture()
def client(tmp_path: Path) -> TestClient:
    app = create_app(AppConfig(db=tmp_path / "history.sqlite3", settings=Settings()))
    return TestClient(app, base_url=BASE)


def save(client: TestClient, seed: int, **form: str) -> int:
    data, m = stored(seed)
    r = client.post(
        "/api/history", files={"file": (f"p{seed}.png", data, "image/png")}, data={"measurement": json.dumps(m), **form}
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_openapi_describes_every_route_and_the_pages_load_only_posture_scripts(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert {
        "/api/analyze",
        "/api/remeasure",
        "/api/describe",
        "/api/metrics",
        "/api/history",
        "/api/history/{entry_id}",
        "/api/history/{entry_id}/thumbnail",
        "/api/history/{entry_id}/photo",
        "/api/history/chart.png",
        "/api/compare",
        "/api/annotated",
    } <= set(doc["paths"])
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-security-policy"] == PAGE_CSP
    assert "script-src 'self'" in PAGE_CSP and "unsafe-inline" not in PAGE_CSP.split("style-src")[0]
    html = page.text
    assert "<script>" not in html and not re.search(r"\son[a-z]+\s*=", html), "an inline script or event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "an external script, style or font"
    for name in ("app.js", "analyse.js", "review.js", "api.js", "history.js", "live.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/docs").status_code == 404  # the interactive docs would load a CDN


def test_the_metrics_table_is_served_from_posture_metrics(client: TestClient) -> None:
    table = client.get("/api/metrics").json()["metrics"]
    assert [m["name"] for m in table] == list(METRIC_NAMES)
    shoulders = table[0]
    assert (
        shoulders["points"] == ["left_shoulder", "right_shoulder"] and shoulders["positive"] == "Left shoulder higher"
    )


@pytest.mark.parametrize(
    "name, data, status, message",
    [
        ("notes.txt", b"just text", 400, "not an image"),
        ("empty.jpg", b"", 400, "the file is empty"),
        ("tiny.png", None, 400, "too small"),
        ("cut.png", "truncated", 400, "truncated or corrupt"),
        ("../../etc/passwd", b"root:x:0:0", 400, "passwd: not an image"),
    ],
)
def test_bad_uploads_get_one_clear_error(
    client: TestClient, name: str, data: bytes | str | None, status: int, message: str
) -> None:
    if data is None:
        data = png(size=(100, 60))
    elif data == "truncated":
        data = png()[:-4000]
    r = client.post("/api/analyze", files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == status and message in r.json()["error"]
    assert "\n" not in r.json()["error"] and "/etc" not in r.json()["error"]


def test_an_upload_above_the_limit_is_refused_before_decoding(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import posture.app.server as server

    monkeypatch.setattr(server, "MAX_UPLOAD_BYTES", 1000)
    r = client.post("/api/analyze", files={"file": ("big.png", png(), "image/png")})
    assert r.status_code == 413 and "larger than" in r.json()["error"]
    # The limit itself is allowed (read, and refused only as not an image); one byte more is not.
    at, over = (client.post("/api/analyze", files={"file": ("x.png", b"x" * n, "image/png")}) for n in (1000, 1001))
    assert at.status_code == 400 and "not an image" in at.json()["error"]
    assert over.status_code == 413


@pytest.mark.parametrize(
    "form, message",
    [
        ({"level": "sideways"}, "level must be a number"),
        ({"level": "nan"}, "level must be a number"),
        ({"level": "-inf"}, "level must be a number"),
        ({"level": "60"}, "roll_deg must be between"),
        ({"height_cm": "20"}, "height_cm must be between"),
        ({"person": "-1"}, "person"),
        ({"fast": "maybe"}, "fast"),
    ],
)
def test_bad_options_are_422_with_the_reason(client: TestClient, form: dict, message: str) -> None:
    r = client.post("/api/analyze", files={"file": ("a.png", png(), "image/png")}, data=form)
    assert r.status_code == 422 and message in r.json()["error"]


@pytest.mark.slow
def test_analyze_returns_exactly_the_object_of_analyze_json(client: TestClient) -> None:
    from posture.analyze import Analyzer

    path = SAMPLES / "astronaut.png"
    r = client.post(
        "/api/analyze", files={"file": ("astronaut.png", path.read_bytes(), "image/png")}, data={"fast": "true"}
    )
    assert r.status_code == 200
    with Analyzer(Settings(fast=True)) as a:
        expected = a.analyze_file(path).to_dict()
    expected["source"]["path"] = "astronaut.png"
    assert r.json() == json.loads(json.dumps(expected))


def test_a_person_beyond_those_found_is_refused_in_the_pages_words(client: TestClient) -> None:
    path = SAMPLES / "astronaut.png"  # one person
    r = client.post(
        "/api/analyze",
        files={"file": ("astronaut.png", path.read_bytes(), "image/png")},
        data={"fast": "true", "person": "2"},
    )
    assert r.status_code == 400
    assert r.json()["error"] == (
        "person 2 requested, but only one person was found (Person 0); "
        "without Fast a second look may find people the one pass missed"
    )


@pytest.mark.slow
def test_analyze_options_reach_the_analysis(client: TestClient) -> None:
    data = photo("front_full__tfex_businessman.jpeg").read_bytes()
    r = client.post(
        "/api/analyze",
        files={"file": ("b.jpg", data, "image/jpeg")},
        data={"fast": "true", "mirrored": "true", "level": "1.5", "height_cm": "172"},
    )
    a = r.json()["assumptions"]
    assert (a["mirrored"], a["level_mode"], a["roll_deg"], a["height_cm"]) == (True, "manual", 1.5, 172.0)


def test_the_page_names_its_own_switches_not_command_line_options(client: TestClient) -> None:
    lines = client.post("/api/describe", json={"measurement": measured().to_dict()}).json()["assumptions"]
    assert lines and not any("--" in line for line in lines), lines
    assert any("Mirror selfie" in line for line in lines)


def test_remeasure_moves_a_point_and_describe_words_it(client: TestClient) -> None:
    m = measured().to_dict()
    d = client.post("/api/describe", json={"measurement": m}).json()
    x, y = d["points"]["right_shoulder"]
    assert d["uses"]["shoulder_tilt_deg"] == ["left_shoulder", "right_shoulder"]
    r = client.post("/api/remeasure", json={"measurement": m, "points": {"right_shoulder": [x, y - 10]}})
    assert r.status_code == 200
    c = r.json()
    assert c["metrics"]["shoulder_tilt_deg"]["method"] == "manual" and c["correction"]["points"]["right_shoulder"][
        "to"
    ] == [x, y - 10]
    words = client.post("/api/describe", json={"measurement": c}).json()
    tilt = words["metrics"][0]
    assert tilt["corrected"] and "corrected by hand" in tilt["text"] and tilt["original_text"].startswith("level")


@pytest.mark.parametrize(
    "body, message",
    [
        ({"measurement": {"schema": "other"}, "points": {}}, "not a posture measurement"),
        ({"measurement": "MEASURED", "points": {}}, "measurement"),
        ({"points": {}}, "measurement"),
        ({"measurement": None, "points": {"right_shoulder": [1, 1]}}, "measurement"),
    ],
)
def test_remeasure_refuses_what_is_not_a_measurement(client: TestClient, body: dict, message: str) -> None:
    r = client.post("/api/remeasure", json=body)
    assert r.status_code == 422 and message in r.json()["error"]


def test_remeasure_refuses_unknown_points_and_positions_outside_the_photo(client: TestClient) -> None:
    m = measured().to_dict()
    for points, message in (({"left_elbow": [5, 5]}, "no point"), ({"right_shoulder": [5, 900]}, "outside the photo")):
        r = client.post("/api/remeasure", json={"measurement": m, "points": points})
        assert r.status_code == 422 and message in r.json()["error"]


def test_history_save_list_show_thumbnail_photo_chart_delete(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/api/history").json() == {"names": [], "entries": []}
    first = save(client, 1, name="Ana <script>", note="after physio", taken_at="2024-01-05")
    second = save(client, 2, name="Ana <script>")
    listing = client.get("/api/history").json()
    assert listing["names"] == ["Ana <script>"] and [e["id"] for e in listing["entries"]] == [first, second]
    assert listing["entries"][0]["taken_at"] == "2024-01-05" and listing["entries"][0]["taken_at_source"] == "given"
    shown = client.get(f"/api/history/{first}").json()
    assert shown["note"] == "after physio" and shown["measurement"]["schema"] == "posture.measurement"
    assert client.get(f"/api/history/{first}/thumbnail").headers["content-type"] == "image/jpeg"
    ph = client.get(f"/api/history/{first}/photo")
    assert ph.status_code == 200 and ph.content == stored(1)[0]
    kept = list((tmp_path / "photos").iterdir())
    assert len(kept) == 2 and all(p.stat().st_mode & 0o077 == 0 for p in kept)
    chart = client.get("/api/history/chart.png", params={"name": "Ana <script>"})
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    again = client.post(
        "/api/history",
        files={"file": ("p1.png", stored(1)[0], "image/png")},
        data={"measurement": json.dumps(stored(1)[1])},
    )
    assert again.status_code == 200 and again.json() == {"id": first, "created": False, "differs": False}
    # The same photo with a point corrected by hand: kept once, and the answer says the entry differs.
    from posture.correct import correct, correctable_points
    from posture.result import PostureMeasurement

    m = PostureMeasurement.from_dict(stored(1)[1])
    x, y = correctable_points(m)["right_shoulder"]
    fixed = correct(m, {"right_shoulder": [x, y - 10]}).to_dict()
    other = client.post(
        "/api/history",
        files={"file": ("p1.png", stored(1)[0], "image/png")},
        data={"measurement": json.dumps(fixed)},
    )
    assert other.status_code == 200 and other.json() == {"id": first, "created": False, "differs": True}
    assert client.delete(f"/api/history/{first}").status_code == 204
    assert client.get(f"/api/history/{first}").status_code == 404
    assert len(list((tmp_path / "photos").iterdir())) == 1


def test_deleting_an_entry_never_deletes_the_users_own_photo(client: TestClient, tmp_path: Path) -> None:
    # An entry saved by "posture analyze --save" names the user's photo where it lies: the app only
    # ever deletes the copies it kept itself.
    from posture.history import History
    from posture.result import PostureMeasurement

    data, m = stored(7)
    mine = tmp_path / "my photos" / "p7.png"
    mine.parent.mkdir()
    mine.write_bytes(data)
    with History.open(tmp_path / "history.sqlite3") as h:
        entry, _ = h.save(PostureMeasurement.from_dict(m), photo_path=str(mine))
    assert client.get(f"/api/history/{entry}/photo").content == data
    assert client.delete(f"/api/history/{entry}").status_code == 204
    assert mine.read_bytes() == data


def test_a_kept_photo_stays_while_another_entry_uses_it(client: TestClient, tmp_path: Path) -> None:
    from posture.result import PostureMeasurement

    first = save(client, 3)
    data, m = stored(3)
    second = replace(PostureMeasurement.from_dict(m), subject=replace(PostureMeasurement.from_dict(m).subject, index=1))
    r = client.post(
        "/api/history",
        files={"file": ("p3.png", data, "image/png")},
        data={"measurement": json.dumps(second.to_dict())},
    )
    assert r.status_code == 201, r.text  # the same photo, its second person
    assert client.delete(f"/api/history/{first}").status_code == 204
    assert len(list((tmp_path / "photos").iterdir())) == 1  # still used by the second entry
    assert client.get(f"/api/history/{r.json()['id']}/photo").content == data
    assert client.delete(f"/api/history/{r.json()['id']}").status_code == 204
    assert list((tmp_path / "photos").iterdir()) == []


def test_without_a_token_no_cookie_is_set(client: TestClient) -> None:
    r = client.get("/api/metrics")
    assert r.status_code == 200 and "set-cookie" not in r.headers


@pytest.mark.parametrize(
    "change, message",
    [
        ("other photo", "not the one this measurement was made on"),
        ("not json", "not JSON"),
        ("not measured", "nothing was measured"),
        ("bad date", "not a date"),
    ],
)
def test_history_save_refuses_mismatches(client: TestClient, change: str, message: str) -> None:
    data, m = stored(3)
    form = {"measurement": json.dumps(m)}
    if change == "other photo":
        data = png(4)
    elif change == "not json":
        form["measurement"] = "{"
    elif change == "not measured":
        form["measurement"] = json.dumps({**m, "status": "no_person"})
    else:
        form["taken_at"] = "last tuesday"
    r = client.post("/api/history", files={"file": ("p.png", data, "image/png")}, data=form)
    assert r.status_code == 422 and message in r.json()["error"]
    assert client.get("/api/history").json()["entries"] == []


@pytest.mark.parametrize("path", ["/api/history/99", "/api/history/99/thumbnail", "/api/history/99/photo"])
def test_unknown_entries_are_404(client: TestClient, path: str) -> None:
    save(client, 5)
    r = client.get(path)
    assert r.status_code == 404 and "#99" in r.json()["error"]
    assert client.delete("/api/history/99").status_code == 404


def test_compare_as_json_html_and_pdf(client: TestClient) -> None:
    a, b = save(client, 6, name="Ana", taken_at="2024-01-01"), save(client, 7, name="Ana", taken_at="2024-03-01")
    j = client.get("/api/compare", params={"ids": [a, b]})
    assert j.status_code == 200 and j.json()["schema"] == "posture.comparison"
    t = client.get("/api/compare", params={"ids": [a, b], "format": "text"})
    assert t.headers["content-type"].startswith("text/plain") and "Shoulders" in t.text
    h = client.get("/api/compare", params={"ids": [a, b], "format": "html", "name": "<b>Ana</b>"})
    assert h.status_code == 200 and h.headers["content-security-policy"] == REPORT_CSP
    assert "<b>Ana</b>" not in h.text and "&lt;b&gt;Ana&lt;/b&gt;" in h.text and "<script" not in h.text
    p = client.get("/api/compare", params={"ids": [a, b], "format": "pdf", "download": "true"})
    assert p.content.startswith(b"%PDF") and p.headers["content-disposition"].startswith("attachment")
    assert client.get("/api/compare", params={"ids": [a]}).status_code == 422
    assert client.get("/api/compare", params={"ids": [a, 99]}).status_code == 404


def test_a_corrected_measurement_says_so_in_history_and_report(client: TestClient) -> None:
    data, m = stored(8)
    x, y = client.post("/api/describe", json={"measurement": m}).json()["points"]["left_hip"]
    c = client.post("/api/remeasure", json={"measurement": m, "points": {"left_hip": [x, y + 6]}}).json()
    r = client.post("/api/history", files={"file": ("p.png", data, "image/png")}, data={"measurement": json.dumps(c)})
    new = r.json()["id"]
    entry = client.get("/api/history").json()["entries"][0]
    assert entry["corrected"] and entry["metrics"]["pelvic_tilt_deg"]["method"] == "manual"
    assert client.get(f"/api/history/{new}").json()["measurement"]["correction"]["original_metrics"]["pelvic_tilt_deg"]
    other = save(client, 9)
    report = client.get("/api/compare", params={"ids": [other, new], "format": "html"}).text
    assert "corrected by hand" in report


# -- security ------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "192.168.1.5:8765", ""])
def test_on_loopback_only_loopback_host_names_are_answered(client: TestClient, host: str) -> None:
    r = client.get("/api/metrics", headers={"Host": host})
    assert r.status_code == 403 and "127.0.0.1" in r.json()["error"]


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "localhost"])
def test_loopback_host_names_are_answered(client: TestClient, host: str) -> None:
    assert client.get("/api/metrics", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:9999"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_state_changing_requests_from_another_origin_are_refused(client: TestClient, headers: dict) -> None:
    first = save(client, 10)
    data, m = stored(11)
    for r in (
        client.post(
            "/api/history",
            files={"file": ("p.png", data, "image/png")},
            data={"measurement": json.dumps(m)},
            headers=headers,
        ),
        client.delete(f"/api/history/{first}", headers=headers),
        client.post("/api/remeasure", json={"measurement": m, "points": {}}, headers=headers),
    ):
        assert r.status_code == 403 and "another site" in r.json()["error"]
    assert [e["id"] for e in client.get("/api/history").json()["entries"]] == [first]
    assert client.delete(f"/api/history/{first}", headers={"Origin": BASE}).status_code == 204


@pytest.fixture()
def remote(tmp_path: Path) -> TestClient:
    app = create_app(AppConfig(db=tmp_path / "h.sqlite3", token="s3cret-token", loopback=False))
    return TestClient(app, base_url="http://192.168.1.5:8765")


@pytest.mark.parametrize(
    "how",
    [
        {},
        {"headers": {"X-Posture-Token": "wrong"}},
        {"headers": {"Authorization": "Bearer s3cret"}},
        {"params": {"token": "s3cret-token2"}},
        {"cookies": {"posture_token": "nope"}},
    ],
)
def test_beyond_loopback_every_request_needs_the_token(remote: TestClient, how: dict) -> None:
    cookies = how.pop("cookies", None)
    if cookies:
        remote.cookies.update(cookies)
    for path in ("/", "/api/metrics", "/openapi.json", "/static/app.js", "/api/history"):
        r = remote.get(path, **how)
        assert r.status_code == 401 and "token" in r.json()["error"]


@pytest.mark.parametrize(
    "how",
    [
        {"headers": {"X-Posture-Token": "s3cret-token"}},
        {"headers": {"Authorization": "Bearer s3cret-token"}},
        {"params": {"token": "s3cret-token"}},
    ],
)
def test_beyond_loopback_the_token_opens_the_app(remote: TestClient, how: dict) -> None:
    assert remote.get("/api/metrics", **how).status_code == 200


def test_a_page_opened_with_the_token_sets_a_strict_cookie_for_the_pages_requests(remote: TestClient) -> None:
    r = remote.get("/", params={"token": "s3cret-token"})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "posture_token=s3cret-token" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert remote.get("/api/metrics").status_code == 200  # the client keeps the cookie


@pytest.mark.parametrize(
    "path",
    [
        "/static/",
        "/static",
        "/static/../server.py",
        "/static/%2e%2e/server.py",
        "/static/..%2fserver.py",
        "/api/history/..%2f..%2fetc",
    ],
)
def test_no_directory_listing_and_no_path_escapes_static(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code in (404, 405, 422) and b"def create_app" not in r.content


def test_every_response_has_the_security_headers(client: TestClient) -> None:
    for r in (client.get("/"), client.get("/api/metrics"), client.get("/api/history/5"), client.get("/static/app.js")):
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer" and "content-security-policy" in r.headers
        assert r.headers["cross-origin-resource-policy"] == "same-origin"


def test_a_full_queue_is_answered_503(client: TestClient) -> None:
    from posture.app.pool import Busy

    pool = client.app.state.pool  # type: ignore[attr-defined]
    original = pool.run

    def busy(*args: object, **kwargs: object) -> None:
        raise Busy("busy: 1 analyses running and 4 waiting; try again shortly")

    pool.run = busy
    try:
        r = client.post("/api/analyze", files={"file": ("a.png", png(), "image/png")})
    finally:
        pool.run = original
    assert r.status_code == 503 and r.headers["retry-after"] == "2" and "busy" in r.json()["error"]


def test_settings_reach_the_pool_unchanged_but_for_the_request(client: TestClient) -> None:
    seen = []
    pool = client.app.state.pool  # type: ignore[attr-defined]
    pool.run = lambda settings, fn: seen.append(settings) or {"ok": True}
    client.post(
        "/api/analyze",
        files={"file": ("a.png", png(), "image/png")},
        data={"mirrored": "true", "level": "auto", "person": "1"},
    )
    s = seen[0]
    assert (s.mirrored, s.auto_level, s.roll_deg, s.person, s.fast) == (True, True, None, 1, False)
    assert replace(s, mirrored=False, auto_level=False, person=0) == pool.base


def test_uploads_leave_no_temporary_file_behind(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    big = b"\x00" * 3_000_000  # above the 1 MB that multipart keeps in memory: spooled to a file
    r = client.post("/api/analyze", files={"file": ("big.jpg", big, "image/jpeg")})
    assert r.status_code == 400
    data, m = stored(12)
    assert (
        client.post(
            "/api/history",
            files={"file": ("p.png", data + b"\x00" * 2_000_000, "image/png")},
            data={"measurement": json.dumps(m)},
        ).status_code
        == 422
    )
    assert list(spool.iterdir()) == []
    assert not (tmp_path / "photos").exists()  # nothing kept unless saved


def test_the_annotated_image_draws_a_corrected_measurement_of_its_own_photo(client: TestClient) -> None:
    data, m = stored(13)
    x, y = client.post("/api/describe", json={"measurement": m}).json()["points"]["right_shoulder"]
    c = client.post("/api/remeasure", json={"measurement": m, "points": {"right_shoulder": [x, y - 20]}}).json()
    images = []
    for measurement in (m, c):
        r = client.post(
            "/api/annotated",
            files={"file": ("p.png", data, "image/png")},
            data={"measurement": json.dumps(measurement)},
        )
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        images.append(np.asarray(Image.open(io.BytesIO(r.content)).convert("L"), dtype=float))
    assert images[0].shape[1] == images[1].shape[1] == 1000  # enlarged for legible text; a caption below the photo
    assert images[1].shape[0] > images[0].shape[0]  # the caption says what was corrected by hand
    photo_rows = 800  # the 200x160 photo, enlarged 5 times
    assert np.abs(images[0][:photo_rows] - images[1][:photo_rows]).mean() > 0.2  # the moved point and its lines
    other = client.post(
        "/api/annotated", files={"file": ("p.png", png(14), "image/png")}, data={"measurement": json.dumps(m)}
    )
    assert other.status_code == 422 and "SHA-256" in other.json()["error"]


def _head_and_body(thumb: bytes) -> tuple[float, float]:
    """The pixel spread of a 640x480-photo thumbnail around the placed eyes and at the hips."""
    t = np.asarray(Image.open(io.BytesIO(thumb)).convert("L"), dtype=np.float64)
    k = t.shape[1] / 640.0  # thumbnail pixels per photo pixel
    head = t[int(50 * k) : int(90 * k), int(300 * k) : int(340 * k)]
    body = t[int(250 * k) : int(290 * k), int(300 * k) : int(340 * k)]
    return float(head.std()), float(body.std())


@pytest.mark.slow  # loads the pose model to find everyone's face
def test_faces_are_blurred_in_thumbnails_and_reports_only_when_asked(client: TestClient) -> None:
    from posture.history import thumbnail_jpeg

    ids = {}
    for seed, blur in ((20, False), (21, True)):
        data = png(seed, (640, 480))  # noise: sharp everywhere; the person's landmarks placed by hand
        m = measured(sha256=hashlib.sha256(data).hexdigest(), path=f"p{seed}.png").to_dict()
        form = {"measurement": json.dumps(m), "name": "Ana", **({"blur_faces": "true"} if blur else {})}
        r = client.post("/api/history", files={"file": (f"p{seed}.png", data, "image/png")}, data=form)
        assert r.status_code == 201, r.text
        ids[blur] = r.json()["id"]
        thumb = client.get(f"/api/history/{ids[blur]}/thumbnail").content
        head, body = _head_and_body(thumb)
        if blur:  # the head made a smooth blur, the rest as sharp as before
            assert head < 0.25 * body, (head, body)
        else:  # off by default, as posture's commands make thumbnails: the photo as it is
            assert thumb == thumbnail_jpeg(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
            assert head > 0.7 * body
        assert client.get(f"/api/history/{ids[blur]}/photo").content == data  # the photo kept is unchanged
    pair = [ids[False], ids[True]]
    plain = client.get("/api/compare", params={"ids": pair, "format": "html"}).text
    blurred = client.get("/api/compare", params={"ids": pair, "format": "html", "blur_faces": "true"}).text
    note = "Faces are blurred where the pose model found a person"
    assert note in blurred and note not in plain
    assert plain != blurred
