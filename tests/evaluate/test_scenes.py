"""How a rendered scene's truth judges the tracks: distance errors and how far out an object
is first tracked, on a handmade truth and event log."""

from __future__ import annotations

import json

import numpy as np

from rearguard.evaluate.scenes import distance_errors, first_tracked


def _scene(tmp_path, rows):
    (tmp_path / "truth.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path


def _truth(frame, ident, label, distance, box):
    return {"t": frame * 0.1, "frame": frame, "id": ident, "label": label,
            "distance_m": distance, "visible": True, "box": list(box)}


def test_an_object_is_first_tracked_where_a_confirmed_tracks_box_first_covers_it(tmp_path):
    """A cyclist closes from 40 m; the first track event (frame 1) sits on a passer-by, the
    second (frame 2) on the cyclist, 38 m away. A walker never tracked reads None."""
    rows = []
    for frame, metres in enumerate((40.0, 39.0, 38.0, 37.0)):
        rows.append(_truth(frame, 1, "bicycle", metres, (600, 300, 620, 330)))
        rows.append(_truth(frame, 2, "person", 12.0, (100, 200, 140, 320)))
        rows.append(_truth(frame, 3, "person", 30.0, (900, 300, 910, 330)))
    folder = _scene(tmp_path, rows)
    events = [{"t": 0.1, "kind": "track", "id": 7, "box": [101, 201, 139, 318],
               "distance_m": 11.0},
              {"t": 0.2, "kind": "track", "id": 8, "box": [601, 302, 619, 331],
               "distance_m": 36.0},
              {"t": 0.3, "kind": "track", "id": 8, "box": [600, 300, 620, 330],
               "distance_m": 37.0}]
    times = np.arange(4) * 0.1
    first = first_tracked(folder, events, times, ["bicycle #1", "person #3"])
    assert first == {"bicycle #1": 38.0, "person #3": None}
    # The walker at 12 m read 11 m, the cyclist 36 m at 38 and 37 m at 37.
    errors = sorted(round(e, 4) for e in distance_errors(folder, events, times))
    assert errors == [0.0, round(2 / 38, 4), round(1 / 12, 4)]
