"""Draw one frame: background, the objects far to near (occlusion by depth), motion blur over
the shutter time, the light level, sensor noise. JPEG compression happens in the writer.

Objects are flat cut-outs standing upright on the ground at their nearest surface, facing the
path (billboards): a cut-out of a real object scaled to its real height, projected through the
lens with the runner's pose (a perspective warp of its four corners).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from rearguard.core.geometry import CameraIntrinsics
from rearguard.synth.camera import project
from rearguard.synth.ground import Background
from rearguard.synth.motion import Pose, object_lift, object_position, runner_pose
from rearguard.synth.scene import Look, Runner, SceneObject

NEAREST_M = 0.05  # nearer than this to the lens plane, a cut-out is not drawn
NOISE_MARGIN = 97  # how far the noise window moves between frames, pixels


@dataclass(frozen=True)
class Sprite:
    """An object with its cut-out and real size."""

    obj: SceneObject
    image: np.ndarray  # BGRA
    height_m: float
    width_m: float


@dataclass
class Drawn:
    """What became of one object in one frame."""

    box: tuple[float, float, float, float] | None  # projected full extent, pixels (unclipped)
    pixels: int  # pixels of the frame that show it (in the image, not hidden by nearer ones)


def sprite_quad(s: Sprite, t: float, pose: Pose,
                k: CameraIntrinsics) -> tuple[np.ndarray, float] | None:
    """Pixel corners (TL, TR, BR, BL) of the object's cut-out, and its depth; None if it is at or
    behind the lens plane."""
    z, x = object_position(s.obj, t)
    xs = np.array([x - s.width_m / 2, x + s.width_m / 2, x + s.width_m / 2, x - s.width_m / 2])
    ys = np.array([s.height_m, s.height_m, 0.0, 0.0]) + object_lift(s.obj, t)
    u, v, depth = project(k, pose, xs, ys, np.full(4, z))
    if depth.min() < NEAREST_M:
        return None
    return np.c_[u, v], float(depth.mean())


class Renderer:
    def __init__(self, k: CameraIntrinsics, look: Look, runner: Runner, sprites: list[Sprite],
                 background: Background, seed: int):
        self.k, self.look, self.runner = k, look, runner
        self.sprites = sprites
        self.background = background
        self.seed = seed
        self.lut = _light_lut(look.light)
        self._field: np.ndarray | None = None

    def frame(self, index: int, t: float) -> tuple[np.ndarray, list[Drawn]]:
        pose = runner_pose(self.runner, t)
        image = self.background.draw(pose)
        self._camera_blur(image, t, pose)
        owner = np.zeros((self.k.height, self.k.width), np.int16)  # which sprite a pixel shows
        drawn = [Drawn(None, 0) for _ in self.sprites]
        placed = []
        for i, s in enumerate(self.sprites):
            quad = sprite_quad(s, t, pose, self.k)
            if quad is not None:
                placed.append((quad[1], i, quad[0]))
        for _, i, corners in sorted(placed, key=lambda p: -p[0]):  # far to near
            drawn[i].box = _bounds(corners)
            self._paint(image, owner, i, corners, t)
        counts = np.bincount(owner.ravel(), minlength=len(self.sprites) + 1)
        for i, d in enumerate(drawn):
            d.pixels = int(counts[i + 1])
        if self.look.light != 1.0:
            image = cv2.LUT(image, self.lut)
        return self._noise(image, index), drawn

    def _paint(self, image: np.ndarray, owner: np.ndarray, i: int, corners: np.ndarray,
               t: float) -> None:
        s = self.sprites[i]
        x1, y1, x2, y2 = _bounds(corners)
        h, w = image.shape[:2]
        left, top = max(math.floor(x1) - 2, 0), max(math.floor(y1) - 2, 0)
        right, bottom = min(math.ceil(x2) + 2, w), min(math.ceil(y2) + 2, h)
        if right <= left or bottom <= top:
            return
        src = s.image
        target_h = max(y2 - y1, 1.0)
        if src.shape[0] > 1.5 * target_h:  # shrink first: a warp alone would alias
            f = target_h / src.shape[0]
            src = cv2.resize(src, (max(int(src.shape[1] * f), 1), max(int(target_h), 1)),
                             interpolation=cv2.INTER_AREA)
        sh, sw = src.shape[:2]
        m = cv2.getPerspectiveTransform(np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]]),
                                        np.float32(corners - (left, top)))
        patch = cv2.warpPerspective(src, m, (right - left, bottom - top), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        patch = self._object_blur(patch, i, corners, t)
        alpha = patch[..., 3].astype(np.float32) * (1 / 255)
        roi = image[top:bottom, left:right]
        cv2.blendLinear(np.ascontiguousarray(patch[..., :3]), roi, alpha, 1 - alpha, dst=roi)
        owner[top:bottom, left:right][alpha > 0.5] = i + 1

    def _object_blur(self, patch: np.ndarray, i: int, corners: np.ndarray,
                     t: float) -> np.ndarray:
        """Smear the cut-out along its motion in the image while the shutter is open."""
        shutter = self.look.shutter_s
        if shutter <= 0:
            return patch
        later = sprite_quad(self.sprites[i], t + shutter, runner_pose(self.runner, t + shutter),
                            self.k)
        if later is None:
            return patch
        move = (later[0] - corners).mean(axis=0)
        return _smear(patch, float(move[0]), float(move[1]))

    def _camera_blur(self, image: np.ndarray, t: float, pose: Pose) -> None:
        """The gait moves the whole view during the exposure (pitch rock and bounce)."""
        shutter = self.look.shutter_s
        if shutter <= 0:
            return
        later = runner_pose(self.runner, t + shutter)
        dy = self.k.fy * math.radians(later.pitch_deg - pose.pitch_deg)
        dx = self.k.cx * math.radians(later.roll_deg - pose.roll_deg)  # at the image's edge
        image[:] = _smear(image, dx, -dy)

    def _noise(self, image: np.ndarray, index: int) -> np.ndarray:
        """Read noise of the sensor (Gaussian, grey levels), the same for the same seed: a window
        of a larger noise field at a random place for every frame (cheaper than fresh noise)."""
        if self.look.noise <= 0:
            return image.copy()  # never hand out the background's reused buffer
        h, w = image.shape[:2]
        if self._field is None:
            rng = np.random.default_rng([self.seed, 0x4E4F])
            self._field = (rng.standard_normal((h + NOISE_MARGIN, w + NOISE_MARGIN, 3),
                                               np.float32) * self.look.noise).astype(np.int16)
        rng = np.random.default_rng([self.seed, index])
        dy, dx = (int(v) for v in rng.integers(0, NOISE_MARGIN, 2))
        return cv2.add(image, self._field[dy:dy + h, dx:dx + w], dtype=cv2.CV_8U)


def _bounds(corners: np.ndarray) -> tuple[float, float, float, float]:
    return (float(corners[:, 0].min()), float(corners[:, 1].min()),
            float(corners[:, 0].max()), float(corners[:, 1].max()))


def _smear(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Average of the image shifted along (dx, dy): a box blur along a line."""
    length = math.hypot(dx, dy)
    if length < 1.0:
        return image
    n = math.ceil(length) | 1  # odd kernel
    if abs(dx) < 0.5 or abs(dy) < 0.5:  # along an axis: a box filter, much cheaper
        return cv2.blur(image, (n, 1) if abs(dy) < 0.5 else (1, n),
                        borderType=cv2.BORDER_REPLICATE)
    kernel = np.zeros((n, n), np.float32)
    c = n // 2
    for s in np.linspace(-0.5, 0.5, 2 * n):
        kernel[round(c + s * dy), round(c + s * dx)] += 1
    kernel /= kernel.sum()
    return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def _light_lut(light: float) -> np.ndarray:
    """Scene brightness: a gain in linear light, applied to sRGB-ish values (gamma 2.2)."""
    x = np.arange(256, dtype=np.float64) / 255.0
    y = np.clip((x ** 2.2) * light, 0, 1) ** (1 / 2.2)
    return np.round(y * 255).astype(np.uint8)
