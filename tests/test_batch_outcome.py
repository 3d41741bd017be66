"""posture.batch.outcome: a photo's outcome, its JSON, and the batch's tally and exit code."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from history_support import sample_measurement

from posture.batch.outcome import Outcome, Tally, Task, analyze_one, crashed
from posture.errors import (
    EXIT_BAD_INPUT,
    EXIT_HISTORY,
    EXIT_INTERNAL,
    EXIT_NO_PERSON,
    EXIT_NOT_MEASURABLE,
    EXIT_OK,
    EXIT_OUTPUT,
    HistoryError,
    InputError,
)


def test_exit_code_is_the_most_severe_per_photo_code():
    def tally(*codes: int) -> Tally:
        t = Tally()
        for c in codes:
            t.add(Outcome(0, "p", error=None if c == 0 else "x", exit_code=c))
        return t

    assert tally().exit_code == 0
    assert tally(0, 0).exit_code == 0
    assert tally(0, 4).exit_code == 4
    assert tally(4, 5, 0).exit_code == 5
    assert tally(5, 3, 4).exit_code == 3
    assert tally(3, 6).exit_code == 6
    assert tally(6, 1, 3).exit_code == 1
    t = tally(0, 4)
    t.add_code(7)
    assert t.exit_code == 7


def test_error_outcome_json_and_summary():
    o = Outcome(3, "x.jpg", error="x.jpg: not an image", exit_code=3)
    assert o.status == "error"
    assert o.to_dict() == {
        "source": {"path": "x.jpg"},
        "status": "error",
        "error": "x.jpg: not an image",
        "exit_code": 3,
    }
    t = Tally()
    t.add(o)
    assert t.summary() == "1 photo: 0 measured, 0 no person, 0 not measurable, 1 failed"


def test_json_names_the_annotated_image_only_when_the_run_writes_them():
    written = Outcome(
        0, "a/front.jpg", error="a/front.jpg: cannot save", exit_code=6, annotated="out/front_annotated.jpg"
    )
    unread = Outcome(1, "b/front.jpg", error="b/front.jpg: not an image", exit_code=3)
    assert written.to_dict(annotated=True)["annotated_path"] == "out/front_annotated.jpg"
    assert unread.to_dict(annotated=True)["annotated_path"] is None  # asked for, none written
    assert "annotated_path" not in unread.to_dict()  # no annotated images: the object as before
    assert {k: v for k, v in written.to_dict(annotated=True).items() if k != "annotated_path"} == written.to_dict()


class _Analyzer:
    """Stands in for an open analyser: what each photo gives is set by its name (the errors' mapping
    to exit codes is what is tested here; the analysis itself is tested on real photos elsewhere)."""

    def load(self, path: str) -> SimpleNamespace:
        if path.startswith("bad"):
            raise InputError(f"{path}: not an image\n(detail)")
        return SimpleNamespace(path=path, rgb=np.zeros((8, 8, 3), np.uint8))

    def analyze(self, image: SimpleNamespace) -> object:
        name = image.path.split(".")[0]
        if name == "boom":
            raise RuntimeError("boom\nsecond line")
        if name == "locked":
            raise HistoryError("locked.jpg: the history is locked")
        return sample_measurement(status=name)


@pytest.mark.parametrize(
    ("path", "status", "exit_code", "error"),
    [
        ("measured.jpg", "measured", EXIT_OK, None),
        ("no_person.jpg", "no_person", EXIT_NO_PERSON, None),
        ("not_measurable.jpg", "not_measurable", EXIT_NOT_MEASURABLE, None),
        ("bad.jpg", "error", EXIT_BAD_INPUT, "bad.jpg: not an image"),
        ("locked.jpg", "error", EXIT_HISTORY, "locked.jpg: the history is locked"),
        ("boom.jpg", "error", EXIT_INTERNAL, "unexpected error: RuntimeError: boom"),
    ],
)
def test_each_photos_outcome_has_the_exit_code_analyze_would_give(path, status, exit_code, error):
    o = analyze_one(_Analyzer(), Task(3, path))
    assert (o.index, o.path, o.status, o.exit_code, o.error) == (3, path, status, exit_code, error)
    assert o.seconds >= 0
    t = Tally()
    t.add(o)
    assert t.exit_code == exit_code


def test_an_annotated_image_that_cannot_be_written_is_an_output_error(tmp_path):
    (tmp_path / "file").write_text("x")  # the annotated image's folder would have to be this file
    o = analyze_one(_Analyzer(), Task(0, "measured.jpg", annotated=str(tmp_path / "file" / "a.jpg")))
    assert o.status == "error" and o.exit_code == EXIT_OUTPUT and o.annotated is None
    assert o.error is not None and o.error.startswith("measured.jpg: ")


def test_a_photo_that_crashed_its_worker_twice_is_an_internal_error():
    o = crashed(Task(5, "heavy.jpg"))
    assert (o.index, o.status, o.exit_code) == (5, "error", EXIT_INTERNAL)
    assert o.error == "heavy.jpg: the analysis process crashed on this photo (out of memory?)"
