"""`rearguard evaluate` on bad labels: one line naming the file and the problem, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from rearguard.cli import main

META = 'format = "rearguard-session/1"\n[video]\npath = "{video}"\nfps = 10.0\n'


def labelled(tmp_path: Path, labels: str, video: str = "assets:footage/ee596_video6.mp4"):
    folder = tmp_path / "labels" / "clip"
    folder.mkdir(parents=True)
    (folder / "meta.toml").write_text(META.format(video=video))
    (folder / "labels.toml").write_text(labels)
    return folder.parent


def run(capsys, *args) -> tuple[int, str]:
    code = main(["evaluate", *map(str, args), "--no-cache"])
    return code, capsys.readouterr().err.strip().splitlines()[-1]


def refused(capsys, tmp_path: Path, labels: str) -> str:
    """The one line ``evaluate`` stops with (exit 2) on these labels."""
    code, line = run(capsys, labelled(tmp_path, labels))
    assert code == 2
    return line


def test_an_unknown_key_names_the_file_and_the_key(tmp_path, capsys, assets):
    root = labelled(tmp_path, '[clip]\nview = "low"\n[[quiet]]\nfrom = 0.0\ntill = 2.0\n')
    code, line = run(capsys, root)
    assert code == 2
    assert "labels.toml" in line and "quiet[0].till: unknown key" in line


def test_a_wrong_type_and_a_bad_view_are_named(tmp_path, capsys, assets):
    line = refused(capsys, tmp_path, '[clip]\nview = "overhead"\n')
    assert "clip.view: expected one of low, elevated" in line
    line = refused(capsys, tmp_path / "b", '[clip]\nview = "low"\n[[approach]]\n'
                   'label = "person"\nin_path = "yes"\nclosing_from = 0.0\ncontact_t = 2.0\n')
    assert "approach[0].in_path: expected bool" in line


def test_a_clip_that_does_not_exist_is_named(tmp_path, capsys, assets):
    root = labelled(tmp_path, '[clip]\nview = "low"\n[[quiet]]\nfrom = 0.0\nto = 2.0\n',
                    video="assets:footage/no_such_clip.mp4")
    code, line = run(capsys, root)
    assert code == 2 and "no_such_clip.mp4" in line


def test_a_short_labelled_clip_is_judged_and_written_as_json(tmp_path, capsys, assets):
    root = labelled(tmp_path, '[clip]\nview = "elevated"\n[[approach]]\nlabel = "person"\n'
                              'in_path = true\nclosing_from = 0.0\ncontact_t = 2.85\n')
    out = tmp_path / "ev.json"
    assert main(["evaluate", str(root), "--profile", "pi5", "--json", str(out),
                 "--no-cache"]) == 0
    result = json.loads(out.read_text())
    (episode,) = result["episodes"]
    assert {"clip", "profile", "lead_s", "danger_by_contact", "held",
            "level_changes"} <= set(episode)
    assert episode["clip"] == "clip" and episode["profile"] == "pi5"
    assert set(result["quiet"]) >= {"false_warnings_per_10min", "false_dangers_per_10min"}


def test_a_crossing_needs_a_distance_and_an_order(tmp_path, capsys, assets):
    line = refused(capsys, tmp_path, '[clip]\nview = "low"\n[[crossing]]\nfrom = 1.0\nto = 2.0\n')
    assert "crossing[0].distance_m: missing" in line
    line = refused(capsys, tmp_path / "b", '[clip]\nview = "low"\n[[crossing]]\nfrom = 2.0\n'
                   'to = 1.0\ndistance_m = 1.5\n')
    assert "crossing[1].to" not in line and "crossing[0].to: expected a time" in line


def test_scenes_only_judges_the_scenes_and_nothing_else(tmp_path, capsys):
    from argparse import Namespace

    from rearguard.cli.evaluate import _folders

    scene = tmp_path / "scenes" / "jogger"
    scene.mkdir(parents=True)
    (scene / "truth.jsonl").write_text("")
    (scene / "expect.toml").write_text("")
    args = Namespace(labels=[], scenes=[tmp_path / "scenes"], scenes_only=True)
    assert _folders(args) == [scene]
    code, line = run(capsys, "--scenes-only")
    assert code == 2 and line == "rearguard: error: --scenes-only takes --scenes and no " \
                                 "folders of labelled clips"
