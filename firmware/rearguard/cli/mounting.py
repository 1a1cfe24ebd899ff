"""``rearguard mounting RECORDING``: the camera's pitch, from the people a recording shows.

Wear the device as you run, record a few minutes where people walk or stand in view
(``rearguard run --record``), then::

    rearguard mounting sessions/2026-12-03T0700

prints the pitch the people agree on, beside the one the config says. Put it in ``[mounting]
pitch_deg``: 3 degrees off costs a good share of the warnings (README, "A mounting written
off"). The camera's height is taken as configured: measure it with a tape.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rearguard.boards import PROFILES, board_profile
from rearguard.cli import UsageError
from rearguard.cli.progress import Progress
from rearguard.cli.replay import field_of_view, replay_config, with_hfov
from rearguard.config.lens import camera_intrinsics
from rearguard.core.horizon import PitchFromPeople, PitchReading
from rearguard.detection import open_detector
from rearguard.drive.replay import replay_session
from rearguard.session import open_session
from rearguard.session.settings import config_for_session, session_intrinsics, video_size


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mounting", help="the camera's pitch from the people in a recording",
                       description="Replay a recording (a session folder or a video file) and "
                                   "work out how far the camera looks down from the people "
                                   "in it: the rows of each whole, standing person's head "
                                   "and feet, with his height and the camera's, give his "
                                   "distance and the pitch. Set [mounting] height_m first.")
    p.add_argument("session", type=Path, help="session folder or video file")
    p.add_argument("--config", type=Path, help="config file (default: the one recorded in the "
                                               "session, else the built-in defaults)")
    p.add_argument("--profile", choices=sorted(set(PROFILES) - {"none"}),
                   help="board whose default model to use (default: the config's)")
    p.add_argument("--hfov", type=field_of_view, metavar="DEG",
                   help="the horizontal field of view of the camera that filmed a plain clip")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    session = with_hfov(open_session(args.session), args.hfov)
    config = config_for_session(replay_config(session, args.config), session)
    board = board_profile(args.profile or config.board.profile)
    detector = open_detector(config.detector, board)
    person = detector.spec.obstacle_heights.get("person")
    if person is None:
        raise UsageError(f"model {detector.spec.name} finds no people: the pitch needs them")
    # Every frame (no board's timing): the more boxes, the steadier the reading.
    result = replay_session(session, config, detector, board_profile("none"),
                            progress=Progress(f"reading {session.name}"))
    k = (session_intrinsics(session) or camera_intrinsics(config.camera)).scaled_to(
        *video_size(session))
    people = PitchFromPeople(config.mounting.height_m, person)
    for e in result.events:
        if e["kind"] == "track" and e["label"] == "person":
            people.add(e["id"], e["box"], k)
    reading = people.reading()
    _report(reading, config.mounting.pitch_deg, config.mounting.height_m, args.json)
    return 0 if reading is not None else 1


def _report(reading: PitchReading | None, configured: float, height: float,
            as_json: bool) -> None:
    if as_json:
        print(json.dumps({"configured_pitch_deg": configured, "camera_height_m": height,
                          "pitch_deg": None if reading is None else round(reading.pitch_deg, 2),
                          "sigma_deg": None if reading is None else round(reading.sigma_deg, 2),
                          "people": 0 if reading is None else reading.people,
                          "left_out": 0 if reading is None else reading.left_out}))
        return
    if reading is None:
        print(f"no whole person in view: the pitch stays as configured ({configured:g} deg)")
        return
    print(f"pitch {reading.pitch_deg:.1f} +- {reading.sigma_deg:.1f} deg (looking down) from "
          f"{reading.people} people ({reading.left_out} left out: sitting, children, half "
          f"seen); configured {configured:g} deg, camera {height:g} m up as configured")
