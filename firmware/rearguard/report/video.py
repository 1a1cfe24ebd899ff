"""The annotated video: every frame with what the firmware made of it, as H.264 in MP4.

Browsers play H.264 (with yuv420p pixels and the index at the front of the file); OpenCV's own
MP4 writer only offers MPEG-4 part 2, which they do not. The encoder is the ffmpeg binary that
the imageio-ffmpeg package ships (the optional ``report`` extra), fed raw frames on a pipe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rearguard.cli import UsageError
from rearguard.messages import RangeReading
from rearguard.report.common import LEVEL_COLOURS, level_at, level_changes, track_colour
from rearguard.session import Session

FONT = cv2.FONT_HERSHEY_SIMPLEX


Progress = Callable[[int, int], None]


def annotate_video(session: Session, events: list[dict[str, Any]], out: Path,
                   progress: Progress | None = None) -> Path:
    """Write ``out`` (H.264 MP4): boxes, track ids, distance, time to contact, level, range."""
    tracks = defaultdict(list)
    detections = defaultdict(list)
    for e in events:
        if e["kind"] == "track":
            tracks[round(e["t"], 4)].append(e)
        elif e["kind"] == "detection":
            detections[e["frame"]].append(e)
    changes = level_changes(events)
    ranges = [s for s in session.sensors if isinstance(s, RangeReading)]
    writer = None
    latest: dict[int, dict[str, Any]] = {}
    try:
        for frame in session.frames():
            image = frame.image
            if writer is None:
                writer = _h264_writer(out, image.shape, video_fps(session))
            for d in detections.get(frame.index, []):
                x1, y1, x2, y2 = (int(v) for v in d["box"])
                cv2.rectangle(image, (x1, y1), (x2, y2), (170, 170, 170), 1)
            for e in tracks.get(round(frame.t, 4), []):
                latest[e["id"]] = e
            for e in list(latest.values()):
                if frame.t - e["t"] > 0.6:
                    del latest[e["id"]]
                    continue
                _draw_track(image, e)
            _banner(image, level_at(changes, frame.t), _range_at(ranges, frame.t),
                    frame.t - float(session.frame_times[0]))  # the page's times
            writer.send(np.ascontiguousarray(image[:, :, ::-1]))  # ffmpeg is fed RGB
            if progress is not None:
                progress(frame.index + 1, session.frame_count)
    finally:
        if writer is not None:
            writer.close()
    return out


def video_fps(session: Session) -> float:
    """The frame rate that makes the video last as long as the recording did."""
    times = session.frame_times
    if len(times) > 1 and times[-1] > times[0]:
        return (len(times) - 1) / float(times[-1] - times[0])
    return float(session.meta.get("video", {}).get("fps") or 10.0)


def _h264_writer(out: Path, shape: tuple[int, ...], fps: float):
    try:
        import imageio_ffmpeg
    except ImportError:
        raise UsageError("the report's video needs imageio-ffmpeg: pip install "
                         "'rearguard[report]' (or use --no-video)") from None
    height, width = shape[:2]
    # yuv420p and +faststart: what browsers need to play the file while it downloads. An odd
    # width or height is padded by ffmpeg (macro_block_size 2 is the least H.264 takes).
    writer = imageio_ffmpeg.write_frames(
        str(out), (width, height), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
        quality=None, bitrate=None, macro_block_size=2, ffmpeg_log_level="error",
        output_params=["-crf", "26", "-preset", "veryfast", "-movflags", "+faststart"])
    writer.send(None)  # starts ffmpeg
    return writer


def _draw_track(image, e: dict[str, Any]) -> None:
    x1, y1, x2, y2 = (int(v) for v in e["box"])
    colour = track_colour(e["id"])
    cv2.rectangle(image, (x1, y1), (x2, y2), colour, 2)
    parts = [f"#{e['id']} {e['label']}"]
    if "distance_m" in e:
        parts.append(f"{e['distance_m']:.1f} m")
    if "ttc_s" in e:
        parts.append(f"ttc {e['ttc_s']:.1f} s")
    text = " ".join(parts)
    (w, h), _ = cv2.getTextSize(text, FONT, 0.45, 1)
    top = max(y1 - h - 6, 0)
    cv2.rectangle(image, (x1, top), (x1 + w + 4, top + h + 6), colour, cv2.FILLED)
    cv2.putText(image, text, (x1 + 2, top + h + 2), FONT, 0.45, (255, 255, 255), 1, cv2.LINE_AA)


def _range_at(ranges: list[RangeReading], t: float) -> str:
    last = None
    for r in ranges:
        if r.t > t:
            break
        last = r
    if last is None or t - last.t > 0.5:
        return "rangefinder: -"
    return "rangefinder: no echo" if last.distance_m is None else \
        f"rangefinder: {last.distance_m:.2f} m"


def _banner(image, level: str, ranging: str, t: float) -> None:
    width = image.shape[1]
    cv2.rectangle(image, (0, 0), (width, 26), LEVEL_COLOURS[level], cv2.FILLED)
    cv2.putText(image, f"{level}   t {t:6.2f} s   {ranging}", (8, 18), FONT, 0.55,
                (255, 255, 255), 1, cv2.LINE_AA)
