"""Pinhole projection from the world (see motion.py for the axes) into the video's pixels."""

from __future__ import annotations

import math

import numpy as np

from rearguard.core.geometry import CameraIntrinsics, lens_intrinsics
from rearguard.synth.motion import Pose


def video_intrinsics(lens: str, width: int, height: int) -> CameraIntrinsics:
    """The configured lens at the video's size. The 16:9 video modes bin the whole sensor
    (4608 x 2592), so the pixels stay square."""
    return lens_intrinsics(lens).scaled_to(width, height)


def project(k: CameraIntrinsics, pose: Pose, x: np.ndarray, y: np.ndarray,
            z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World points (x right, y up, z ahead) -> pixel u, v and depth along the optical axis."""
    p, r = math.radians(pose.pitch_deg), math.radians(pose.roll_deg)
    dx = np.asarray(x, np.float64) - pose.x
    down = pose.height_m - np.asarray(y, np.float64)
    ahead = np.asarray(z, np.float64) - pose.z
    zc = ahead * math.cos(p) + down * math.sin(p)
    yc = -ahead * math.sin(p) + down * math.cos(p)
    xr = dx * math.cos(r) - yc * math.sin(r)
    yr = dx * math.sin(r) + yc * math.cos(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        return k.cx + k.fx * xr / zc, k.cy + k.fy * yr / zc, zc


def ground_rays(k: CameraIntrinsics, pose: Pose, u: np.ndarray,
                v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the ray through each pixel meets the ground: (x, z) world metres and the distance
    ahead; NaN above the horizon."""
    p, r = math.radians(pose.pitch_deg), math.radians(pose.roll_deg)
    xn, yn = (u - k.cx) / k.fx, (v - k.cy) / k.fy
    xc = xn * math.cos(r) + yn * math.sin(r)  # undo the roll
    yc = -xn * math.sin(r) + yn * math.cos(r)
    ahead = math.cos(p) - yc * math.sin(p)  # the ray (xc, yc, 1) in world directions
    down = math.sin(p) + yc * math.cos(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(down > 1e-4, pose.height_m / down, np.nan)
    dist = scale * ahead
    return pose.x + scale * xc, pose.z + dist, dist
