"""The camera's pitch from the people it sees (core/horizon.py, `rearguard mounting`)."""

from __future__ import annotations

import json
import math

import pytest

from rearguard.cli import main
from rearguard.core.geometry import lens_intrinsics
from rearguard.core.horizon import PitchFromPeople

K = lens_intrinsics("cm3-normal").scaled_to(1280, 720)


def person_box(distance_m: float, pitch_deg: float, camera_m: float = 1.1,
               height_m: float = 1.7, x: float = 600.0) -> tuple[float, float, float, float]:
    """A standing person's box, seen by a pinhole looking down by ``pitch_deg``."""
    def row(up_m: float) -> float:
        below = math.atan2(camera_m - up_m, distance_m) - math.radians(pitch_deg)
        return K.cy + K.fy * math.tan(below)
    top, bottom = row(height_m), row(0.0)
    return (x, top, x + 0.3 * (bottom - top), bottom)


@pytest.mark.parametrize("pitch_deg", [-2.0, 5.0, 9.0])
def test_standing_people_give_the_pitch_and_a_sitting_one_is_left_out(pitch_deg):
    people = PitchFromPeople(camera_height_m=1.1)
    for track, distance in enumerate((6.0, 8.0, 11.0, 16.0)):
        for step in range(5):  # each walks a little: one track, several boxes
            assert people.add(track, person_box(distance - 0.2 * step, pitch_deg), K)
    # Seated: his box is half a person's, so he reads twice as far and off the others.
    people.add(9, person_box(5.0, pitch_deg, height_m=0.85), K)
    reading = people.reading()
    assert reading.pitch_deg == pytest.approx(pitch_deg, abs=0.5)
    assert reading.people == 4 and reading.left_out == 1
    assert 0 < reading.sigma_deg < 1.0


def test_a_wall_camera_looking_down_on_people_reads_its_pitch():
    # 2.5 m up, 30 degrees down, people 3-4 m away: foreshortened, and their height alone
    # (fy 1.7 / h, then the feet's angle) read the pitch 5 degrees low (25.1).
    people = PitchFromPeople(camera_height_m=2.5)
    for track, distance in enumerate((3.0, 3.5, 4.0)):
        assert people.add(track, person_box(distance, 30.0, camera_m=2.5), K)
    assert people.reading().pitch_deg == pytest.approx(30.0, abs=0.01)


def test_a_box_cut_by_the_frame_or_too_small_says_nothing():
    people = PitchFromPeople(camera_height_m=1.1)
    assert not people.add(1, (600.0, 300.0, 640.0, 718.0), K)  # feet below the frame
    assert not people.add(1, (600.0, 2.0, 640.0, 300.0), K)  # head above it
    assert not people.add(1, (600.0, 300.0, 605.0, 315.0), K)  # 15 px: too coarse
    assert people.reading() is None


def test_mounting_reads_the_pitch_of_a_recording(assets, capsys):
    """The clip of two women walking at a chest-height camera: its labelled mounting says
    level (a guess); the people in it say how far the phone looked down."""
    assert main(["mounting", "tests/scenarios/approach_two_women", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["configured_pitch_deg"] == 0.0 and out["camera_height_m"] == 1.4
    assert out["people"] >= 5 and -10.0 < out["pitch_deg"] < 20.0
    assert 0 < out["sigma_deg"] < 2.0
