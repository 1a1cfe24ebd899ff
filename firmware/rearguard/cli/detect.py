"""``rearguard detect IMAGE_OR_VIDEO``: what the detector finds in a photo or a clip."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import cv2

from rearguard.boards import board_profile
from rearguard.cli import UsageError
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.messages import DetectionSet, Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="run the detector on a photo or a clip",
                       description="Print what the detector finds (class, score, box in "
                                   "pixels), to check a model on your own pictures.")
    p.add_argument("source", type=Path, help="a photo or a video file")
    p.add_argument("--config", type=Path, help="config file (detector section)")
    p.add_argument("--model", help="catalog model name (overrides the config)")
    p.add_argument("--every", type=int, default=1, help="video: every Nth frame")
    p.add_argument("--json", action="store_true", help="one JSON object per frame")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    detector_config = config.detector
    if args.model:
        from dataclasses import replace

        detector_config = replace(detector_config, model=args.model)
    detector = open_detector(detector_config, board_profile(config.board.profile))
    for frame in _frames(args.source, max(args.every, 1)):
        _print(detector.detect(frame), args.json)
    return 0


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


def _print(ds: DetectionSet, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"frame": ds.frame_index, "t": round(ds.t, 3), "detections": [
            {"label": d.label, "score": round(d.score, 3), "box": [round(v, 1) for v in d.box]}
            for d in ds.detections]}))
        return
    print(f"frame {ds.frame_index} (t {ds.t:.2f} s): {len(ds.detections)} found")
    for d in ds.detections:
        x1, y1, x2, y2 = d.box
        print(f"  {d.label:<14} {d.score:.2f}  [{x1:.0f}, {y1:.0f}, {x2:.0f}, {y2:.0f}]")
