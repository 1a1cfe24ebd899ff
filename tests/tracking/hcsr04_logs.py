"""Loaders for the real HC-SR04 logs in the asset folder (ultrasonic/SOURCES.md there).

Each logger wrote its own format and its own "no echo" value; these loaders turn every file
into RangeReadings with ``distance_m=None`` for no echo, and report rows they cannot read
(a power-cut row of NUL bytes) instead of guessing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from rearguard.messages import RangeReading


@dataclass
class Log:
    name: str
    readings: list[RangeReading]
    no_echo_value: str
    rejected_rows: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    text = path.read_bytes().decode("utf-8", errors="replace").replace("\r", "")
    return [(n, row) for n, row in enumerate(csv.reader(text.splitlines()), 1) if n > 1]


def _clock_seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def load(path: Path) -> Log:
    name = path.name
    if name.startswith("nikamsudarshan"):  # HH:MM:SS.mmm, cm; 400 = out of range / no echo
        return _load(path, "400", lambda r: (_clock_seconds(r[0]), r[1]),
                     lambda v: None if float(v) >= 400 else float(v) / 100)
    if name.startswith("eniomecaj"):  # epoch s, raw cm, smoothed cm; no sentinel
        return _load(path, "(none)", lambda r: (float(r[0]), r[1]), lambda v: float(v) / 100)
    if name.startswith("tim4320"):  # whole epoch seconds, cm; -1 = invalid / timeout
        log = _load(path, "-1", lambda r: (float(r[0]), r[1]),
                    lambda v: None if float(v) < 0 else float(v) / 100)
        log.readings = _spread_within_seconds(log.readings)
        return log
    if name.startswith("ddot-bit"):  # date, epoch s, cm, echo s; ~1200 cm = timeout
        return _load(path, ">= 1200", lambda r: (float(r[1]), r[2]),
                     lambda v: None if float(v) >= 1200 else float(v) / 100)
    raise ValueError(f"{name}: no loader for this log")


def _load(path: Path, no_echo: str, fields, distance) -> Log:
    log = Log(path.name, [], no_echo)
    for line, row in _rows(path):
        try:
            t, value = fields(row)
            log.readings.append(RangeReading(t, "rear", distance(value)))
        except (ValueError, IndexError) as e:
            log.rejected_rows.append((line, f"{e}: {','.join(row)[:40]!r}"))
    return log


def _spread_within_seconds(readings: list[RangeReading]) -> list[RangeReading]:
    """Whole-second timestamps: spread the rows of each second evenly across it."""
    spread, i = [], 0
    while i < len(readings):
        j = i
        while j < len(readings) and readings[j].t == readings[i].t:
            j += 1
        n = j - i
        spread += [RangeReading(r.t + k / n, r.sensor, r.distance_m)
                   for k, r in enumerate(readings[i:j])]
        i = j
    return spread
