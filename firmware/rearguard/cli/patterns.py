"""``rearguard patterns``: feel each haptic pattern, or see them as a table and a chart."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2

from rearguard.config import load_config
from rearguard.haptics.chart import timing_chart
from rearguard.haptics.patterns import PATTERNS
from rearguard.haptics.player import PatternPlayer
from rearguard.messages import AlertCommand, AlertLevel, BodySide


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("patterns", help="play each haptic pattern, to learn them",
                       description="Play every pattern on the configured motors, one after "
                                   "another, with its meaning printed; or --describe them.")
    p.add_argument("--config", type=Path, help="config file whose [haptics] motors play "
                                               "(default: the built-in defaults)")
    p.add_argument("--describe", action="store_true",
                   help="print a table and write a timing chart PNG instead of playing")
    p.add_argument("--chart", type=Path, default=Path("haptic-patterns.png"),
                   help="where --describe writes the chart (default haptic-patterns.png)")
    p.add_argument("--simulate", action="store_true", help="play on stand-in motors")
    p.add_argument("--only", nargs="+", metavar="PATTERN", choices=[n for n in PATTERNS],
                   help="play only these patterns")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.describe:
        describe(args.chart)
        return 0
    from rearguard.devices.factory import open_haptics

    config = load_config(args.config)
    output = open_haptics(config, simulate=args.simulate)
    player = PatternPlayer(output, max_intensity=config.haptics.max_intensity)
    try:
        for name in args.only or [n for n in PATTERNS if n != "clear"]:
            _play(player, name, output.sides)
    finally:
        player.close()
        output.close()
    return 0


def _play(player: PatternPlayer, name: str, sides: tuple[BodySide, ...]) -> None:
    pattern = PATTERNS[name]
    targets = sides if pattern.directional else (BodySide.CENTRE,)
    for side in targets:
        where = f" on the {side.value}" if pattern.directional else ""
        print(f"{name:<13}{where:<14} {pattern.meaning}", flush=True)
        player.play(AlertCommand(time.monotonic(), AlertLevel.CLEAR, name, side))
        time.sleep(max(pattern.duration_s * (3 if pattern.repeat else 1), 1.0))
        player.play(AlertCommand(time.monotonic(), AlertLevel.CLEAR, "clear"))
        time.sleep(1.0)


def describe(chart: Path) -> None:
    """A table of every pattern: does it loop until the next command, how strong it gets, its
    rhythm and its meaning; and the timing chart."""
    print(f"{'pattern':<13} {'plays':<16} {'strength':>8} {'cycle':>6}  "
          f"{'rhythm (seconds on@strength, (off))':<40} meaning")
    for p in PATTERNS.values():
        rhythm = " ".join(f"{d:.2f}@{i:.2f}" if i else f"({d:.2f})" for d, i in p.steps) or "-"
        plays = ("loops" if p.repeat else "once") + (", one side" if p.directional else "")
        strength = max((i for _, i in p.steps), default=0.0)
        print(f"{p.name:<13} {plays:<16} {strength:>8.0%} {p.duration_s:>5.2f}s  {rhythm:<40} "
              f"{p.meaning}")
    cv2.imwrite(str(chart), timing_chart([p for p in PATTERNS.values() if p.steps]))
    print(f"timing chart: {chart}")
