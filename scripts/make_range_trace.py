#!/usr/bin/env python3
"""Make a scenario's rangefinder trace (sensors.jsonl) consistent with what its footage shows.

None of the clips was filmed with a rangefinder beside the camera, so each scenario's HC-SR04
trace is derived from the footage, the way a sensor mounted beside the camera would have seen
it:

1. every frame goes through the default detector (no frames dropped);
2. each obstacle's distance and bearing come from its box (class height and ground contact,
   with the scenario's mounting and the Camera Module 3 lens scaled to the frame);
3. at each 15 Hz ping, the sensor hears the nearest obstacle whose box overlaps its 15 degree
   beam and lies within 4 m (distances interpolated between frames), else nothing;
4. then real HC-SR04 behaviour is added with a fixed seed: 1 cm + 1 % noise, 8 % of pings
   without an echo, 3 % stray echoes at random distances.

``--pole T,D,V`` adds a thing the detector has no class for (a pole, a bollard): from time T
it is D metres away in the beam and closes at V m/s.

    .venv/bin/python scripts/make_range_trace.py tests/scenarios/NAME [--seed 1] [--pole ...]

The trace is committed with the scenario; run this again only when the method changes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from rearguard.boards import board_profile
from rearguard.config import load_config
from rearguard.config.lens import camera_intrinsics
from rearguard.core.geometry import (
    bearing_deg,
    combine,
    distance_from_ground,
    distance_from_height,
)
from rearguard.detection import open_detector
from rearguard.session import open_session
from rearguard.session.settings import config_for_session, session_intrinsics

RATE_HZ, BEAM_DEG, MAX_M = 15.0, 15.0, 4.0
NOISE_M, NOISE_FRACTION, DROPOUT, STRAY = 0.01, 0.01, 0.08, 0.03


def in_beam_distances(folder: Path) -> list[tuple[float, float | None]]:
    """(frame time, distance of the nearest obstacle in the beam, or None) per frame."""
    session = open_session(folder)
    config = config_for_session(load_config(None), session)
    detector = open_detector(config.detector, board_profile("none"))
    heights = detector.spec.obstacle_heights
    k0 = session_intrinsics(session) or camera_intrinsics(config.camera)
    rows = []
    for frame in session.frames():
        k = k0.scaled_to(*frame.size)
        nearest = None
        for d in detector.detect(frame).detections:
            if d.label not in heights:
                continue
            left, right = bearing_deg(k, d.box[0]), bearing_deg(k, d.box[2])
            if right < -BEAM_DEG / 2 or left > BEAM_DEG / 2:
                continue
            estimate = combine(distance_from_height(k, d.box, heights[d.label]),
                               distance_from_ground(k, d.box, config.mounting))
            if estimate is not None and estimate.metres <= MAX_M:
                nearest = min(nearest or estimate.metres, estimate.metres)
        rows.append((frame.t, nearest))
    return rows


def pings(rows, pole, rng) -> list[dict]:
    times = np.arange(rows[0][0], rows[-1][0], 1.0 / RATE_HZ)
    frame_t = np.array([t for t, _ in rows])
    records = []
    for t in times:
        i = int(np.searchsorted(frame_t, t, side="right")) - 1
        here = rows[i][1]
        after = rows[i + 1][1] if i + 1 < len(rows) else None
        truth = here
        if here is not None and after is not None:  # linear between the two frames
            w = (t - frame_t[i]) / (frame_t[i + 1] - frame_t[i])
            truth = here + w * (after - here)
        if pole is not None and t >= pole[0]:
            pole_m = pole[1] - pole[2] * (t - pole[0])
            if pole_m > 0.05:
                truth = pole_m if truth is None else min(truth, pole_m)
        records.append(_reading(float(t), truth, rng))
    return records


def _reading(t: float, truth: float | None, rng) -> dict:
    record = {"t": round(t, 4), "kind": "range", "sensor": "rear"}
    roll = rng.random()
    if roll < STRAY:
        record["distance_m"] = round(float(rng.uniform(0.3, MAX_M)), 3)
    elif truth is not None and roll >= STRAY + DROPOUT:
        noisy = truth + rng.normal(0, NOISE_M + NOISE_FRACTION * truth)
        record["distance_m"] = round(float(max(noisy, 0.02)), 3)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pole", help="T,D,V: a pole from time T at D metres closing at V m/s")
    args = parser.parse_args()
    pole = tuple(float(v) for v in args.pole.split(",")) if args.pole else None
    rows = in_beam_distances(args.scenario)
    records = pings(rows, pole, np.random.default_rng(args.seed))
    sensors = args.scenario / "sensors.jsonl"
    sensors.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))
    heard = sum("distance_m" in r for r in records)
    print(f"{sensors}: {len(records)} pings, {heard} with an echo")


if __name__ == "__main__":
    main()
