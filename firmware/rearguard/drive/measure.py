"""Latency and memory of a live run on the stand-ins (`rearguard bench`'s live figures).

Runs the real :class:`rearguard.drive.live.LiveLoop` with a clip as the camera (paced in real
time) and the simulated rangefinder, and times, per input, from when it existed to when the
Core had decided on it:

- camera: from the frame's capture time to the end of the loop pass that fed its detections
  to the Core and ran the policy (the decision);
- inference: from the detector taking a frame to its detections leaving the pixel meters
  (the detector's thread, then the meters' beside it; both views on far-view frames);
- range: from the moment the rangefinder's reading was delivered (the echo is back) to the
  end of the loop pass that fed it.

The hooks below wrap the loop's feeding and deciding steps from outside (LiveLoop is not
changed): the loop decides the moment inputs arrive, and these figures time that decision.
Resident memory is sampled once a second from /proc, for the peak and the growth rate.
"""

from __future__ import annotations

import dataclasses
import resource
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rearguard.config import Config
from rearguard.detection import Detector
from rearguard.drive.live import LiveLoop


@dataclasses.dataclass
class LiveFigures:
    seconds: float
    camera_ms: list[float]
    inference_ms: list[float]
    range_ms: list[float]
    frames_dropped: int
    far_views: int
    rss_mb: list[tuple[float, float]]  # (seconds since start, resident MB)

    def summary(self) -> dict[str, Any]:
        def pct(values: list[float], q: float) -> float | None:
            return round(float(np.percentile(values, q)), 1) if values else None

        return {
            "latency": {"camera_p50_ms": pct(self.camera_ms, 50),
                        "camera_p95_ms": pct(self.camera_ms, 95),
                        "inference_p95_ms": pct(self.inference_ms, 95),
                        "range_p50_ms": pct(self.range_ms, 50),
                        "range_p95_ms": pct(self.range_ms, 95),
                        "seconds": round(self.seconds, 1),
                        "frames_decided": len(self.camera_ms),
                        "readings_decided": len(self.range_ms)},
            "frames_dropped": self.frames_dropped,
            "far_views": self.far_views,
            "rss_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_growth_mb_per_min": growth_per_min(self.rss_mb),
        }


def growth_per_min(samples: list[tuple[float, float]]) -> float | None:
    """Growth of resident memory, MB a minute, after the first quarter (start-up) of the run:
    the Theil-Sen slope, as the soak's (scripts/soak.py)."""
    steady = samples[len(samples) // 4:]
    if len(steady) < 4:
        return None
    return round(theil_sen_slope(steady) * 60.0, 3)


def theil_sen_slope(points: list[tuple[float, float]]) -> float:
    """The median of the slopes between every two (t, value) points. A steady leak raises
    every pair; a start-up step that comes late (a slow or busy machine) raises only the pairs
    across it, where a least-squares line reads it as growth (122.0 to 124.6 MB once, flat
    after: 4.1 MB a minute)."""
    slopes = [(v2 - v1) / (t2 - t1) for i, (t1, v1) in enumerate(points)
              for t2, v2 in points[i + 1:] if t2 > t1]
    return statistics.median(slopes) if slopes else 0.0


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class _TimedLoop(LiveLoop):
    """The live loop, with each fed input stamped when the pass that fed it has decided."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fed: list[Any] = []
        self.delivered: dict[float, float] = {}  # reading.t -> when the reading was delivered
        self.camera_ms: list[float] = []
        self.inference_ms: list[float] = []
        self.range_ms: list[float] = []

    def _feed(self, item: Any) -> None:
        self.fed.append(item)
        super()._feed(item)

    def _decide(self, arrived: list[Any]) -> None:
        self.fed = []
        super()._decide(arrived)
        decided = self.clock()
        for item in self.fed:
            if item.kind == "detections":
                _detections, start, done, final = item.payload
                self.camera_ms.append((decided - item.t) * 1000)
                if final:  # a frame's first part is decided on before its far view has run
                    self.inference_ms.append((done - start) * 1000)
            elif item.kind == "range" and item.t in self.delivered:
                self.range_ms.append((decided - self.delivered.pop(item.t)) * 1000)


def _stamp_deliveries(rangefinder: Any, delivered: dict[float, float],
                      clock: Callable[[], float]) -> None:
    """Wrap ``measure`` so each reading's delivery time is known (the echo is back)."""
    measure = rangefinder.measure

    def timed() -> Any:
        reading = measure()
        delivered[reading.t] = clock()
        return reading
    rangefinder.measure = timed


def live_run(config: Config, detector: Detector, clip: Path, seconds: float) -> LiveFigures:
    """Run the live loop for ``seconds`` on ``clip`` and the simulated rangefinders."""
    from rearguard.devices import factory

    config = factory.with_video_camera(config, clip)
    devices = factory.open_devices(config, simulate=True)
    loop = _TimedLoop(config, detector, devices.camera, devices.rangefinders,
                      lambda command: None, lambda record: None)
    for rangefinder in devices.rangefinders:
        _stamp_deliveries(rangefinder, loop.delivered, loop.clock)
    samples: list[tuple[float, float]] = []
    start = time.monotonic()
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            samples.append((time.monotonic() - start, rss_mb()))
    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    sampler.start()
    try:
        loop.run(duration_s=seconds)
    finally:
        done.set()
        sampler.join()
        devices.close()
    return LiveFigures(time.monotonic() - start, loop.camera_ms, loop.inference_ms,
                       loop.range_ms, loop.newest.dropped, loop.views.far_runs, samples)
