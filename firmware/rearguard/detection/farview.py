"""The far view: a full-resolution crop around the far end of the path, beside the full view.

The full view shrinks the whole frame into the model's input: a 1.7 m person 20 m away is
about 26 px tall in a 416 input, where recall is poor. The far view cuts a window of
1/``zoom`` of the frame around the vanishing point of the path (straight behind, on the horizon
the mounting pitch puts above or below the image centre) and feeds it to the same model, so
far people are ``zoom`` times larger in its input.

:class:`ViewScheduler` decides per frame which views run (the full view always; the far view
every ``far_view.every`` frames, less often when it would push the full view below
``far_view.min_full_view_hz`` on this board), runs them, and merges the far view's detections
into the full view's, in the frame's own pixels. On a slow board (a view longer than
``far_view.own_frame_after_ms``) the far view takes a frame of its own instead, alternating
with the full view, so no frame's detections wait for two views. Both the live loop and replay
call it, so both run the same views on the same frames. Each detection says which view found it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rearguard.config.lens import camera_intrinsics
from rearguard.config.schema import Config, FarViewConfig, MountingConfig
from rearguard.core.geometry import CameraIntrinsics, box_edge_px, side_cut_margin_px
from rearguard.core.tracking import iou
from rearguard.messages import Detection, DetectionSet, Frame, Obstacle

FULL, FAR = "full", "far"
# A box this near a window edge inside the frame is cut off by the window, as at the frame's
# own edges (side_cut_margin_px): at least 5 px, more for a coarse view's box (far_to_frame
# takes each far box's own). A far box ending 3 px short of the window's bottom was a near
# person's upper half, kept beside the full view's box of him.
CUT_PX = side_cut_margin_px()


@dataclass(frozen=True, slots=True)
class Crop:
    """A window of the frame, in the frame's pixels."""

    x: int
    y: int
    width: int
    height: int

    def inner_edges(self, frame_size: tuple[int, int]) -> tuple[bool, bool, bool, bool]:
        """Which of the crop's edges (left, top, right, bottom) lie inside the frame."""
        w, h = frame_size
        return self.x > 0, self.y > 0, self.x + self.width < w, self.y + self.height < h

    def holds(self, box: Sequence[float], frame_size: tuple[int, int] | None = None) -> bool:
        """Does ``box`` (frame pixels) lie wholly inside the window? Given the frame's size,
        also clear of the edges the window cuts (where the far view would have seen it
        whole)."""
        left, top, right, bottom = (
            CUT_PX if inner else 0.0
            for inner in (self.inner_edges(frame_size) if frame_size else (False,) * 4))
        return (box[0] >= self.x + left and box[1] >= self.y + top
                and box[2] <= self.x + self.width - right
                and box[3] <= self.y + self.height - bottom)


def far_crop(frame_size: tuple[int, int], k: CameraIntrinsics, mounting: MountingConfig,
             zoom: float) -> Crop:
    """The far view's window: 1/zoom of the frame, centred on the path's vanishing point.

    ``k`` is the camera at any resolution (it is scaled to the frame here). The horizon is
    ``fy * tan(pitch)`` above the principal point when the camera looks down by ``pitch``;
    the path runs straight back along the optical axis, so the vanishing point is at ``cx``.
    The window is moved inside the frame where it would stick out.
    """
    width, height = frame_size
    k = k.scaled_to(width, height)
    crop_w, crop_h = max(round(width / zoom), 1), max(round(height / zoom), 1)  # 1x1 photo
    vx = k.cx
    vy = k.cy - k.fy * math.tan(math.radians(mounting.pitch_deg))
    x = round(min(max(vx - crop_w / 2, 0), width - crop_w))
    y = round(min(max(vy - crop_h / 2, 0), height - crop_h))
    return Crop(x, y, crop_w, crop_h)


class Detects(Protocol):
    """What the scheduler needs of the detector (``rearguard.detection.Detector``)."""

    nms_iou: float

    def detect(self, frame: Frame) -> DetectionSet: ...


class ViewScheduler:
    """Which views run on each frame, and their detections merged in frame pixels.

    ``view_s``: the time one view takes on the board. Replay passes the board profile's
    modelled figure (so the schedule is deterministic); the live loop passes None, and the
    scheduler measures the full view itself.
    """

    def __init__(self, config: FarViewConfig, mounting: MountingConfig,
                 intrinsics: CameraIntrinsics, *, view_s: float | None = None):
        self.config, self.mounting, self.intrinsics = config, mounting, intrinsics
        self.view_s = view_s
        self._measured = view_s is None
        self._crop: tuple[tuple[int, int], Crop] | None = None
        self._since_far = 0
        self.views_run = 0  # views run on the last frame (1 or 2): replay's modelled cost
        # Set by the loop before each frame: is an obstacle nearer than far_view.near_m? Then
        # the full view's rate comes first; else the far view's reach.
        self.threat_near = False
        self.far_runs = 0

    @classmethod
    def for_config(cls, config: Config, intrinsics: CameraIntrinsics | None = None,
                   view_s: float | None = None) -> ViewScheduler:
        """The scheduler for a device's config (intrinsics: the configured lens by default)."""
        return cls(config.far_view, config.mounting, intrinsics or camera_intrinsics(config.camera),
                   view_s=view_s)

    def crop_for(self, frame_size: tuple[int, int]) -> Crop:
        if self._crop is None or self._crop[0] != frame_size:
            self._crop = (frame_size, far_crop(frame_size, self.intrinsics, self.mounting,
                                               self.config.zoom))
        return self._crop[1]

    @property
    def own_frame(self) -> bool:
        """Does the far view take a frame of its own (alternating with the full view) rather
        than run after the full view on the same frame? On a board whose view takes longer
        than ``far_view.own_frame_after_ms``: there, sharing a frame holds that frame's
        full-view detections back by a whole view, and the far view comes round seldom."""
        return self.view_s is not None and self.view_s * 1000.0 > self.config.own_frame_after_ms

    def far_every(self) -> int:
        """Frames per far view: ``every``, stretched so the full view keeps its minimum rate.

        With a view taking ``s`` and a far view every ``n`` frames: sharing a frame, a frame
        costs ``s * (1 + 1/n)``, and the full view keeps ``min_full_view_hz`` while that is at
        most ``1 / min_full_view_hz``; on frames of its own, the full view runs on ``1 - 1/n``
        of the frames, each ``s``. 0 means never (even the full view alone is too slow).
        """
        every = self.config.every
        if not self.threat_near or not self.view_s or not self.config.min_full_view_hz:
            return every
        if self.own_frame:
            spare = 1.0 - self.view_s * self.config.min_full_view_hz  # of the frames
            return 0 if spare <= 0 else max(every, math.ceil(1.0 / spare - 1e-9))
        budget = 1.0 / self.config.min_full_view_hz - self.view_s
        if budget <= 0:
            return 0
        return max(every, math.ceil(self.view_s / budget - 1e-9))

    def due(self) -> bool:
        """Does the far view run on the frame about to be detected?"""
        if not self.config.enabled:
            return False
        every = self.far_every()
        return every > 0 and self._since_far + 1 >= every

    def detect(self, detector: Detects, frame: Frame) -> DetectionSet:
        """Run the views due on this frame; one DetectionSet in frame pixels: the full view's,
        the far view's merged into it, or (on a frame of its own) the far view's alone."""
        far = self.due()
        own = far and self.own_frame
        self.views_run = 1
        if far:
            self._since_far = 0
            self.far_runs += 1
        else:
            self._since_far += 1
        full = None if own else self._timed(detector, frame)
        if not far:
            return full
        crop = self.crop_for(frame.size)
        found = self._timed(detector, crop_frame(frame, crop))
        far_detections = far_to_frame(found.detections, crop, frame.size)
        if full is None:  # the far view's frame: what it found, in the frame's pixels
            return DetectionSet(frame.t, frame.index, frame.size, far_detections)
        self.views_run = 2
        merged = merge(full.detections, far_detections, detector.nms_iou, crop, frame.size)
        return dataclasses.replace(full, detections=merged)

    def _timed(self, detector: Detects, frame: Frame) -> DetectionSet:
        """One view; live, its time feeds the running estimate of a view on this board."""
        began = time.perf_counter()
        found = detector.detect(frame)
        if self._measured:
            spent = time.perf_counter() - began
            self.view_s = spent if self.view_s is None else 0.8 * self.view_s + 0.2 * spent
        return found


def threat_near(obstacles: Sequence[Obstacle], near_m: float) -> bool:
    """Is any obstacle (camera track or echo) nearer than ``near_m``?"""
    return any(o.distance_m is not None and o.distance_m <= near_m for o in obstacles)


def crop_frame(frame: Frame, crop: Crop) -> Frame:
    """The far view's input: the window of the frame at full resolution (a view, no copy)."""
    window = frame.image[crop.y:crop.y + crop.height, crop.x:crop.x + crop.width]
    return Frame(frame.t, frame.index, window)


def far_to_frame(detections: Sequence[Detection], crop: Crop,
                 frame_size: tuple[int, int]) -> tuple[Detection, ...]:
    """Far-view boxes moved into frame pixels; boxes cut off by the crop's edges are dropped.

    An object cut by the window is seen whole by the full view, and the cut box would
    understate its height (and so overstate its distance).
    """
    inner = crop.inner_edges(frame_size)
    kept = []
    for d in detections:
        x1, y1, x2, y2 = d.box
        cut = side_cut_margin_px(box_edge_px(d.input_px))  # as coarse as the view that found it
        touches = (x1 <= cut, y1 <= cut, x2 >= crop.width - cut, y2 >= crop.height - cut)
        if any(t and i for t, i in zip(touches, inner, strict=True)):
            continue
        box = (x1 + crop.x, y1 + crop.y, x2 + crop.x, y2 + crop.y)
        kept.append(dataclasses.replace(d, box=box, view=FAR))
    return tuple(kept)


def merge(full: Sequence[Detection], far: Sequence[Detection], nms_iou: float,
          crop: Crop | None = None,
          frame_size: tuple[int, int] | None = None) -> tuple[Detection, ...]:
    """Both views' detections, one box per object, best score first.

    Where a full-view box overlaps a far-view box by more than ``nms_iou`` (class-agnostic, as
    the detector's own NMS), the far view's is kept: it saw the object at ``zoom`` times the
    resolution, so its edges are the more exact ones (and cut-off far boxes are already gone).

    Inside the far view's window (``crop``, in a frame of ``frame_size``) the far view speaks
    alone: a full-view box that lies wholly inside it is dropped, overlap or not. The far
    view saw the same pixels at ``zoom`` times the resolution; a full-view box there that it
    does not match is most often a far object's coarse box grown onto its surroundings (a
    walker 25 m away and the pole beside him, 70 % taller than the walker: read as growth).
    """
    if not far:
        return tuple(full)
    far_boxes = [d.box for d in far]
    kept = [d for d in full if all(iou(d.box, b) <= nms_iou for b in far_boxes)
            and not (crop is not None and frame_size is not None
                     and crop.holds(d.box, frame_size))]
    return tuple(sorted((*far, *kept), key=lambda d: -d.score))
