"""posture.cli.common: every measuring command builds its Settings in one place, over Settings' defaults."""

from __future__ import annotations

import argparse
import re
from dataclasses import fields
from typing import Iterator

import pytest

from posture.cli import build_parser
from posture.cli.common import SETTINGS_OPTIONS, number, settings_from
from posture.images import DEFAULT_MAX_PIXELS
from posture.settings import Settings

COMMANDS = [["analyze", "a.jpg"], ["compare", "a.jpg", "b.jpg"], ["live"], ["app"]]


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
def test_no_option_gives_the_settings_defaults(argv):
    assert settings_from(parse(*argv)) == Settings()


@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            ["analyze", "a.jpg", "--model", "m.task", "--min-visibility", "0.7", "--fast", "--height-cm", "170"],
            Settings(model="m.task", min_score=0.7, fast=True, height_cm=170.0),
        ),
        (
            ["analyze", "a.jpg", "--person", "1", "--max-pixels", "99", "--markers", "--marker-color", "pink"],
            Settings(person=1, max_pixels=99, markers=True, marker_color="pink"),
        ),
        (["analyze", "a.jpg", "--level", "auto"], Settings(auto_level=True)),
        (["compare", "a.jpg", "b.jpg", "--level", "-2.5"], Settings(roll_deg=-2.5)),
        (["live", "--level", "3", "--min-visibility", "0.3"], Settings(roll_deg=3.0, min_score=0.3)),
        (["app", "--model", "m.task", "--min-visibility", "0.8"], Settings(model="m.task", min_score=0.8)),
    ],
)
def test_options_set_their_fields(argv, expected):
    assert settings_from(parse(*argv)) == expected


def test_given_values_win_and_every_option_names_a_field():
    assert settings_from(parse("analyze", "a.jpg", "--fast"), mirrored=True) == Settings(fast=True, mirrored=True)
    assert set(SETTINGS_OPTIONS) <= {f.name for f in fields(Settings)}


def test_the_help_states_the_settings_defaults(capsys):
    # The help's words are written out (no import of the library for --help): they must say what Settings does.
    with pytest.raises(SystemExit):
        parse("analyze", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert f"lowest landmark visibility to rely on (default {Settings().min_score:g})" in text
    assert f"refuse larger images (default {DEFAULT_MAX_PIXELS // 1_000_000} million)" in text
    assert Settings().max_pixels == DEFAULT_MAX_PIXELS and DEFAULT_MAX_PIXELS % 1_000_000 == 0
    assert f"{Settings().marker_color} (default" in text
    assert Settings().person == 0 and "(0: the largest)" in text


@pytest.mark.parametrize(
    ("bounds", "text", "message"),
    [
        ((int, 0), "-1", "-1 is below 0"),  # --person -1 said "outside 0..None"
        ((float, 0.1), "0", "0 is below 0.1"),
        ((float, None, 5), "6", "6 is above 5"),
        ((float, 0, 1), "1.5", "1.5 is outside 0..1"),
        ((int, 1, 65535), "70000", "70000 is outside 1..65535"),
    ],
)
def test_a_number_out_of_range_names_only_its_bounds(bounds, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as e:
        number(*bounds)(text)
    assert str(e.value) == message


@pytest.mark.parametrize(("bounds", "text"), [((int, 0), "0"), ((float, None, 5), "5"), ((float, 0, 1), "1")])
def test_a_number_on_its_bound_is_taken(bounds, text):
    assert number(*bounds)(text) == float(text)


def _commands(parser: argparse.ArgumentParser, path: str = "posture") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command that runs (``posture analyze``, ``posture history list``, ...), with its parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _commands(child, f"{path} {name}")


@pytest.mark.parametrize(("command", "parser"), [pytest.param(c, p, id=c) for c, p in _commands(build_parser())])
def test_a_command_help_names_only_its_own_options(command, parser):
    # live's history options once said "--person chooses which person in the photo": live has no --person
    own = {o for a in parser._actions for o in a.option_strings}
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", parser.format_help()))
    assert named - own == set(), command
