"""Every command's --help reads cleanly: a description, help on every option, no markup."""

from __future__ import annotations

import argparse

from rearguard.cli import build_parser


def commands(parser: argparse.ArgumentParser, path: str = "rearguard"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from commands(child, f"{path} {name}")


def test_every_command_and_option_has_clean_help():
    problems = []
    for path, parser in commands(build_parser()):
        if not parser.description:
            problems.append(f"{path}: no description")
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if not action.help and not isinstance(action, argparse._SubParsersAction):
                problems.append(f"{path} {'/'.join(action.option_strings) or action.dest}: "
                                f"no help")
        text = parser.format_help()
        if "``" in text:
            problems.append(f"{path}: literal `` markup in --help")
    assert problems == []
