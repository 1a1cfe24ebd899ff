#!/usr/bin/env python3
"""Benchmark: time from an alert command to the first motor pin change.

Runs the real PatternPlayer on real PwmMotors (gpiozero PWMOutputDevice) over gpiozero's
MockFactory, whose pins log the monotonic time of every change. Each command switches to a
pattern whose first step differs from what the pin holds, so every command must move a pin.

    .venv/bin/python scripts/bench_haptic_latency.py [--commands 500]
"""

from __future__ import annotations

import argparse
import statistics
import time

from rearguard.config.schema import MotorConfig
from rearguard.devices.motors import PwmMotors
from rearguard.devices.testing import mock_factory
from rearguard.haptics.player import PatternPlayer
from rearguard.messages import AlertCommand, AlertLevel, BodySide

SEQUENCE = [("warning", BodySide.LEFT, 0.8), ("danger", BodySide.LEFT, 1.0),
            ("caution", BodySide.LEFT, 0.55)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=500)
    args = parser.parse_args()
    factory = mock_factory()
    motors = PwmMotors([MotorConfig("left", 12), MotorConfig("right", 13)], 200,
                       pin_factory=factory)
    player = PatternPlayer(motors)
    pin = factory.pin(12)
    latencies = []
    try:
        for k in range(args.commands):
            pattern, side, level = SEQUENCE[k % len(SEQUENCE)]
            mark = len(pin.changes)
            sent = time.monotonic()
            player.play(AlertCommand(sent, AlertLevel.WARNING, pattern, side))
            while len(pin.changes) == mark or pin.changes[-1][1] != level:
                time.sleep(0)
            latencies.append(pin.changes[mark][0] - sent)
            time.sleep(0.002)
    finally:
        player.close()
        motors.close()
    ms = sorted(v * 1000 for v in latencies)
    print(f"alert command -> first motor pin change, {len(ms)} commands (gpiozero MockFactory):")
    print(f"  median {statistics.median(ms):.3f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.3f} ms, "
          f"max {ms[-1]:.3f} ms (target: under 5 ms)")


if __name__ == "__main__":
    main()
