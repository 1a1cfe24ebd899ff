"""Write a session folder so that a process killed at any moment leaves it readable.

Order of writes is what makes it crash-safe:

- meta.toml is written once, whole, to a temporary name and renamed into place.
- A frame's JPEG bytes are appended to video.mjpeg *before* its frames.csv line; each line is
  one ``os.write`` on an append-only descriptor. A frames.csv line therefore always points at
  complete JPEG bytes; JPEG bytes without a line are ignored by the reader.
- sensors.jsonl and events.jsonl get one ``os.write`` per record.

SIGKILL cannot interrupt a write() half-way into the page cache, so at most the line or frame in
flight is lost. ``sync()`` pushes everything to the storage (call it now and then from a slow
thread, never per frame) for power cuts, where the reader also drops NUL-filled tails.

A storage error (a full disk, a card gone read-only) never reaches the caller: the writer
stops writing, says why once through ``on_error``, and keeps the session readable by cutting
every file back to its last whole record when it tries again (``retry_s`` later). Writing
resumes when the storage takes data again, and ``on_recover`` says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rearguard.messages import Frame, RangeReading
from rearguard.session import format as fmt

Write = Callable[[int, Any], int]


def unique_folder(parent: Path, name: str) -> Path:
    """``parent/name``, or name-2, name-3... when a session (or one being set up) has it.

    Two runs started in the same second get different folders; the ``.partial`` mkdir in
    SessionWriter is the atomic claim, this only skips names already taken.
    """
    candidate, n = parent / name, 1
    while candidate.exists() or candidate.with_name(candidate.name + ".partial").exists():
        n += 1
        candidate = parent / f"{name}-{n}"
    return candidate


class SessionWriter:
    """Appends frames, sensor readings and events to a new session folder."""

    def __init__(self, folder: str | Path, meta: Mapping[str, Any], *, jpeg_quality: int = 85,
                 record_video: bool = True, write: Write = os.write,
                 on_error: Callable[[str], None] | None = None,
                 on_recover: Callable[[], None] | None = None, retry_s: float = 2.0):
        final = Path(folder)
        if final.exists():
            raise FileExistsError(f"{final}: a session is already there")
        self._raw_write = write
        self.on_error, self.on_recover, self.retry_s = on_error, on_recover, retry_s
        self.failed: str | None = None  # why writing stopped (None while it works)
        self._retry_at = 0.0
        self._held = False
        self._closed = False
        self.frames_written = 0
        self._sizes: dict[int, int] = {}  # bytes of whole records in each file
        self._lock = threading.Lock()  # several threads append; a failure is handled once
        # Set the folder up under a temporary name and rename it when it is a valid (empty)
        # session: a kill during set-up leaves no half-made session behind.
        self.folder = final.with_name(final.name + ".partial")
        self.folder.mkdir(parents=True)  # FileExistsError: another run claimed the name
        try:
            self._set_up(final, meta, jpeg_quality, record_video)
        except BaseException:
            self._discard()
            raise

    def _set_up(self, final: Path, meta: Mapping[str, Any], jpeg_quality: int,
                record_video: bool) -> None:
        meta = dict(meta)
        meta.setdefault("format", fmt.FORMAT)
        if record_video:
            meta["video"] = {**meta.get("video", {}), "path": fmt.VIDEO_MJPEG}
        self._write_meta(dumps_toml(meta))
        self._jpeg_params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
        self._video = self._open(fmt.VIDEO_MJPEG) if record_video else None
        self._frames = self._open(fmt.FRAMES)
        header = fmt.FRAMES_HEADER_MJPEG if record_video else fmt.FRAMES_HEADER
        self._sensors = self._open(fmt.SENSORS)
        self._events = self._open(fmt.EVENTS)
        if not self._append(self._frames, (header + "\n").encode()):
            raise OSError(f"{self.folder}: cannot write: {self.failed}")
        os.replace(self.folder, final)  # open descriptors follow the rename
        self.folder = final

    def _write_meta(self, text: str) -> None:
        """meta.toml whole or not at all: a temporary file, synced, renamed into place."""
        path = self.folder / fmt.META
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            self._write_all(fd, text.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)

    def _discard(self) -> None:
        """Set-up failed (a full disk): close what opened, leave no half-made folder."""
        for fd in self._sizes:
            _quietly(os.close, fd)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _open(self, name: str) -> int:
        fd = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._sizes[fd] = 0
        return fd

    # --- every byte goes through here ----------------------------------------------------------

    def _append(self, fd: int | None, *parts: Any) -> bool:
        """Append ``parts`` to ``fd`` as one record, or nothing of it; False while failed."""
        with self._lock:
            if fd is None or self._closed:  # a late thread after close: never a reused fd
                return False
            recovering = self.failed is not None
            if recovering and not self._rewind():
                return False
            try:
                for data in parts:
                    self._write_all(fd, data)
            except OSError as e:
                self._fail(e)
                return False
            self._sizes[fd] += sum(len(data) for data in parts)
            if recovering:  # the storage takes data again
                self.failed = None
                if self.on_recover is not None:
                    self.on_recover()
            return True

    def _write_all(self, fd: int, data: Any) -> None:
        view = memoryview(data)
        while view:
            view = view[self._raw_write(fd, view):]

    def _rewind(self) -> bool:
        """After a failure, every ``retry_s``: cut each file back to its last whole record, so
        that writing can carry on from there. False when it is not time yet (or it fails)."""
        if self._held or time.monotonic() < self._retry_at:
            return False
        self._retry_at = time.monotonic() + self.retry_s
        try:
            for fd, size in self._sizes.items():
                os.ftruncate(fd, size)
        except OSError:
            return False
        return True

    def _fail(self, error: OSError | str) -> None:
        first = self.failed is None
        if isinstance(error, OSError):
            error = error.strerror or str(error)
        self.failed = error
        self._retry_at = time.monotonic() + self.retry_s
        if first and self.on_error is not None:
            self.on_error(f"recording stopped: {self.failed}")

    def hold(self, cause: str) -> None:
        """Stop writing for a reason the writer cannot see (the quota): until ``release``."""
        with self._lock:
            self._held = True
            self._fail(cause)

    def release(self) -> None:
        with self._lock:
            self._held = False
            self._retry_at = 0.0  # the next record tries at once

    # --- records -------------------------------------------------------------------------------

    def add_frame(self, frame: Frame) -> None:
        """Record one frame (its JPEG, then its line in frames.csv).

        frames.csv numbers the frames it holds 0, 1, 2...: a frame the recorder had to skip
        (storage behind, or full) leaves no gap.
        """
        index = self.frames_written
        if self._video is None:
            if self._append(self._frames, f"{index},{frame.t!r}\n".encode()):
                self.frames_written += 1
            return
        if self.failed is not None and (self._held or time.monotonic() < self._retry_at):
            return  # not worth encoding a frame that cannot be written
        ok, jpeg = cv2.imencode(".jpg", frame.image, self._jpeg_params)
        if not ok:
            raise ValueError(f"could not encode frame {frame.index} as JPEG")
        data = jpeg.data
        offset = self._sizes[self._video]
        # JPEG first, its line after: a line only ever points at bytes that are there.
        if self._append(self._video, data) and self._append(
                self._frames, f"{index},{frame.t!r},{offset},{len(data)}\n".encode()):
            self.frames_written += 1

    def add_range(self, reading: RangeReading) -> None:
        record: dict[str, Any] = {"t": reading.t, "kind": "range", "sensor": reading.sensor}
        if reading.distance_m is not None:
            record["distance_m"] = reading.distance_m
        self.add_sensor_record(record)

    def add_sensor_record(self, record: Mapping[str, Any]) -> None:
        """Any sensors.jsonl record (range, button, fault): a dict with ``t`` and ``kind``."""
        self._append(self._sensors, _json_line(record))

    def add_event(self, record: Mapping[str, Any]) -> None:
        self._append(self._events, _json_line(record))

    def sync(self) -> None:
        """Flush to storage (for power cuts); slow on an SD card, so not per frame."""
        with self._lock:
            if self._closed:
                return
            try:
                for fd in self._fds():
                    os.fsync(fd)
            except OSError as e:
                self._fail(e)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for fd in self._fds():
                if self.failed is not None:  # leave whole records only
                    _quietly(os.ftruncate, fd, self._sizes[fd])
                _quietly(os.close, fd)
            self._video = self._frames = self._sensors = self._events = None

    def _fds(self) -> list[int]:
        fds = [self._video, self._frames, self._sensors, self._events]
        return [fd for fd in fds if fd is not None]

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventLog:
    """events.jsonl on its own, for a replay's output folder (or ``run --events``).

    A write that fails (a full disk) stops the log with one line on stderr: the log is for
    people, and must never stop the loop that warns the runner.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
        self.failed: str | None = None

    def __call__(self, record: Mapping[str, Any]) -> None:
        if self.failed is not None:
            return
        try:
            os.write(self._fd, _json_line(record))
        except OSError as e:
            self.failed = e.strerror or str(e)
            print(f"rearguard: {self.path}: event log stopped: {self.failed}", file=sys.stderr)

    def close(self) -> None:
        _quietly(os.close, self._fd)


def _quietly(action: Callable[..., Any], *args: Any) -> None:
    with contextlib.suppress(OSError):  # closing after a storage error: nothing to add
        action(*args)


def _json_line(record: Mapping[str, Any]) -> bytes:
    return (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode()


def dumps_toml(table: Mapping[str, Any]) -> str:
    """A small TOML writer for meta.toml: scalars, lists of scalars, tables, arrays of tables."""
    lines: list[str] = []
    _toml_table(table, [], lines)
    text = "\n".join(lines).lstrip("\n") + "\n"
    tomllib.loads(text)  # never write what we could not read back
    return text


def _toml_table(table: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    subtables = []
    for key, value in table.items():
        if value is None:
            continue
        if isinstance(value, Mapping) or _is_table_list(value):
            subtables.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in subtables:
        name = ".".join(_toml_key(k) for k in [*path, key])
        if isinstance(value, Mapping):
            lines.append(f"\n[{name}]")
            _toml_table(value, [*path, key], lines)
        else:
            for item in value:
                lines.append(f"\n[[{name}]]")
                _toml_table(item, [*path, key], lines)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | np.integer | np.floating):
        return repr(value.item() if hasattr(value, "item") else value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
