"""`rearguard calibrate` on checkerboard photos rendered with a known camera."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from rearguard.cli import main
from rearguard.config import parse_config
from rearguard.config.lens import camera_intrinsics, load_intrinsics
from rearguard.core.geometry import lens_intrinsics

K_TRUE = np.array([[500.0, 0, 320], [0, 500.0, 240], [0, 0, 1]])
CORNERS = (9, 6)
SQUARE_PX = 40  # the board image: 10 x 7 squares


def board_image() -> np.ndarray:
    cells = np.indices((7, 10)).sum(axis=0) % 2
    board = np.kron(cells, np.ones((SQUARE_PX, SQUARE_PX))) * 255
    return np.pad(board, SQUARE_PX, constant_values=255).astype(np.uint8)


def photograph(board: np.ndarray, rotation_deg, distance_m: float) -> np.ndarray:
    """The board (0.4 x 0.28 m, 4 cm squares) seen by K_TRUE from a pose."""
    metres_per_px = 0.04 / SQUARE_PX
    rx, ry, rz = (np.radians(a) for a in rotation_deg)
    rotation, _ = cv2.Rodrigues(np.array([rx, ry, rz]))
    centre = np.array([board.shape[1] / 2, board.shape[0] / 2]) * metres_per_px
    t = np.array([0.0, 0.0, distance_m]) - rotation @ np.array([*centre, 0.0])
    # board pixel -> board metres -> camera -> image: a homography
    to_metres = np.diag([metres_per_px, metres_per_px, 1.0])
    homography = K_TRUE @ np.column_stack([rotation[:, 0], rotation[:, 1], t]) @ to_metres
    return cv2.warpPerspective(board, homography, (640, 480), borderValue=128)


def test_calibration_recovers_the_camera(tmp_path, capsys):
    board = board_image()
    poses = [((0, 0, 0), 0.7), ((20, 0, 5), 0.8), ((-20, 10, 0), 0.75), ((0, 25, -5), 0.8),
             ((15, -20, 10), 0.9), ((-10, -25, 0), 0.85), ((25, 15, 0), 0.9)]
    paths = []
    for i, (rotation, distance) in enumerate(poses):
        path = tmp_path / f"board{i}.png"
        cv2.imwrite(str(path), photograph(board, rotation, distance))
        paths.append(str(path))
    out = tmp_path / "camera.toml"
    assert main(["calibrate", *paths, "--board", "9x6", "--square-mm", "40", "--out",
                 str(out)]) == 0
    k = load_intrinsics(out)
    assert k.fx == pytest.approx(500, rel=0.02) and k.fy == pytest.approx(500, rel=0.02)
    assert k.cx == pytest.approx(320, abs=8) and k.cy == pytest.approx(240, abs=8)
    assert (k.width, k.height) == (640, 480)
    config = parse_config({"camera": {"lens": "calibrated", "calibration_file": str(out)}})
    assert camera_intrinsics(config.camera) == k  # the config reads the file


def test_too_few_boards_is_a_clear_error(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((480, 640), 128, np.uint8))
    assert main(["calibrate", str(blank), "--out", str(tmp_path / "c.toml")]) == 2
    assert "found the 9x6 board in 0 of 1 images" in capsys.readouterr().err


def test_camera_module_3_defaults():
    normal, wide = lens_intrinsics("cm3-normal"), lens_intrinsics("cm3-wide")
    hfov = lambda k: np.degrees(2 * np.arctan(k.width / 2 / k.fx))  # noqa: E731
    assert 64 < hfov(normal) < 70  # published 66 degrees
    assert 96 < hfov(wide) < 104  # published 102 degrees (the pinhole model understates it)
