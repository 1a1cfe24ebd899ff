"""Event records: what the firmware decided, one JSON object per line of events.jsonl.

Every event has ``t`` (seconds, the time the decision is about) and ``kind``. Fields whose
value is unknown are left out (absent, never 0). Floats are rounded here, in one place, so the
log is compact and two replays of the same input write the same bytes. Every kind and field is
documented in firmware/rearguard/session/FORMAT.md.
"""

from __future__ import annotations

import enum
from typing import Any

DECIMALS = 4


def event(t: float, kind: str, **fields: Any) -> dict[str, Any]:
    """One event record; None fields are dropped, floats rounded, enums written by name."""
    record: dict[str, Any] = {"t": round(float(t), DECIMALS), "kind": kind}
    for name, value in fields.items():
        if value is not None:
            record[name] = _clean(value)
    return record


def _clean(value: Any) -> Any:
    # Plain floats, strings and ints are most fields (a track event's box is four floats):
    # settled by their exact type before the chain of isinstance tests, which subclasses
    # (enums, bool, numpy scalars) still go through.
    kind = type(value)
    if kind is float:
        return round(value, DECIMALS)
    if kind is str or kind is int:
        return value
    if isinstance(value, enum.IntEnum):
        return value.name
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool):
        return value
    if isinstance(value, float):  # numpy's float64 too
        return round(float(value), DECIMALS)
    if isinstance(value, int):
        return value
    if isinstance(value, tuple | list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value
