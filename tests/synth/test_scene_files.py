"""Bad scene files stop `rearguard synth` with one line naming the file and the key, exit 2."""

from __future__ import annotations

from pathlib import Path

from rearguard.cli import main
from rearguard.synth import catalogue, load_scene

GOOD = """
[scene]
description = "a jogger"
duration_s = 1.0

[runner]
speed_mps = 3.0

[[object]]
cutout = "person"
distance_m = 20.0
path = "toward"
speed_mps = 4.0
"""

CATALOGUE = ["car-in-path", "crosser", "cyclist-in-path", "cyclist-passing", "dog-in-path",
             "dusk", "hard-bounce", "jogger-in-path", "parked-car-beside", "pole-in-path",
             "two-cyclists", "walker-overtaken", "wall-ahead"]


def synth_error(tmp_path: Path, text: str, capsys) -> str:
    scene = tmp_path / "bad.toml"
    scene.write_text(text)
    code = main(["synth", str(scene), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err  # one line
    assert str(scene) in err
    assert not (tmp_path / "out").exists()
    return err


def test_the_catalogue_has_the_named_scenes_and_they_all_load():
    assert set(CATALOGUE) <= set(catalogue())
    for name in catalogue():
        scene = load_scene(name)
        assert scene.objects and scene.description


def test_a_good_scene_loads(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(GOOD)
    scene = load_scene(str(path))
    assert scene.objects[0].height_m == 1.75  # the cut-out's typical height
    assert scene.objects[0].speed_profile == ((0.0, 4.0),)


def test_unknown_key(tmp_path, capsys):
    err = synth_error(tmp_path, GOOD.replace("speed_mps = 4.0", "speed_mps = 4.0\nsped = 1"),
                      capsys)
    assert "object[0].sped: unknown key" in err


def test_unknown_key_in_a_table(tmp_path, capsys):
    err = synth_error(tmp_path, GOOD.replace("speed_mps = 3.0", "speed_mph = 3.0"), capsys)
    assert "runner.speed_mph: unknown key" in err


def test_missing_image(tmp_path, capsys):
    text = GOOD.replace('cutout = "person"',
                        'image = "no-such-photo.jpg"\nbox = [0, 0, 10, 20]\nlabel = "person"')
    err = synth_error(tmp_path, text, capsys)
    assert "object[0].image:" in err and "no-such-photo.jpg not found" in err


def test_object_behind_the_camera(tmp_path, capsys):
    err = synth_error(tmp_path, GOOD.replace("distance_m = 20.0", "distance_m = -3.0"), capsys)
    assert "object[0].distance_m:" in err and "behind" in err


def test_negative_speed(tmp_path, capsys):
    err = synth_error(tmp_path, GOOD.replace("speed_mps = 4.0", "speed_mps = -4.0"), capsys)
    assert "object[0].speed_mps:" in err and ">= 0" in err


def test_negative_runner_speed(tmp_path, capsys):
    err = synth_error(tmp_path, GOOD.replace("speed_mps = 3.0", "speed_mps = -3.0"), capsys)
    assert "runner.speed_mps:" in err


def test_negative_speed_in_a_profile(tmp_path, capsys):
    text = GOOD.replace("speed_mps = 4.0", "speed_profile = [[0, 4.0], [1, -1.0]]")
    err = synth_error(tmp_path, text, capsys)
    assert "object[0].speed_profile:" in err


def test_unknown_cutout(tmp_path, capsys):
    err = synth_error(tmp_path, GOOD.replace('"person"', '"unicorn"'), capsys)
    assert "object[0].cutout:" in err and "unicorn" in err


def test_unknown_scene_name(capsys):
    assert main(["synth", "no-such-scene", "--out", "x"]) == 2
    assert "no-such-scene" in capsys.readouterr().err


def test_list_names_the_catalogue(capsys):
    assert main(["synth", "--list"]) == 0
    out = capsys.readouterr().out
    for name in CATALOGUE:
        assert name in out


def test_a_bad_extra_alert_window(tmp_path, capsys):
    text = GOOD + '\n[[expect]]\nkind = "alert"\nlevel = "LOUD"\nfrom = 0.0\nto = 1.0\n'
    err = synth_error(tmp_path, text, capsys)
    assert "expect[0].level" in err


def test_synth_needs_a_scene_and_an_out_folder(capsys):
    assert main(["synth", "cyclist-in-path"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["synth", "cyclist-in-path", "--out", "x", "--seed", "-1"]) == 2
    assert "--seed" in capsys.readouterr().err
