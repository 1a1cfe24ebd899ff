#!/usr/bin/env python3
"""Kill `rearguard run --simulate --record` at random moments; check what it leaves behind.

    scripts/kill_test.py [--kills 50] [--terms 10] [--seed 1] [--json]

Each SIGKILL lands anywhere from start-up to 3 s into the run; each SIGTERM lands 0-3 s after
the service said READY=1 (as `systemctl stop` would). Afterwards every session folder must
replay (a session with no frames counts when it gives its one-line message), and every SIGTERM
must end the process with status 0 within 1 s. Prints the figures (JSON with --json); exit 1
when any check fails. The test suite runs a short version (tests/spine/test_kills.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTUP_LIMIT_S = 60.0  # a loaded 2-core machine can take a while to import and load


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=50, help="SIGKILLs (default 50)")
    p.add_argument("--terms", type=int, default=10, help="SIGTERMs (default 10)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="rearguard-kills-") as tmp:
        work = Path(tmp)
        config = work / "device.toml"
        config.write_text(f'[recording]\ndir = "{work / "sessions"}"\nmin_free_mb = 0\n')
        plan = ["KILL"] * args.kills + ["TERM"] * args.terms
        rng.shuffle(plan)
        terms = [_one_run(work, config, how, rng) for how in plan]
        figures = _figures(work / "sessions", [t for t in terms if t is not None], len(plan))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    ok = not figures["unreplayable"] and figures["sigterm_not_0_within_1s"] == 0
    return 0 if ok else 1


def _one_run(work: Path, config: Path, how: str, rng: random.Random) -> dict | None:
    """Start a run, signal it; for SIGTERM, how it ended (status, seconds to exit)."""
    sock_path = work / "notify.sock"
    sock_path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(sock_path))
    env = {**os.environ, "NOTIFY_SOCKET": str(sock_path)}
    child = subprocess.Popen([sys.executable, "-m", "rearguard", "run", "--simulate",
                              "--record", "--config", str(config), "--seconds", "30"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if how == "KILL":
            time.sleep(rng.uniform(0.0, 4.0))  # from interpreter start-up to a few s in
            child.send_signal(signal.SIGKILL)
            child.wait()
            return None
        _wait_ready(listener)
        listener.close()  # as systemd going away: the child must not block on its messages
        time.sleep(rng.uniform(0.0, 3.0))
        sent = time.monotonic()
        child.send_signal(signal.SIGTERM)
        status = child.wait(timeout=30)
        return {"status": status, "seconds": time.monotonic() - sent}
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        listener.close()


def _wait_ready(listener: socket.socket) -> None:
    listener.settimeout(STARTUP_LIMIT_S)
    while listener.recv(4096) != b"READY=1":
        pass


def _figures(sessions: Path, terms: list[dict], runs: int) -> dict:
    from rearguard.session import open_session
    from rearguard.session.format import SessionError

    folders = sorted(p for p in sessions.iterdir() if p.is_dir()) if sessions.exists() else []
    unreplayable, empty, frames = [], 0, 0
    for folder in folders:
        if folder.name.endswith(".partial"):
            continue  # killed during set-up: not a session (the reader never lists it)
        try:
            session = open_session(folder)
            frames += sum(1 for _ in session.frames())
        except SessionError as e:
            if "no frames recorded" in str(e):
                empty += 1
            else:
                unreplayable.append(f"{folder.name}: {e}")
    seconds = sorted(t["seconds"] for t in terms)
    return {
        "runs": runs,
        "sessions": len([f for f in folders if not f.name.endswith(".partial")]),
        "sessions_without_frames": empty,
        "frames_replayed": frames,
        "unreplayable": unreplayable,
        "sigterms": len(terms),
        "sigterm_exit_0": sum(1 for t in terms if t["status"] == 0),
        "sigterm_not_0_within_1s": sum(1 for t in terms
                                       if t["status"] != 0 or t["seconds"] >= 1.0),
        "sigterm_exit_s_max": round(seconds[-1], 3) if seconds else None,
        "sigterm_exit_s_median": round(seconds[len(seconds) // 2], 3) if seconds else None,
    }


if __name__ == "__main__":
    raise SystemExit(main())
