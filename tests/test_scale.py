"""Large runs: the flat record and its Arrow schema, sources (lists, URIs), the Parquet dataset,
and the local and Ray engines giving the same rows (Ray tests skip when Ray is not installed)."""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from test_cli import run

pa = pytest.importorskip("pyarrow", reason="the parquet extra (pyarrow) is not installed")
import pyarrow.parquet as pq  # noqa: E402

from posture.batch.outcome import Outcome  # noqa: E402
from posture.batch.table import csv_header, csv_text  # noqa: E402
from posture.errors import InputError, OutputError  # noqa: E402
from posture.parquet import ParquetDataset  # noqa: E402
from posture.records import COLUMN_NAMES, arrow_schema, arrow_table, flat_record  # noqa: E402
from posture.settings import Settings  # noqa: E402
from posture.sources import expand_sources, is_uri  # noqa: E402


def _photos(tmp_path: Path) -> tuple[Path, list[str]]:
    """photos/: the two sample PNGs and a broken .jpg; and a missing path: the four sources of a run."""
    root = tmp_path / "photos"
    root.mkdir()
    for name in ("astronaut.png", "standing.png"):
        shutil.copyfile(SAMPLES / name, root / name)
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a JPEG")
    return root, [
        str(root / "astronaut.png"),
        str(root / "broken.jpg"),
        str(root / "standing.png"),
        str(tmp_path / "missing.jpg"),
    ]


def _rows(folder: Path | str) -> list[dict]:
    return sorted(pq.read_table(folder).to_pylist(), key=lambda r: r["path"])


# ------------------------------------------------------------ the record


def test_one_column_list_gives_the_schema_the_record_and_the_csv_columns():
    failed = flat_record(Outcome(0, "x.jpg", error="x.jpg: no such file", exit_code=3))
    assert tuple(failed) == COLUMN_NAMES == tuple(arrow_schema().names)
    assert set(csv_header()) <= set(COLUMN_NAMES)
    assert (failed["status"], failed["error"], failed["message"], failed["exit_code"]) == (
        "error",
        "x.jpg: no such file",
        "x.jpg: no such file",
        3,
    )
    table = arrow_table([failed])
    assert table.schema == arrow_schema() and table.num_rows == 1
    assert str(table.schema.field("shoulder_tilt_deg_method").type) == "string"
    assert str(table.schema.field("warnings").type) == "list<item: string>"


def test_a_row_carries_its_photos_own_assumptions_people_and_warnings():
    """Every assumption and count comes from the photo's own measurement (a mirror selfie, a stated
    roll and stature, three people), in the Parquet record and the CSV alike."""
    from dataclasses import replace

    from history_support import sample_measurement

    from posture.batch.outcome import outcome_of

    m = sample_measurement(1)
    assert m.subject is not None
    m = replace(
        m,
        assumptions=replace(m.assumptions, mirrored=True, level_mode="manual", roll_deg=-2.5, height_cm=182.0),
        subject=replace(m.subject, view="back", people_detected=3),
        warnings=("first", "second"),
    )
    row = flat_record(outcome_of(m, "me.jpg"))
    assert (row["mirrored"], row["level_mode"], row["roll_deg"], row["height_cm"], row["angles_relative_to"]) == (
        True,
        "manual",
        -2.5,
        182.0,
        "true horizontal",
    )
    assert (row["view"], row["people_detected"], row["warnings"], row["passes"]) == ("back", 3, ["first", "second"], 5)
    assert (row["shoulder_tilt_deg"], row["pelvic_tilt_deg"], row["head_shift_pct"]) == (1.5, -0.8, 3.2)
    (r,) = csv.DictReader(io.StringIO(csv_text([outcome_of(m, "me.jpg")])))
    assert (r["view"], r["people_detected"], r["warnings"]) == ("back", "3", "first | second")


def test_a_measured_row_has_every_metric_with_its_uncertainty_and_method(augmented_analyzer):
    from posture.batch.outcome import outcome_of

    m = augmented_analyzer.analyze_file(SAMPLES / "standing.png")
    row = flat_record(outcome_of(m, "standing.png"))
    arrow_table([row])  # fits the schema
    for name, metric in m.metrics.items():
        d = metric.to_dict()
        assert (row[name], row[f"{name}_uncertainty"]) == (d["value"], d["uncertainty"])
    assert row["shoulder_tilt_deg_method"] == m.method_of("shoulder_tilt_deg") is not None
    assert (row["model"], row["passes"], row["mirrored"], row["angles_relative_to"]) == (
        m.model.name,
        20,
        False,
        "image",
    )
    assert row["sha256"] == m.source.sha256 and row["posture_version"] == m.model.posture_version


# ------------------------------------------------------------ decoding from bytes


@pytest.mark.parametrize("name", ["standing.png", "apollo11_crew.jpg"])
def test_bytes_decode_exactly_as_the_file(name):
    import numpy as np

    from posture.images import load_image, load_image_bytes

    path = SAMPLES / name
    a, b = load_image(path), load_image_bytes(path.read_bytes(), str(path))
    assert np.array_equal(a.rgb, b.rgb) and (a.sha256, a.format, a.path) == (b.sha256, b.format, b.path)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"hello", "not an image"),
        ((SAMPLES / "standing.png").read_bytes()[:2000], "truncated or corrupt"),
    ],
    ids=["empty", "text", "truncated"],
)
def test_bad_bytes_are_refused_with_the_file_messages(data, message):
    from posture.images import load_image_bytes

    with pytest.raises(InputError, match=message):
        load_image_bytes(data, "s3://b/x.png")


def test_a_uri_is_read_as_the_same_photo(tmp_path, analyzer):
    root, _ = _photos(tmp_path)
    by_path = analyzer.load(root / "standing.png")
    by_uri = analyzer.load((root / "standing.png").as_uri())
    assert by_uri.path == (root / "standing.png").as_uri() and by_uri.sha256 == by_path.sha256
    with pytest.raises(InputError, match="no such file"):
        analyzer.load((tmp_path / "none.png").as_uri())


# ------------------------------------------------------------ sources


def test_sources_expand_folders_lists_and_uris(tmp_path):
    root, _ = _photos(tmp_path)
    (root / "sub").mkdir()
    shutil.copyfile(SAMPLES / "standing.png", root / "sub" / "b.JPG")
    (root / "notes.txt").write_text("x")
    (root / ".hidden.png").write_bytes(b"x")
    listing = tmp_path / "list.txt"
    listing.write_text(f"# photos\n{root / 'standing.png'}\n\n{root.as_uri()}\n{tmp_path / 'missing.jpg'}\n")
    found = expand_sources([str(root / "standing.png"), f"@{listing}", root.as_uri() + "/sub"])
    uri = root.as_uri()
    assert found.paths == [
        str(root / "standing.png"),
        f"{uri}/astronaut.png",
        f"{uri}/broken.jpg",
        f"{uri}/standing.png",
        f"{uri}/sub/b.JPG",
        str(tmp_path / "missing.jpg"),
    ]  # the URI sub-folder's photo was already found
    assert [Path(p).name for p, _ in found.skipped] == ["notes.txt"]
    assert is_uri("gs://b/x.jpg") and is_uri("file:///x") and not is_uri("C:\\x.jpg") and not is_uri("photos/a.jpg")


def test_a_uri_is_read_whole_or_refused_with_the_files_messages(tmp_path):
    from posture.sources import read_uri

    (tmp_path / "a.bin").write_bytes(b"x" * 3_000_000)
    (tmp_path / "folder").mkdir()
    uri = tmp_path.as_uri()
    assert read_uri(f"{uri}/a.bin") == b"x" * 3_000_000
    assert read_uri(f"{uri}/a.bin", max_bytes=3_000_000) == b"x" * 3_000_000  # the limit itself is allowed
    for name, kw, message in [
        ("none.jpg", {}, "none.jpg: no such file$"),
        ("folder", {}, "folder: is a folder; give a file$"),
        (
            "a.bin",
            {"max_bytes": 2_999_999, "what": "photo"},
            r"a.bin: the file is too large for a photo \(3 MB; at most 3 MB\)$",
        ),
    ]:
        with pytest.raises(InputError, match=message):
            read_uri(f"{uri}/{name}", **kw)


def test_a_photo_found_below_a_uri_folder_keeps_the_folder_as_its_root(tmp_path):
    root, _ = _photos(tmp_path)
    folder, file = root.as_uri(), (root / "standing.png").as_uri()
    found = expand_sources([folder, (tmp_path / "other.png").as_uri()])
    assert found.photos[-1] == ((tmp_path / "other.png").as_uri(), None)  # named itself: no root
    assert {r for _, r in found.photos[:-1]} == {folder}
    assert expand_sources([file]).photos == ((file, None),)


@pytest.mark.parametrize(
    "text, message", [("@other.txt\n", "lists another list"), (None, "cannot read the list")], ids=["nested", "missing"]
)
def test_bad_lists_are_refused(tmp_path, text, message):
    listing = tmp_path / "list.txt"
    if text is not None:
        listing.write_text(text)
    with pytest.raises(InputError, match=message):
        expand_sources([f"@{listing}"])


# ------------------------------------------------------------ the dataset


def test_an_output_with_files_needs_resume_and_a_file_is_refused(tmp_path):
    out = tmp_path / "out"
    dataset = ParquetDataset.open(str(out))
    with dataset.writer(part_rows=2) as w:
        for name in "abc":
            w.add(flat_record(Outcome(0, name, error=f"{name}: no such file", exit_code=3)))
    assert len(w.parts) == 2 and w.written == 3
    (out / ".part-killed.parquet.tmp").write_bytes(b"half a file")  # what a killed run leaves
    with pytest.raises(OutputError, match="--resume"):
        ParquetDataset.open(str(out))
    assert ParquetDataset.open(out.as_uri(), resume=True).done == {"a", "b", "c"}
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        ParquetDataset.open(str(tmp_path / "f"), resume=True)
    deep = tmp_path / "new" / "run" / "out"  # its folders are made
    assert ParquetDataset.open(str(deep)).done == frozenset() and deep.is_dir()


@pytest.mark.slow
def test_local_run_writes_every_photo_and_resume_skips_what_is_done(tmp_path):
    root, sources = _photos(tmp_path)
    out = tmp_path / "out"
    proc = run("analyze", str(root), sources[-1], "--fast", "--parquet", str(out), "--jobs", "2")
    assert proc.returncode == 3, proc.stderr  # a bad file: the most severe code
    assert "4 photos: 2 measured, 0 no person, 0 not measurable, 2 failed" in proc.stderr
    rows = {r["path"]: r for r in _rows(out)}
    assert [(rows[p]["status"], rows[p]["exit_code"]) for p in sources] == [
        ("measured", 0),
        ("error", 3),
        ("measured", 0),
        ("error", 3),
    ]
    assert "not an image" in rows[sources[1]]["error"] and rows[sources[3]]["error"].endswith(
        "missing.jpg: no such file"
    )
    assert all(
        r["passes"] == 1 and r["shoulder_tilt_deg"] is not None for r in rows.values() if r["status"] == "measured"
    )

    shutil.copyfile(SAMPLES / "standing.png", root / "new.png")
    proc = run("analyze", str(root), sources[-1], "--fast", "--parquet", str(out), "--resume")
    assert "4 photos already in" in proc.stderr and "1 photo: 1 measured" in proc.stderr, proc.stderr
    assert sorted(r["path"] for r in _rows(out)) == sorted([*sources, str(root / "new.png")])
    again = run("analyze", str(root), "--fast", "--parquet", str(out))
    assert again.returncode == 6 and "--resume" in again.stderr


# ------------------------------------------------------------ Ray


@pytest.fixture(scope="module")
def ray_session():
    """A local Ray with 2 CPUs for this module, workers importing this checkout; usage statistics
    not switched off beforehand (posture must do it)."""
    pytest.importorskip("ray", reason="the ray extra (ray[data]) is not installed")
    from posture.engines.ray import import_ray

    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "RAY_USAGE_STATS_ENABLED")}
    os.environ.pop("RAY_USAGE_STATS_ENABLED", None)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    ray = import_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.mark.slow
def test_ray_gives_exactly_the_rows_of_the_local_engine(tmp_path, ray_session):
    from posture.engines import local_records
    from posture.engines.ray import ray_records

    _, sources = _photos(tmp_path)
    settings = Settings(fast=True)
    by_ray = sorted(ray_records(sources, settings, workers=1), key=lambda r: r["path"])
    local = sorted(local_records(sources, settings, jobs=1), key=lambda r: r["path"])
    assert by_ray == local
    status = {r["path"]: r["status"] for r in by_ray}
    assert [status[p] for p in sources] == ["measured", "error", "measured", "error"]
    _assert_usage_stats_off()


def _assert_usage_stats_off() -> None:
    """Off in this process and in the Ray processes it started (the GCS server reports them)."""
    import psutil

    try:
        from ray._common.usage import usage_lib
    except ImportError:  # Ray before 2.47
        from ray._private.usage import usage_lib  # type: ignore[no-redef]
    assert os.environ["RAY_USAGE_STATS_ENABLED"] == "0" and not usage_lib.usage_stats_enabled()
    gcs = [p for p in psutil.Process().children(recursive=True) if "gcs_server" in p.name()]
    assert gcs and all(p.environ().get("RAY_USAGE_STATS_ENABLED") == "0" for p in gcs)


@pytest.mark.slow
def test_a_photo_that_kills_its_ray_worker_is_a_failed_row(tmp_path, ray_session):
    from batch_support import crashing_actor

    from posture.engines.ray import ray_records

    root, sources = _photos(tmp_path)
    shutil.copyfile(SAMPLES / "standing.png", root / "crash.png")
    paths = [sources[0], str(root / "crash.png"), sources[2]]
    rows = {r["path"]: r for r in ray_records(paths, Settings(fast=True), workers=1, actor=crashing_actor())}
    assert sorted(rows) == sorted(paths)
    assert rows[paths[1]]["status"] == "error" and rows[paths[1]]["exit_code"] == 1
    assert "crashed on this photo" in rows[paths[1]]["error"]
    assert rows[paths[0]]["status"] == rows[paths[2]]["status"] == "measured"  # its block-mates were retried alone


@pytest.mark.slow
def test_cli_ray_run_and_resume(tmp_path):
    pytest.importorskip("ray", reason="the ray extra (ray[data]) is not installed")
    root, sources = _photos(tmp_path)
    out = tmp_path / "out"
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(sources[:2]) + "\n")
    first = run(
        "analyze", f"@{listing}", "--fast", "--parquet", out.as_uri(), "--engine", "ray", "--jobs", "1", timeout=300
    )
    assert first.returncode == 3 and "2 photos: 1 measured" in first.stderr, first.stderr
    proc = run(
        "analyze", *sources, "--fast", "--parquet", str(out), "--resume", "--engine", "ray", "--jobs", "1", timeout=300
    )
    assert proc.returncode == 3 and "2 photos already in" in proc.stderr and "2 photos: 1 measured" in proc.stderr, (
        proc.stderr
    )
    assert "Traceback" not in proc.stderr
    assert sorted(r["path"] for r in _rows(out)) == sorted(sources)


def test_progress_lines_are_few_and_the_last_says_everything_is_done():
    import io

    from posture.engines import ProgressLines

    for total, lines in ((3, 3), (45, 23), (100_000, 100)):
        out = io.StringIO()
        progress = ProgressLines.for_total(total)
        progress.stream = out
        for _ in range(total):
            progress({})
        printed = out.getvalue().splitlines()
        assert len(printed) == lines
        assert printed[-1].startswith(f"posture: {total:,} of {total:,} photos done") and "left" not in printed[-1]
