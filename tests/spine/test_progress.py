"""Progress lines of long commands (replay, report, model fetch) on stderr."""

from __future__ import annotations

import sys

from rearguard.cli.progress import Progress, megabytes


def test_without_a_terminal_a_line_every_quarter(capsys):
    progress = Progress("drawing clip")
    for done in range(1, 101):
        progress(done, 100)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"drawing clip: {p}% (frame {p}/100)" for p in (25, 50, 75, 100)]


def test_on_a_terminal_one_live_line_ended_once(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    progress = Progress("fetching model", megabytes)
    progress(1_000_000, 0)  # length unknown: a live line, left open
    progress.end()
    progress.end()  # ending twice prints one newline
    err = capsys.readouterr().err
    assert err == "\rfetching model: 1.0 MB\033[K\n"
