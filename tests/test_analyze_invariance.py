"""The same photo at another size, compression, orientation or framing reads the same
(posture.analyze.Analyzer on the files of tests/invariance_support.py, read back as a user's file;
benchmarks/invariance.py measures it on every usable photo).

The headline tilts of the two files differ by no more than their combined uncertainty
sqrt(u1^2 + u2^2), and the status, the view and the number of people found stay the same.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import photo, protocol
from invariance_support import TRANSFORMS

from posture import augment
from posture.images import load_image, load_image_bytes
from posture.result import PostureMeasurement

TILTS = ("shoulder_tilt_deg", "pelvic_tilt_deg")
PHOTOS = ("phone", "t-pose")


@pytest.fixture(scope="module")
def originals(augmented_analyzer):
    paths = {
        "phone": protocol("images/front_apose__ankesh007_final2.jpg"),  # stored sideways, an EXIF rotation
        "t-pose": photo("back_full__pose2sim_static_cam02_f005.jpg"),  # a portrait photo, arms held out
    }
    return {k: (im, augmented_analyzer.analyze(im)) for k, im in ((k, load_image(p)) for k, p in paths.items())}


@pytest.fixture(scope="module")
def transformed(augmented_analyzer, originals):
    """The measurement of a photo written as another file, each read once."""
    done: dict[tuple[str, str], PostureMeasurement] = {}

    def read(which: str, transform: str) -> PostureMeasurement:
        if (which, transform) not in done:
            image = originals[which][0]
            data = TRANSFORMS[transform](image.rgb)
            done[which, transform] = augmented_analyzer.analyze(load_image_bytes(data, f"{which} ({transform})"))
        return done[which, transform]

    return read


CASES = [(w, t) for w in PHOTOS for t in ("scale 0.5", "scale 2", "jpeg 70", "pad edge", "pad flat")]


@pytest.mark.parametrize(("which", "transform"), CASES)
def test_the_photo_as_another_file_reads_within_the_combined_uncertainty(
    originals, transformed, which, transform
) -> None:
    ref, m = originals[which][1], transformed(which, transform)
    assert (m.status, m.subject.view) == (ref.status, ref.subject.view)
    assert m.method.passes > len(augment.VARIANTS) // 2 < ref.method.passes  # found in most variants, as there
    for t in TILTS:
        a, b = m.metrics[t], ref.metrics[t]
        assert abs(a.value - b.value) <= math.hypot(a.uncertainty, b.uncertainty), (t, a.value, b.value)


PADDED_T_POSE = pytest.mark.xfail(
    strict=True,
    reason="the model gives a second, partial skeleton over the legs of the person padded small; "
    "its box lies inside theirs, as a child's in front of a parent would",
)


@pytest.mark.parametrize(
    ("which", "transform"),
    [pytest.param(w, t, marks=PADDED_T_POSE) if (w, t[:3]) == ("t-pose", "pad") else (w, t) for w, t in CASES],
)
def test_the_photo_as_another_file_finds_as_many_people(originals, transformed, which, transform) -> None:
    assert transformed(which, transform).subject.people_detected == originals[which][1].subject.people_detected


@pytest.mark.parametrize("transform", ["exif", "rgba"])
def test_an_exif_rotated_or_rgba_file_reads_as_the_upright_pixels(augmented_analyzer, originals, transform) -> None:
    image, ref = originals["phone"]
    other = load_image_bytes(TRANSFORMS[transform](image.rgb), transform)
    np.testing.assert_array_equal(other.rgb, image.rgb)
    assert other.exif_rotated is (transform == "exif")
    m = augmented_analyzer.analyze(other)
    assert m.metrics == ref.metrics and m.landmarks == ref.landmarks
