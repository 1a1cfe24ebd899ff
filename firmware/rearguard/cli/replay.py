"""``rearguard replay SESSION``: run a recorded session (or any video clip) through the core."""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from rearguard.boards import PROFILES, board_profile
from rearguard.cli.progress import Progress
from rearguard.config import Config, load_config
from rearguard.detection import open_detector
from rearguard.drive.replay import ReplayResult, replay_session, time_scaled
from rearguard.messages import AlertLevel
from rearguard.session import EventLog, Session, open_session
from rearguard.session.settings import (
    HFOV_MAX_DEG,
    HFOV_MIN_DEG,
    config_for_session,
    recorded_config,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="replay a recorded session or a video clip",
                       description="Replay a session folder (or a plain video file) through the "
                                   "detector, tracker, fusion and alert policy on its recorded "
                                   "clock, write the event log and print a summary.")
    p.add_argument("session", type=Path, help="session folder or video file")
    add_replay_options(p)
    p.add_argument("--json", action="store_true",
                   help="print the summary as JSON (the same as OUT/summary.json)")
    p.set_defaults(run=run)


def add_replay_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="config file (default: the one recorded in the "
                                               "session, else the built-in defaults)")
    p.add_argument("--profile", choices=sorted(PROFILES), help="board whose inference time to "
                                                               "model (default: the config's)")
    p.add_argument("--out", type=Path, help="folder for events.jsonl and summary.json "
                                            "(default: runs/<session name>)")
    p.add_argument("--hfov", type=field_of_view, metavar="DEG",
                   help="the horizontal field of view of the camera that filmed a plain clip "
                        "(a phone's main camera: about 65-75), instead of the configured lens; "
                        "distances scale with it")
    p.add_argument("--speed", type=speed_factor, default=1.0, metavar="K",
                   help="play the recording K times faster: every frame and sensor time is "
                        "divided by K, so a walking approach at x3 closes like a jog, with real "
                        "pixels. An approximation: gait, blur and ping rate stay the clip's")


def _bounded(text: str, low: float, high: float, what: str) -> float:
    """A number from the command line within [low, high], else argparse's usage error."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (low <= value <= high):
        raise argparse.ArgumentTypeError(f"expected {what} from {low:g} to {high:g}, "
                                         f"got {text!r}")
    return value


def speed_factor(text: str) -> float:
    """--speed: how many times faster than recorded."""
    return _bounded(text, 0.05, 20.0, "a factor")


def field_of_view(text: str) -> float:
    """--hfov: degrees, as a clip's meta.toml [camera] hfov_deg takes them."""
    return _bounded(text, HFOV_MIN_DEG, HFOV_MAX_DEG, "degrees")


def with_hfov(session: Session, hfov: float | None) -> Session:
    """The session with its lens stated by field of view (square pixels, centred)."""
    if hfov is not None:
        session.meta["camera"] = {"hfov_deg": hfov}
    return session


def run(args: argparse.Namespace) -> int:
    session = time_scaled(with_hfov(open_session(args.session), args.hfov), args.speed)
    replay_and_report(session, args.config, args.profile, args.out, as_json=args.json)
    return 0


def replay_and_report(session: Session, config_path: Path | None, profile_name: str | None,
                      out: Path | None, *, as_json: bool = False) -> ReplayResult:
    """Replay ``session``, write OUT/events.jsonl and OUT/summary.json, print the summary."""
    config = replay_config(session, config_path)
    profile = board_profile(profile_name or config.board.profile)
    detector = open_detector(config.detector, profile)  # checks the model file before starting
    out = out or Path("runs") / session.name
    log = EventLog(out / "events.jsonl")
    try:
        result = replay_session(session, config, detector, profile, emit=log,
                                progress=Progress(f"replaying {session.name}"))
    finally:
        log.close()
    summary = summarize(result, config)
    summary["model"] = detector.spec.name  # "auto" resolved for the board
    text = json.dumps(summary, indent=2)
    (out / "summary.json").write_text(text + "\n")
    if as_json:
        print(text)
    else:
        print_summary(summary, out)
    return result


def replay_config(session: Session, config_path: Path | None) -> Config:
    """The config a replay of ``session`` runs with: the file given, else the one the session
    recorded, else the built-in defaults."""
    if config_path is not None:
        return load_config(config_path)
    return recorded_config(session) or load_config(None)


def summarize(result: ReplayResult, config: Config) -> dict:
    """The numbers a person wants after a replay (also written to summary.json)."""
    wall = sorted(result.detector_wall_s)
    times = result.session.frame_times
    faults = [e for e in result.events if e["kind"] == "fault"]
    mounting = config_for_session(config, result.session).mounting
    return {
        "session": str(result.session.path),
        "start_t": float(times[0]) if len(times) else 0.0,
        "duration_s": round(float(times[-1] - times[0]), 3) if len(times) else 0.0,
        "profile": result.profile.name,
        "model": config.detector.model,
        "modelled_inference_ms": round(result.inference_s * 1000, 1),
        "modelled_far_view_ms": None if result.far_view_s is None
        else round(result.far_view_s * 1000, 1),
        "frames": {"total": result.frames_total, "processed": result.frames_processed,
                   "dropped": result.frames_dropped},
        "detector_ms_here": {
            "median": round(statistics.median(wall) * 1000, 1) if wall else None,
            "p95": round(wall[int(0.95 * (len(wall) - 1))] * 1000, 1) if wall else None,
        },
        "alerts": [{k: a.get(k) for k in ("t", "level", "previous", "label", "track", "reason")
                    if k in a} for a in result.alerts],
        "alerts_by_level": {level.name: sum(a["level"] == level.name for a in result.alerts)
                            for level in AlertLevel if level is not AlertLevel.CLEAR},
        "faults": [{k: f.get(k) for k in ("t", "stage", "active", "cause") if k in f}
                   for f in faults],
        "events": len(result.events),
        "notes": result.session.notes,
        # Distances lean on it (README, "A mounting written off"): say whose it is.
        "mounting": {"height_m": mounting.height_m, "pitch_deg": mounting.pitch_deg,
                     "stated_by": "session" if "mounting" in result.session.meta
                     else "config"},
    }


def print_summary(s: dict, out: Path) -> None:
    frames = s["frames"]
    print(f"Replay of {s['session']} ({s['duration_s']:.1f} s), model {s['model']}, "
          f"profile {s['profile']} ({s['modelled_inference_ms']:g} ms per frame modelled)")
    print(f"  frames: {frames['total']} captured, {frames['processed']} processed, "
          f"{frames['dropped']} dropped")
    m = s["mounting"]
    whose = "as the recording states" if m["stated_by"] == "session" else (
        "the config's: the recording states none; `rearguard mounting` reads the pitch from "
        "the people in it")
    print(f"  camera: {m['height_m']:g} m up, looking {m['pitch_deg']:g} deg down ({whose})")
    d = s["detector_ms_here"]
    if d["median"] is not None:
        print(f"  detector on this machine: {d['median']} ms median, {d['p95']} ms p95")
    by_level = ", ".join(f"{k} {v}" for k, v in s["alerts_by_level"].items())
    print(f"  alerts: {len(s['alerts'])} level changes ({by_level})")
    for a in s["alerts"]:
        who = f"{a.get('label', '')} #{a['track']}" if "track" in a else ""
        at = a["t"] - s["start_t"]
        print(f"    {at:8.2f} s  {a['level']:<8} {who:<16} {a.get('reason', '')}")
    for f in s["faults"]:
        state = "lost" if f.get("active") else "recovered"
        print(f"  fault: {f['t'] - s['start_t']:.2f} s {f['stage']} {state} "
              f"{f.get('cause', '')}")
    for note in s["notes"]:
        print(f"  note: {note}")
    print(f"  event log: {out / 'events.jsonl'} ({s['events']} records)")
