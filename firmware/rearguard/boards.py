"""Board profiles: how long each Raspberry Pi takes to run each model, in milliseconds.

Replay uses a profile to model the device's inference time, so that frames a Pi would drop
("newest frame wins") are dropped in replay too, and alert timing in a test means what it would
mean on a run. The detector uses the profile's thread count.

Every figure in :data:`TIMINGS` is onnxruntime on the CPU (what the firmware runs), per
inference of one view, with its source. Few onnxruntime figures are published for these boards,
so most are converted from ncnn figures, always towards the slow side, because replay must
never flatter the device:

- ``ORT_OVER_NCNN`` = 168 / 88 = 1.91: Ultralytics' YOLO11n 640 on a Pi 5 takes 168 ms with
  ONNX (onnxruntime) and 88 ms with NCNN (Ultralytics, "Raspberry Pi" integration guide,
  benchmarks table). Other comparisons find smaller gaps for small models (1.25-1.5x), so
  1.91 errs slow.
- ``QENGINEERING_OVERCLOCK`` = 1.3: Qengineering's Pi 4 figures are on an overclocked board
  (about 1.95 GHz); a stock Pi 4 runs at 1.5 GHz (1.8 GHz on boards since 2020), so figures
  are scaled by 1.95 / 1.5.

A model with no published figure on a board is derived from a published one on the same board
by the ratio measured on this build machine (onnxruntime, 1 thread; `rearguard bench` prints
this machine's row). Replace any figure with one measured on the board when you have it.

Every figure is for the catalog's input size. A model that takes any input size (YOLOX) is fed
an input of the frame's shape and maybe a smaller size (``detector.input_size``); its time is
the figure scaled by the pixels fed, plus a fixed share (``FIXED_SHARE``) that does not shrink
with the input. Measured on the build machine (YOLOX-Nano, 1 thread, against 416x416):
416x256 0.604 of the time (0.615 of the pixels), 352x224 0.455 (0.456), 320x192 0.365
(0.355), 288x192 0.329 (0.320): a fixed share of at most 1.6 %, taken as 5 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

ORT_OVER_NCNN = 168.0 / 88.0
QENGINEERING_OVERCLOCK = 1.95 / 1.5
FULL_VIEW_MIN_HZ = 5.0  # the full view must keep at least this rate on the board
FIXED_SHARE = 0.05  # of a view's time, what does not shrink with a smaller input
# The default input's shape: Camera Module 3's sensor and its usual modes are 16:9.
CAMERA_ASPECT = (16, 9)
STRIDE = 32  # YOLOX's input steps
DEFAULT_INPUTS = (416, 384, 352, 320)  # the sizes a board's default is chosen from
# With the far view on, at most one extra inference per two frames (far_view.every 2); while
# something is near, the scheduler stretches it to every third frame to keep 5 Hz
# (ViewScheduler.far_every), which is what the default must allow.
FAR_EVERY_WHEN_NEAR = 3
# The pixel meters (each object's growth and colours from its own pixels, detection/pixels.py)
# run on a thread of their own beside the detector: they delay each frame's detections on
# their way to the core, and hold the detector back only when they fall two frames behind.
# Their time grows with the objects they measure. No figure is published for a board:
# estimated from the build machine's (`rearguard bench`'s "scale" stage; fitted over vtest and
# two scenes, 0-12 objects a frame: 0.47 ms + 0.20 ms an object, rounded up here) times the
# factor a board's ``overhead_s`` puts on the build machine's preprocessing and decoding
# (PREPARE_HERE_S): Python and OpenCV work alike, on the slow side.
PIXELS_BASE_HERE_S = 0.0005
PIXELS_PER_OBJECT_HERE_S = 0.00025
PREPARE_HERE_S = 0.0006


@dataclass(frozen=True)
class Timing:
    """One model on one board: milliseconds per inference, and where the figure comes from."""

    ms: float
    source: str


def _ncnn(fps: float, source: str, *, overclocked: bool = False) -> Timing:
    """An onnxruntime estimate from a published ncnn frame rate (see the module docstring)."""
    ms = 1000.0 / fps * ORT_OVER_NCNN * (QENGINEERING_OVERCLOCK if overclocked else 1.0)
    how = " x 1.3 (overclock undone)" if overclocked else ""
    return Timing(round(ms), f"{source}: ncnn {fps:g} FPS -> {1000 / fps:.0f} ms{how} "
                             f"x 1.91 (onnxruntime over ncnn)")


def _derived(base: Timing, base_model: str, ratio: float, model: str) -> Timing:
    return Timing(round(base.ms * ratio), f"derived: {base_model} on this board x {ratio:.2f}, "
                                          f"the {model}/{base_model} ratio measured on the "
                                          f"x86 build machine (onnxruntime, 1 thread)")


# Measured on the build machine (x86, onnxruntime 1 thread, `rearguard bench`): YOLOX-Nano 416
# 7.2 ms, NanoDet-m 320 6.7 ms, PicoDet-XS 320 10.9 ms.
_PICODET_OVER_YOLOX = 10.9 / 7.2

_QE = "Qengineering (github.com/Qengineering), Raspberry Pi 4 overclocked"
_QE5 = "Qengineering (github.com/Qengineering), Raspberry Pi 5"
_PI4_YOLOX = _ncnn(7.0, f"{_QE}, YoloX-Nano 416", overclocked=True)
_PI4_NANODET = _ncnn(13.0, f"{_QE}, NanoDet 320", overclocked=True)
_PI5_NANODET = _ncnn(43.0, f"{_QE5}, NanoDet 320")
# No published YOLOX-Nano figure on a Pi 5: NanoDet 320's Pi 5 figure x the Pi 4 ncnn ratio
# YoloX-Nano 416 / NanoDet 320 (143 / 77 ms): both published, same runtime, same author.
_PI5_YOLOX = Timing(round(_PI5_NANODET.ms * 13.0 / 7.0),
                    f"derived: NanoDet 320 on a Pi 5 ({_PI5_NANODET.ms:.0f} ms) x 1.86, the "
                    f"YoloX-Nano 416 / NanoDet 320 ratio of Qengineering's Pi 4 ncnn figures")
# No published detector figure on a Zero 2 W (4x Cortex-A53 at 1 GHz, 512 MB): four times the
# Pi 4 (Cortex-A72 at 1.5 GHz), the slow end of the 3-4x gap general CPU benchmarks show.
ZERO_OVER_PI4 = 4.0


def _zero(pi4: Timing, model: str) -> Timing:
    return Timing(round(pi4.ms * ZERO_OVER_PI4), f"estimate: the Pi 4 {model} figure x 4 "
                                                 f"(Cortex-A53 1 GHz vs A72 1.5 GHz)")


TIMINGS: dict[str, dict[str, Timing]] = {
    "pi5": {
        "yolox_nano_416": _PI5_YOLOX,
        "nanodet_m_320": _PI5_NANODET,
        "picodet_xs_320": _derived(_PI5_YOLOX, "yolox_nano_416", _PICODET_OVER_YOLOX,
                                   "picodet_xs_320"),
    },
    "pi4": {
        "yolox_nano_416": _PI4_YOLOX,
        "nanodet_m_320": _PI4_NANODET,
        "picodet_xs_320": _derived(_PI4_YOLOX, "yolox_nano_416", _PICODET_OVER_YOLOX,
                                   "picodet_xs_320"),
    },
}
TIMINGS["zero2w"] = {model: _zero(t, model) for model, t in TIMINGS["pi4"].items()}


@dataclass(frozen=True)
class BoardProfile:
    name: str
    threads: int  # onnxruntime intra-op threads; one core is left for capture and fusion
    default_model: str  # the catalog model `detector.model = "auto"` picks on this board
    # Preprocessing, decoding and NMS per view, all counted on the detector's time. Live,
    # decoding runs on the pixels thread beside the next view (drive/live.py), so the board's
    # detector is free a little sooner than replay models: kept so, never to flatter it.
    overhead_s: float = 0.0
    timings: dict[str, Timing] = field(default_factory=dict)  # model -> ms; empty: no model
    default_input: int = 0  # the default model's input, longest side (0: the catalog's)
    # The pixel meters per frame, on their own thread (see above): a fixed part, and per object.
    pixels_base_s: float = 0.0
    pixels_per_object_s: float = 0.0

    def inference_s(self, model: str, work: float = 1.0) -> float:
        """Modelled time from one view reaching the detector to its detections being ready.

        ``work``: the pixels fed over the catalog's input (``Detector.work_fraction``).
        """
        if not self.timings:
            return 0.0  # the "none" board: as if the detector took no time
        if model not in self.timings:
            raise KeyError(f"board {self.name}: no timing for model {model!r} in "
                           f"rearguard/boards.py TIMINGS (known: {', '.join(self.timings)})")
        share = FIXED_SHARE + (1.0 - FIXED_SHARE) * work
        return self.timings[model].ms * share / 1000.0 + self.overhead_s

    def pixels_s(self, objects: int) -> float:
        """Modelled time of the pixel meters on a frame with ``objects`` to measure."""
        return self.pixels_base_s + self.pixels_per_object_s * objects

    def full_view_hz(self, model: str, far_every: int = 0, work: float = 1.0,
                     own_frame: bool = False, far_work: float | None = None) -> float:
        """Full-view rate with a far view every ``far_every`` frames (0: no far view), after
        the full view on the same frame or (``own_frame``) on a frame of its own. ``far_work``:
        the far view's pixels fed (by default as many as the full view's)."""
        view = self.inference_s(model, work)
        if view <= 0:
            return float("inf")
        if not far_every:
            return 1.0 / view
        far = self.inference_s(model, work if far_work is None else far_work)
        full_views = far_every - 1 if own_frame else far_every  # per far view
        return full_views / (full_views * view + far)


def camera_work(side: int, catalog_side: int = 416) -> float:
    """Pixels fed for a 16:9 camera frame at input ``side``, over a catalog square input."""
    width, height = CAMERA_ASPECT
    rows = STRIDE * math.ceil(side * height / width / STRIDE)
    return side * rows / catalog_side ** 2


def _default_choice(board: str, overhead_s: float) -> tuple[str, int]:
    """YOLOX-Nano (best recall) at the largest input that keeps the full view at 5 Hz with
    the far view on; where none does, whichever choice is fastest."""
    probe = BoardProfile(board, threads=3, default_model="", overhead_s=overhead_s,
                         timings=TIMINGS[board])
    for side in DEFAULT_INPUTS:
        hz = probe.full_view_hz("yolox_nano_416", FAR_EVERY_WHEN_NEAR, camera_work(side))
        if hz >= FULL_VIEW_MIN_HZ:
            return "yolox_nano_416", side
    # Only YOLOX takes other sizes; the others' figures are at their catalog size.
    choices = [("yolox_nano_416", DEFAULT_INPUTS[-1]), *((m, 0) for m in TIMINGS[board]
                                                        if m != "yolox_nano_416")]
    return min(choices, key=lambda c: probe.inference_s(
        c[0], camera_work(c[1]) if c[1] else 1.0))


def _profile(name: str, overhead_s: float) -> BoardProfile:
    model, side = _default_choice(name, overhead_s)
    return BoardProfile(name, threads=3, default_model=model, overhead_s=overhead_s,
                        timings=TIMINGS[name], default_input=side,
                        pixels_base_s=PIXELS_BASE_HERE_S * overhead_s / PREPARE_HERE_S,
                        pixels_per_object_s=PIXELS_PER_OBJECT_HERE_S * overhead_s
                        / PREPARE_HERE_S)


PROFILES: dict[str, BoardProfile] = {
    name: _profile(name, overhead)
    for name, overhead in (("pi5", 0.004), ("pi4", 0.010), ("zero2w", 0.030))
}
# No board: every frame is processed, as if the detector took no time.
PROFILES["none"] = BoardProfile("none", threads=0, default_model="yolox_nano_416")


def board_profile(name: str) -> BoardProfile:
    return PROFILES[name]


def resolve_model(model: str, board: BoardProfile | None) -> str:
    """``detector.model``, with "auto" replaced by the board's default model."""
    if model != "auto":
        return model
    return board.default_model if board is not None else PROFILES["none"].default_model
