"""Replay of what a crash or a dying phone leaves: no frames at all, a video cut short."""

from __future__ import annotations

import cv2
import numpy as np

from rearguard.cli import main
from rearguard.session import SessionWriter, open_session
from rearguard.session.format import FRAMES, FRAMES_HEADER, META

SESSION_META = {"device": {"firmware": "test", "board": "pi4"},
                "mounting": {"height_m": 1.2, "pitch_deg": 4.0}}


def test_a_session_with_no_frames_is_one_clear_line(tmp_path, capsys):
    folder = tmp_path / "killed-at-start"
    with SessionWriter(folder, SESSION_META):
        pass  # killed before the first frame reached the disk
    assert main(["replay", str(folder), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(folder) in err[0] and "no frames recorded" in err[0]
    assert open_session(folder, allow_empty=True).frame_count == 0  # a listing may show it


def _write_avi(path, frames: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(frames):
        image = np.full((48, 64, 3), (i * 9) % 255, np.uint8)
        writer.write(image)
    writer.release()


def test_a_truncated_video_in_a_session_says_decoded_against_expected(tmp_path, capsys):
    folder = tmp_path / "phone"
    folder.mkdir()
    _write_avi(folder / "clip.avi", 12)
    (folder / META).write_text('format = "rearguard-session/1"\n[video]\npath = "clip.avi"\n')
    rows = "".join(f"{i},{i * 0.1!r}\n" for i in range(30))  # frames.csv lists 30
    (folder / FRAMES).write_text(FRAMES_HEADER + "\n" + rows)
    session = open_session(folder)
    assert session.frame_count == 12
    assert any("12 frames decoded of the 30 expected" in n for n in session.notes)
    assert main(["replay", str(folder), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "note:" in out and "12 frames decoded of the 30 expected" in out


def test_a_cut_off_plain_video_says_decoded_against_listed(tmp_path):
    whole = tmp_path / "whole.avi"
    _write_avi(whole, 40)
    cut = tmp_path / "cut.avi"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # the AVI header still lists 40 frames
    session = open_session(cut)
    assert 0 < session.frame_count < 40
    (note,) = session.notes
    assert f"{session.frame_count} frames decoded of the 40 expected" in note
    assert sum(1 for _ in session.frames()) == session.frame_count
