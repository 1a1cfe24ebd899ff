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

from rearguard.boards import board_profile
from rearguard.cli import UsageError
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.detection.farview import Crop, ViewScheduler, merge
from rearguard.messages import DetectionSet, Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


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
        image = cv2.imread(str(source), cv2.IMREAD_COLOR)
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
