"""The recorded sessions in a folder: when each started, how long it ran, what it warned about,
how big it is; and removing old ones (only folders that are sessions, never anything else)."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rearguard.messages import AlertLevel
from rearguard.session import format as fmt
from rearguard.session.format import SessionError
from rearguard.session.reader import open_session, read_events


@dataclass
class SessionInfo:
    path: Path
    start: datetime  # meta.toml "created", else the folder's modification time
    duration_s: float | None = None
    alerts_by_level: dict[str, int] = field(default_factory=dict)
    faults: int = 0
    size_bytes: int = 0
    problem: str | None = None  # why it could not be read as a whole

    def as_dict(self) -> dict:
        return {"path": str(self.path), "start": self.start.isoformat(timespec="seconds"),
                "duration_s": self.duration_s, "alerts_by_level": self.alerts_by_level,
                "faults": self.faults, "size_bytes": self.size_bytes, "problem": self.problem}


def list_sessions(folder: Path) -> list[SessionInfo]:
    """Every session folder directly under ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = [describe(p) for p in folder.iterdir() if is_session(p)]
    return sorted(found, key=lambda s: s.start)


def is_session(path: Path) -> bool:
    return path.is_dir() and (path / fmt.META).is_file()


def describe(path: Path) -> SessionInfo:
    info = SessionInfo(path, _mtime(path), size_bytes=_size(path))
    try:
        session = open_session(path)
        info.start = _created(session.meta) or info.start
        if session.frame_count:
            info.duration_s = round(float(session.frame_times[-1] - session.frame_times[0]), 1)
        events = read_events(path / fmt.EVENTS) if (path / fmt.EVENTS).exists() else []
    except SessionError as e:
        info.problem = str(e)
        return info
    counts = Counter(e["level"] for e in events if e["kind"] == "alert")
    info.alerts_by_level = {lv.name: counts.get(lv.name, 0) for lv in AlertLevel
                            if lv is not AlertLevel.CLEAR}
    info.faults = sum(1 for e in events if e["kind"] == "fault" and e.get("active"))
    return info


def to_remove(sessions: list[SessionInfo], *, older_than_days: float | None = None,
              keep: int | None = None, now: datetime | None = None) -> list[SessionInfo]:
    """The sessions past the age limit, or beyond the newest ``keep`` (either rule removes)."""
    now = now or datetime.now(UTC)
    newest_first = sorted(sessions, key=lambda s: s.start, reverse=True)
    chosen = []
    for rank, s in enumerate(newest_first):
        too_old = older_than_days is not None and \
            (now - s.start).total_seconds() > older_than_days * 86400
        too_many = keep is not None and rank >= keep
        if too_old or too_many:
            chosen.append(s)
    return chosen


def remove(info: SessionInfo) -> None:
    if not is_session(info.path):  # checked again right before deleting anything
        raise SessionError(f"{info.path}: not a session folder; not removed")
    shutil.rmtree(info.path)


def _created(meta: dict) -> datetime | None:
    text = meta.get("created")
    try:
        when = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    if when is not None and when.tzinfo is None:
        when = when.astimezone()  # written in local time without an offset
    return when


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
