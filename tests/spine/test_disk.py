"""The recording disk: full, unwritable, over quota; session names that never collide.

A full disk or an unusable folder stops recording with one fault event and its pattern, and the
warnings go on. The tests that need a really full disk mount a small tmpfs (root only).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from rearguard.session import SessionWriter, open_session
from rearguard.session.storage import make_room
from rearguard.session.writer import unique_folder

from .faults import echo_at, simulated_run
from .test_replay_edges import SESSION_META


@pytest.fixture
def small_disk(tmp_path):
    """A 400 kB tmpfs (the simulated camera's frames are small JPEGs: this fills in seconds);
    skips where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _storage_faults(result, active=True):
    return result.faults("storage", active)


def _felt_storage_fault(result, cause: str) -> None:
    """One storage fault saying ``cause``: its pattern played, and warnings went on after it."""
    assert result.status == 0
    (fault,) = _storage_faults(result)  # one fault, not one per failed write
    assert cause in fault["cause"]
    assert result.patterns(("fault-storage",), fault["t"], fault["t"] + 1.0)
    assert result.patterns(("danger",), fault["t"])  # warnings went on


def _recording(folder: Path, min_free_mb: int = 0) -> str:
    return (f'[recording]\ndir = "{folder}"\nmin_free_mb = {min_free_mb}\n'
            f'max_total_mb = 1000\n')


def _fill(mount: Path) -> None:
    with open(mount / "filler", "wb") as f, pytest.raises(OSError):
        while True:
            f.write(b"\0" * 65536)
            f.flush()


def test_a_disk_that_fills_during_the_run_stops_recording_not_warnings(small_disk, tmp_path):
    result = simulated_run(tmp_path, seconds=8.0, config_text=_recording(small_disk),
                           record=True, steer=[(6.0, echo_at(0.5))])
    _felt_storage_fault(result, "No space left on device")
    (folder,) = [p for p in small_disk.iterdir() if p.is_dir()]
    session = open_session(folder)  # what made it to the disk replays
    assert session.frame_count > 10


def test_starting_on_a_full_disk_runs_without_recording(small_disk, tmp_path):
    _fill(small_disk)
    result = simulated_run(tmp_path, seconds=2.5, config_text=_recording(small_disk / "s"),
                           record=True, steer=[(1.0, echo_at(0.5))])
    _felt_storage_fault(result, "recording off")
    assert not [p for p in (small_disk / "s").glob("*") if p.name.endswith(".partial")]


def test_an_unwritable_recording_folder_runs_without_recording(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = simulated_run(tmp_path, seconds=2.0, config_text=_recording(blocker / "s"),
                           record=True, steer=[(1.0, echo_at(0.5))])
    _felt_storage_fault(result, "not a folder")


def test_the_oldest_sessions_go_to_keep_the_quota(tmp_path):
    for name in ("20260101-080000", "20260102-080000", "20260103-080000"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "meta.toml").write_text('format = "rearguard-session/1"\n')
        (folder / "video.mjpeg").write_bytes(b"\0" * 3 * 1024 * 1024)
    (tmp_path / "notes").mkdir()  # not a session: never removed
    room = make_room(tmp_path, max_total_mb=7, min_free_mb=0)
    assert [p.name for p in room.removed] == ["20260101-080000"]
    assert room.problem is None
    assert (tmp_path / "notes").exists() and (tmp_path / "20260103-080000").exists()
    huge = make_room(tmp_path, max_total_mb=1000, min_free_mb=10**9)  # asks for more than
    assert len(huge.removed) == 2 and "min_free_mb" in huge.problem  # any disk has


def test_two_runs_in_the_same_second_get_two_sessions(tmp_path):
    name = time.strftime("%Y%m%d-%H%M%S")
    first = SessionWriter(unique_folder(tmp_path, name), SESSION_META)
    second = SessionWriter(unique_folder(tmp_path, name), SESSION_META)
    first.close()
    second.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name, f"{name}-2"]


@pytest.mark.soak
def test_a_minute_on_a_full_disk_keeps_warning_to_the_end(small_disk, tmp_path):
    """The issue's check: 60 s with the recording disk full, warnings to the very end."""
    _fill(small_disk)
    steer = [(at, echo_at(0.5 if k % 2 == 0 else None))
             for k, at in enumerate(range(2, 60, 4))]  # something comes close, goes, comes...
    result = simulated_run(tmp_path, seconds=60.0, config_text=_recording(small_disk / "s"),
                           record=True, steer=steer)
    assert result.status == 0
    assert len(_storage_faults(result)) == 1
    stop = result.kinds("stop")[0]["t"]
    dangers = result.patterns(("danger",), 0)
    near_phases = len(steer[::2])
    assert len(dangers) == near_phases and stop - dangers[-1]["t"] < 4.0  # to the end


def test_an_event_log_on_a_full_disk_says_so_once_and_goes_quiet(capsys):
    from rearguard.session import EventLog

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    log = EventLog("/dev/full")  # every write: ENOSPC
    for t in range(5):
        log({"t": t, "kind": "frame", "index": t})
    log.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "event log stopped" in err[0] and "No space left" in err[0]
