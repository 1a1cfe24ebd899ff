#!/usr/bin/env python3
"""How soon an object that appears near the rangefinder reaches DANGER, through the real Core.

An object appears at DISTANCE_M at a random phase of a 15 Hz ping schedule. Pings are paced by
the HC-SR04 driver's rule (``rearguard.core.range_filter.ping_interval_s``: a follow-up ping
right after a new near echo); each reading reaches the Core when its echo is back. Two ways to
decide are compared:

- on arrival: ``Core.tick`` right after each reading (the event-driven live loop);
- on a 20 Hz tick: the decision waits for the next tick (the live loop before issue 12).

Printed: the time from appearance to the DANGER command (median, p95), and the Core's own
compute time from a reading to its decision (``on_range`` + ``tick``), measured here.

    PYTHONPATH=firmware python scripts/bench_range_path.py [--runs 500] [--rate 15]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rearguard.config import load_config
from rearguard.core.pipeline import Core
from rearguard.core.range_filter import SPEED_OF_SOUND_MPS, ping_interval_s
from rearguard.messages import AlertLevel, RangeReading, Stage

DISTANCE_M = 0.8


def one_run(config, appear: float, period_s: float, tick_s: float | None,
            compute: list[float]) -> float:
    core = Core(config, {}, lambda record: None, watched=frozenset({Stage.RANGER}))
    t, previous, latest = 0.0, None, None
    next_tick = 0.0
    while t < appear + 1.0:
        d = DISTANCE_M if t >= appear else None
        delivered = t + (2 * d / SPEED_OF_SOUND_MPS if d else 0.0)
        if tick_s is None:  # decide on arrival
            began = time.perf_counter()
            core.on_range(RangeReading(t, "rear", d))
            command = core.tick(delivered)
            compute.append(time.perf_counter() - began)
            if command is not None and command.level == AlertLevel.DANGER:
                return delivered - appear
        else:
            while next_tick < delivered:  # ticks before this reading arrives
                command = core.tick(next_tick)
                if command is not None and command.level == AlertLevel.DANGER:
                    return next_tick - appear
                next_tick += tick_s
            core.on_range(RangeReading(t, "rear", d))
        previous, latest = latest, d
        t += ping_interval_s(previous, latest, period_s)
    raise RuntimeError("no DANGER within 1 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--rate", type=float, default=15.0, help="base ping rate, Hz")
    args = parser.parse_args()
    config = load_config(None)
    period = 1.0 / args.rate
    rng = np.random.default_rng(1)
    phases = 2.0 + rng.uniform(0, period, args.runs)
    compute: list[float] = []
    for name, tick in (("on arrival", None), ("20 Hz tick", 1 / config.alert.tick_hz)):
        delays = np.array([one_run(config, a, period, tick, compute) for a in phases]) * 1000
        print(f"appear at {DISTANCE_M} m -> DANGER, {args.rate:g} Hz ping, decided {name}: "
              f"median {np.median(delays):.0f} ms, p95 {np.percentile(delays, 95):.0f} ms, "
              f"max {delays.max():.0f} ms ({args.runs} runs)")
    c = np.array(compute) * 1000
    print(f"Core compute, reading -> decision (on_range + tick): median {np.median(c):.3f} ms, "
          f"p95 {np.percentile(c, 95):.3f} ms")


if __name__ == "__main__":
    main()
