"""Room for sessions: a quota on the recording folder, kept by removing the oldest sessions.

Two limits (``[recording]``): ``max_total_mb``, the most all sessions may use together, and
``min_free_mb``, the least the disk must keep free (the system and its journal live there too).
Only folders that are sessions (they hold a meta.toml) are ever removed, oldest first by name
(names are start times), and never the session being recorded.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from rearguard.session import format as fmt

MB = 1024 * 1024


@dataclass(frozen=True)
class Room:
    """What making room did, and whether recording can go on."""

    removed: list[Path]
    free_mb: float
    used_mb: float
    problem: str | None  # why there is still not enough room (None: there is)


def free_mb(folder: Path) -> float:
    return shutil.disk_usage(folder).free / MB


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / MB


def sessions_oldest_first(parent: Path) -> list[Path]:
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir() if p.is_dir() and (p / fmt.META).exists())


def make_room(parent: Path, max_total_mb: float, min_free_mb: float,
              keep: Path | None = None) -> Room:
    """Remove the oldest sessions under ``parent`` until both limits hold (or none is left)."""
    sessions = [s for s in sessions_oldest_first(parent) if s != keep]
    sizes = {s: folder_mb(s) for s in sessions}
    used = sum(sizes.values()) + (folder_mb(keep) if keep is not None and keep.exists() else 0)
    free = free_mb(parent)
    removed = []
    while sessions and (used > max_total_mb or free < min_free_mb):
        oldest = sessions.pop(0)
        shutil.rmtree(oldest, ignore_errors=True)
        removed.append(oldest)
        used -= sizes[oldest]
        free = free_mb(parent)
    problem = None
    if free < min_free_mb:
        problem = f"{free:.0f} MB free, less than recording.min_free_mb {min_free_mb:g}"
    elif used > max_total_mb:
        problem = f"this session alone is over recording.max_total_mb {max_total_mb:g}"
    return Room(removed, free, used, problem)
