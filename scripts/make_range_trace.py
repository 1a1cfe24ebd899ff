#!/usr/bin/env python3
"""Make a scenario's rangefinder trace (sensors.jsonl) from its labels, as an HC-SR04 would hear.

None of the clips was filmed with a rangefinder beside the camera, so the trace is computed,
and never from the detector's own distances (that would make the rangefinder agree with the
camera by construction, and put echoes where the sensor could not hear them). The truth comes
from the scenario's labels.toml: every approach in the runner's path with a ``speed_mps`` is at

    distance(t) = 1 m + speed_mps x (contact_t - t)        from closing_from to end_t

(contact is the moment it is within 1 m), straight down the sensor's axis; every labelled
``[[crossing]]`` (someone walking across the sensor's axis) is at its ``distance_m`` while it
is in the cone, from ``from`` to ``to``. Each ping (16 Hz) hears the nearest of them within
the HC-SR04's 4 m and 15 degree cone, else nothing; then the
sensor's own faults are added exactly as `rearguard synth` adds them (rearguard.synth.ranger:
millimetre noise growing with distance, 3 % dropouts, rare long spikes, as in the real logs in
the asset folder's ultrasonic/). meta.toml gets a [synthetic] table saying the trace was
computed.

    .venv/bin/python scripts/make_range_trace.py tests/scenarios/NAME [--seed 1]

Scenarios with neither a labelled approach nor a crossing keep the trace they have. The trace
is committed with the scenario; run this again only when the labels or the method change.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path

import numpy as np

from rearguard import __version__
from rearguard.evaluate.labels import Approach, Crossing, load_labels
from rearguard.session import open_session
from rearguard.synth.ranger import PERIOD_S, Beam, measured_range

PASSED_M = 0.25  # nearer than this it is beside the runner, out of the cone


def true_distance(approaches: list[Approach], t: float,
                  crossings: list[Crossing] = ()) -> float | None:
    """The nearest labelled object on the sensor's axis at ``t``, metres, or None."""
    found = [1.0 + a.speed_mps * (a.contact_t - t) for a in approaches
             if a.closing_from <= t <= a.end_t]
    found = [d for d in found if d >= PASSED_M]
    found += [c.distance_m for c in crossings if c.start <= t <= c.end]
    return min(found) if found else None


def trace(approaches: list[Approach], start: float, end: float, beam: Beam,
          seed: int, crossings: list[Crossing] = ()) -> list[dict]:
    rng = np.random.default_rng([seed, 0x5253])
    records = []
    for k in range(int((end - start) / PERIOD_S) + 1):
        t = start + k * PERIOD_S
        true = true_distance(approaches, t, crossings)
        faults, noise = rng.uniform(size=3), float(rng.normal())
        reading = measured_range(beam, true, faults, noise)
        record = {"t": round(t, 4), "kind": "range", "sensor": beam.name}
        if reading is not None:
            record["distance_m"] = reading
        records.append(record)
    return records


def mark_synthetic(meta: Path, seed: int) -> None:
    text = meta.read_text()
    if "[synthetic]" in text:
        return
    table = tomllib.loads(text)
    del table  # parsed only to be sure the file is TOML before appending to it
    meta.write_text(text.rstrip("\n") + "\n\n# sensors.jsonl was computed from labels.toml by "
                    "scripts/make_range_trace.py, not measured.\n[synthetic]\n"
                    f'scene = "{meta.parent.name}"\nseed = {seed}\n'
                    f'generator = "scripts/make_range_trace.py {__version__}"\n'
                    'range_trace = "synthetic"\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    labels = load_labels(args.scenario)
    approaches = [a for a in labels.approaches if a.in_path and a.speed_mps is not None]
    crossings = list(labels.crossings)
    if not approaches and not crossings:
        print(f"{args.scenario}: nothing labelled on the sensor's axis: trace left as it is")
        return
    frame_times = open_session(args.scenario).frame_times  # ping through the whole clip
    records = trace(approaches, float(frame_times[0]), float(frame_times[-1]), Beam(),
                    args.seed, crossings)
    sensors = args.scenario / "sensors.jsonl"
    sensors.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))
    mark_synthetic(args.scenario / "meta.toml", args.seed)
    heard = sum("distance_m" in r for r in records)
    print(f"{sensors}: {len(records)} pings, {heard} with an echo")


if __name__ == "__main__":
    main()
