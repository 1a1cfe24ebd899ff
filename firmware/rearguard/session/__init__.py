"""The session folder shared by recordings, replays and test fixtures (see FORMAT.md here)."""

from rearguard.session.format import SessionError
from rearguard.session.reader import (
    ButtonPress,
    RecordedFault,
    Session,
    open_session,
    read_events,
)
from rearguard.session.writer import EventLog, SessionWriter

__all__ = ["ButtonPress", "EventLog", "RecordedFault", "Session", "SessionError",
           "SessionWriter", "open_session", "read_events"]
