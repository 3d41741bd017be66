"""posture.errors: an error's message kept to one line for the user."""

from __future__ import annotations

import pytest

from posture.errors import InputError, first_line


@pytest.mark.parametrize(
    "error, expected",
    [
        (ValueError("cannot identify image file"), "cannot identify image file"),
        (OSError("broken data stream\nwhen reading image file"), "broken data stream"),
        (RuntimeError("\n\n  INVALID_ARGUMENT:   bad   bundle \n  at line 3"), "INVALID_ARGUMENT: bad bundle"),
        (ValueError(""), "ValueError"),
        (InputError("  \n \t"), "InputError"),
        (KeyError("left_hip"), "'left_hip'"),
        ("unexpected error: OSError: disk full\nTraceback ...", "unexpected error: OSError: disk full"),
        ("", ""),
        (" \n ", ""),
    ],
)
def test_first_line_keeps_the_first_line_with_text(error, expected):
    assert first_line(error) == expected
    assert "\n" not in first_line(error)
