"""The session folder: round trip, rejection of malformed input, and crash safety."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from rearguard.messages import Frame, RangeReading
from rearguard.session import ButtonPress, SessionError, SessionWriter, open_session, read_events
from rearguard.session.format import FRAMES, SENSORS, VIDEO_MJPEG

META = {"device": {"firmware": "test", "board": "pi4"}, "mounting": {"height_m": 1.2,
                                                                    "pitch_deg": 4.0},
        "rangefinders": [{"name": "rear", "kind": "hcsr04", "trigger_pin": 23, "echo_pin": 24}]}


def make_frame(index: int, t: float) -> Frame:
    """A smooth picture that differs from frame to frame (JPEG keeps it nearly exact)."""
    x = np.linspace(0, 255, 64)[None, :, None]
    y = np.linspace(0, 255, 48)[:, None, None]
    image = (x + y) / 4 + np.array([0, 30, 60]) + index * 11  # stays inside 0..255
    return Frame(t, index, image.astype(np.uint8))


def write_session(folder: Path, frames: int = 5) -> None:
    with SessionWriter(folder, META, jpeg_quality=95) as w:
        for i in range(frames):
            t = 100.0 + i * 0.05 + (0.013 if i == 3 else 0.0)  # irregular frame times
            w.add_frame(make_frame(i, t))
            w.add_range(RangeReading(t + 0.01, "rear", 2.5 - i * 0.1 if i != 2 else None))
            w.add_event({"t": t, "kind": "frame", "index": i})
        w.add_sensor_record({"t": 100.3, "kind": "button", "press": "short"})


def test_round_trip(tmp_path):
    folder = tmp_path / "run"
    write_session(folder)
    session = open_session(folder)
    assert session.meta["mounting"] == META["mounting"]
    assert session.meta["video"]["path"] == VIDEO_MJPEG
    assert session.frame_count == 5
    assert session.frame_times[3] == pytest.approx(100.163)
    frames = list(session.frames())
    for i, frame in enumerate(frames):
        expected = make_frame(i, 0).image.astype(int)
        assert frame.index == i and frame.t == session.frame_times[i]
        error = np.abs(frame.image.astype(int) - expected).mean()
        assert error < 3  # JPEG at quality 95 is nearly exact...
        other = make_frame(i + 1, 0).image.astype(int)
        assert np.abs(frame.image.astype(int) - other).mean() > 3 * error  # ...and it is frame i
    ranges = [s for s in session.sensors if isinstance(s, RangeReading)]
    assert [r.distance_m for r in ranges] == [2.5, 2.4, None, 2.2, 2.1]
    assert session.sensors[-1] == ButtonPress(100.3, "short")
    assert [e["index"] for e in read_events(folder / "events.jsonl")] == list(range(5))
    assert session.notes == []


def test_writer_refuses_to_overwrite(tmp_path):
    write_session(tmp_path / "run")
    with pytest.raises(FileExistsError):
        SessionWriter(tmp_path / "run", META)


def corrupt(folder: Path, name: str, text: str | bytes, append: bool = False) -> None:
    path = folder / name
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(path.read_bytes() + data if append else data)


@pytest.mark.parametrize(("name", "damage", "append", "message"), [
    ("meta.toml", "format = 'x'\n", False, "meta.toml: format: expected 'rearguard-session/1'"),
    ("meta.toml", "format = \n", False, "meta.toml: not valid TOML"),
    ("sensors.jsonl", "{\"t\": 1, \"kind\": \"range\"}\n", False,
     "sensors.jsonl line 1: range: expected a \"sensor\" name"),
    ("sensors.jsonl", "{\"t\": 1, \"kind\": \"range\", \"sensor\": \"a\"}\nnot json\n", False,
     "sensors.jsonl line 2: not a JSON object"),
    ("sensors.jsonl", "{\"t\": \"soon\", \"kind\": \"range\"}\n", False,
     "sensors.jsonl line 1: expected a time \"t\""),
    ("sensors.jsonl", "{\"t\": 1, \"kind\": \"range\", \"sensor\": \"a\", \"distance_m\": -1}\n",
     False, "expected \"distance_m\" in metres, or no distance_m for no echo, got -1"),
    ("sensors.jsonl", "{\"t\": 1, \"kind\": \"button\", \"press\": \"double\"}\n", False,
     "sensors.jsonl line 1: button: expected \"press\" short or long"),
    ("frames.csv", "index,time\n", False, "frames.csv line 1: expected the header"),
    ("frames.csv", "5,100.3,0,10\n", True, "frames.csv line 7: expected frame index 5, got 5"
     .replace("got 5", "got 5")),
    ("frames.csv", "5,1.0,0,10\n", True, "frames.csv line 7: time 1.0 goes back"),
    ("frames.csv", "5,100.5,999999,100\n", True, "frames.csv line 7: frame bytes 999999+100 lie"),
    ("frames.csv", "5,100.5,1,100\n", True, "frames.csv line 7: video.mjpeg holds no whole JPEG"),
    ("frames.csv", "5,100.5\n", True, "frames.csv line 7: expected 4 comma-separated values"),
])
def test_malformed_session_is_rejected_naming_file_and_line(tmp_path, name, damage, append,
                                                            message):
    folder = tmp_path / "run"
    write_session(folder)
    if name == "frames.csv" and "expected frame index" in message:
        damage, message = "7,100.5,0,10\n", "frames.csv line 7: expected frame index 5, got 7"
    corrupt(folder, name, damage, append)
    with pytest.raises(SessionError) as err:
        open_session(folder)
    assert message in str(err.value)
    assert str(folder) in str(err.value)


def test_missing_meta_and_missing_video(tmp_path):
    folder = tmp_path / "run"
    write_session(folder)
    (folder / VIDEO_MJPEG).unlink()
    with pytest.raises(SessionError, match=r"\[video\] path: .*video.mjpeg not found"):
        open_session(folder)
    (folder / "meta.toml").unlink()
    with pytest.raises(SessionError, match=r"meta\.toml: missing"):
        open_session(folder)


def test_unfinished_last_lines_and_power_cut_nuls_are_dropped_and_noted(tmp_path):
    folder = tmp_path / "run"
    write_session(folder)
    corrupt(folder, SENSORS, '{"t": 101.0, "kind": "ran', append=True)
    corrupt(folder, FRAMES, b"5,100.3,12\0\0\0\0", append=True)
    session = open_session(folder)
    assert session.frame_count == 5
    assert len(session.notes) == 2 and "unfinished last line" in session.notes[0]


# --- crash safety: kill a writer with SIGKILL at random moments ---------------------------------

def _writer_process(folder: str) -> None:
    """Writes a session forever, as fast as it can (it is killed from outside)."""
    with SessionWriter(folder, META, jpeg_quality=80) as w:
        i = 0
        while True:
            t = i * 0.05
            w.add_frame(make_frame(i, t))
            w.add_range(RangeReading(t, "rear", 1.0 + (i % 30) * 0.1))
            w.add_event({"t": t, "kind": "frame", "index": i, "pad": "x" * (i % 50)})
            i += 1


def test_writer_killed_at_random_moments_leaves_a_readable_session(tmp_path):
    rng = random.Random(20261124)
    context = multiprocessing.get_context("fork")
    existing = 0
    for run in range(50):
        folder = tmp_path / f"run{run}"
        child = context.Process(target=_writer_process, args=(str(folder),))
        child.start()
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        if not folder.exists():  # killed during set-up: nothing half-made is left as a session
            continue
        existing += 1
        session = open_session(folder, allow_empty=True)  # killed before frame 0
        n = session.frame_count
        assert all(f.index == i for i, f in enumerate(session.frames()))  # every frame plays
        ranges = [s for s in session.sensors if isinstance(s, RangeReading)]
        events = read_events(folder / "events.jsonl")
        # At most the record in flight is lost: each file is at most one record behind frames.
        assert n - 1 <= len(ranges) <= n + 1
        assert n - 1 <= len(events) <= n + 1
        assert [e["index"] for e in events] == list(range(len(events)))
        # At most one JPEG is in video.mjpeg without its frames.csv line.
        spans = session.frame_spans
        written = int(spans[-1].sum()) if n else 0
        assert (folder / VIDEO_MJPEG).stat().st_size - written < 8000
        assert all(json.loads(json.dumps(e)) == e for e in events)
    assert existing >= 40, f"only {existing} of 50 kills happened after set-up"
