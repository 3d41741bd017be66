"""posture.batch.discovery: finding photos in files and folders, naming annotated images."""

from __future__ import annotations

import os

from batch_support import touch

from posture.batch.discovery import find_images, plan_annotated


def test_folders_are_searched_recursively_in_name_order(tmp_path):
    root = tmp_path / "photos"
    for name in ("b.JPG", "a.png", "sub/c.jpeg", "sub/deeper/d.webp", "z.tiff", "notes.txt", "sub/e.pdf"):
        touch(root / name)
    touch(root / ".hidden.jpg")
    touch(root / ".thumbs" / "x.jpg")
    found = find_images([root])
    rel = [os.path.relpath(p, root) for p in found.paths]
    assert rel == ["a.png", "b.JPG", "z.tiff", os.path.join("sub", "c.jpeg"), os.path.join("sub", "deeper", "d.webp")]
    assert all(r == str(root) for _, r in found.photos)
    skipped = {os.path.relpath(p, root): why for p, why in found.skipped}
    assert set(skipped) == {"notes.txt", os.path.join("sub", "e.pdf")}  # hidden ones silently
    assert all("not an image" in why for why in skipped.values())


def test_named_files_are_kept_whatever_their_name_missing_ones_too(tmp_path):
    txt = touch(tmp_path / "notes.txt")
    jpg = touch(tmp_path / "a.jpg")
    missing = tmp_path / "missing.jpg"
    found = find_images([txt, missing, jpg])
    assert found.paths == [str(txt), str(missing), str(jpg)]
    assert all(root is None for _, root in found.photos)
    assert found.skipped == ()


def test_a_photo_reached_twice_is_analysed_once(tmp_path):
    a = touch(tmp_path / "in" / "a.jpg")
    os.symlink(a, tmp_path / "in" / "link.jpg")
    found = find_images([a, tmp_path / "in", a])
    assert found.paths == [str(a)]


def test_the_output_folder_is_not_searched(tmp_path):
    touch(tmp_path / "a.jpg")
    touch(tmp_path / "out" / "a_annotated.jpg")
    found = find_images([tmp_path], exclude=[tmp_path / "out"])
    assert found.paths == [str(tmp_path / "a.jpg")]
    assert [why for _, why in found.skipped] == ["the output folder"]


def test_annotated_names_keep_sub_folders_and_never_collide(tmp_path):
    root = tmp_path / "photos"
    for name in ("front.jpg", "front.png", "sub/front.jpg"):
        touch(root / name)
    other = touch(tmp_path / "elsewhere" / "front.jpg")
    found = find_images([root, other])
    out = tmp_path / "out"
    planned = [os.path.relpath(p, out) for p in plan_annotated(found, out)]
    assert planned == [
        "front_annotated.jpg",
        "front_annotated_2.jpg",
        os.path.join("sub", "front_annotated.jpg"),
        "front_annotated_3.jpg",
    ]
