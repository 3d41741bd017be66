"""``posture analyze``: one photo, a batch, or a Parquet dataset."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from posture.cli.common import (
    EXIT_CODES_HELP,
    add_mode_options,
    add_model_options,
    add_photo_options,
    add_save_options,
    db_path,
    number,
    settings_from,
    taken_at,
)
from posture.errors import EXIT_NO_PERSON, EXIT_NOT_MEASURABLE, EXIT_OK, EXIT_USAGE
from posture.terminal import printable

if TYPE_CHECKING:
    from posture.batch.outcome import Outcome
    from posture.history import History
    from posture.images import LoadedImage
    from posture.result import PostureMeasurement
    from posture.settings import Settings

BATCH_HELP = """several photos (more than one PHOTO, or a FOLDER):
  Folders are searched recursively for .jpg .jpeg .png .webp .bmp .tif .tiff
  .heic .heif files (other files are skipped with a note on stderr; hidden
  ones silently). --jobs worker processes share the photos; one bad photo
  never stops the batch. Results go to stdout in input order: the text
  summary of each photo, or with --json one JSON object per line (JSON
  Lines): the measurement, or for a photo that failed
    {"source": {"path": ...}, "status": "error", "error": "...", "exit_code": N}
  where N is what 'posture analyze' would exit with for that photo alone.
  A progress bar (only when stderr is a terminal), one line per failure and
  the final count go to stderr. -o names a FOLDER (created if missing):
  each photo's annotated image is FOLDER/<name>_annotated.jpg (keeping the
  sub-folders below a FOLDER input); existing files are refused before
  anything is analysed unless --force; each JSON line and CSV row then
  names it in annotated_path (null or empty when none was written).
  --save stores each measured photo.
  The exit code is 0 when every photo was measured, else the most severe
  code among the photos, in this order: 1, 7, 6, 3, 5, 4.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser(
        "analyze",
        help="measure a photo, or many",
        description="Measure shoulder tilt, hip-line (pelvic) tilt and more on a photo of one person "
        "standing facing the camera (or facing away).",
        epilog=EXIT_CODES_HELP + "\n" + BATCH_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument(
        "inputs",
        nargs="+",
        metavar="PHOTO",
        help="photo: JPEG, PNG, WebP, BMP, TIFF (HEIC with the 'heif' extra); several photos or "
        "folders analyse them all (see below)",
    )
    a.add_argument("--mirror", action="store_true", help="the photo is a mirror image (mirror selfie): swap sides")
    add_mode_options(a)
    add_photo_options(a)
    add_model_options(a)
    a.add_argument(
        "--json", action="store_true", help="print the result as one JSON object (several photos: one per line)"
    )
    a.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the annotated image (.png, .jpg, .webp); with several photos, a FOLDER for them",
    )
    a.add_argument("--csv", metavar="FILE", help="also write a table, one row per photo")
    a.add_argument("--force", action="store_true", help="overwrite output files that exist")
    a.add_argument(
        "-j",
        "--jobs",
        metavar="N",
        type=number(int, 1),
        default=None,
        help="worker processes for several photos (default: one per core)",
    )
    _add_parquet_options(a)
    add_save_options(a).add_argument(
        "--date",
        metavar="YYYY-MM-DD[THH:MM]",
        type=taken_at,
        help="when the photo was taken, stored instead of its EXIF date or the time of saving (photos sent "
        "through messaging apps lose their date); with several photos, for all of them",
    )
    a.set_defaults(func=cmd_analyze)


def _add_parquet_options(p: argparse.ArgumentParser) -> None:
    """``analyze --parquet``: a large run into a Parquet dataset (posture.engines, docs/scale.md)."""
    g = p.add_argument_group("large runs (docs/scale.md)")
    g.add_argument(
        "--parquet",
        metavar="OUT",
        help="write one row per photo, failures included, to the Parquet dataset OUT (a folder or URI); "
        "PHOTO may also be @LIST (a text file of sources, one a line) or a URI (s3://, gs://, file://)",
    )
    g.add_argument(
        "--engine",
        choices=("local", "ray"),
        default=None,
        help="with --parquet: worker processes on this machine (local, the default) or Ray (the 'ray' extra)",
    )
    g.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="with --engine ray: a running Ray cluster (auto, HOST:6379 or ray://HOST:10001); default: a local Ray for the run",
    )
    g.add_argument("--resume", action="store_true", help="with --parquet: add to OUT only the photos not already in it")


def cmd_analyze(args: argparse.Namespace) -> int:
    """``posture analyze``."""
    from posture.output import STDOUT

    if (
        args.name is not None or args.note is not None or args.db is not None or args.date is not None
    ) and not args.save:
        print("posture analyze: error: --name, --note, --db and --date need --save", file=sys.stderr)
        return EXIT_USAGE
    if args.parquet or args.engine or args.ray_address or args.resume:
        return _analyze_parquet(args)
    if args.csv == STDOUT and args.json:
        print("posture analyze: error: --csv - and --json both write to standard output; choose one", file=sys.stderr)
        return EXIT_USAGE
    args.stdout = sys.stdout
    if args.csv == STDOUT:  # the table alone goes to standard output, the rest to stderr
        with contextlib.redirect_stdout(sys.stderr):
            return _analyze(args)
    return _analyze(args)


def _analyze(args: argparse.Namespace) -> int:
    from posture.output import IMAGE_FORMATS, STDOUT, check_distinct, check_target, encode_image, write_atomic

    if len(args.inputs) > 1 or os.path.isdir(args.inputs[0]):
        return _analyze_batch(args, settings_from(args, mirrored=args.mirror))
    args.image = args.inputs[0]
    db = db_path(args)
    if args.output:
        check_target(
            args.output, force=args.force, inputs=[args.image], history=db, formats=IMAGE_FORMATS, kind="image"
        )
    if args.csv and args.csv != STDOUT:
        check_target(args.csv, force=args.force, inputs=[args.image], history=db)
    check_distinct([args.output, args.csv])
    if args.save:
        from posture.history import History

        History.open(args.db).close()  # a history that cannot be used is refused before measuring
    settings = settings_from(args, mirrored=args.mirror)
    from posture.analyze import Analyzer

    analyzer = Analyzer(settings)
    image = analyzer.load(args.image)  # a file that is no photo is refused before the model loads
    with analyzer:
        result = analyzer.analyze(image)
    if args.output:
        from posture.render import draw_overlay

        write_atomic(args.output, encode_image(draw_overlay(image.rgb, result), args.output), force=args.force)
    from posture.batch.outcome import outcome_of

    outcome = outcome_of(result, args.image, annotated=args.output)  # the output as in a batch's row
    if args.csv:
        from posture.batch.table import csv_text

        _write_table(args, csv_text([outcome], annotated=bool(args.output)))
    if args.json:
        print(json.dumps(outcome.to_dict(annotated=bool(args.output)), indent=2, ensure_ascii=False))
    else:
        from posture.wording import summary

        print(printable(summary(result), keep_newlines=True))
        if args.output:
            print(f"Annotated image: {printable(args.output)}")
    if args.save:
        _save(args, image, result)
    return {"measured": EXIT_OK, "no_person": EXIT_NO_PERSON}.get(result.status, EXIT_NOT_MEASURABLE)


def _write_table(args: argparse.Namespace, text: str) -> None:
    """The CSV table to ``--csv`` (``-``: standard output, which the other messages have left)."""
    from posture.output import STDOUT, write_atomic

    if args.csv == STDOUT:
        args.stdout.write(text)
        args.stdout.flush()
    else:
        write_atomic(args.csv, text.encode("utf-8"), force=args.force)


def _save(args: argparse.Namespace, image: "LoadedImage", result: "PostureMeasurement") -> None:
    from posture.history import History, thumbnail_jpeg

    # With --json, standard output carries only the JSON object.
    out = sys.stderr if args.json else sys.stdout
    if result.status != "measured":
        print("Not saved to the history: nothing was measured.", file=out)
        return
    with History.open(args.db) as h:
        new_id, created = h.save(
            result, name=args.name, note=args.note, thumbnail=thumbnail_jpeg(image.rgb), taken_at=args.date
        )
        if created:
            print(f"Saved to the history as #{new_id} ({printable(h.path)}).", file=out)
        else:
            e = h.get(new_id)
            print(
                f"Already in the history as #{new_id} (same photo, saved {e.saved_at}); not saved again. "
                f"To replace it: posture history delete {new_id}, then save again.",
                file=out,
            )


def _analyze_batch(args: argparse.Namespace, settings: "Settings") -> int:
    """``posture analyze`` with several photos or folders (see ``BATCH_HELP``)."""
    from pathlib import Path

    from posture.batch.discovery import find_images, plan_annotated
    from posture.batch.outcome import Tally
    from posture.batch.pool import analyze_many
    from posture.batch.table import csv_text
    from posture.errors import HistoryError, InputError, OutputError
    from posture.output import STDOUT, check_target, check_writable

    out = Path(args.output) if args.output else None
    if out is not None:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: is a file; with several photos, -o takes a folder")
        if not out.parent.is_dir():
            raise OutputError(f"{out}: folder {out.parent} does not exist")
        check_writable(out if out.is_dir() else out.parent, out)
        if out.is_dir() and any(os.path.isdir(i) and os.path.samefile(i, out) for i in args.inputs):
            raise OutputError(f"{out}: is a folder of photos to analyse; give -o another folder")
    found = find_images(args.inputs, exclude=[out] if out is not None else [])
    _note_skipped(found.skipped)
    paths = found.paths
    if not paths:
        raise InputError(f"no photos found in {', '.join(args.inputs)}")
    annotated = None
    db = db_path(args)
    if out is not None:
        annotated = plan_annotated(found, out)
        _check_annotated(annotated, paths, history=db, force=args.force, csv=args.csv)
    if args.csv and args.csv != STDOUT:
        check_target(args.csv, force=args.force, inputs=paths, history=db)
    if out is not None:
        try:
            out.mkdir(exist_ok=True)
        except OSError as e:
            raise OutputError(f"{out}: cannot create the folder ({e.strerror or e})") from None

    tally = Tally()
    done: list["Outcome"] = []
    saved = {"new": 0, "again": 0}
    with contextlib.ExitStack() as stack:
        history = None
        if args.save:
            from posture.history import History

            history = stack.enter_context(History.open(args.db))
        progress = stack.enter_context(_progress(len(paths)))
        outcomes = stack.enter_context(
            contextlib.closing(
                analyze_many(
                    paths,
                    settings,
                    jobs=args.jobs,
                    annotated=annotated,
                    force=args.force,
                    thumbnails=args.save,
                    log_level=logging.getLogger().getEffectiveLevel(),
                    on_done=progress,
                )
            )
        )
        try:
            printed = False
            for o in outcomes:
                done.append(o)  # first: a photo reported is in the table, however the batch ends
                tally.add(o)
                printed = _print_outcome(o, args, printed) or printed
                if history is not None and o.measurement is not None and o.status == "measured":
                    try:
                        created = _save_one(history, args, o)
                    except HistoryError as e:
                        print(f"posture: error: {e}; nothing more is saved", file=sys.stderr)
                        tally.add_code(e.exit_code)
                        history = None
                        continue
                    saved["new" if created else "again"] += 1
        finally:
            if args.csv and done:
                done.sort(key=lambda o: o.index)
                _write_table(args, csv_text(done, annotated=out is not None))
                if len(done) < len(paths):
                    print(
                        f"posture: wrote the {len(done)} photos done of {len(paths)} to {printable(args.csv)}",
                        file=sys.stderr,
                    )
    print(tally.summary(), file=sys.stderr)
    if args.save:
        print(f"History: {saved['new']} saved, {saved['again']} already there.", file=sys.stderr)
    if args.csv:
        print(f"Table: {printable(args.csv)}", file=sys.stderr)
    return tally.exit_code


def _analyze_parquet(args: argparse.Namespace) -> int:
    """``posture analyze SOURCES --parquet OUT [--engine ray]`` (see docs/scale.md)."""
    if not args.parquet:
        print("posture analyze: error: --engine, --ray-address and --resume need --parquet", file=sys.stderr)
        return EXIT_USAGE
    others = [
        flag
        for flag, used in (("--json", args.json), ("--csv", args.csv), ("-o", args.output), ("--save", args.save))
        if used
    ]
    if others or (args.ray_address and args.engine != "ray"):
        print(
            f"posture analyze: error: --parquet writes only the dataset: drop {', '.join(others) or '--ray-address (it needs --engine ray)'}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from posture.engines import ProgressLines, analyze_to_parquet
    from posture.errors import InputError
    from posture.parquet import ParquetDataset
    from posture.sources import expand_sources

    settings = settings_from(args, mirrored=args.mirror)
    if args.engine == "ray":  # without Ray, refused before the dataset's folder is made
        from posture.engines.ray import import_ray

        import_ray()
    dataset = ParquetDataset.open(args.parquet, resume=args.resume)
    found = expand_sources(args.inputs, exclude=[args.parquet])
    _note_skipped(found.skipped)
    if not found.paths:
        raise InputError(f"no photos found in {', '.join(args.inputs)}")
    todo = sum(p not in dataset.done for p in found.paths)
    if len(found.paths) > todo:
        print(f"posture: {len(found.paths) - todo:,} photos already in {args.parquet}: skipped", file=sys.stderr)
    tally = analyze_to_parquet(
        found.paths,
        dataset,
        settings,
        engine=args.engine or "local",
        jobs=args.jobs,
        ray_address=args.ray_address,
        on_record=ProgressLines.for_total(todo),
        log_level=logging.getLogger().getEffectiveLevel(),
    )
    print(tally.summary(), file=sys.stderr)
    print(f"Parquet: {args.parquet}", file=sys.stderr)
    return tally.exit_code


MAX_SKIP_NOTES = 20
"""At most this many skipped files are named on stderr; the rest are counted."""


def _note_skipped(skipped: Sequence[tuple[str, str]]) -> None:
    for path, reason in skipped[:MAX_SKIP_NOTES]:
        print(f"posture: skipped {printable(path)}: {reason}", file=sys.stderr)
    if len(skipped) > MAX_SKIP_NOTES:
        print(f"posture: skipped {len(skipped) - MAX_SKIP_NOTES} more files", file=sys.stderr)


def _check_annotated(
    planned: Sequence[str], inputs: Sequence[str], *, history: str | None, force: bool, csv: str | None
) -> None:
    """Refuse annotated images that would replace an input (a photo, the history), the
    table, something that is not a regular file, or (without ``force``) existing files."""
    from pathlib import Path

    from posture.errors import OutputError
    from posture.output import identity

    sources = {identity(p) for p in inputs} - {None}
    table = identity(csv) if csv else None
    base = identity(history) if history else None
    for target in planned:
        ident = identity(target)
        if ident is not None and ident == base:
            raise OutputError(f"{target}: is the history database; refusing to overwrite it")
        if ident is not None and ident in sources:
            raise OutputError(f"{target}: refusing to overwrite an input file")
        if ident is not None and ident == table:
            raise OutputError(f"{csv}: the same file as an annotated image; give --csv another name")
    existing = [t for t in planned if Path(t).exists()]
    for target in existing:
        if not os.path.isfile(target):
            raise OutputError(f"{target}: is not a regular file; give -o another folder")
    if existing and not force:
        more = f" and {len(existing) - 1} more annotated images" if len(existing) > 1 else ""
        verb = "exist" if len(existing) > 1 else "exists"
        raise OutputError(f"{existing[0]}{more} already {verb}; use --force to overwrite, or another folder")


def _print_outcome(o: "Outcome", args: argparse.Namespace, after_another: bool) -> bool:
    """Print one photo's outcome; returns whether something went to stdout."""
    if o.measurement is None:
        print(f"posture: error: {printable(o.error)}", file=sys.stderr)
    if args.json:
        print(json.dumps(o.to_dict(annotated=bool(args.output)), ensure_ascii=False), flush=True)
        return True
    if o.measurement is None:
        return False
    from posture.wording import summary

    if after_another:
        print()
    print(printable(summary(o.measurement), keep_newlines=True))
    if o.annotated:
        print(f"Annotated image: {printable(o.annotated)}")
    sys.stdout.flush()
    return True


def _save_one(history: "History", args: argparse.Namespace, o: "Outcome") -> bool:
    assert o.measurement is not None
    new_id, created = history.save(
        o.measurement, name=args.name, note=args.note, thumbnail=o.thumbnail, taken_at=args.date
    )
    if not args.json:
        if created:
            print(f"Saved to the history as #{new_id}.")
        else:
            print(f"Already in the history as #{new_id}; not saved again.")
    return created


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[["Outcome"], None] | None]:
    """A progress bar on stderr when it is a terminal; yields the per-photo callback (or None)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    # Only a terminal stdout is passed through rich (so lines appear above the bar);
    # a redirected stdout is left alone and stays pure.
    with Progress(
        TextColumn("Analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=True,
    ) as bar:
        task = bar.add_task("photos", total=total)
        yield lambda _outcome: bar.advance(task)
