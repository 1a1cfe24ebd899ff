#!/usr/bin/env python3
"""Detector threads and onnxruntime spinning, measured side by side on this machine.

    scripts/bench_detector_threads.py [--frames 60] [--busy 1]

For each onnxruntime intra-op thread count (1 .. cores) and spinning on/off, runs the default
model on a real photo-sized frame while ``--busy`` other threads do the live loop's kind of
work (colour conversion of camera frames), interleaving the configurations round by round so
that load from elsewhere hits them alike. Prints inference p50/p95 in ms and the busy
threads' throughput (what the camera and main loop would lose to a spinning pool).
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import cv2
import numpy as np
import onnxruntime as ort

from rearguard.config.schema import DetectorConfig
from rearguard.detection.catalog import model_file_for


def session(path, threads: int, spinning: bool) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning",
                                     "1" if spinning else "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def busy_work(stop: threading.Event, counter: list[int]) -> None:
    yuv = np.random.default_rng(0).integers(0, 255, (540, 640), dtype=np.uint8)
    while not stop.is_set():
        cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420)
        counter[0] += 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=60, help="inferences per configuration")
    p.add_argument("--busy", type=int, default=1, help="threads doing loop-like work")
    args = p.parse_args()
    path = model_file_for(DetectorConfig())
    cores = os.cpu_count() or 1
    configs = [(t, s) for t in range(1, cores + 1) for s in (True, False)]
    sessions = {c: session(path, *c) for c in configs}
    name = sessions[configs[0]].get_inputs()[0].name
    shape = [d if isinstance(d, int) else 1 for d in sessions[configs[0]].get_inputs()[0].shape]
    x = np.random.default_rng(1).random(shape, dtype=np.float32)
    times: dict[tuple[int, bool], list[float]] = {c: [] for c in configs}
    work: dict[tuple[int, bool], list[float]] = {c: [] for c in configs}
    for s in sessions.values():
        s.run(None, {name: x})  # warm up
    for _ in range(args.frames):
        for c in configs:  # interleaved: the machine's other load hits every config alike
            stop, counter = threading.Event(), [0]
            workers = [threading.Thread(target=busy_work, args=(stop, counter))
                       for _ in range(args.busy)]
            for w in workers:
                w.start()
            start = time.perf_counter()
            sessions[c].run(None, {name: x})
            elapsed = time.perf_counter() - start
            stop.set()
            for w in workers:
                w.join()
            times[c].append(elapsed * 1000)
            work[c].append(counter[0] / elapsed)
    print(f"{cores} cores, {args.busy} busy thread(s), {args.frames} frames each")
    print(f"{'threads':>7} {'spinning':>8} {'p50 ms':>8} {'p95 ms':>8} {'busy ops/s':>11}")
    for c in configs:
        ms = sorted(times[c])
        p95 = ms[int(0.95 * (len(ms) - 1))]
        print(f"{c[0]:>7} {'on' if c[1] else 'off':>8} {statistics.median(ms):8.1f} "
              f"{p95:8.1f} {statistics.median(work[c]):11.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
