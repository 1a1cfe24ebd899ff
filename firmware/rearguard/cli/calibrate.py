"""``rearguard calibrate IMAGES...``: the camera's intrinsics from photos of a checkerboard.

Print a checkerboard (OpenCV's pattern.png, or any with square cells), glue it flat to card,
and take 10-20 photos with the Rearguard camera at the detector's resolution, tilting and
moving the board across the whole picture. The result goes to a TOML file that the config
(``camera.lens = "calibrated"``, ``camera.calibration_file``) and recorded sessions use.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from rearguard.cli import UsageError
from rearguard.config.lens import save_intrinsics
from rearguard.core.geometry import CameraIntrinsics

CRITERIA = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.001)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="camera intrinsics from checkerboard photos",
                       description="The camera's intrinsics from 10-20 photos of a flat "
                                   "checkerboard taken with the Rearguard camera at the "
                                   "detector's resolution.")
    p.add_argument("images", type=Path, nargs="+", help="the checkerboard photos")
    p.add_argument("--board", default="9x6",
                   help="inner corners per row x per column (default 9x6)")
    p.add_argument("--square-mm", type=float, default=25.0,
                   help="side of one square in millimetres (default 25)")
    p.add_argument("--out", type=Path, default=Path("camera.toml"),
                   help="the intrinsics file to write (default camera.toml), for "
                        "camera.calibration_file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        cols, rows = (int(v) for v in args.board.lower().split("x"))
    except ValueError:
        raise UsageError(f"--board: expected inner corners like 9x6, got {args.board!r}") from None
    result = calibrate(args.images, (cols, rows), args.square_mm / 1000)
    k, rms, distortion, used = result
    save_intrinsics(args.out, k, rms_px=rms, distortion=distortion, images=used)
    print(f"{args.out}: fx {k.fx:.1f}, fy {k.fy:.1f}, cx {k.cx:.1f}, cy {k.cy:.1f} at "
          f"{k.width}x{k.height}; reprojection error {rms:.2f} px from {used} images")
    return 0


def calibrate(images: list[Path], corners: tuple[int, int], square_m: float):
    """(intrinsics, RMS reprojection error in px, distortion, images used)."""
    board = np.zeros((corners[0] * corners[1], 3), np.float32)
    board[:, :2] = np.mgrid[0:corners[0], 0:corners[1]].T.reshape(-1, 2) * square_m
    object_points, image_points, size = [], [], None
    for path in images:
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            raise UsageError(f"{path}: not an image OpenCV can read")
        if size is not None and gray.shape[::-1] != size:
            raise UsageError(f"{path}: {gray.shape[1]}x{gray.shape[0]}, but the first image "
                             f"was {size[0]}x{size[1]}: use one resolution")
        size = gray.shape[::-1]
        found, points = cv2.findChessboardCorners(gray, corners)
        if not found:
            continue
        points = cv2.cornerSubPix(gray, points, (11, 11), (-1, -1), CRITERIA)
        object_points.append(board)
        image_points.append(points)
    if len(image_points) < 3:
        raise UsageError(f"found the {corners[0]}x{corners[1]} board in {len(image_points)} of "
                         f"{len(images)} images; need at least 3 (check --board)")
    rms, matrix, distortion, _, _ = cv2.calibrateCamera(object_points, image_points, size, None,
                                                        None)
    k = CameraIntrinsics(float(matrix[0, 0]), float(matrix[1, 1]), float(matrix[0, 2]),
                         float(matrix[1, 2]), int(size[0]), int(size[1]))
    return k, float(rms), [float(d) for d in distortion.ravel()], len(image_points)
