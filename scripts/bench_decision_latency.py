#!/usr/bin/env python3
"""Range path latency of the live loop: from an echo nearer than danger_range_m to the DANGER
command handed to the motors, on the stand-ins (simulated HC-SR04 at 15 Hz).

    scripts/bench_decision_latency.py [--approaches 30]

Something appears at 0.5 m and goes again, ``--approaches`` times. Prints p50/p95/max of

- the loop's own delay: the DANGER command's time minus the time of the reading that decided
  it (the ping's start: so it includes the echo's flight, ~3 ms at 0.5 m, and the hand-over
  between threads);
- the whole path: minus the first near reading (adds the range filter's confirmation, which
  waits for a second echo: one ping period).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from rearguard.boards import board_profile
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.devices.factory import open_devices, simulation
from rearguard.drive.live import LiveLoop


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--approaches", type=int, default=30)
    args = p.parse_args()
    config = load_config(None)
    sim = simulation(config)
    devices = open_devices(config, sim=sim)
    detector = open_detector(config.detector, board_profile("none"))
    records: list[dict] = []
    loop = LiveLoop(config, detector, devices.camera, devices.rangefinders, lambda c: None,
                    records.append)
    pin = next(iter(sim.echo_pins.values()))

    def steer() -> None:
        for _ in range(args.approaches):
            pin.distance_m = 0.5
            time.sleep(1.0)
            pin.distance_m = None
            time.sleep(1.2)  # long enough for the level to drop (min_dwell_s, hysteresis)
        loop.request_stop("done")

    threading.Thread(target=steer, daemon=True).start()
    try:
        loop.run()
    finally:
        devices.close()
    loop_ms, whole_ms = [], []
    near_since = last = None
    for r in records:
        if r["kind"] == "range":
            last = r["t"]
            near = r.get("distance_m", 9) < config.alert.danger_range_m
            near_since = (near_since if near_since is not None else r["t"]) if near else None
        if r["kind"] == "alert" and r["level"] == "DANGER" and near_since is not None:
            loop_ms.append((r["t"] - last) * 1000)
            whole_ms.append((r["t"] - near_since) * 1000)
    for what, ms in (("deciding reading -> DANGER command", loop_ms),
                     ("first near reading -> DANGER command", whole_ms)):
        ms.sort()
        print(f"{what}: {len(ms)} approaches, p50 {statistics.median(ms):.2f} ms, "
              f"p95 {ms[int(0.95 * (len(ms) - 1))]:.2f} ms, max {ms[-1]:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
