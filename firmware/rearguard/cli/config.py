"""``rearguard config example | check FILE``: the documented example, and a full check."""

from __future__ import annotations

import argparse
from pathlib import Path

from rearguard.config import load_config
from rearguard.config.example import example_toml
from rearguard.config.loader import check_paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="print the example config or check a config file",
                       description="The configuration file (/etc/rearguard/rearguard.toml on the "
                                   "device): print the documented example, or check a file.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ex = actions.add_parser("example", help="print every setting with its default and meaning")
    ex.set_defaults(run=lambda args: print(example_toml(), end="") or 0)
    check = actions.add_parser("check", help="check a config file as the device would at start")
    check.add_argument("file", type=Path, help="the config file (TOML)")
    check.add_argument("--no-model", action="store_true",
                       help="skip the check that the model file is in the asset folder")
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    for note in check_paths(config):  # what run checks, checked here too
        print(f"warning: {note}")
    if not args.no_model:
        from dataclasses import replace

        from rearguard.boards import board_profile, resolve_model
        from rearguard.detection import model_file_for

        board = board_profile(config.board.profile)
        model_file_for(replace(config.detector,
                               model=resolve_model(config.detector.model, board)))
    print(f"{args.file}: ok")
    return 0
