"""What was really there: truth.jsonl lines, the contacts, and expect.toml.

Distances are along the runner's path, from the lens to the object's nearest surface (negative
once it has passed the lens plane). ``lateral_m`` is the object's centre right of the camera,
``bearing_deg`` the direction of that centre (positive = image right). ``in_path``: the object's
width overlaps a 1.0 m corridor centred on the runner's path. A contact is the moment an object
comes within 1 m ahead (or passes the lens plane, for what starts nearer).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rearguard.session.expect import Contact
from rearguard.synth.motion import object_position, runner_pose, speed_along
from rearguard.synth.scene import Runner, Scene, SceneObject

CORRIDOR_M = 1.0
CONTACT_M = 1.0
WARNING_LEAD_S = 2.1  # the evaluate target (tests/labels/README.md): DESIGN.md's 2 s, and a tick
DETECTOR_LABELS = ("person", "bicycle", "car", "dog", "motorcycle", "bus", "truck")
RANGE_LIMIT_M = 4.0


def in_path(obj: SceneObject, width_m: float, t: float) -> bool:
    _, x = object_position(obj, t)
    return abs(x) - width_m / 2 < CORRIDOR_M / 2


def truth_record(obj: SceneObject, width_m: float, runner: Runner, t: float, frame: int,
                 box: tuple[float, float, float, float] | None, visible: bool) -> dict[str, Any]:
    pose = runner_pose(runner, t)
    z, x = object_position(obj, t)
    distance = z - pose.z
    lateral = x - pose.x
    record: dict[str, Any] = {
        "t": round(t, 4), "frame": frame, "id": obj.id, "label": obj.label,
        "distance_m": round(distance, 4),
        "bearing_deg": round(math.degrees(math.atan2(lateral, max(distance, 1e-6))), 4),
        "lateral_m": round(lateral, 4),
    }
    closing = runner.speed_mps - speed_along(obj, t)
    if closing > 1e-6 and distance > 0:
        record["ttc_s"] = round(distance / closing, 4)
    record["in_path"] = in_path(obj, width_m, t)
    record["visible"] = visible
    if visible and box is not None:
        record["box"] = [round(v, 2) for v in box]
    return record


def contacts(scene: Scene, widths: list[float]) -> list[Contact]:
    """Every object that comes within 1 m (or passes the lens plane) during the scene."""
    found = []
    for obj, width in zip(scene.objects, widths, strict=True):
        t = first_time_within(scene, obj, CONTACT_M)
        if t is not None:
            found.append(Contact(obj.id, obj.label, t, bool(in_path(obj, width, t))))
    return found


def first_time_within(scene: Scene, obj: SceneObject, distance: float) -> float | None:
    """The first time (to the millisecond) the object is ``distance`` or nearer ahead."""
    def gap(t: float) -> float:
        return object_position(obj, t)[0] - runner_pose(scene.runner, t).z - distance

    step = 0.01
    grid = np.arange(0.0, scene.duration_s + step / 2, step)
    for i, t in enumerate(grid):
        if gap(float(t)) <= 0:
            if i == 0:
                return 0.0
            lo, hi = float(grid[i - 1]), float(t)
            for _ in range(30):  # bisection: well below a millisecond
                mid = (lo + hi) / 2
                lo, hi = (lo, mid) if gap(mid) <= 0 else (mid, hi)
            return round(hi, 3) if hi <= scene.duration_s else None
    return None


def expectations(scene: Scene, found: list[Contact]) -> dict[str, Any]:
    """expect.toml: the contacts, and alert windows from the design's requirements (not from
    what the firmware does): WARNING at least 2 s before an in-path contact with something the
    detector can name (by contact, when the scene starts less than 2 s before it); for what
    only the rangefinder can see (poles, walls), WARNING between entering its 4 m range and
    contact; no WARNING at all when nothing reaches the path."""
    hits = [c for c in found if c.in_path]
    scenario: dict[str, Any] = {"description": scene.description, "profile": "pi4"}
    if hits:
        scenario["contact_t"] = min(c.t for c in hits)
    windows = []
    for c in hits:
        if c.label in DETECTOR_LABELS:
            if c.t - WARNING_LEAD_S > 0:
                windows.append({"kind": "alert", "level": "WARNING", "from": 0.0,
                                "to": round(c.t - WARNING_LEAD_S, 3)})
            else:  # too close for the lead from the start: at least something by contact
                windows.append({"kind": "alert", "level": "WARNING", "from": 0.0, "to": c.t})
        else:
            seen = _time_at_distance(scene, c.id, RANGE_LIMIT_M)
            windows.append({"kind": "alert", "level": "WARNING", "from": seen, "to": c.t})
    if not hits:
        windows.append({"kind": "quiet", "level": "WARNING", "from": 0.0,
                        "to": round(scene.duration_s, 3)})
    windows += [dict(w) for w in scene.expect]
    return {"scenario": scenario, "expect": windows,
            "tolerance": {"false_alerts_per_minute": 0.0},
            "contact": [{"id": c.id, "label": c.label, "t": c.t, "in_path": c.in_path}
                        for c in found]}


def _time_at_distance(scene: Scene, oid: int, distance: float) -> float:
    obj = next(o for o in scene.objects if o.id == oid)
    t = first_time_within(scene, obj, distance)
    return 0.0 if t is None else t
