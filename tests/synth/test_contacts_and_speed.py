"""expect.toml [[contact]] tables (strict and generic: they label real footage too), the
contacts a scene produces, and replay --speed."""

from __future__ import annotations

import re
import tomllib

import numpy as np
import pytest

from rearguard.cli import main
from rearguard.drive.replay import time_scaled
from rearguard.messages import RangeReading
from rearguard.session import Session, SessionError
from rearguard.session.expect import Contact, parse_expectations
from rearguard.synth import load_scene
from rearguard.synth.truth import contacts, expectations

BASE = """
[scenario]
description = "labels"
contact_t = 3.9

[[expect]]
kind = "alert"
level = "WARNING"
from = 0.0
to = 1.9
"""

CONTACT = """
[[contact]]
id = 4
label = "bicycle"
t = 3.9
in_path = true
"""


def parse(text: str):
    return parse_expectations(tomllib.loads(text), "labels.toml")


def test_contacts_are_read():
    expect = parse(BASE + CONTACT + CONTACT.replace("4", "5").replace("true", "false"))
    assert expect.contacts == (Contact(4, "bicycle", 3.9, True), Contact(5, "bicycle", 3.9, False))
    assert parse(BASE).contacts == ()


@pytest.mark.parametrize(("change", "key"), [
    (("in_path = true", "in_path = 1"), "contact[0].in_path"),
    (("t = 3.9", "t = -1.0"), "contact[0].t"),
    (("id = 4", 'id = "four"'), "contact[0].id"),
    (('label = "bicycle"', 'label = ""'), "contact[0].label"),
    (("in_path = true", "in_path = true\nspeed = 3"), "contact[0].speed"),
    (('label = "bicycle"\n', ""), "contact[0].label"),
])
def test_bad_contacts_name_the_key(change, key):
    with pytest.raises(SessionError, match=re.escape(f"labels.toml: {key}")):
        parse(BASE + CONTACT.replace(*change))


def test_one_contact_per_id():
    with pytest.raises(SessionError, match="one contact per id"):
        parse(BASE + CONTACT + CONTACT)


def test_scene_contacts_and_alert_windows_come_from_the_physics():
    scene = load_scene("two-cyclists")
    found = contacts(scene, [0.6, 0.6])
    # In the path: 40 m - 1 m closed at 7 + 3 m/s. Beside: 30 m - 1 m at 6 + 3 m/s.
    assert found == [Contact(1, "bicycle", 3.9, True),
                     Contact(2, "bicycle", round(29 / 9, 3), False)]
    expect = expectations(scene, found)
    assert expect["scenario"]["contact_t"] == 3.9
    # A WARNING at least 2.1 s before contact (the evaluate target).
    assert expect["expect"] == [{"kind": "alert", "level": "WARNING", "from": 0.0, "to": 1.8}]


def test_a_pole_must_be_warned_of_once_the_rangefinder_can_hear_it():
    scene = load_scene("pole-in-path")
    found = contacts(scene, [0.12])
    assert found == [Contact(1, "pole", round(19 / 3, 3), True)]
    window = expectations(scene, found)["expect"][0]
    assert window["from"] == pytest.approx(16 / 3, abs=0.002)  # 4 m away
    assert window["to"] == found[0].t


def test_nothing_in_the_path_means_no_warning_at_all():
    scene = load_scene("cyclist-passing")
    found = contacts(scene, [0.6])
    assert [c.in_path for c in found] == [False]
    expect = expectations(scene, found)
    assert "contact_t" not in expect["scenario"]
    assert expect["expect"] == [{"kind": "quiet", "level": "WARNING", "from": 0.0, "to": 5.0}]


def test_time_scaled_divides_every_time():
    session = Session(path=None, meta={}, video=None, frame_times=np.array([0.0, 0.1, 0.2]),
                      frame_spans=None, sensors=[RangeReading(0.3, "rear", 2.0)])
    fast = time_scaled(session, 3.0)
    assert np.allclose(fast.frame_times, [0.0, 0.1 / 3, 0.2 / 3])
    (reading,) = fast.sensors
    assert reading.t == pytest.approx(0.1) and reading.distance_m == 2.0  # distances stay
    assert session.frame_times[1] == 0.1  # the original is untouched
    assert time_scaled(session, 1.0) is session


@pytest.mark.parametrize("value", ["0", "-2", "fast", "100"])
def test_replay_speed_must_be_a_sane_factor(value, capsys):
    with pytest.raises(SystemExit) as e:
        main(["replay", "x", "--speed", value])
    assert e.value.code == 2
    assert "--speed" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["replay", "demo"])
@pytest.mark.parametrize("value", ["500", "5", "wide"])
def test_a_field_of_view_out_of_range_names_the_option(command, value, capsys):
    """--hfov is checked where it is given: the error names the option, not a meta.toml the
    clip does not have."""
    with pytest.raises(SystemExit) as e:
        main([command, *(["x"] if command == "replay" else []), "--hfov", value])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--hfov" in err and "meta.toml" not in err
