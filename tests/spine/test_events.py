"""Event records: the values each kind of field is written as (events.jsonl)."""

from __future__ import annotations

import numpy as np

from rearguard.core.events import event
from rearguard.messages import AlertLevel, ObstacleSource


def test_fields_are_written_as_plain_json_values():
    record = event(np.float64(1.234567), "track", id=7, label="person", box=(1.00004, 2.5, 3, 4),
                   distance_m=np.float32(12.345678), level=AlertLevel.WARNING,
                   source=ObstacleSource.FUSED, fused=True, count=np.int64(3), ttc_s=None,
                   nested={"a": 0.123456, "b": None, "c": [np.float64(0.5)]})
    assert record == {"t": 1.2346, "kind": "track", "id": 7, "label": "person",
                      "box": [1.0, 2.5, 3, 4], "distance_m": 12.3457, "level": "WARNING",
                      "source": "fused", "fused": True, "count": 3,
                      "nested": {"a": 0.1235, "c": [0.5]}}
    assert type(record["fused"]) is bool and type(record["count"]) is int
    assert type(record["distance_m"]) is float and type(record["nested"]["c"][0]) is float
