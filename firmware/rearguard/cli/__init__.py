"""The ``rearguard`` command. Each subcommand lives in its own module of this package and
exposes ``register(subparsers)``, which adds its parser and sets ``run=function(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from rearguard import __version__

# One module per subcommand, in the order `rearguard --help` lists them.
COMMANDS = [
    "demo",
    "replay",
    "run",
    "config",
    "model",
    "detect",
    "bench",
    "calibrate",
    "patterns",
    "check",
    "report",
    "synth",
]


class UsageError(Exception):
    """Bad input from the user (a file, a name, a flag). Printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rearguard",
        description="Rearguard: eyes in the back of a backward runner's head.")
    parser.add_argument("--version", action="version", version=f"rearguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"rearguard.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from rearguard.assets import AssetsMissing
    from rearguard.config import ConfigError
    from rearguard.session.format import SessionError

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (ConfigError, SessionError, AssetsMissing, UsageError) as e:
        print(f"rearguard: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
