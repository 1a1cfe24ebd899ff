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
    "evaluate",
    "sessions",
    "mb1242_address",
    "synth",
    "mounting",
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
    _tidy_help(parser)
    return parser


def _tidy_help(parser: argparse.ArgumentParser) -> None:
    """Every (sub)command's --help opens with a plain sentence: its one-line help when it has
    no description, and no reStructuredText ``markup`` taken over from a docstring."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for name, child in action.choices.items():
            text = child.description or helps.get(name) or ""
            child.description = (text[0].upper() + text[1:]).replace("``", "") if text else None
            _tidy_help(child)


def main(argv: list[str] | None = None) -> int:
    from rearguard import journal
    from rearguard.assets import AssetsMissing
    from rearguard.config import ConfigError
    from rearguard.session.format import SessionError

    journal.configure()  # once, here: one line per event on stderr (the journal, as a service)
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (ConfigError, SessionError, AssetsMissing, UsageError) as e:
        print(f"rearguard: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
