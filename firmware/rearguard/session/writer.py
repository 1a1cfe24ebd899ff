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
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rearguard.messages import Frame, RangeReading
from rearguard.session import format as fmt


class SessionWriter:
    """Appends frames, sensor readings and events to a new session folder."""

    def __init__(self, folder: str | Path, meta: Mapping[str, Any], *, jpeg_quality: int = 85,
                 record_video: bool = True):
        final = Path(folder)
        if final.exists():
            raise FileExistsError(f"{final}: a session is already there")
        # Set the folder up under a temporary name and rename it when it is a valid (empty)
        # session: a kill during set-up leaves no half-made session behind.
        self.folder = final.with_name(final.name + ".partial")
        self.folder.mkdir(parents=True)
        meta = dict(meta)
        meta.setdefault("format", fmt.FORMAT)
        if record_video:
            meta["video"] = {**meta.get("video", {}), "path": fmt.VIDEO_MJPEG}
        _write_atomically(self.folder / fmt.META, dumps_toml(meta))
        self._jpeg_params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
        self._video = self._open(fmt.VIDEO_MJPEG) if record_video else None
        self._video_size = 0
        self._frames = self._open(fmt.FRAMES)
        header = fmt.FRAMES_HEADER_MJPEG if record_video else fmt.FRAMES_HEADER
        os.write(self._frames, (header + "\n").encode())
        self._sensors = self._open(fmt.SENSORS)
        self._events = self._open(fmt.EVENTS)
        os.replace(self.folder, final)  # open descriptors follow the rename
        self.folder = final

    def _open(self, name: str) -> int:
        return os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def add_frame(self, frame: Frame) -> None:
        """Record one frame (its JPEG, then its line in frames.csv)."""
        if self._video is None:
            os.write(self._frames, f"{frame.index},{frame.t!r}\n".encode())
            return
        ok, jpeg = cv2.imencode(".jpg", frame.image, self._jpeg_params)
        if not ok:
            raise ValueError(f"could not encode frame {frame.index} as JPEG")
        data = jpeg.data
        offset = self._video_size
        _write_all(self._video, data)
        self._video_size += len(data)
        os.write(self._frames, f"{frame.index},{frame.t!r},{offset},{len(data)}\n".encode())

    def add_range(self, reading: RangeReading) -> None:
        record: dict[str, Any] = {"t": reading.t, "kind": "range", "sensor": reading.sensor}
        if reading.distance_m is not None:
            record["distance_m"] = reading.distance_m
        self.add_sensor_record(record)

    def add_sensor_record(self, record: Mapping[str, Any]) -> None:
        """Any sensors.jsonl record (range, button, fault): a dict with ``t`` and ``kind``."""
        os.write(self._sensors, _json_line(record))

    def add_event(self, record: Mapping[str, Any]) -> None:
        os.write(self._events, _json_line(record))

    def sync(self) -> None:
        """Flush to storage (for power cuts); slow on an SD card, so not per frame."""
        for fd in self._fds():
            os.fsync(fd)

    def close(self) -> None:
        for fd in self._fds():
            os.close(fd)
        self._video = self._frames = self._sensors = self._events = None

    def _fds(self) -> list[int]:
        fds = [self._video, self._frames, self._sensors, self._events]
        return [fd for fd in fds if fd is not None]

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventLog:
    """events.jsonl on its own, for a replay's output folder."""

    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)

    def __call__(self, record: Mapping[str, Any]) -> None:
        os.write(self._fd, _json_line(record))

    def close(self) -> None:
        os.close(self._fd)


def _json_line(record: Mapping[str, Any]) -> bytes:
    return (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode()


def _write_all(fd: int, data: memoryview | bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


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
