"""``rearguard detect IMAGE_OR_VIDEO``: what the detector finds in a photo or a clip.

Both views run as on the device: on a photo, the full view and the far view (the window around
the vanishing point, ``[far_view]``), merged, as the live loop does over two frames; on a clip,
the far view on the frames the live loop's schedule picks. Boxes are in the image's pixels and
say which view found them.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from rearguard.boards import board_profile
from rearguard.cli import UsageError
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.detection.farview import Crop, ViewScheduler, merge
from rearguard.messages import DetectionSet, Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
JPEG_START, JPEG_END, JPEG_SCAN = b"\xff\xd8", 0xD9, 0xDA
# Markers with no length field after them: restarts (inside a scan) and TEM.
_BARE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="run the detector on a photo or a clip",
                       description="Print what the detector finds (class, score, box in "
                                   "pixels, which view found it), to check a model on your "
                                   "own pictures.")
    p.add_argument("source", type=Path, help="a photo or a video file")
    p.add_argument("--config", type=Path, help="config file (detector section)")
    p.add_argument("--model", help="catalog model name (overrides the config)")
    p.add_argument("--every", type=int, default=1, help="video: every Nth frame")
    p.add_argument("--json", action="store_true", help="one JSON object per frame")
    p.add_argument("--no-far-view", action="store_true", help="the full view only")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    detector_config = config.detector
    if args.model:
        detector_config = replace(detector_config, model=args.model)
    board = board_profile(config.board.profile)
    detector = open_detector(detector_config, board)
    far = replace(config.far_view, enabled=config.far_view.enabled and not args.no_far_view)
    still = args.source.suffix.lower() in IMAGE_SUFFIXES
    views = ViewScheduler.for_config(replace(config, far_view=far))
    for frame in _frames(args.source, max(args.every, 1)):
        views.model_board(board, detector, frame.size)  # the board's view times (as replay)
        if still and far.enabled:
            ds, crop = _both_views(views, detector, frame)
        else:
            far_runs = views.far_runs
            ds = views.detect(detector, frame)
            ran = views.far_runs > far_runs
            crop = views.window_for(frame.size, detector).crop if ran else None
        _print(ds, args.json, crop)
    return 0


def _both_views(views: ViewScheduler, detector, frame: Frame) -> tuple[DetectionSet, Crop]:
    """A photo: the full view and the far view merged, as the live loop does over two
    frames."""
    window = views.window_for(frame.size, detector)
    full = detector.detect(frame)
    found = merge(full.detections, views.far_view(detector, frame, window), detector.nms_iou,
                  window.crop, frame.size)
    return replace(full, detections=found), window.crop


def _frames(source: Path, every: int) -> Iterator[Frame]:
    if not source.is_file():
        raise UsageError(f"{source}: no such file")
    if source.suffix.lower() in IMAGE_SUFFIXES:
        data = np.fromfile(source, np.uint8)
        if data[:2].tobytes() == JPEG_START and not jpeg_is_whole(data.tobytes()):
            # libjpeg decodes what is there and greys the rest, with a warning only
            raise UsageError(f"{source}: the JPEG is cut short (no end-of-image marker after "
                             f"its image data); copy the photo again")
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if image is None:
            raise UsageError(f"{source}: OpenCV cannot read this image")
        yield Frame(0.0, 0, image)
        return
    capture = cv2.VideoCapture(str(source))
    if not capture.isOpened():
        raise UsageError(f"{source}: neither an image nor a video OpenCV can open")
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    index = 0
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            if index % every == 0:
                yield Frame(index / fps, index, image)
            index += 1
    finally:
        capture.release()


def _print(ds: DetectionSet, as_json: bool, crop: Crop | None) -> None:
    window = None if crop is None else [crop.x, crop.y, crop.x + crop.width,
                                        crop.y + crop.height]
    if as_json:
        print(json.dumps({"frame": ds.frame_index, "t": round(ds.t, 3), "far_view": window,
                          "detections": [
            {"label": d.label, "score": round(d.score, 3), "box": [round(v, 1) for v in d.box],
             "view": d.view} for d in ds.detections]}))
        return
    far = "full view only" if window is None else f"far view {window}"
    print(f"frame {ds.frame_index} (t {ds.t:.2f} s): {len(ds.detections)} found ({far})")
    for d in ds.detections:
        x1, y1, x2, y2 = d.box
        print(f"  {d.label:<14} {d.score:.2f}  [{x1:.0f}, {y1:.0f}, {x2:.0f}, {y2:.0f}]  "
              f"{d.view}")


def jpeg_is_whole(data: bytes) -> bool:
    """Does the JPEG in ``data`` reach its end-of-image marker?

    Walks the file's segments (each states its length) and, after each scan header, the
    scan's coded data to the next marker (in coded data a 0xFF byte is followed by 0x00, a
    restart marker or another 0xFF). A file cut short ends inside a segment or a scan. A
    check for the last two bytes would not do: cameras append data after the image (a motion
    photo's video), and an EXIF thumbnail holds an end marker of its own before the image.
    """
    pos, size = 2, len(data)
    while pos + 2 <= size:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == JPEG_END:
            return True
        if marker in _BARE_MARKERS:
            pos += 2
            continue
        if pos + 4 > size:
            return False
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == JPEG_SCAN:
            pos = _scan_end(data, pos)
    return False


def _scan_end(data: bytes, pos: int) -> int:
    """Where the coded data starting at ``pos`` ends: the next marker, or the data's end."""
    size = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= size:
            return size
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2  # a stuffed 0xFF or a restart marker: still coded data
        elif following == 0xFF:
            pos += 1
        else:
            return pos
