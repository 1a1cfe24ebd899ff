"""``rearguard demo``: the main job on a fresh machine.

Replays a real recorded approach -- two people walking straight at a camera at chest height --
with the default model and config, modelling a Raspberry Pi 4, and prints what the runner would
have felt and when. In a checkout it uses the scenario fixture of that clip, which adds the
rangefinder trace (tests/scenarios/approach_two_women); installed alone, the bare clip.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rearguard.assets import ENV_VAR, AssetsMissing, assets_dir
from rearguard.cli.replay import add_replay_options, replay_and_report, with_hfov
from rearguard.session import open_session

DEMO_CLIP = Path("footage") / "street_level_people_approaching.mp4"
DEMO_SCENARIO = Path(__file__).resolve().parents[3] / "tests" / "scenarios" / \
    "approach_two_women"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="replay a recorded approach with the default model",
                       description="Replay a real clip of people walking at the camera from the "
                                   f"asset folder ({ENV_VAR}) and print the summary.")
    add_replay_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    clip = assets_dir() / DEMO_CLIP
    if not clip.exists():
        raise AssetsMissing(
            f"the demo needs the asset folder (models/ and footage/), and {clip} is not there. "
            f"Set {ENV_VAR} to it, e.g. `{ENV_VAR}=../shared rearguard demo` in a checkout "
            f"beside the shared assets.")
    source = DEMO_SCENARIO if (DEMO_SCENARIO / "meta.toml").exists() else clip
    print(f"demo: two people walk straight at a chest-height camera and are within 1 m of it "
          f"about 6 s in; replaying {source}")
    replay_and_report(with_hfov(open_session(source), args.hfov), args.config, args.profile,
                      args.out)
    return 0
