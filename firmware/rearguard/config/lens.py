"""The configured lens as intrinsics: Camera Module 3 defaults or a `rearguard calibrate` file.

The core never reads files; the loop drivers call :func:`camera_intrinsics` and hand the
result to the core.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from rearguard.config.loader import ConfigError
from rearguard.config.schema import CameraConfig
from rearguard.core.geometry import CameraIntrinsics, lens_intrinsics


def camera_intrinsics(camera: CameraConfig) -> CameraIntrinsics:
    """The configured lens: a calibration file, or the documented Camera Module 3 defaults."""
    if camera.lens == "calibrated":
        return load_intrinsics(Path(camera.calibration_file))
    return lens_intrinsics(camera.lens)


def save_intrinsics(path: Path, k: CameraIntrinsics, *, rms_px: float | None = None,
                    distortion: list[float] | None = None, images: int | None = None) -> None:
    """Write intrinsics as a small TOML file (what `rearguard calibrate` produces)."""
    lines = ["# Camera intrinsics from `rearguard calibrate` (pixels, at width x height).",
             "[camera]"]
    lines += [f"{name} = {getattr(k, name)!r}" for name in ("fx", "fy", "cx", "cy", "width",
                                                             "height")]
    if distortion is not None:
        lines.append(f"distortion = [{', '.join(repr(float(d)) for d in distortion)}]")
    if rms_px is not None:
        lines.append(f"rms_reprojection_px = {rms_px!r}")
    if images is not None:
        lines.append(f"images = {images}")
    path.write_text("\n".join(lines) + "\n")


def load_intrinsics(path: Path) -> CameraIntrinsics:
    try:
        table = tomllib.loads(path.read_text())["camera"]
        return CameraIntrinsics(float(table["fx"]), float(table["fy"]), float(table["cx"]),
                                float(table["cy"]), int(table["width"]), int(table["height"]))
    except FileNotFoundError:
        raise ConfigError(f"camera.calibration_file: {path} does not exist (run "
                          f"`rearguard calibrate`)") from None
    except (KeyError, ValueError, TypeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: expected a [camera] table with fx, fy, cx, cy, width, "
                          f"height from `rearguard calibrate`: {e}") from None
