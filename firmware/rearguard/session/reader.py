"""Read a session folder (or a plain video file) and check it completely before replay.

Everything but the pixels is read and checked up front, so a corrupt recording is reported,
not half-replayed: meta.toml, every line of frames.csv and sensors.jsonl, and for video.mjpeg
that every frame's JPEG lies whole inside the file. Frames are decoded lazily, in order.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rearguard.assets import assets_dir
from rearguard.messages import Frame, RangeReading
from rearguard.session import format as fmt
from rearguard.session.format import SessionError

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm", ".mjpeg", ".h264", ".gif"}


@dataclass(frozen=True, slots=True)
class ButtonPress:
    t: float
    press: str  # "short" or "long"


@dataclass(frozen=True, slots=True)
class RecordedFault:
    """A fault a device reported while recording (an I2C error, a stuck echo line...)."""

    t: float
    stage: str
    cause: str


SensorRecord = RangeReading | ButtonPress | RecordedFault


@dataclass
class Session:
    """A checked session: metadata, frame times, sensor records, and a way to play the frames."""

    path: Path
    meta: dict[str, Any]
    video: Path
    frame_times: np.ndarray  # capture time of every frame, seconds
    frame_spans: np.ndarray | None  # (offset, length) of each JPEG in video.mjpeg, else None
    sensors: list[SensorRecord]
    expect: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)  # what was dropped as "in flight"
    # Play every frame mirrored left to right (``rearguard evaluate --mirror``): the same
    # scenes, other pixels for the detector.
    mirrored: bool = False

    @property
    def name(self) -> str:
        return self.path.stem if self.path.is_file() else self.path.name

    @property
    def synthetic(self) -> dict[str, Any] | None:
        """meta.toml [synthetic] of a rendered scene (scene, seed, generator, range_trace), or
        None for a recording."""
        return self.meta.get("synthetic")

    @property
    def frame_count(self) -> int:
        return len(self.frame_times)

    @property
    def rangefinder_names(self) -> list[str]:
        listed = [r.get("name", "") for r in self.meta.get("rangefinders", [])]
        seen = {s.sensor for s in self.sensors if isinstance(s, RangeReading)}
        return sorted(set(listed) | seen)

    def frames(self) -> Iterator[Frame]:
        """Decode the frames in order, each stamped with its recorded capture time."""
        frames = self._mjpeg_frames() if self.frame_spans is not None else self._video_frames()
        if not self.mirrored:
            yield from frames
            return
        for frame in frames:
            yield Frame(frame.t, frame.index, cv2.flip(frame.image, 1))

    def _mjpeg_frames(self) -> Iterator[Frame]:
        with open(self.video, "rb") as f:
            data = f.read()
        for index, (t, (offset, length)) in enumerate(zip(self.frame_times, self.frame_spans,
                                                          strict=True)):
            jpeg = np.frombuffer(data, np.uint8, count=int(length), offset=int(offset))
            image = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
            if image is None:
                raise SessionError(f"{self.video}: frame {index} (frames.csv line {index + 2}) "
                                   f"is not a decodable JPEG")
            yield Frame(float(t), index, image)

    def _video_frames(self) -> Iterator[Frame]:
        capture = cv2.VideoCapture(str(self.video))
        if not capture.isOpened():
            raise SessionError(f"{self.video}: OpenCV cannot open this video")
        try:
            for index, t in enumerate(self.frame_times):
                ok, image = capture.read()
                if not ok:
                    raise SessionError(f"{self.video}: the video ends after {index} frames but "
                                       f"the session lists {self.frame_count}")
                yield Frame(float(t), index, image)
        finally:
            capture.release()


def open_session(path: str | Path, *, allow_empty: bool = False) -> Session:
    """Open a session folder, or a plain video file as a session with no rangefinder.

    A session without a single frame (a run killed in its first moments) is a SessionError
    unless ``allow_empty`` (for listing sessions, which may show it).
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES:
        return _video_as_session(path)
    if not path.is_dir():
        raise SessionError(f"{path}: not a session folder or a video file")
    meta = _read_meta(path / fmt.META)
    notes: list[str] = []
    video = _video_path(path, meta)
    times, spans = _read_frames(path / fmt.FRAMES, video, meta, notes)
    sensors = _read_sensors(path / fmt.SENSORS, notes)
    if len(times) == 0 and not allow_empty:
        raise SessionError(f"{path}: no frames recorded (the run stopped before its first "
                           f"frame was saved): nothing to replay")
    expect = _read_toml(path / fmt.EXPECT) if (path / fmt.EXPECT).exists() else None
    return Session(path, meta, video, times, spans, sensors, expect, notes)


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """The records of an events.jsonl file, checked line by line."""
    path = Path(path)
    records, _ = _read_jsonl(path)
    return records


# --- pieces ------------------------------------------------------------------------------------

def _video_as_session(video: Path) -> Session:
    capture = cv2.VideoCapture(str(video))
    if not capture.isOpened():
        raise SessionError(f"{video}: OpenCV cannot open this video")
    fps = capture.get(cv2.CAP_PROP_FPS)
    width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    listed = capture.get(cv2.CAP_PROP_FRAME_COUNT)
    capture.release()
    count = count_frames(video)
    if not (fps and math.isfinite(fps) and fps > 0) or count <= 0:
        raise SessionError(f"{video}: the video does not say its frame rate or frame count")
    notes = []
    if math.isfinite(listed) and int(listed) > count:
        notes.append(_cut_off_note(video, count, int(listed)))
    meta = {"format": fmt.FORMAT, "video": {"path": str(video), "fps": fps, "width": width,
                                            "height": height}}
    times = np.arange(count, dtype=np.float64) / fps
    return Session(video, meta, video, times, None, [], None, notes)


def _cut_off_note(video: Path, decoded: int, expected: int) -> str:
    return (f"{video}: {decoded} frames decoded of the {expected} expected: the video is cut "
            f"off; replaying the {decoded} there are")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SessionError(f"{path}: missing") from None
    except tomllib.TOMLDecodeError as e:
        raise SessionError(f"{path}: not valid TOML: {e}") from None


def _read_meta(path: Path) -> dict[str, Any]:
    meta = _read_toml(path)
    if meta.get("format") != fmt.FORMAT:
        raise SessionError(f"{path}: format: expected {fmt.FORMAT!r}, got "
                           f"{meta.get('format')!r}")
    video = meta.get("video")
    if not isinstance(video, dict) or not isinstance(video.get("path"), str):
        raise SessionError(f"{path}: [video] path: expected the video file's path")
    if "synthetic" in meta:
        _check_synthetic(path, meta["synthetic"])
    return meta


SYNTHETIC_KEYS = {"scene": str, "seed": int, "generator": str, "range_trace": str}


def _check_synthetic(path: Path, table: Any) -> None:
    """[synthetic]: a scene rendered by `rearguard synth` (what made it, from which seed)."""
    if not isinstance(table, dict):
        raise SessionError(f"{path}: synthetic: expected a table [synthetic]")
    for key in sorted(set(table) - set(SYNTHETIC_KEYS)):
        raise SessionError(f"{path}: synthetic.{key}: unknown key, expected "
                           f"{', '.join(SYNTHETIC_KEYS)}")
    for key, kind in SYNTHETIC_KEYS.items():
        value = table.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise SessionError(f"{path}: synthetic.{key}: expected a {kind.__name__}, got "
                               f"{value!r}")


def _video_path(folder: Path, meta: dict[str, Any]) -> Path:
    name: str = meta["video"]["path"]
    if name.startswith(fmt.ASSETS_PREFIX):
        video = assets_dir() / name[len(fmt.ASSETS_PREFIX):]
    else:
        video = folder / name
    exists = video.parent.is_dir() if "%" in video.name else video.exists()  # image sequence
    if not exists:
        hint = " (set REARGUARD_ASSETS to the asset folder)" if name.startswith(
            fmt.ASSETS_PREFIX) else ""
        raise SessionError(f"{folder / fmt.META}: [video] path: {video} not found{hint}")
    return video


def _read_frames(path: Path, video: Path, meta: dict[str, Any],
                 notes: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    if not path.exists():
        return _times_from_rate(path, video, meta), None
    lines, note = fmt.split_lines(path.read_bytes(), str(path))
    if note:
        notes.append(note)
    if not lines:
        raise SessionError(f"{path}: empty, expected the header {fmt.FRAMES_HEADER!r}")
    header = lines[0].decode(errors="replace").strip()
    mjpeg = header == fmt.FRAMES_HEADER_MJPEG
    if header not in (fmt.FRAMES_HEADER, fmt.FRAMES_HEADER_MJPEG):
        raise SessionError(f"{path} line 1: expected the header {fmt.FRAMES_HEADER!r} or "
                           f"{fmt.FRAMES_HEADER_MJPEG!r}, got {header!r}")
    rows = [_frame_row(path, n, line, 4 if mjpeg else 2) for n, line in enumerate(lines[1:], 2)]
    times = np.array([r[1] for r in rows], dtype=np.float64)
    for n, row in enumerate(rows):
        if row[0] != n:
            raise SessionError(f"{path} line {n + 2}: expected frame index {n}, got {row[0]}")
        if n and times[n] < times[n - 1]:
            raise SessionError(f"{path} line {n + 2}: time {times[n]} goes back before "
                               f"{times[n - 1]}")
    if not mjpeg:
        return _decodable(video, times, notes), None
    spans = np.array([(r[2], r[3]) for r in rows], dtype=np.int64).reshape(-1, 2)
    _check_jpeg_spans(path, video, spans)
    return times, spans


def _decodable(video: Path, times: np.ndarray, notes: list[str]) -> np.ndarray:
    """The frame times of the frames ``video`` really holds (a cut-off file holds fewer)."""
    if "%" in video.name:  # an image sequence: each file is checked when it is decoded
        return times
    count = count_frames(video, len(times))
    if count < len(times):
        notes.append(_cut_off_note(video, count, len(times)))
        return times[:count]
    return times


def _frame_row(path: Path, n: int, line: bytes, width: int) -> tuple:
    try:
        parts = line.decode().strip().split(",")
        if len(parts) != width:
            raise ValueError(f"expected {width} comma-separated values")
        index, t = int(parts[0]), float(parts[1])
        if not math.isfinite(t):
            raise ValueError("time is not a finite number")
        extra = tuple(int(p) for p in parts[2:])
    except (ValueError, UnicodeDecodeError) as e:
        raise SessionError(f"{path} line {n}: {e}: {line[:60]!r}") from None
    return (index, t, *extra)


def _check_jpeg_spans(path: Path, video: Path, spans: np.ndarray) -> None:
    size = video.stat().st_size
    with open(video, "rb") as f:
        for n, (offset, length) in enumerate(spans):
            if offset < 0 or length < 4 or offset + length > size:
                raise SessionError(f"{path} line {n + 2}: frame bytes {offset}+{length} lie "
                                   f"outside {video.name} ({size} bytes)")
            f.seek(offset)
            head = f.read(2)
            f.seek(offset + length - 2)
            if head != b"\xff\xd8" or f.read(2) != b"\xff\xd9":
                raise SessionError(f"{path} line {n + 2}: {video.name} holds no whole JPEG at "
                                   f"{offset}+{length}")


def count_frames(video: Path, limit: int | None = None) -> int:
    """Frames that really come out of ``video`` (containers' own counts can be off)."""
    capture = cv2.VideoCapture(str(video))
    count = 0
    while (limit is None or count < limit) and capture.grab():
        count += 1
    capture.release()
    return count


def _times_from_rate(path: Path, video: Path, meta: dict[str, Any]) -> np.ndarray:
    capture = cv2.VideoCapture(str(video))
    rate = capture.get(cv2.CAP_PROP_FPS) if capture.isOpened() else 0
    capture.release()
    fps = meta["video"].get("fps") or rate
    limit = meta["video"].get("frames")
    count = count_frames(video, int(limit) if limit else None)
    if count <= 0 or not fps:
        raise SessionError(f"{path}: missing, and {video} does not say its frame count and rate")
    return float(meta["video"].get("start_t", 0.0)) + np.arange(count, dtype=np.float64) / fps


def _read_jsonl(path: Path) -> tuple[list[dict[str, Any]], str | None]:
    lines, note = fmt.split_lines(path.read_bytes(), str(path)) if path.exists() else ([], None)
    records = []
    for n, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise SessionError(f"{path} line {n}: not a JSON object: {e}") from None
        if not isinstance(record, dict):
            raise SessionError(f"{path} line {n}: expected a JSON object, got {line[:60]!r}")
        t = record.get("t")
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            raise SessionError(f"{path} line {n}: expected a time \"t\" in seconds, got {t!r}")
        if not isinstance(record.get("kind"), str):
            raise SessionError(f"{path} line {n}: expected a \"kind\" string")
        records.append(record)
    return records, note


def _read_sensors(path: Path, notes: list[str]) -> list[SensorRecord]:
    records, note = _read_jsonl(path)
    if note:
        notes.append(note)
    readings = [_sensor_record(path, n, r) for n, r in enumerate(records, 1)]
    # Threads append in slightly different orders; replay wants time order (stable for ties).
    return sorted((r for r in readings if r is not None), key=lambda r: r.t)


def _sensor_record(path: Path, n: int, record: dict[str, Any]) -> SensorRecord | None:
    kind, t = record["kind"], float(record["t"])
    if kind == "range":
        sensor, distance = record.get("sensor"), record.get("distance_m")
        if not isinstance(sensor, str) or not sensor:
            raise SessionError(f"{path} line {n}: range: expected a \"sensor\" name")
        if distance is not None and (isinstance(distance, bool) or not isinstance(
                distance, int | float) or not 0 <= distance < 100):
            raise SessionError(f"{path} line {n}: range: expected \"distance_m\" in metres, or "
                               f"no distance_m for no echo, got {distance!r}")
        return RangeReading(t, sensor, None if distance is None else float(distance))
    if kind == "button":
        if record.get("press") not in fmt.PRESS_KINDS:
            raise SessionError(f"{path} line {n}: button: expected \"press\" short or long, "
                               f"got {record.get('press')!r}")
        return ButtonPress(t, record["press"])
    if kind == "fault":
        stage, cause = record.get("stage"), record.get("cause", "")
        if not isinstance(stage, str):
            raise SessionError(f"{path} line {n}: fault: expected a \"stage\" name")
        return RecordedFault(t, stage, str(cause))
    return None  # other sensors (imu, battery) are recorded for people, not replayed
