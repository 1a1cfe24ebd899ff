#!/usr/bin/env python3
"""Memory soak: run `rearguard run --simulate` for a while and measure RSS growth.

    scripts/soak.py [--seconds 600] [--warmup 60] [--every 5] [--record] [--json]

Samples the process's resident memory (VmRSS) every few seconds, skips the warm-up (imports,
onnxruntime's arenas, the first buffers), and fits a straight line to the rest: the slope is
the growth in MB per minute. The fit is Theil-Sen (the median of the slopes between every two
samples; `rearguard bench` uses the same): a leak raises every pair, while a start-up step
that came after the warm-up, on a slow or busy machine, raises only the pairs across it. A
least-squares line read such a step (122.0 to 124.6 MB once, flat after) as 4.1 MB a minute.
Also counts fault events (a soak on healthy stand-ins should have none). Prints the figures
(JSON with --json); exit 1 when growth >= --limit MB/min or a fault happened. The test
suite runs a 60 s version with `pytest -m soak`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rearguard.drive.measure import theil_sen_slope


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=600.0, help="how long to run (600)")
    p.add_argument("--warmup", type=float, default=60.0, help="seconds not fitted (60)")
    p.add_argument("--every", type=float, default=5.0, help="seconds between samples (5)")
    p.add_argument("--limit", type=float, default=0.1, help="most growth allowed, MB/min")
    p.add_argument("--record", action="store_true", help="record a session too")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args()
    figures = soak(args.seconds, args.warmup, args.every, args.record)
    figures["limit_mb_per_min"] = args.limit
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            if key != "samples":
                print(f"{key}: {value}")
    ok = figures["rss_growth_mb_per_min"] < args.limit and not figures["faults"]
    return 0 if ok else 1


def soak(seconds: float, warmup: float, every: float, record: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="rearguard-soak-") as tmp:
        work = Path(tmp)
        config = work / "device.toml"
        config.write_text(f'[recording]\ndir = "{work / "sessions"}"\nmin_free_mb = 0\n')
        events = work / "events.jsonl"
        argv = [sys.executable, "-m", "rearguard", "run", "--simulate", "--config", str(config),
                "--seconds", str(seconds), "--events", str(events)] + (
            ["--record"] if record else [])
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = time.monotonic()
        samples = []
        while child.poll() is None:
            rss = _rss_mb(child.pid)
            if rss is not None:
                samples.append((time.monotonic() - start, rss))
            time.sleep(every)
        faults = [json.loads(line) for line in events.read_text().splitlines()
                  if '"kind":"fault"' in line]
    fitted = [(t, m) for t, m in samples if t >= warmup]
    return {
        "seconds": seconds,
        "exit_status": child.returncode,
        "rss_start_mb": round(fitted[0][1], 2) if fitted else None,
        "rss_end_mb": round(fitted[-1][1], 2) if fitted else None,
        "rss_peak_mb": round(max(m for _, m in samples), 2) if samples else None,
        "rss_growth_mb_per_min": round(theil_sen_slope(fitted) * 60, 4)
        if len(fitted) > 2 else None,
        "faults": [{k: f.get(k) for k in ("t", "stage", "active", "cause")} for f in faults],
        "samples": [(round(t, 1), round(m, 2)) for t, m in samples],
    }


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
