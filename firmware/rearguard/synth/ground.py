"""The world behind the objects: sky, a real backdrop far away, and a textured path or road.

The ground is a texture in world metres (3 cm a pixel), mapped onto the ground plane through
the camera for every frame (cv2.remap), so it streams past at the runner's speed and rocks with
the gait. The backdrop is a strip of a real photo stood up at its distance; it stays at that
distance (distant scenery does not visibly approach in a few seconds of running).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from rearguard.core.geometry import CameraIntrinsics
from rearguard.synth.camera import ground_rays, project
from rearguard.synth.motion import Pose

M_PER_PX = 0.03
TEXTURE_WIDTH_M = 36.0  # the texture spans x in [-18, 18] m and repeats beyond
TEXTURE_LENGTH_M = 24.0  # and repeats every 24 m along the path
MAP_STEP = 4  # pixels per point of the grid where rays are cast
HAZE_M = 120.0  # contrast falls by e over this distance (air, and it hides aliasing far off)
SKY_TOP, SKY_HORIZON = (205, 160, 120), (235, 215, 200)  # BGR


def ground_texture(kind: str, seed: int) -> np.ndarray:
    """A gravel path through grass, or an asphalt road with a dashed centre line; BGR."""
    rng = np.random.default_rng(seed)
    w, h = int(TEXTURE_WIDTH_M / M_PER_PX), int(TEXTURE_LENGTH_M / M_PER_PX)
    x = (np.arange(w) + 0.5) * M_PER_PX - TEXTURE_WIDTH_M / 2
    fine = rng.normal(0, 1, (h, w)).astype(np.float32)
    coarse = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 12)
    coarse /= coarse.std() + 1e-6
    img = np.empty((h, w, 3), np.float32)
    if kind == "road":
        img[:] = (88, 90, 92)
        img += (fine * 9 + coarse * 5)[..., None]
        edge = (np.abs(np.abs(x) - 3.4) < 0.06)[None, :]  # solid edge lines
        dash = ((np.arange(h) * M_PER_PX) % 6.0 < 3.0)[:, None] & (np.abs(x) < 0.06)[None, :]
        img[np.broadcast_to(edge, (h, w)) | dash] = (215, 218, 220)
        verge = np.broadcast_to((np.abs(x) > 4.0)[None, :], (h, w))
        img[verge] = (img[verge] - 88) * 0.6 + np.array((55, 105, 80), np.float32)
    else:
        img[:] = (120, 150, 170)  # gravel, BGR
        img += (fine * 14 + coarse * 7)[..., None]
        border = 1.25 + 0.08 * cv2.GaussianBlur(rng.normal(0, 1, (h, 1)).astype(np.float32),
                                                (0, 0), 20)
        grass = np.abs(x)[None, :] > border
        green = np.array((50, 125, 75), np.float32) + (fine * 16 + coarse * 12)[..., None]
        img = np.where(grass[..., None], green, img)
    return cv2.GaussianBlur(img, (3, 3), 0).clip(0, 255).astype(np.uint8)


class Background:
    """Draws sky, backdrop and ground for a pose into a new frame."""

    def __init__(self, k: CameraIntrinsics, texture: np.ndarray, backdrop: np.ndarray | None,
                 backdrop_height_m: float, backdrop_distance_m: float):
        self.k = k
        self.texture = texture
        self.backdrop = backdrop
        self.backdrop_h, self.backdrop_d = backdrop_height_m, backdrop_distance_m
        w, h = k.width, k.height
        # The ground's texture coordinates are smooth: computed on a coarse grid, scaled up.
        n = MAP_STEP
        uu, vv = np.meshgrid(np.arange(w // n, dtype=np.float64) * n + (n - 1) / 2,
                             np.arange(h // n, dtype=np.float64) * n + (n - 1) / 2)
        self.uu, self.vv = uu, vv
        rows = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        sky = np.array(SKY_TOP, np.float32) * (1 - rows) + np.array(SKY_HORIZON) * rows
        self.sky = np.ascontiguousarray(np.broadcast_to(sky, (h, w, 3)), dtype=np.uint8)
        self.haze = np.array(SKY_HORIZON, np.float32)
        self._buffer = np.empty(self.sky.shape, np.uint8)

    def draw(self, pose: Pose) -> np.ndarray:
        """The background for ``pose``, in a buffer reused from frame to frame (a fresh 2.7 MB
        array every frame costs more in page faults than the copy itself)."""
        frame = self._buffer
        np.copyto(frame, self.sky)
        if self.backdrop is not None:
            self._backdrop(frame, pose)
        self._ground(frame, pose)
        return frame

    def _backdrop(self, frame: np.ndarray, pose: Pose) -> None:
        bh, bw = self.backdrop.shape[:2]
        width_m = self.backdrop_h * bw / bh
        z = pose.z + self.backdrop_d
        xs = np.array([-width_m / 2, width_m / 2, width_m / 2, -width_m / 2]) + pose.x
        ys = np.array([self.backdrop_h, self.backdrop_h, 0.0, 0.0])
        u, v, _ = project(self.k, pose, xs, ys, np.full(4, z))
        src = np.float32([[0, 0], [bw, 0], [bw, bh], [0, bh]])
        m = cv2.getPerspectiveTransform(src, np.float32(np.c_[u, v]))
        cv2.warpPerspective(self.backdrop, m, (self.k.width, self.k.height), dst=frame,
                            flags=cv2.INTER_AREA, borderMode=cv2.BORDER_TRANSPARENT)

    def _ground(self, frame: np.ndarray, pose: Pose) -> None:
        gx, gz, dist = ground_rays(self.k, pose, self.uu, self.vv)
        far = self.backdrop_d if self.backdrop is not None else math.inf
        hit = np.isfinite(dist) & (dist < far)
        if not hit.any():
            return
        # Counted from the start of the texture's current period: map values stay small enough
        # for remap's fixed point, and BORDER_WRAP repeats the texture beyond.
        start = math.floor(pose.z / TEXTURE_LENGTH_M) * TEXTURE_LENGTH_M
        mx = ((gx + TEXTURE_WIDTH_M / 2) / M_PER_PX).astype(np.float32)
        my = ((gz - start) / M_PER_PX).astype(np.float32)
        # Only the rows from just above the first one that sees ground: the sky needs no rays.
        r0 = max(int(np.argmax(hit.any(axis=1))) - 1, 0)
        top = r0 * MAP_STEP
        size = (self.k.width, self.k.height - top)
        mx = cv2.resize(np.where(hit, mx, 0)[r0:], size)
        my = cv2.resize(np.where(hit, my, 0)[r0:], size)
        fade = np.where(hit, np.exp(-np.nan_to_num(dist, nan=1e9) / HAZE_M), 0)
        fade = cv2.resize(fade[r0:].astype(np.float32), size)
        ground = cv2.remap(self.texture, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        below = frame[top:]
        # Far ground fades into the haze at the horizon (where the sky's colour is the haze's).
        cv2.blendLinear(ground, below, fade, 1.0 - fade, dst=below)
