"""The HTTP API of ``posture app`` and the pages that use it (FastAPI).

Every route is described by the OpenAPI document at ``/openapi.json``.
JSON errors are ``{"error": "one line"}`` with a 4xx or 5xx status.

Security (see :class:`AppConfig`):

* Bound to loopback, requests must name a loopback host (``Host``), so a web
  page that rebinds its own domain name to 127.0.0.1 is refused.
* Served beyond loopback, every request needs the secret token: the
  ``X-Posture-Token`` header, ``Authorization: Bearer``, the ``posture_token``
  cookie (set when a page is opened with ``?token=``) or the ``token`` query.
* A state-changing request (anything but GET and HEAD) from another origin
  (its ``Origin`` or ``Sec-Fetch-Site``) is refused.
* A Content-Security-Policy allows only posture's own scripts and styles
  (no inline script, nothing from elsewhere); reports get one with no script at all.
  ``Cross-Origin-Resource-Policy: same-origin``: no other site may embed a photo.
* No path from a request reaches the file system: history entries are
  addressed by integer id; static files by Starlette's checked lookup in
  ``static/`` (no directory listing).
"""

from __future__ import annotations

import hmac
import json
import math
import os
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePath
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from posture import __version__, wording
from posture.app.pool import AnalysisPool, Busy
from posture.correct import correct, correctable_points, point_uses
from posture.errors import EXIT_USAGE, HistoryError, InputError, MeasurementNotFound, PersonNotFound, PostureError
from posture.history import History, StoredMeasurement, default_path, thumbnail_jpeg
from posture.images import load_image_bytes
from posture.metrics import METRICS
from posture.result import PostureMeasurement
from posture.settings import Settings

STATIC = Path(__file__).with_name("static")

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Uploads above this size are refused (413) before they are decoded."""

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
"""Pages: posture's own scripts and styles only; photos from the page's own blob: URLs."""

REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; frame-ancestors 'none'"
"""A comparison report: self-contained, inline styles and images only, no script at all."""

TOKEN_COOKIE = "posture_token"


@dataclass(frozen=True)
class AppConfig:
    """How the app serves.

    ``token`` is required on every request when set (serving beyond loopback);
    ``loopback`` limits the accepted ``Host`` names to loopback ones. ``db`` is
    the history (default: :func:`posture.history.default_path`); uploaded photos
    saved to it are kept in ``photos/`` beside it.
    """

    db: Path | None = None
    token: str | None = None
    loopback: bool = True
    settings: Settings = field(default_factory=Settings)
    workers: int = 1
    queue: int = 4

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else default_path()

    @property
    def photos_dir(self) -> Path:
        return self.db_path.parent / "photos"


def new_token() -> str:
    """A secret for serving beyond loopback (printed at start, as Jupyter does)."""
    return secrets.token_urlsafe(24)


class ApiError(Exception):
    """An error answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


# -- request and response bodies ---------------------------------------------------------------


class RemeasureBody(BaseModel):
    """A measurement (the object of ``posture analyze --json``) and the points moved by hand."""

    measurement: dict[str, Any]
    points: dict[str, list[float]] = Field(
        description="point name -> [x, y] in the photo's pixels, the person's own sides"
    )


class MeasurementBody(BaseModel):
    """The object of ``posture analyze --json``."""

    measurement: dict[str, Any]


def _measurement(d: dict[str, Any]) -> PostureMeasurement:
    try:
        return PostureMeasurement.from_dict(d)
    except (ValueError, KeyError, TypeError) as e:
        raise ApiError(422, f"not a posture measurement: {e}") from None


def describe(m: PostureMeasurement) -> dict[str, Any]:
    """What the pages show of a measurement: each metric in words (posture.wording), the
    assumptions and warnings, and the points to draw with the metrics that use them."""
    original = {} if m.correction is None else m.correction.original_metrics
    metrics = []
    for name, metric in m.metrics.items():
        if name not in METRICS:
            continue
        item = {
            **wording.entry(name, metric),
            "uncertainty": metric.uncertainty,
            "unit": metric.unit,
            "method": metric.method,
            "corrected": metric.method == "manual",
        }
        if name in original:
            item["original_text"] = wording.reading(name, original[name])
        metrics.append(item)
    ref = m.refinement
    contour = {
        k: {"left": list(pair.contour_left_px), "right": list(pair.contour_right_px)}
        for k in ("shoulders", "pelvis")
        if ref is not None and (pair := ref.pair(k)).refined
    }
    return {
        "status": m.status,
        "message": m.message,
        "name": m.source.path,
        "size": [m.source.width, m.source.height],
        "metrics": metrics,
        "assumptions": wording.assumption_lines(m, wording.APP_HINTS),
        "warnings": list(m.warnings),
        "tips": wording.tips(m, wording.APP_HINTS),
        "summary": wording.summary(m),
        "points": {n: list(p) for n, p in correctable_points(m).items()},
        "uses": point_uses(m),
        "contour": contour,
        "corrected": m.correction is not None,
    }


def _entry(e: StoredMeasurement) -> dict[str, Any]:
    m = e.measurement
    return {
        "id": e.id,
        "name": e.name,
        "note": e.note,
        "taken_at": e.taken_at,
        "taken_at_source": e.taken_at_source,
        "saved_at": e.saved_at,
        "status": m.status,
        "corrected": m.correction is not None,
        "mirrored": m.assumptions.mirrored,
        "metrics": {
            n: {
                "value": x.value,
                "uncertainty": x.uncertainty,
                "unit": x.unit,
                "method": x.method,
                "text": wording.reading(n, x),
            }
            for n, x in m.metrics.items()
            if n in METRICS
        },
    }


def _clean_name(filename: str | None) -> str:
    """The upload's file name without any folder, for messages and ``source.path``."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    name = "".join(c for c in name if c.isprintable())[:200]
    return name or "upload"


def _settings(
    base: Settings,
    mirrored: bool,
    level: str | None,
    height_cm: float | None,
    fast: bool,
    person: int,
    markers: bool = False,
    marker_color: str = "green",
) -> Settings:
    """The analysis settings of one request; 422 with the reason for a bad option."""
    level = (level or "").strip().lower()
    roll = None
    if level not in ("", "auto", "none"):
        try:
            roll = float(level)
        except ValueError:
            roll = math.nan
        if not math.isfinite(roll):
            raise ApiError(422, f"level must be a number of degrees or 'auto', got {level!r}")
    try:
        return replace(
            base,
            mirrored=mirrored,
            roll_deg=roll,
            auto_level=level == "auto",
            height_cm=height_cm,
            fast=fast,
            person=person,
            markers=markers,
            marker_color=marker_color,
        )
    except ValueError as e:  # Settings' own checks (ranges, the sticker colour)
        raise ApiError(422, str(e)) from None


async def _read_upload(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"{_clean_name(file.filename)}: the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    return data


# -- the application ---------------------------------------------------------------------------


def create_app(config: AppConfig = AppConfig()) -> FastAPI:
    """The app: API routes under ``/api``, the pages at ``/`` and ``/static``."""
    pool = AnalysisPool(config.settings, workers=config.workers, queue=config.queue)
    app = FastAPI(
        title="posture",
        version=__version__,
        description='Measure body asymmetry from photos, on this computer. Errors are {"error": "..."}.',
        docs_url=None,  # the interactive docs load scripts from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.pool = pool
    app.state.config = config

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        problem = _refusal(request, config)
        if problem is not None:
            response: Response = _error(*problem)
        else:
            response = await call_next(request)
            if config.token is not None and request.query_params.get("token") == config.token:
                response.set_cookie(TOKEN_COOKIE, config.token, httponly=True, samesite="strict")
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        # Another site's page may not even embed a thumbnail or a photo of this app (<img src=...>).
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    _error_handlers(app)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=STATIC, html=False), name="static")
    _analysis_routes(app, pool)
    _history_routes(app, config, pool)
    _compare_route(app, config, pool)
    _live_routes(app, pool)
    return app


ERROR_STATUS: dict[type[Exception], int] = {
    InputError: 400,  # an upload that is not a usable photo: the line posture prints
    MeasurementNotFound: 404,
    HistoryError: 409,  # a history from a newer posture, or not a posture history
    PostureError: 400,
}
"""The status of each of posture's errors (an error takes its closest class's)."""


def _status_handler(status: int) -> Any:
    async def handle(request: Request, e: Exception) -> JSONResponse:
        return _error(status, str(e))

    return handle


def _error_handlers(app: FastAPI) -> None:
    """Every error as ``{"error": one line}`` with its status."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, e: ApiError) -> JSONResponse:
        return _error(e.status, str(e))

    @app.exception_handler(Busy)
    async def busy(request: Request, e: Busy) -> JSONResponse:
        return _error(503, str(e), {"Retry-After": "2"})

    for kind, status in ERROR_STATUS.items():
        app.add_exception_handler(kind, _status_handler(status))

    @app.exception_handler(PersonNotFound)
    async def no_such_person(request: Request, e: PersonNotFound) -> JSONResponse:
        # The page's own words for the choice (its Person switch), not the command line's.
        words = wording.person_not_found(e.requested, e.found, e.at_least, e.fast, wording.APP_HINTS)
        return _error(ERROR_STATUS[InputError], words)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, e: Exception) -> JSONResponse:
        return _error(500, f"unexpected error: {type(e).__name__}: {e}")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return _error(422, f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request")


def _analysis_routes(app: FastAPI, pool: AnalysisPool) -> None:
    @app.get("/api/metrics", tags=["analysis"], summary="The table of metrics")
    def metrics() -> dict[str, Any]:
        """Every metric in reporting order: name, kind, unit, label, definition, the landmarks it
        uses, how each sign reads and the word for a value too small to have a side."""
        return {
            "metrics": [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "unit": s.unit,
                    "label": s.label,
                    "definition": s.definition,
                    "points": [p.name.lower() for p in s.points],
                    "positive": s.positive,
                    "negative": s.negative,
                    "neutral": s.neutral,
                    "refined": s.refined,
                    "of": list(s.of),
                }
                for s in METRICS.values()
            ],
            "conventions": "degrees; the person's own sides; tilts positive when the person's left side is higher; "
            "shifts and leans positive towards the person's left",
        }

    @app.post("/api/analyze", tags=["analysis"], summary="Analyse a photo")
    async def analyze(
        file: Annotated[
            UploadFile, File(description="the photo: JPEG, PNG, WebP, BMP, TIFF (HEIC with the 'heif' extra)")
        ],
        mirrored: Annotated[bool, Form(description="a mirror image (mirror selfie): swap sides")] = False,
        level: Annotated[str | None, Form(description="camera roll to correct in degrees, or 'auto'")] = None,
        height_cm: Annotated[float | None, Form(description="the person's stature, for centimetres")] = None,
        fast: Annotated[bool, Form(description="one pass: faster, no uncertainty")] = False,
        person: Annotated[int, Form(ge=0, le=9, description="which person (0: the largest)")] = 0,
        markers: Annotated[
            bool, Form(description="stickers on the acromions and ASIS/PSIS give the tilts (docs/markers.md)")
        ] = False,
        marker_color: Annotated[
            str, Form(max_length=40, description="the stickers' colour: a name (green, ...) or #RRGGBB")
        ] = "green",
    ) -> JSONResponse:
        """Exactly the object of ``posture analyze --json`` (``source.path`` is the upload's file
        name). A photo that can't be read is a 400 with the error posture prints; 413 above
        50 MB; 503 when too many analyses are running or waiting."""
        settings = _settings(pool.base, mirrored, level, height_cm, fast, person, markers, marker_color)
        name = _clean_name(file.filename)
        data = await _read_upload(file)

        def run(analyzer: Any) -> dict[str, Any]:
            image = load_image_bytes(data, name, max_pixels=settings.max_pixels, min_side=settings.min_side)
            return analyzer.analyze(image).to_dict()

        # Already plain JSON: a JSONResponse skips FastAPI's generic encoder (milliseconds a request).
        return JSONResponse(await anyio.to_thread.run_sync(pool.run, settings, run))

    @app.post("/api/remeasure", tags=["analysis"], summary="Measure again from points corrected by hand")
    def remeasure(body: RemeasureBody) -> dict[str, Any]:
        """The measurement with the named points moved (pixels, the person's own sides; names as in
        ``/api/describe``'s ``points``): each metric using a moved point is measured again, its
        ``method`` ``manual``, and ``correction`` keeps the originals (posture.correct)."""
        m = _measurement(body.measurement)
        try:
            return correct(m, body.points).to_dict()
        except ValueError as e:
            raise ApiError(422, str(e)) from None

    @app.post("/api/annotated", tags=["analysis"], summary="The annotated image (JPEG)", response_class=Response)
    async def annotated(
        file: Annotated[UploadFile, File(description="the photo that was analysed")],
        measurement: Annotated[str, Form(description="the measurement (JSON), corrected or not")],
    ) -> Response:
        """The photo annotated as by ``posture analyze -o``: the points and lines the measurement
        used (corrected ones where they were moved) and a caption with every metric."""
        from posture.output import encode_image
        from posture.render import draw_overlay

        m, image, _ = await _photo_of(file, measurement, pool.base)
        jpeg = await anyio.to_thread.run_sync(lambda: encode_image(draw_overlay(image.rgb, m), "annotated.jpg"))
        return Response(jpeg, media_type="image/jpeg")

    @app.post("/api/describe", tags=["analysis"], summary="A measurement in words, with the points to draw")
    def describe_route(body: MeasurementBody) -> dict[str, Any]:
        """Each metric as ``posture analyze`` words it, the assumptions and warnings; the points a
        correction may move (``points``) and, per metric, the points it uses (``uses``)."""
        return describe(_measurement(body.measurement))


async def _photo_of(file: UploadFile, measurement: str, settings: Settings) -> tuple[PostureMeasurement, Any, bytes]:
    """The measurement (JSON text), the uploaded photo decoded and its bytes; 422 unless the photo
    is the one the measurement was made on (same SHA-256)."""
    try:
        m = _measurement(json.loads(measurement))
    except json.JSONDecodeError:
        raise ApiError(422, "measurement: not JSON") from None
    data = await _read_upload(file)
    image = await anyio.to_thread.run_sync(
        lambda: load_image_bytes(
            data, _clean_name(file.filename), max_pixels=settings.max_pixels, min_side=settings.min_side
        )
    )
    if image.sha256 != m.source.sha256:
        raise ApiError(422, "the photo is not the one this measurement was made on (SHA-256 differs)")
    return m, image, data


def _history_routes(app: FastAPI, config: AppConfig, pool: AnalysisPool) -> None:
    def history() -> History:
        return History.open(config.db_path)

    @app.get("/api/history", tags=["history"], summary="List saved measurements")
    def list_history(name: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
        """Oldest first; only ``name``'s when given. ``names`` lists every person."""
        if not History.exists(config.db_path):
            return {"names": [], "entries": []}
        with history() as h:
            return {"names": [n for n in h.names() if n is not None], "entries": [_entry(e) for e in h.list(name)]}

    @app.post("/api/history", tags=["history"], summary="Save a measurement with its photo", status_code=201)
    async def save(
        file: Annotated[UploadFile, File(description="the photo that was analysed")],
        measurement: Annotated[str, Form(description="the measurement (JSON), corrected or not")],
        name: Annotated[str | None, Form(max_length=200)] = None,
        note: Annotated[str | None, Form(max_length=2000)] = None,
        taken_at: Annotated[
            str | None, Form(description="the date (YYYY-MM-DD or YYYY-MM-DDTHH:MM) if not the photo's own")
        ] = None,
        blur_faces: Annotated[
            bool, Form(description="blur every face in the thumbnail (the photo kept is unchanged)")
        ] = False,
    ) -> JSONResponse:
        """Stores the measurement, a thumbnail and the photo (in ``photos/`` beside the history,
        readable only by you). The photo must be the one measured (same SHA-256). The same photo
        saved again is kept once: 200 with ``created: false``, and ``differs: true`` when the entry
        kept holds another measurement of it (other switches, or other points corrected by hand)."""
        m, image, data = await _photo_of(file, measurement, pool.base)
        if m.status != "measured":
            raise ApiError(422, f"nothing was measured on this photo ({m.message}); not saved")
        rgb = image.rgb
        if blur_faces:
            rgb = await anyio.to_thread.run_sync(_blurred, pool, rgb, m)
        photo = _keep_photo(config.photos_dir, image.sha256, data, image.format)
        try:
            with history() as h:
                new_id, created = h.save(
                    m,
                    name=name,
                    note=note,
                    thumbnail=thumbnail_jpeg(rgb),
                    taken_at=taken_at or None,
                    photo_path=str(photo),
                )
                differs = not created and h.get(new_id).measurement.to_dict() != m.to_dict()
        except ValueError as e:
            raise ApiError(422, str(e)) from None
        body = {"id": new_id, "created": created, "differs": differs}
        return JSONResponse(body, status_code=201 if created else 200)

    @app.get("/api/history/chart.png", tags=["history"], summary="Trend chart (PNG)", response_class=Response)
    def chart(
        name: Annotated[str | None, Query(max_length=200)] = None, metric: Annotated[list[str] | None, Query()] = None
    ) -> Response:
        """Every measured metric (or the ``metric``s given) over time with uncertainty bars and the
        minimal detectable change, as ``posture history plot``."""
        from posture.charts import figure_png, plot_history
        from posture.noise import MDC95, MDC95_SINGLE_PASS

        if not History.exists(config.db_path):
            raise ApiError(404, "no history yet")
        with history() as h:
            entries = h.list(name)
        if not entries:
            raise ApiError(404, "no saved measurements" + (f" for {name}" if name else ""))
        try:
            fig = plot_history(entries, metric or None, mdc=MDC95, mdc_single_pass=MDC95_SINGLE_PASS)
        except ValueError as e:
            raise ApiError(422, str(e)) from None
        return Response(figure_png(fig), media_type="image/png")

    @app.get("/api/history/{entry_id}", tags=["history"], summary="One saved measurement")
    def show(entry_id: int) -> dict[str, Any]:
        """The stored fields and the measurement's object, plus ``describe`` (as ``/api/describe``)."""
        with history() as h:
            e = h.get(entry_id)
        return {**e.to_dict(), "describe": describe(e.measurement)}

    @app.get("/api/history/{entry_id}/thumbnail", tags=["history"], summary="Thumbnail (JPEG)", response_class=Response)
    def thumbnail(entry_id: int) -> Response:
        with history() as h:
            data = h.thumbnail(entry_id)
        if data is None:
            raise ApiError(404, f"measurement #{entry_id} has no thumbnail")
        return Response(data, media_type="image/jpeg")

    @app.get("/api/history/{entry_id}/photo", tags=["history"], summary="The saved photo", response_class=Response)
    def photo(entry_id: int) -> Response:
        """The photo kept with the measurement, when it is still there unchanged (404 otherwise)."""
        with history() as h:
            e = h.get(entry_id)
        data = _stored_photo(e)
        if data is None:
            raise ApiError(404, f"the photo of measurement #{entry_id} is no longer there (or has changed)")
        return Response(data, media_type=_mime(data))

    @app.delete("/api/history/{entry_id}", tags=["history"], summary="Delete a saved measurement", status_code=204)
    def delete(entry_id: int) -> Response:
        """Deletes the entry, and its photo kept by the app when no other entry uses it."""
        with history() as h:
            e = h.get(entry_id)
            h.delete(entry_id)
            others = [x for x in h.list() if x.photo_sha256 == e.photo_sha256]
        if e.photo_path and not others:
            p = Path(e.photo_path)
            if p.parent == config.photos_dir and p.is_file():
                p.unlink()
        return Response(status_code=204)


def _compare_route(app: FastAPI, config: AppConfig, pool: AnalysisPool) -> None:
    @app.get("/api/compare", tags=["compare"], summary="Compare saved measurements", response_class=Response)
    def compare_route(
        ids: Annotated[list[int], Query(description="two or more saved measurements, before first")],
        format: Literal["json", "text", "html", "pdf"] = "json",
        name: Annotated[str | None, Query(max_length=200)] = None,
        note: Annotated[str | None, Query(max_length=2000)] = None,
        download: Annotated[bool, Query(description="as a file to save (Content-Disposition: attachment)")] = False,
        blur_faces: Annotated[
            bool,
            Query(description="blur every face in the report's photos, for sharing (posture compare --blur-faces)"),
        ] = False,
    ) -> Response:
        """The comparison of ``posture compare '#1' '#2' ...``: JSON, its words as in the terminal
        (``text``), or the report as a self-contained HTML page or a PDF."""
        from posture.compare import compare
        from posture.inputs import ComparedPhoto
        from posture.noise import MDC95, MDC95_SINGLE_PASS
        from posture.report import make_report

        if len(ids) < 2:
            raise ApiError(422, "choose at least two measurements to compare")
        with History.open(config.db_path, create=False) as h:
            entries = [h.get(i) for i in ids]
        photos = [
            ComparedPhoto(
                f"#{e.id} {e.name or ''} {e.taken_at[:10]}".strip(),
                e.measurement,
                _stored_rgb(e, pool.base),
                e.taken_datetime,
            )
            for e in entries
        ]
        dates: list[datetime | None] = [e.taken_datetime for e in entries]
        sources: list[str | None] = [e.taken_at_source for e in entries]
        ms = [p.measurement for p in photos]
        c = compare(ms, dates=dates, date_sources=sources, mdc=MDC95, mdc_single_pass=MDC95_SINGLE_PASS)
        if format == "json":
            return JSONResponse(c.to_dict())
        if format == "text":
            from posture.compare_text import summary

            return Response(summary(c), media_type="text/plain; charset=utf-8")
        if blur_faces and format in ("html", "pdf"):
            photos = [
                p if p.rgb is None else replace(p, people=tuple(pool.run(pool.base, _people(p.rgb)))) for p in photos
            ]
        data = make_report(photos, c, format, name=name, note=note, blur_faces=blur_faces)
        disposition = "attachment" if download else "inline"
        stem = "posture-report-" + "-".join(str(i) for i in ids)
        headers = {"Content-Disposition": f'{disposition}; filename="{stem}.{format}"'}
        if format == "html":
            headers["Content-Security-Policy"] = REPORT_CSP
            return Response(data, media_type="text/html; charset=utf-8", headers=headers)
        return Response(data, media_type="application/pdf", headers=headers)


class LiveStart(BaseModel):
    """How a live session captures."""

    auto: bool = Field(
        False, description="start a capture once a measurable stance has held (as posture live --capture)"
    )
    capture_s: float = Field(3.0, ge=1, le=30, description="a capture's length, seconds")
    timeout_s: float = Field(30.0, ge=1, le=600, description="how long a capture waits for a measurable stance")


def _live_routes(app: FastAPI, pool: AnalysisPool) -> None:
    from posture.app.live import LiveRoom, LiveRooms, TooManyLive
    from posture.live.session import LiveConfig

    rooms = LiveRooms(pool)
    app.state.live = rooms

    def room_of(room_id: str) -> LiveRoom:
        room = rooms.get(room_id)
        if room is None:
            raise ApiError(404, "no such live session (stopped, or closed after a minute without frames)")
        return room

    @app.post("/api/live", tags=["live"], summary="Start a live session", status_code=201)
    async def live_start(body: LiveStart) -> dict[str, Any]:
        """A live check as ``posture live`` runs it: the frames then sent to ``/api/live/{id}/frame``
        are guided into a measurable stance (posture.live.guide) and captured (posture.live.capture).
        At most two sessions at once (503); one without frames for a minute is closed."""
        config = LiveConfig(
            measure=pool.base.measure_options(),  # the landmark score the app's analyses rely on
            capture_seconds=body.capture_s,
            auto_capture=body.auto,
            stance_timeout_s=body.timeout_s,
            alerts=(),
        )
        try:
            room = await anyio.to_thread.run_sync(rooms.open, config)
        except TooManyLive as e:
            raise ApiError(503, str(e)) from None
        c = room.session.config
        return {
            "id": room.id,
            "capture_s": c.capture_seconds,
            "hold_s": c.hold_seconds,
            "timeout_s": c.stance_timeout_s,
            "frames": c.capture_frames,
        }

    @app.post("/api/live/{room_id}/frame", tags=["live"], summary="One camera frame of a live session")
    async def live_frame(
        room_id: str, file: Annotated[UploadFile, File(description="the camera's frame, not mirrored (JPEG)")]
    ) -> JSONResponse:
        """The frame's preview (one landmark pass, smoothed, no uncertainty: ``preview`` in the shape
        of ``/api/describe``), its stance ``problems`` (most important first) and the one
        ``instruction`` towards a measurable stance (posture.live.guide; ``usable``: the frame can
        be measured, though a capture prefers frames without problems); ``capture``: a capture waiting for the stance
        (``waiting``), collecting frames (``collecting``) or being analysed (``analysing``, ``done``
        of ``total`` frames), with ``text`` to show; ``captured``: a capture whose analysis finished,
        its ``measurement`` (the object of ``posture analyze --json``, combined over the frames) and
        the ``photo`` of the frame it was drawn from (to save it as a photo analysis); ``failed``:
        why a capture could not start. Send one frame at a time."""
        room = room_of(room_id)
        data = await _read_upload(file)
        base = pool.base

        def run() -> dict[str, Any]:
            image = load_image_bytes(data, "camera frame", max_pixels=base.max_pixels, min_side=base.min_side)
            return room.frame(image.rgb)

        return JSONResponse(await anyio.to_thread.run_sync(run))

    @app.post("/api/live/{room_id}/capture", tags=["live"], summary="Take a capture")
    def live_capture(
        room_id: str,
        wait: Annotated[
            bool, Query(description="wait until a measurable stance has held for a second (else start now)")
        ] = False,
    ) -> dict[str, Any]:
        """Starts a capture at the next frame, as the space key of ``posture live`` does, or with
        ``wait`` once the stance has held, as its ``--capture`` does (giving up after the session's
        ``timeout_s``); the frames' answers say how it goes. 409 while one is under way."""
        if not room_of(room_id).capture(wait):
            raise ApiError(409, "a capture is already under way")
        return {"started": not wait, "waiting": wait}

    @app.get(
        "/api/live/{room_id}/photo/{sha256}",
        tags=["live"],
        summary="A capture's frame (JPEG)",
        response_class=Response,
    )
    def live_photo(room_id: str, sha256: str) -> Response:
        """The analysed frame a capture's measurement was drawn from (its ``source.sha256``)."""
        data = room_of(room_id).worker.photo(sha256)
        if data is None:
            raise ApiError(404, "that frame is no longer kept")
        return Response(data, media_type="image/jpeg")

    @app.delete("/api/live/{room_id}", tags=["live"], summary="Stop a live session", status_code=204)
    def live_stop(room_id: str) -> Response:
        """Ends the session and drops its frames (an unknown id is fine: it has ended already)."""
        rooms.close(room_id)
        return Response(status_code=204)


# -- guards and stored photos ------------------------------------------------------------------


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def _refusal(request: Request, config: AppConfig) -> tuple[int, str] | None:
    """Why a request is refused (status, message), or None."""
    host = request.headers.get("host", "")
    if config.loopback and _host_name(host) not in LOOPBACK:
        return 403, "this posture app answers only on 127.0.0.1 (localhost)"
    if config.token is not None:
        given = (
            request.headers.get("x-posture-token")
            or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            or request.cookies.get(TOKEN_COOKIE)
            or request.query_params.get("token")
            or ""
        )
        if not hmac.compare_digest(given.encode(), config.token.encode()):
            return 401, "this posture app needs its token: open the address printed when it started"
    if request.method not in ("GET", "HEAD"):
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{host}":
            return 403, "refused: the request came from another site"
        if request.headers.get("sec-fetch-site") == "cross-site":
            return 403, "refused: the request came from another site"
    return None


_EXT = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "BMP": ".bmp", "TIFF": ".tif", "HEIF": ".heic", "MPO": ".jpg"}


def _keep_photo(folder: Path, sha256: str, data: bytes, fmt: str) -> Path:
    """Write the photo as ``folder/<sha256><ext>`` (readable by the user only), once."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{sha256}{_EXT.get(fmt.upper(), '.img')}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return path


def _stored_photo(e: StoredMeasurement) -> bytes | None:
    """The bytes of the entry's photo when the file is still there with the same SHA-256."""
    import hashlib

    if not e.photo_path or not e.photo_sha256:
        return None
    try:
        data = Path(e.photo_path).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == e.photo_sha256 else None


def _stored_rgb(e: StoredMeasurement, settings: Settings) -> Any:
    data = _stored_photo(e)
    if data is None:
        return None
    try:
        return load_image_bytes(
            data, e.photo_path or "photo", max_pixels=settings.max_pixels, min_side=settings.min_side
        ).rgb
    except InputError:
        return None


_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"RIFF", "image/webp"), (b"BM", "image/bmp"))


def _people(rgb: Any) -> Any:
    return lambda analyzer: analyzer.people(rgb)


def _blurred(pool: AnalysisPool, rgb: Any, m: PostureMeasurement) -> Any:
    """``rgb`` with every face blurred: the people the model finds and the measured person
    (as ``posture compare --blur-faces`` blurs a report's photos)."""
    from posture.compare import landmarks_of
    from posture.report.faces import blur_heads

    people = list(pool.run(pool.base, _people(rgb)))
    lm = landmarks_of(m)
    return blur_heads(rgb, people + ([lm] if lm is not None else []))


def _mime(data: bytes) -> str:
    return next((m for magic, m in _MAGIC if data.startswith(magic)), "application/octet-stream")


class PortInUse(PostureError):
    """The port asked for is taken."""

    exit_code = EXIT_USAGE


def serve(config: AppConfig, *, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True) -> int:
    """Serve the app until Ctrl-C: print its address (with the token when there is one), open
    the browser, load the model in the background. Returns the exit code."""
    import socket
    import threading
    import time
    import webbrowser

    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise PortInUse(
                f"cannot listen on {host}:{port} ({e.strerror or e}); choose another port with --port"
            ) from None
    app = create_app(config)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    if config.token is not None:
        url += f"?token={config.token}"
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))

    def when_started() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            print(f"posture app: {url}  (Ctrl-C to stop)", flush=True)
            if config.token is not None:
                print("Anyone with this address, token included, can use the app and your history.", flush=True)
            if open_browser:
                webbrowser.open(url)
            app.state.pool.warm()

    threading.Thread(target=when_started, daemon=True).start()
    try:
        server.run()
    finally:
        app.state.live.close_all()
        app.state.pool.close()
    return 0
