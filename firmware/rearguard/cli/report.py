"""``rearguard report SESSION``: one HTML page to look back at a run in a browser."""

from __future__ import annotations

import argparse
from pathlib import Path

from rearguard.boards import PROFILES, board_profile
from rearguard.cli import UsageError
from rearguard.cli.progress import Progress
from rearguard.config import Config, load_config
from rearguard.core.pipeline import haptic_sides
from rearguard.detection import open_detector
from rearguard.drive.replay import replay_session
from rearguard.messages import BodySide
from rearguard.session import Session, open_session, read_events
from rearguard.session.settings import recorded_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="a web page to look back at a session",
                       description="Write OUT/report.html, one self-contained page a phone or "
                                   "laptop browser opens: the summary figures (duration, alerts "
                                   "by level, the closest pass, faults, frames dropped), the "
                                   "annotated video (H.264: boxes, track ids, distance, time to "
                                   "contact, level, the rangefinder), the timeline chart and a "
                                   "table of events whose times seek the video. Without "
                                   "--events the session is replayed first. Needs the optional "
                                   "'report' extra (matplotlib, imageio-ffmpeg).")
    p.add_argument("session", type=Path, help="session folder or video file")
    p.add_argument("--events", type=Path, help="an events.jsonl to draw instead of replaying")
    p.add_argument("--out", type=Path, help="output folder (default runs/<name>-report)")
    p.add_argument("--config", type=Path, help="config file (default: the one recorded in the "
                                               "session, else the built-in defaults)")
    p.add_argument("--profile", choices=sorted(PROFILES), help="board whose inference time the "
                                                               "replay models")
    p.add_argument("--no-video", action="store_true", help="leave the video out (faster)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rearguard.report import annotate_video, event_rows, render, summarize, timeline_png

    if args.events is not None and not args.events.is_file():
        raise UsageError(f"--events: {args.events} is not a file (an events.jsonl)")
    session = open_session(args.session)
    if session.frame_count == 0:
        raise UsageError(f"{session.path}: no frames recorded; nothing to report")
    config = load_config(args.config) if args.config else (recorded_config(session) or
                                                         load_config(None))
    events = read_events(args.events) if args.events else _replay(session, config, args.profile)
    out = args.out or Path("runs") / f"{session.name}-report"
    out.mkdir(parents=True, exist_ok=True)
    a = config.alert
    thresholds = {"caution": a.caution_ttc_s, "warning": a.warning_ttc_s, "danger": a.danger_ttc_s}
    timeline = out / "timeline.png"
    timeline.write_bytes(timeline_png(session, events, thresholds, _motor_sides(session, config)))
    video = None
    if not args.no_video:
        video = annotate_video(session, events, out / "annotated.mp4",
                               progress=Progress(f"drawing {session.name}"))
    page = out / "report.html"
    page.write_text(render(f"Rearguard run {session.name}", summarize(session, events),
                           event_rows(session, events), timeline, video), encoding="utf-8")
    print(f"report: {page}")
    return 0


def _motor_sides(session: Session, config: Config) -> tuple[BodySide, ...]:
    """The motors the recording device had (meta.toml [haptics] sides), else the config's."""
    recorded = session.meta.get("haptics", {}).get("sides")
    if recorded:
        return tuple(BodySide(side) for side in recorded if side in set(BodySide))
    return haptic_sides(config)


def _replay(session: Session, config: Config, profile_name: str | None) -> list[dict]:
    profile = board_profile(profile_name or config.board.profile)
    detector = open_detector(config.detector, profile)
    progress = Progress(f"replaying {session.name}")
    return replay_session(session, config, detector, profile, progress=progress).events
