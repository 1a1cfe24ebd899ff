"""The far view: a full-resolution crop around the far end of the path, beside the full view.

The full view shrinks the whole frame into the model's input: a 1.7 m person 20 m away is
about 26 px tall in a 416 input, where recall is poor. The far view cuts a window around the
vanishing point of the path (straight behind, on the horizon the mounting pitch puts above or
below the image centre) and feeds it to the same model ``zoom`` times less shrunk, so far
people are ``zoom`` times larger in its input. The window is 1/zoom of the frame, or, when
``window_width`` and ``window_height`` are set, narrowed to the far end of the path; a model
that takes any input size is then fed just the window's pixels (0.45 x 0.36: 0.6 of a full
view, and a Pi 4 keeps the full view at 5 Hz with a far view every 3rd frame, at the cost of
the mid-range people the wide window also sees).

:class:`ViewScheduler` decides per frame which views run (the full view always; the far view
every ``far_view.every`` frames, less often when it would push the full view below
``far_view.min_full_view_hz`` on this board), runs them, and merges the far view's detections
into the full view's, in the frame's own pixels. On a slow board (a view longer than
``far_view.own_frame_after_ms``) the far view takes a frame of its own instead, alternating
with the full view, so no frame's detections wait for two views. Both the live loop and replay
call it, so both run the same views on the same frames. Each detection says which view found it.
The live loop runs the views on its detector thread (:meth:`ViewScheduler.start`) and decodes
and merges them on its pixels thread (:meth:`StartedViews.decoded`), beside the next views.
On a frame both views share, the full view's boxes that the far view cannot replace go on as
soon as the full view has run, and the rest when the far view has (``FIRST``, ``REST``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rearguard.boards import BoardProfile
from rearguard.config.lens import camera_intrinsics
from rearguard.config.schema import Config, FarViewConfig, MountingConfig
from rearguard.core.geometry import CameraIntrinsics, box_edge_px, side_cut_margin_px
from rearguard.core.tracking import iou
from rearguard.detection.catalog import ModelSpec
from rearguard.detection.detector import Decoded, Undecoded
from rearguard.messages import Detection, DetectionSet, Frame, Obstacle

FULL, FAR = "full", "far"
# A box this near a window edge inside the frame is cut off by the window, as at the frame's
# own edges (side_cut_margin_px): at least 5 px, more for a coarse view's box (far_to_frame
# takes each far box's own). A far box ending 3 px short of the window's bottom was a near
# person's upper half, kept beside the full view's box of him.
CUT_PX = side_cut_margin_px()
CUT_SHARE = 0.1  # of a far box's own height (width), near the window's edges: cut too
# Far views in a row, at most, while it looks again for a new object: its first box and the
# two more that confirm it (tracking.confirm_hits' default).
LOOK_AGAIN_IN_ROW = 3


@dataclass(frozen=True, slots=True)
class Crop:
    """A window of the frame, in the frame's pixels."""

    x: int
    y: int
    width: int
    height: int

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def inner_edges(self, frame_size: tuple[int, int]) -> tuple[bool, bool, bool, bool]:
        """Which of the crop's edges (left, top, right, bottom) lie inside the frame."""
        w, h = frame_size
        return self.x > 0, self.y > 0, self.x + self.width < w, self.y + self.height < h

    def holds(self, box: Sequence[float], frame_size: tuple[int, int] | None = None) -> bool:
        """Does ``box`` (frame pixels) lie wholly inside the window? Given the frame's size,
        also clear of the edges the window cuts by as much as :func:`far_to_frame` asks of a
        far box (where the far view would have kept it as whole)."""
        inner = self.inner_edges(frame_size) if frame_size else (False,) * 4
        margin_x, margin_y = cut_margins(box, CUT_PX)
        left, top, right, bottom = (
            margin if cut else 0.0
            for cut, margin in zip(inner, (margin_x, margin_y, margin_x, margin_y),
                                   strict=True))
        return (box[0] >= self.x + left and box[1] >= self.y + top
                and box[2] <= self.x + self.width - right
                and box[3] <= self.y + self.height - bottom)


def cut_margins(box: Sequence[float], edge_px: float) -> tuple[float, float]:
    """How near an edge the window cuts a box may end (across, along its height) and still be
    taken as cut by it: ``edge_px`` (its edges' wander), or a tenth of its own size, which is
    how short of the edge the network's box of a cut object may end."""
    return (max(edge_px, CUT_SHARE * (box[2] - box[0])),
            max(edge_px, CUT_SHARE * (box[3] - box[1])))


@dataclass(frozen=True, slots=True)
class FarWindow:
    """Where the far view looks (``crop``, frame pixels), and the box the network's input
    scales it to fit (``fit``; None: the detector's own input, for a model of fixed input)."""

    crop: Crop
    fit: tuple[int, int] | None


def far_window(frame_size: tuple[int, int], k: CameraIntrinsics, mounting: MountingConfig,
               config: FarViewConfig, input_size: tuple[int, int], stride: int) -> FarWindow:
    """The far view of a frame, for a detector whose full view fits frames into
    ``input_size`` (in steps of ``stride`` where it takes any size; 0: it takes only that).

    The far view scales the frame ``zoom`` times less than the full view. Its window is
    1/zoom of the frame's width and height, fed at the detector's input: a far view costs a
    full view. Narrowed (``window_width`` and ``window_height`` set): that share of the
    frame, cut so that the scaled window fills whole input steps: no padding fed, and only
    its pixels paid for. A model of fixed input is fed its whole input whatever the window:
    it always gets 1/zoom.
    """
    width, height = frame_size
    if not stride or not (config.window_width and config.window_height):
        size = (max(round(width / config.zoom), 1), max(round(height / config.zoom), 1))
        return FarWindow(far_crop(frame_size, k, mounting, size), None)
    scale = config.zoom * min(input_size[0] / width, input_size[1] / height)
    fit = tuple(max(stride * int(side * share * scale / stride), stride)
                for side, share in ((width, config.window_width),
                                    (height, config.window_height)))
    size = (min(max(int(fit[0] / scale), 1), width), min(max(int(fit[1] / scale), 1), height))
    return FarWindow(far_crop(frame_size, k, mounting, size), fit)


def far_crop(frame_size: tuple[int, int], k: CameraIntrinsics, mounting: MountingConfig,
             size: tuple[int, int]) -> Crop:
    """A window of ``size`` (width, height) centred on the path's vanishing point.

    ``k`` is the camera at any resolution (it is scaled to the frame here). The horizon is
    ``fy * tan(pitch)`` above the principal point when the camera looks down by ``pitch``;
    the path runs straight back along the optical axis, so the vanishing point is at ``cx``.
    The window is moved inside the frame where it would stick out.
    """
    width, height = frame_size
    k = k.scaled_to(width, height)
    crop_w, crop_h = min(size[0], width), min(size[1], height)
    vx = k.cx
    vy = k.cy - k.fy * math.tan(math.radians(mounting.pitch_deg))
    x = round(min(max(vx - crop_w / 2, 0), width - crop_w))
    y = round(min(max(vy - crop_h / 2, 0), height - crop_h))
    return Crop(x, y, crop_w, crop_h)


class Detects(Protocol):
    """What the scheduler needs of the detector (``rearguard.detection.Detector``). One that
    also has ``start`` (as Detector) has its views decoded by :meth:`StartedViews.decoded`."""

    nms_iou: float
    input_size: tuple[int, int]
    spec: ModelSpec

    def detect(self, frame: Frame, fit: tuple[int, int] | None = None) -> DetectionSet: ...

    def work_fraction(self, frame_size: tuple[int, int],
                      fit: tuple[int, int] | None = None) -> float: ...


class ViewScheduler:
    """Which views run on each frame, and their detections merged in frame pixels.

    ``view_s`` and ``far_s``: the time the full view and the far view take on the board.
    Replay sets them from the board profile's figures (:meth:`model_board`), so the schedule
    is deterministic; the live loop passes None, and the scheduler measures both itself.
    """

    def __init__(self, config: FarViewConfig, mounting: MountingConfig,
                 intrinsics: CameraIntrinsics, *, view_s: float | None = None,
                 far_s: float | None = None):
        self.config, self.mounting, self.intrinsics = config, mounting, intrinsics
        self.view_s, self.far_s = view_s, far_s
        self._measured = view_s is None
        self._window: tuple[tuple, FarWindow] | None = None
        self._since_far = 0
        self.spent_s = 0.0  # the last frame's views' time on the board: replay's busy time
        # Set by the loop before each frame: is an obstacle nearer than far_view.near_m? Then
        # the full view's rate comes first; else the far view's reach.
        self.threat_near = False
        # Set by the loop before each frame too: has the far view alone just found an object
        # that is not an obstacle yet (Core.awaiting_far_view)? See ``_looks_again``.
        self.look_again = False
        self._far_in_row = 0
        self.far_runs = 0

    @classmethod
    def for_config(cls, config: Config, intrinsics: CameraIntrinsics | None = None,
                   view_s: float | None = None) -> ViewScheduler:
        """The scheduler for a device's config (intrinsics: the configured lens by default)."""
        return cls(config.far_view, config.mounting, intrinsics or camera_intrinsics(config.camera),
                   view_s=view_s)

    def window_for(self, frame_size: tuple[int, int], detector: Detects) -> FarWindow:
        """The far view's window on frames of ``frame_size`` for ``detector``."""
        key = (frame_size, tuple(detector.input_size), detector.spec.input_stride)
        if self._window is None or self._window[0] != key:
            self._window = (key, far_window(frame_size, self.intrinsics, self.mounting,
                                            self.config, *key[1:]))
        return self._window[1]

    def model_board(self, board: BoardProfile, detector: Detects,
                    frame_size: tuple[int, int]) -> None:
        """Each view's time from the board's figure for the pixels it feeds (replay)."""
        model = detector.spec.name
        self.view_s = board.inference_s(model, detector.work_fraction(frame_size))
        window = self.window_for(frame_size, detector)
        self.far_s = board.inference_s(model, detector.work_fraction(window.crop.size,
                                                                     window.fit))

    @property
    def own_frame(self) -> bool:
        """Does the far view take a frame of its own (alternating with the full view) rather
        than run after the full view on the same frame? On a board whose view takes longer
        than ``far_view.own_frame_after_ms``: there, sharing a frame holds that frame's
        full-view detections back by a whole view, and the far view comes round seldom."""
        return self.view_s is not None and self.view_s * 1000.0 > self.config.own_frame_after_ms

    def far_every(self) -> int:
        """Frames per far view: ``every``, stretched so the full view keeps its minimum rate.

        With the full view taking ``s``, the far view ``f`` and a far view every ``n`` frames,
        the full view's rate is ``n / (n s + f)`` when they share frames and
        ``(n - 1) / ((n - 1) s + f)`` when the far view takes frames of its own. It keeps
        ``m`` = ``min_full_view_hz`` while ``n`` (or ``n - 1``) is at least
        ``m f / (1 - m s)``. 0 means never (even the full view alone is too slow).
        """
        every = self.config.every
        m = self.config.min_full_view_hz
        if not self.threat_near or not self.view_s or not m:
            return every
        spare = 1.0 - m * self.view_s  # of each second, after the full view's m views
        if spare <= 0:
            return 0
        needed = math.ceil(m * self._far_view_s / spare - 1e-9) + (1 if self.own_frame else 0)
        return max(every, needed)

    @property
    def _far_view_s(self) -> float:
        """The far view's time: measured or modelled, else (not known yet) a full view's."""
        return self.far_s if self.far_s is not None else self.view_s or 0.0

    def due(self) -> bool:
        """Does the far view run on the frame about to be detected?"""
        if not self.config.enabled:
            return False
        if self._looks_again():
            return True
        every = self.far_every()
        return every > 0 and self._since_far + 1 >= every

    def _looks_again(self) -> bool:
        """Does the far view run again at once, for an object it alone has just found?

        On a board where the far view has frames of its own, every other frame is the full
        view's, which cannot see that object: the three boxes that confirm it took five
        frames. Looking again takes them in four (the loop learns of the first box while the
        next frame is already running): on a Pi 4 (147.5 ms a view), car-in-path's WARNING
        came 1.84 s before contact (was 1.69), a cyclist's at 25 km/h (--speed 2) 1.20 s (was
        1.05). Not while something is near (the full view's rate comes first), and at most
        ``LOOK_AGAIN_IN_ROW`` far views in a row, so far boxes found one after another cannot
        hold the full view off. Where the views share frames, the far view comes every other
        frame anyway, and one on every frame would slow every full view by its time."""
        return (self.look_again and self.own_frame and not self.threat_near
                and self._far_in_row < LOOK_AGAIN_IN_ROW)

    def detect(self, detector: Detects, frame: Frame) -> DetectionSet:
        """Run the views due on this frame; one DetectionSet in frame pixels: the full view's,
        the far view's merged into it, or (on a frame of its own) the far view's alone."""
        return self.start(detector, frame).decoded()

    def start(self, detector: Detects, frame: Frame,
              first: Callable[[StartedViews], None] | None = None) -> StartedViews:
        """Run the network on the views due on this frame; decoding is left to
        :meth:`StartedViews.decoded` (another thread may do it).

        ``first``: on a frame both views share, called with the full view's part that no far
        box can replace (its boxes mostly outside the far window, or reaching past its edge)
        as soon as the full view has run, before the far view runs; the rest is returned.
        Waiting for the far view held those boxes back by a whole view (on a Pi 5, 56 ms on
        every second frame)."""
        far = self.due()
        own = far and self.own_frame
        self.spent_s = 0.0 if own else self.view_s or 0.0
        if far:
            self._since_far = 0
            self._far_in_row += 1
            self.far_runs += 1
        else:
            self._since_far += 1
            self._far_in_row = 0
        full = None if own else self._full_view(detector, frame)
        if not far:
            return StartedViews(frame, detector.nms_iou, full)
        window = self.window_for(frame.size, detector)
        part = WHOLE
        if full is not None and first is not None:
            full, part = _DecodedOnce(full), REST
            first(StartedViews(frame, detector.nms_iou, full, None, window.crop, FIRST))
        far_view = self._far_view(detector, frame, window)
        self.spent_s += self._far_view_s
        return StartedViews(frame, detector.nms_iou, full, far_view, window.crop, part)

    def far_view(self, detector: Detects, frame: Frame,
                 window: FarWindow | None = None) -> tuple[Detection, ...]:
        """The far view alone: what it finds in ``frame``, in the frame's pixels."""
        window = window or self.window_for(frame.size, detector)
        found = self._far_view(detector, frame, window).decoded()
        return far_to_frame(found.detections, window.crop, frame.size)

    def _far_view(self, detector: Detects, frame: Frame,
                  window: FarWindow) -> Undecoded | Decoded:
        began = time.perf_counter()
        started = _start(detector, crop_frame(frame, window.crop), window.fit)
        if self._measured:
            self.far_s = _running(self.far_s, time.perf_counter() - began)
        return started

    def _full_view(self, detector: Detects, frame: Frame) -> Undecoded | Decoded:
        """The full view; live, its time feeds the running estimate of it on this board."""
        began = time.perf_counter()
        started = _start(detector, frame)
        if self._measured:
            self.view_s = _running(self.view_s, time.perf_counter() - began)
        return started


# What a StartedViews holds: a frame's views whole; or, on a frame both views share, the
# full view's boxes that the far view cannot replace (decided on while it still runs), then
# the rest (see ViewScheduler.start and StartedViews._part).
WHOLE, FIRST, REST = "whole", "first", "rest"


class _DecodedOnce:
    """A view both parts of a shared frame read: decoded by the first, kept for the rest (one
    thread decodes both, in order)."""

    __slots__ = ("_found", "_view")

    def __init__(self, view: Undecoded | Decoded):
        self._view, self._found = view, None

    def decoded(self) -> DetectionSet:
        if self._found is None:
            self._found = self._view.decoded()
        return self._found


@dataclass(frozen=True, slots=True)
class StartedViews:
    """The views run on one frame, not yet decoded (:meth:`ViewScheduler.start`)."""

    frame: Frame
    nms_iou: float
    full: Undecoded | Decoded | _DecodedOnce | None
    far: Undecoded | Decoded | None = None
    crop: Crop | None = None  # the far view's window
    part: str = WHOLE

    def decoded(self) -> DetectionSet:
        """One DetectionSet in frame pixels: the full view's, the far view's merged into it,
        or (on a frame of its own) the far view's alone; or one part of a shared frame's."""
        frame = self.frame
        full = None if self.full is None else self.full.decoded()
        if self.part != WHOLE:
            found = self._part(full.detections)
            # The far view's weak boxes go with the rest.
            weak = self._weak(found) if self.part == REST else ()
            return dataclasses.replace(full, detections=found, far_looked=self.part == REST,
                                       weak=weak)
        if self.far is None:
            return dataclasses.replace(full, weak=())
        far = far_to_frame(self.far.decoded().detections, self.crop, frame.size)
        if full is None:  # the far view's frame: what it found, in the frame's pixels
            return DetectionSet(frame.t, frame.index, frame.size, far, far_looked=True,
                                weak=self._weak(far),
                                sure_score=self.far.decoded().sure_score)
        merged = merge(full.detections, far, self.nms_iou, self.crop, frame.size)
        return dataclasses.replace(full, detections=merged, far_looked=True,
                                   weak=self._weak(merged))

    def _weak(self, sure: Sequence[Detection]) -> tuple[Detection, ...]:
        """The far view's weak boxes (DetectionSet.weak), in frame pixels, less any a sure box
        overlaps by more than ``nms_iou`` (the same object, found surely by the full view).

        The far view's alone: it looks at objects small enough that the detector is unsure of
        them (a car 40 m away scores 0.15-0.2 in it), where a weak box is most often a far
        object's. The full view's weak boxes are mostly parts and pairs of people near by, and
        the clutter of a crowd seen from a wall: with them, on the footage, a far walker's
        weak boxes took a passer-by's (a false DANGER), and people got more track ids."""
        far = far_to_frame(self.far.decoded().weak, self.crop, self.frame.size)
        return tuple(d for d in far if all(iou(d.box, s.box) <= self.nms_iou for s in sure))

    def _part(self, full: tuple[Detection, ...]) -> tuple[Detection, ...]:
        """The first part: the full view's boxes the far view cannot replace. Those too little
        inside its window for a far box to overlap one by more than ``nms_iou``; and those
        that stick out of it across an edge inside the frame, whose object the far view saw
        cut, and whose cut far box it drops. The rest: what :func:`merge` keeps besides
        them, but for a far box overlapping a first-part box by more than ``nms_iou`` (a far
        box of part of an object: its whole box was decided on already)."""
        size = self.frame.size
        first = tuple(d for d in full if _share_inside(d.box, self.crop) <= self.nms_iou
                      or _sticks_out(d.box, self.crop, size))
        if self.part == FIRST:
            return first
        far = far_to_frame(self.far.decoded().detections, self.crop, size)
        merged = merge(full, far, self.nms_iou, self.crop, size)
        taken = {id(d) for d in first}
        return tuple(d for d in merged if id(d) not in taken
                     and all(iou(d.box, o.box) <= self.nms_iou for o in first))


def _share_inside(box: Sequence[float], crop: Crop) -> float:
    """How much of ``box`` lies inside the window: more than any far box (inside it) can
    overlap it by, since their intersection is inside both and their union is at least it."""
    w = min(box[2], crop.x + crop.width) - max(box[0], crop.x)
    h = min(box[3], crop.y + crop.height) - max(box[1], crop.y)
    area = (box[2] - box[0]) * (box[3] - box[1])
    return max(w, 0.0) * max(h, 0.0) / area if area > 0 else 1.0


def _sticks_out(box: Sequence[float], crop: Crop, frame_size: tuple[int, int]) -> bool:
    """Does ``box`` reach past one of the window's edges that lie inside the frame?"""
    left, top, right, bottom = crop.inner_edges(frame_size)
    return ((left and box[0] < crop.x) or (top and box[1] < crop.y)
            or (right and box[2] > crop.x + crop.width)
            or (bottom and box[3] > crop.y + crop.height))


def _start(detector: Detects, frame: Frame,
           fit: tuple[int, int] | None = None) -> Undecoded | Decoded:
    """The view run and left undecoded (``Detector.start``); a detector that only detects (a
    cache of answers, a test's stand-in) answers at once."""
    start = getattr(detector, "start", None)
    return start(frame, fit) if start is not None else Decoded(detector.detect(frame, fit))


def _running(estimate: float | None, spent: float) -> float:
    """A running estimate of a view's time that follows the board's load within a few views."""
    return spent if estimate is None else 0.8 * estimate + 0.2 * spent


def threat_near(obstacles: Sequence[Obstacle], near_m: float) -> bool:
    """Is any obstacle (camera track or echo) nearer than ``near_m``?"""
    return any(o.distance_m is not None and o.distance_m <= near_m for o in obstacles)


def crop_frame(frame: Frame, crop: Crop) -> Frame:
    """The far view's input: the window of the frame at full resolution (a view, no copy)."""
    window = frame.image[crop.y:crop.y + crop.height, crop.x:crop.x + crop.width]
    return Frame(frame.t, frame.index, window,
                 (frame.origin[0] + crop.x, frame.origin[1] + crop.y))


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
        # As coarse as the view that found it, or a share of its size: a walker 7.6 m away,
        # cut at the feet by a Pi 4's narrowed window, got a box ending 11 px (5 % of its
        # height) above the window's bottom.
        cut_x, cut_y = cut_margins(d.box, side_cut_margin_px(box_edge_px(d.input_px)))
        touches = (x1 <= cut_x, y1 <= cut_y, x2 >= crop.width - cut_x,
                   y2 >= crop.height - cut_y)
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
