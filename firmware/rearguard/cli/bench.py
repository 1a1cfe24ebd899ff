"""``rearguard bench``: where the per-frame time goes, on real footage.

Per stage, median and 95th percentile over a few hundred frames: preprocessing, inference,
decoding with NMS, and tracking with fusion; then bare ``session.run`` on the very same input
tensor, and the ratio of the whole per-frame time to it (what everything around the network
costs). Video decoding is not counted: on the device the camera hands over frames.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

import cv2

from rearguard.assets import asset_path
from rearguard.boards import PROFILES, board_profile
from rearguard.cli import UsageError
from rearguard.config import load_config
from rearguard.core.world import WorldModel
from rearguard.detection import open_detector
from rearguard.messages import DetectionSet, Frame

DEFAULT_CLIP = "footage/opencv_vtest.avi"
STAGES = ("preprocess", "inference", "decode+nms", "tracking+fusion", "whole", "bare run")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time each stage of the detector on real footage")
    p.add_argument("--model", help="catalog model name (default: the config's)")
    p.add_argument("--threads", type=int, help="onnxruntime threads (default: the board's)")
    p.add_argument("--profile", choices=sorted(PROFILES), help="board profile for defaults")
    p.add_argument("--config", type=Path, help="config file (detector section)")
    p.add_argument("--clip", type=Path, help=f"video to use (default: {DEFAULT_CLIP} in the "
                                             f"asset folder)")
    p.add_argument("--frames", type=int, default=300, help="frames to time (default 300)")
    p.add_argument("--warmup", type=int, default=10,
                   help="frames run first and not timed (default 10)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    detector_config = config.detector
    if args.model:
        detector_config = dataclasses.replace(detector_config, model=args.model)
    if args.threads is not None:
        detector_config = dataclasses.replace(detector_config, threads=args.threads)
    profile = board_profile(args.profile or config.board.profile)
    detector = open_detector(detector_config, profile)
    world = WorldModel(dataclasses.replace(config, rangefinders=[]),
                       detector.spec.obstacle_heights)
    clip = args.clip or asset_path(DEFAULT_CLIP)
    times = {stage: [] for stage in STAGES}
    allocated = []
    for count, frame in enumerate(_frames(clip, args.frames + args.warmup)):
        measure_alloc = args.warmup <= count < args.warmup + 20
        if measure_alloc:
            tracemalloc.start()
        lap = _time_frame(detector, world, frame)
        if measure_alloc:
            allocated.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        elif count >= args.warmup:
            for stage, seconds in lap.items():
                times[stage].append(seconds)
    if not times["whole"]:
        raise UsageError(f"{clip}: no frames to time")
    threads = detector_config.threads or profile.threads
    _report(detector.spec.name, threads, clip, times, allocated)
    return 0


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


def _time_frame(detector, world: WorldModel, frame: Frame) -> dict[str, float]:
    clock = time.perf_counter
    t0 = clock()
    placement = detector.prepare(frame.image)
    t1 = clock()
    outputs = detector.infer()
    t2 = clock()
    detections = detector.decode(outputs, placement, frame.size)
    t3 = clock()
    world.add_detections(DetectionSet(frame.t, frame.index, frame.size, detections))
    world.obstacles(frame.t)
    t4 = clock()
    detector.run_bare()
    t5 = clock()
    return {"preprocess": t1 - t0, "inference": t2 - t1, "decode+nms": t3 - t2,
            "tracking+fusion": t4 - t3, "whole": t4 - t0, "bare run": t5 - t4}


def _report(model: str, threads: int, clip: Path, times: dict[str, list[float]],
            allocated: list[int]) -> None:
    n = len(times["whole"])
    print(f"bench: {model}, {threads or 'default'} thread(s), {n} frames of {clip.name}")
    print(f"  {'stage':<16} {'median ms':>10} {'p95 ms':>8}")
    for stage in STAGES:
        values = sorted(times[stage])
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(f"  {stage:<16} {statistics.median(values) * 1000:>10.2f} {p95 * 1000:>8.2f}")
    whole, bare = statistics.median(times["whole"]), statistics.median(times["bare run"])
    ratios = sorted(w / b for w, b in zip(times["whole"], times["bare run"], strict=True))
    print(f"  whole / bare session.run: {whole / bare:.3f} (ratio of medians), "
          f"{statistics.median(ratios):.3f} (median of per-frame ratios)")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  peak memory (max RSS): {peak_kib / 1024:.1f} MiB; Python allocations per frame "
          f"(peak, tracemalloc): {statistics.median(allocated) / 1024:.1f} KiB"
          if allocated else f"  peak memory (max RSS): {peak_kib / 1024:.1f} MiB")
