"""The session folder: names, line rules and record kinds (documented in FORMAT.md beside it).

A session is one folder, whether it is a run recorded on the device, a hardware-in-the-loop
fixture or the input of a replay::

    meta.toml      what recorded it and how the camera was mounted (format "rearguard-session/1")
    video.mjpeg    the frames as concatenated JPEGs (recordings) -- or any OpenCV-readable video
                   named by meta.toml [video] path (fixtures), which may live in the asset folder
    frames.csv     index,t[,offset,length]: capture time of every frame (and where its JPEG is)
    sensors.jsonl  one timestamped reading a line: range, button, fault
    events.jsonl   what the firmware decided (FORMAT.md lists every kind and field)
    expect.toml    fixtures only: which alerts must and must not happen

Line rule for every .csv and .jsonl file: a line counts once it ends with a newline. The
writer writes each line with a single write() call after the data it refers to, so a process
killed at any moment leaves at most one unterminated last line, which readers drop as "in
flight". Any terminated line that does not parse makes the whole session invalid.
"""

from __future__ import annotations

FORMAT = "rearguard-session/1"

META = "meta.toml"
VIDEO_MJPEG = "video.mjpeg"
FRAMES = "frames.csv"
SENSORS = "sensors.jsonl"
EVENTS = "events.jsonl"
EXPECT = "expect.toml"

FRAMES_HEADER = "index,t"
FRAMES_HEADER_MJPEG = "index,t,offset,length"

ASSETS_PREFIX = "assets:"  # a [video] path inside the asset folder (REARGUARD_ASSETS)

PRESS_KINDS = ("short", "long")


class SessionError(ValueError):
    """A session folder that cannot be read as a whole. The message names the file and line."""


def split_lines(data: bytes, where: str) -> tuple[list[bytes], str | None]:
    """Complete lines of a line-oriented file, and a note if an unfinished last line was dropped.

    Trailing NUL bytes (what a filesystem leaves after a power cut) count as unfinished.
    """
    body = data.rstrip(b"\0")
    lines = body.split(b"\n")
    tail = lines.pop()  # text after the last newline: empty, or a line still being written
    note = f"{where}: dropped an unfinished last line ({len(tail)} bytes)" if tail else None
    return lines, note
