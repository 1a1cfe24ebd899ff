"""What a session's meta.toml says about the device that recorded it: its config snapshot,
how its camera was mounted, which rangefinders it had and the camera's intrinsics.

Replay, report and the scripts that build fixtures all read a recording's settings here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rearguard.config import Config, ConfigError, parse_config
from rearguard.config.loader import build_table
from rearguard.config.schema import MountingConfig, RangefinderConfig
from rearguard.core.geometry import CameraIntrinsics, intrinsics_from_hfov
from rearguard.session.reader import Session

# A lens's horizontal field of view as a clip may state it (meta.toml [camera] hfov_deg, or
# replay --hfov): from a long telephoto to a fisheye.
HFOV_MIN_DEG, HFOV_MAX_DEG = 10.0, 170.0


def config_for_session(config: Config, session: Session) -> Config:
    """The config with the recording's own mounting and rangefinders, which describe the footage.

    The config describes the device; a session says how the camera that filmed it was mounted
    and which rangefinders it had. Where the session says so, the session wins.
    """
    meta_file = f"{session.path}/meta.toml"
    changes: dict[str, Any] = {}
    if "mounting" in session.meta:
        changes["mounting"] = build_table(MountingConfig, session.meta["mounting"], meta_file,
                                          "mounting.")
    if "rangefinders" in session.meta:
        changes["rangefinders"] = [
            build_table(RangefinderConfig, r, meta_file, f"rangefinders[{i}].")
            for i, r in enumerate(session.meta["rangefinders"])]
    elif not session.rangefinder_names:
        changes["rangefinders"] = []
    if session.mirrored:  # the picture is mirrored: so is where each rangefinder points
        changes["rangefinders"] = [dataclasses.replace(r, bearing_deg=-r.bearing_deg)
                                   for r in changes.get("rangefinders", config.rangefinders)]
    return dataclasses.replace(config, **changes)


def recorded_config(session: Session) -> Config | None:
    """The config snapshot the device stored in meta.toml [config], if any."""
    snapshot = session.meta.get("config")
    if snapshot is None:
        return None
    return parse_config(snapshot, f"{session.path}/meta.toml [config]")


def session_intrinsics(session: Session) -> CameraIntrinsics | None:
    """The recording camera's intrinsics from meta.toml [camera], if it has them.

    [camera] holds fx, fy, cx, cy, width, height; or, for a clip from a camera nobody
    calibrated, just hfov_deg (the horizontal field of view) at the video's size.
    """
    cam = session.meta.get("camera", {})
    if "hfov_deg" in cam:
        hfov = cam["hfov_deg"]
        if not isinstance(hfov, int | float) or not HFOV_MIN_DEG <= hfov <= HFOV_MAX_DEG:
            raise ConfigError(f"{session.path}/meta.toml: [camera] hfov_deg: expected degrees "
                              f"from {HFOV_MIN_DEG:g} to {HFOV_MAX_DEG:g}, got {hfov!r}")
        return intrinsics_from_hfov(float(hfov), *video_size(session))
    keys = ("fx", "fy", "cx", "cy", "width", "height")
    if not all(k in cam for k in keys):
        return None
    try:
        recorded = CameraIntrinsics(*(float(cam[k]) if k[0] != "w" and k[0] != "h"
                                      else int(cam[k]) for k in keys))
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{session.path}/meta.toml: [camera]: expected numbers fx, fy, cx, "
                          f"cy, width, height: {e}") from None
    # Played mirrored, the principal point is mirrored too (a pixel's bearing changes sign).
    if session.mirrored:
        return dataclasses.replace(recorded, cx=recorded.width - recorded.cx)
    return recorded


def video_size(session: Session) -> tuple[int, int]:
    """(width, height) of the session's frames: from meta.toml [video], else its first frame."""
    video = session.meta.get("video", {})
    if "width" in video and "height" in video:
        return int(video["width"]), int(video["height"])
    frame = next(session.frames())
    return frame.image.shape[1], frame.image.shape[0]
