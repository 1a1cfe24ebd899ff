"""``rearguard bench``: where the per-frame time goes, and how fast and far the device sees.

1. Stages, on real footage, on the live loop's three threads: the detector's (preprocessing
   and inference); beside it the pixels thread's (decoding with NMS, then the pixel meters:
   each detection's growth from optical flow and its colours, ``rearguard/detection/
   pixels.py``, the "scale" stage); and the main thread's tracking and fusion; and bare
   ``session.run`` on the very same input tensor, interleaved A/B (the order of the
   detector's stages and the bare run alternates frame by frame, so load on the machine hits
   both alike). The threads run at once, so each stage's time includes what the others cost
   it (one interpreter lock, two cores here). ``overhead_ratio`` is the median over frames of
   the slowest thread's time for the frame over the bare run's: the rate the pipeline keeps
   against the network's alone. ``serial_ratio`` is the same with the threads' times added:
   one core doing everything.
2. This machine's row of the board timing table (every catalog model whose file is present,
   bare ``session.run``), beside the boards' rows and the full-view rate each board keeps
   with the far view on (``rearguard/boards.py``).
3. A live run on the stand-ins (``--live-seconds``): camera and range latency to the decision,
   inference p95, dropped frames, resident memory (``rearguard/drive/measure.py``). Run
   before 2's row, which loads every catalog model where the device loads one, so the peak
   is the pipeline's.
4. Person recall by distance, full view and far view, on the ground-truth sequences made
   small (``rearguard/detection/recall.py``).

``--json`` prints one JSON object instead of the tables. Video decoding is not counted: on the
device the camera hands over frames. Progress goes to the terminal (stderr) when there is one.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import queue
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2

from rearguard.assets import asset_path, assets_dir
from rearguard.boards import PROFILES, TIMINGS, BoardProfile, board_profile, camera_work
from rearguard.cli import UsageError
from rearguard.config import load_config
from rearguard.config.lens import camera_intrinsics
from rearguard.core.world import WorldModel
from rearguard.detection import load_catalog, model_spec, open_detector
from rearguard.detection.detector import Detector, Undecoded
from rearguard.detection.farview import ViewScheduler, far_window
from rearguard.detection.pixels import PixelMeters
from rearguard.detection.preprocess import canvas_for
from rearguard.messages import DetectionSet, Frame

DEFAULT_CLIP = "footage/opencv_vtest.avi"
LIVE_CLIP = "footage/opencv_vtest.avi"  # 79 s of people at 10 fps: the longest clip
STAGES = ("preprocess", "inference", "detector thread", "decode+nms", "scale",
          "meters thread", "tracking+fusion", "bare run")
DISTANCES_M = (10.0, 15.0, 20.0, 25.0, 30.0)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time each stage, latency, memory and far recall")
    p.add_argument("--model", help="catalog model name (default: the config's)")
    p.add_argument("--threads", type=int, help="onnxruntime threads (default: the board's)")
    p.add_argument("--profile", choices=sorted(PROFILES), help="board profile for defaults")
    p.add_argument("--config", type=Path, help="config file (detector section)")
    p.add_argument("--clip", type=Path, help=f"video to use (default: {DEFAULT_CLIP} in the "
                                             f"asset folder)")
    p.add_argument("--frames", type=int, default=300, help="frames to time (default 300)")
    p.add_argument("--warmup", type=int, default=10,
                   help="frames run first and not timed (default 10)")
    p.add_argument("--live-seconds", type=float, default=20.0,
                   help="length of the live run on the stand-ins, at most 79 s (the clip); "
                        "0: skip it")
    p.add_argument("--recall-every", type=int, default=3,
                   help="far recall on every Nth annotated frame (0: skip it)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


class Progress:
    """One self-rewriting line on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.on:
            print(f"\r  bench: {what} {done}/{total}   ", end="", file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.on:
            print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    detector_config = config.detector
    if args.model:
        detector_config = dataclasses.replace(detector_config, model=args.model)
    if args.threads is not None:
        detector_config = dataclasses.replace(detector_config, threads=args.threads)
    profile = board_profile(args.profile or config.board.profile)
    detector = open_detector(detector_config, profile)
    threads = detector_config.threads or profile.threads
    progress = Progress()
    clip = args.clip or asset_path(DEFAULT_CLIP)
    times, allocated = _stages(detector, config, clip, args, progress)
    report: dict[str, Any] = {
        "model": detector.spec.name, "input_size": list(detector.input_size),
        "threads": threads, "clip": clip.name,
        "frames": len(times["bare run"]),
        "stages_ms": {s: {"median": _ms(statistics.median(v)), "p95": _ms(_p95(v))}
                      for s, v in times.items()},
        "overhead_ratio": _ratio(times, max),
        "serial_ratio": _ratio(times, lambda *laps: sum(laps)),
        "allocated_kib_per_frame": round(statistics.median(allocated) / 1024, 1)
        if allocated else None,
    }
    if args.live_seconds > 0:
        from rearguard.drive.measure import live_run

        if progress.on:
            print(f"\r  bench: live run on the stand-ins, {args.live_seconds:g} s   ",
                  end="", file=sys.stderr, flush=True)
        live = live_run(config, detector, asset_path(LIVE_CLIP), args.live_seconds)
        report.update(live.summary())
    else:
        report["rss_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                      / 1024, 1)
    # After the peak is read: the row loads every catalog model, which the device never does,
    # and what their sessions held stays in the process's heap after they are gone.
    report["this_machine_ms"] = _machine_row(threads, progress)
    report["boards"] = _boards(config)
    if args.recall_every > 0:
        report["far_recall"] = _far_recall(detector, profile, config, args.recall_every,
                                           progress)
    progress.end()
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        _print(report)
    return 0


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _stages(detector: Detector, config, clip: Path, args: argparse.Namespace,
            progress: Progress) -> tuple[dict[str, list[float]], list[int]]:
    import tracemalloc

    world = WorldModel(dataclasses.replace(config, rangefinders=[]),
                       detector.spec.obstacle_heights)
    pixels = PixelMeters(frozenset(detector.spec.obstacle_heights))  # as the live loop's
    tracking = _StageThread("bench-tracking",
                            lambda measured: (_time_tracking(world, measured), None))
    meters = _StageThread("bench-meters",
                          lambda frame, started: _time_meters(pixels, frame, started),
                          then=tracking)
    # Outputs alive at once: the inbox's, the one being decoded and the one being written.
    detector.keep_outputs = meters.inbox.maxsize + 2
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    allocated = []
    total = args.frames + args.warmup
    alloc_end = args.warmup + min(20, args.frames // 4)
    for count, frame in enumerate(_frames(clip, total)):
        progress("stages, frame", count + 1, total)
        bare_first = count % 2 == 1
        if count < alloc_end:  # not timed: warming up, then a few under tracemalloc
            measure_alloc = count >= args.warmup
            if measure_alloc:
                tracemalloc.start()
            _, started = _time_detection(detector, frame, bare_first)
            _time_tracking(world, _time_meters(pixels, frame, started)[1])
            if measure_alloc:
                allocated.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            continue
        if not meters.is_alive():
            meters.start()
            tracking.start()
        lap, started = _time_detection(detector, frame, bare_first)
        for stage, seconds in lap.items():
            times[stage].append(seconds)
        meters.inbox.put((frame, started))  # waits while the meters are two frames behind
    meters.finish()
    tracking.finish(end=False)  # the meters hand their end on
    for lap in meters.laps + tracking.laps:
        for stage, seconds in lap.items():
            times[stage].append(seconds)
    if not times["bare run"]:
        raise UsageError(f"{clip}: no frames to time")
    return times, allocated


THREADS = ("detector thread", "meters thread", "tracking+fusion")


def _ratio(times: dict[str, list[float]], combine: Callable[..., float]) -> float:
    """Median over frames of the three threads' times, combined, over the bare run's."""
    return round(statistics.median(
        combine(*laps) / bare for *laps, bare in zip(*(times[t] for t in THREADS),
                                                     times["bare run"], strict=True)), 3)


class _StageThread(threading.Thread):
    """One of the live loop's threads after the detector's: ``work`` on each item of its
    inbox gives a lap of stage times and what to hand on (to ``then``)."""

    def __init__(self, name: str, work: Callable[..., tuple[dict[str, float], Any]],
                 then: _StageThread | None = None):
        super().__init__(name=name, daemon=True)
        self.work, self.then = work, then
        self.inbox: queue.Queue[tuple | None] = queue.Queue(maxsize=2)
        self.laps: list[dict[str, float]] = []
        self.failed: BaseException | None = None

    def run(self) -> None:
        while (item := self.inbox.get()) is not None:
            if self.failed is None:
                try:
                    lap, out = self.work(*item)
                    self.laps.append(lap)
                    if self.then is not None:
                        self.then.inbox.put((out,))
                except BaseException as e:  # raised again on the bench's own thread
                    self.failed = e
        if self.then is not None:
            self.then.inbox.put(None)

    def finish(self, *, end: bool = True) -> None:
        """Wait for the last item (``end``: send the end; else the thread before sends it);
        raise what failed on this thread."""
        if self.is_alive():
            if end:
                self.inbox.put(None)
            self.join()
        if self.failed is not None:
            raise self.failed


def _frames(clip: Path, limit: int):
    capture = cv2.VideoCapture(str(clip))
    if not capture.isOpened():
        raise UsageError(f"{clip}: OpenCV cannot open this video")
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    for index in range(limit):
        ok, image = capture.read()
        if not ok:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)  # loop a short clip
            ok, image = capture.read()
            if not ok:
                break
        yield Frame(index / fps, index, image)
    capture.release()


def _time_detection(detector: Detector, frame: Frame,
                    bare_first: bool) -> tuple[dict[str, float], Undecoded]:
    """The detector thread's stages on one frame, and one bare run; which goes first
    alternates (A/B). The bare run reads this frame's tensor too."""
    clock = time.perf_counter
    bare = 0.0
    if bare_first:
        detector.prepare(frame.image)
        b0 = clock()
        detector.run_bare()
        bare = clock() - b0
    t0 = clock()
    placement = detector.prepare(frame.image)
    t1 = clock()
    outputs = detector.infer()
    t2 = clock()
    if not bare_first:
        detector.run_bare()
        bare = clock() - t2
    lap = {"preprocess": t1 - t0, "inference": t2 - t1, "detector thread": t2 - t0,
           "bare run": bare}
    return lap, Undecoded(detector, frame, outputs, placement, None)


def _time_meters(pixels: PixelMeters, frame: Frame,
                 started: Undecoded) -> tuple[dict[str, float], DetectionSet]:
    """The pixels thread's stages on one frame: decoding, then the pixel meters (growth, then
    appearance: "scale") on the frame and its DetectionSet; and the measured set."""
    clock = time.perf_counter
    t0 = clock()
    found = started.decoded()
    t1 = clock()
    measured = pixels.measure(frame, found)
    t2 = clock()
    return {"decode+nms": t1 - t0, "scale": t2 - t1, "meters thread": t2 - t0}, measured


def _time_tracking(world: WorldModel, measured: DetectionSet) -> dict[str, float]:
    """The main thread's part: tracking and fusion of the measured set."""
    t0 = time.perf_counter()
    world.add_detections(measured)
    world.obstacles(measured.t)
    return {"tracking+fusion": time.perf_counter() - t0}


def _machine_row(threads: int, progress: Progress, runs: int = 30) -> dict[str, float]:
    """Median bare ``session.run`` per catalog model present here (this machine's row), at the
    catalog's input (what the boards' figures are for), and for a model that takes any size,
    at each board's default input for a 16:9 frame (what replay scales those figures to)."""
    from rearguard.config.schema import DetectorConfig

    image = cv2.imread(str(assets_dir() / "images" / "street.png"), cv2.IMREAD_COLOR)
    wide = cv2.resize(image, (1280, 720))
    row = {}
    for n, spec in enumerate(load_catalog().values(), 1):
        progress("this machine's row, model", n, len(load_catalog()))
        if not spec.default_path().is_file():
            continue
        config = DetectorConfig(model=spec.name, threads=threads)
        detector = open_detector(config, board_profile("none"))
        row[spec.name] = _bare_ms(detector, cv2.resize(image, spec.input_size), runs)
        if not spec.input_stride:
            continue
        for side in sorted({p.default_input for p in PROFILES.values() if p.default_input}):
            detector = open_detector(dataclasses.replace(config, input_size=side),
                                     board_profile("none"))
            row[f"{spec.name} at {side}, 16:9"] = _bare_ms(detector, wide, runs)
    return row


def _bare_ms(detector: Detector, image, runs: int) -> float:
    detector.prepare(image)
    for _ in range(3):
        detector.run_bare()
    laps = []
    for _ in range(runs):
        t0 = time.perf_counter()
        detector.run_bare()
        laps.append(time.perf_counter() - t0)
    return _ms(statistics.median(laps))


def _boards(config) -> dict[str, Any]:
    """Each board's default model, its figure, and the full view's rate with the far view."""
    out = {}
    for name, timings in TIMINGS.items():
        board = board_profile(name)
        model = board.default_model
        # What the board's default input costs for a 16:9 camera frame, and its far view.
        work = camera_work(board.default_input) if board.default_input else 1.0
        far_work = _far_work(config, model, board.default_input)
        views = ViewScheduler(config.far_view, config.mounting, camera_intrinsics(config.camera),
                              view_s=board.inference_s(model, work),
                              far_s=board.inference_s(model, far_work))
        views.threat_near = True  # the rate it keeps while something is near
        every = views.far_every() if config.far_view.enabled else 0
        own = views.own_frame
        out[name] = {"model": model, "input_size": board.default_input,
                     "catalog_view_ms": timings[model].ms,
                     "view_ms": round(board.inference_s(model, work) * 1000, 1),
                     "pixel_meters_ms": {"1 object": round(board.pixels_s(1) * 1000, 1),
                                         "10 objects": round(board.pixels_s(10) * 1000, 1)},
                     "far_view_own_frame": own,
                     "far_view_every_when_near": every,
                     "full_view_hz": round(board.full_view_hz(model, 0, work), 2),
                     "far_view_ms": round(board.inference_s(model, far_work) * 1000, 1),
                     "full_view_hz_when_near": round(
                         board.full_view_hz(model, every, work, own, far_work), 2),
                     "full_view_hz_far_every_2": round(
                         board.full_view_hz(model, 2, work, own, far_work), 2),
                     "source": timings[model].source}
    return out


def _far_work(config, model: str, side: int) -> float:
    """The far view's pixels fed on the camera's main stream, over the catalog's input."""
    spec = model_spec(model)
    nominal = max(spec.input_size)
    input_size = tuple(round(v * (side or nominal) / nominal) for v in spec.input_size)
    window = far_window((config.camera.width, config.camera.height),
                       camera_intrinsics(config.camera), config.mounting, config.far_view,
                       input_size, spec.input_stride)
    canvas = canvas_for(window.crop.size, window.fit or input_size, spec.input_stride)
    return canvas[0] * canvas[1] / (spec.input_size[0] * spec.input_size[1])


def _far_recall(detector: Detector, board: BoardProfile, config, every: int,
                progress: Progress) -> dict[str, Any]:
    from rearguard.detection.recall import far_recall

    size = (config.camera.width, config.camera.height)  # the main stream the far view crops
    views = ViewScheduler.for_config(config)
    views.model_board(board, detector, size)  # the board's view times (as replay)
    fy = camera_intrinsics(config.camera).scaled_to(*size).fy
    by_distance = far_recall(detector, views, size, fy, DISTANCES_M, assets_dir() / "footage",
                             every=every,
                             progress=lambda n, total: progress("far recall, frame", n, total))
    window = views.window_for(size, detector)
    crop = window.crop
    return {"model": detector.spec.name, "frame": list(size), "zoom": config.far_view.zoom,
            "far_window": [crop.x, crop.y, crop.x + crop.width, crop.y + crop.height],
            "far_input": list(window.fit or detector.input_size),
            "by_distance_m": by_distance}


def _print(r: dict[str, Any]) -> None:
    print(f"bench: {r['model']}, {r['threads'] or 'default'} thread(s), {r['frames']} frames "
          f"of {r['clip']} ({platform.machine()})")
    print(f"  {'stage':<16} {'median ms':>10} {'p95 ms':>8}")
    for stage, v in r["stages_ms"].items():
        print(f"  {stage:<16} {v['median']:>10.2f} {v['p95']:>8.2f}")
    print(f"  pipeline (the slowest of the detector's, the pixels' and the main thread) / "
          f"bare session.run, interleaved A/B: {r['overhead_ratio']:.3f}; the threads' "
          f"work on one core: {r['serial_ratio']:.3f} (medians of per-frame ratios)")
    if r["allocated_kib_per_frame"] is not None:
        print(f"  Python allocations per frame (peak, tracemalloc): "
              f"{r['allocated_kib_per_frame']} KiB")
    row = ", ".join(f"{m} {ms:.1f} ms" for m, ms in r["this_machine_ms"].items())
    print(f"  this machine's row ({platform.machine()}, {r['threads'] or 'default'} "
          f"thread(s), bare session.run): {row}")
    for name, b in r["boards"].items():
        size = f"at {b['input_size']}" if b["input_size"] else ""
        print(f"  {name:<7} {b['model']:<15} {size:<7} {b['view_ms']:>5.0f} ms a 16:9 view "
              f"(pixel meters {b['pixel_meters_ms']['1 object']:.0f}-"
              f"{b['pixel_meters_ms']['10 objects']:.0f} ms beside it, 1-10 objects; "
              f"far view {b['far_view_ms']:.0f} ms); "
              f"full view {b['full_view_hz']:.1f} Hz alone, "
              f"{b['full_view_hz_far_every_2']:.1f} Hz with the far view every 2nd frame, "
              f"{b['full_view_hz_when_near']:.1f} Hz while something is near (far view every "
              f"{b['far_view_every_when_near'] or '-'}"
              f"{', on a frame of its own' if b['far_view_own_frame'] else ''})")
    if "latency" in r:
        lat = r["latency"]
        print(f"  live run ({lat['seconds']} s): camera -> decision {lat['camera_p50_ms']} ms "
              f"median, {lat['camera_p95_ms']} ms p95; inference p95 {lat['inference_p95_ms']}"
              f" ms; range reading -> decision {lat['range_p50_ms']} ms median, "
              f"{lat['range_p95_ms']} ms p95; {r['frames_dropped']} frames dropped")
        print(f"  memory: peak RSS {r['rss_peak_mb']} MB, growth {r['rss_growth_mb_per_min']} "
              f"MB/min")
    if "far_recall" in r:
        fr = r["far_recall"]
        print(f"  person recall by distance ({fr['model']}, far view zoom {fr['zoom']:g}, "
              f"window {fr['far_window']}):")
        print(f"    {'distance':>8} {'px full':>8} {'people':>7} {'full':>6} {'far':>6} "
              f"{'merged':>7}   {'unoccluded:':>11} {'people':>6} {'full':>6} {'merged':>7}")
        for z, v in fr["by_distance_m"].items():
            print(f"    {z + ' m':>8} {v['person_px_full_view']:>8} {v['people']:>7} "
                  f"{_r(v['full']):>6} {_r(v['far']):>6} {_r(v['merged']):>7}   {'':>11} "
                  f"{v['people_unoccluded']:>6} {_r(v['full_unoccluded']):>6} "
                  f"{_r(v['merged_unoccluded']):>7}")


def _r(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
