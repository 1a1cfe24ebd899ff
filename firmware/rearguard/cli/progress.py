"""Progress of a long job on stderr: a live line on a terminal, else a line every 25 %.

Shared by replay, report and model fetch, so every long command looks the same.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Format = Callable[[int, int], str]


def frames(done: int, total: int) -> str:
    return f"frame {done}/{total}"


def megabytes(done: int, total: int) -> str:
    if total <= 0:
        return f"{done / 1e6:.1f} MB"
    return f"{done / 1e6:.1f} of {total / 1e6:.1f} MB"


class Progress:
    """Call with (done, total); ``total`` <= 0 means unknown (then only the live line shows)."""

    def __init__(self, what: str, describe: Format = frames):
        self.what, self.describe = what, describe
        self.tty = sys.stderr.isatty()
        self.next_report = 0.25
        self.last_draw = 0.0
        self.line_open = False  # a live line is drawn and not yet ended

    def __call__(self, done: int, total: int) -> None:
        finished = total > 0 and done >= total
        if self.tty:
            now = time.monotonic()
            if now - self.last_draw > 0.2 or finished:
                self.last_draw = now
                print(f"\r{self.what}: {self.describe(done, total)}\033[K",
                      end="\n" if finished else "", file=sys.stderr, flush=True)
                self.line_open = not finished
        elif total > 0 and done / total >= self.next_report:
            fraction = done / total
            print(f"{self.what}: {fraction:.0%} ({self.describe(done, total)})",
                  file=sys.stderr, flush=True)
            while self.next_report <= fraction:
                self.next_report += 0.25

    def end(self) -> None:
        """End a live line left open (an unknown length, or a job stopped short)."""
        if self.line_open:
            print(file=sys.stderr, flush=True)
            self.line_open = False
