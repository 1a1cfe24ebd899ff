"""``rearguard report SESSION``: an annotated video and a timeline PNG of one run."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2

from rearguard.boards import PROFILES, board_profile
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.drive.replay import replay_session
from rearguard.report import annotate_video, timeline_png
from rearguard.session import open_session, read_events
from rearguard.session.settings import recorded_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="annotated video and timeline of a session",
                       description="Draw what the firmware saw and decided: an annotated video "
                                   "(boxes, track ids, distance, time to contact, level, the "
                                   "rangefinder) and a timeline PNG. Without --events the "
                                   "session is replayed first.")
    p.add_argument("session", type=Path)
    p.add_argument("--events", type=Path, help="an events.jsonl to draw (default: replay)")
    p.add_argument("--out", type=Path, help="output folder (default runs/<name>-report)")
    p.add_argument("--config", type=Path)
    p.add_argument("--profile", choices=sorted(PROFILES))
    p.add_argument("--no-video", action="store_true", help="only the timeline")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    session = open_session(args.session)
    config = load_config(args.config) if args.config else (recorded_config(session) or
                                                         load_config(None))
    if args.events:
        events = read_events(args.events)
    else:
        profile = board_profile(args.profile or config.board.profile)
        detector = open_detector(config.detector, profile)
        events = replay_session(session, config, detector, profile).events
    out = args.out or Path("runs") / f"{session.name}-report"
    out.mkdir(parents=True, exist_ok=True)
    a = config.alert
    thresholds = {"caution": a.caution_ttc_s, "warning": a.warning_ttc_s, "danger": a.danger_ttc_s}
    png = out / "timeline.png"
    cv2.imwrite(str(png), timeline_png(session, events, thresholds))
    print(f"timeline: {png}")
    if not args.no_video:
        video = annotate_video(session, events, out / "annotated.mp4")
        print(f"annotated video: {video}")
    return 0
