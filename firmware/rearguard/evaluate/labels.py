"""Labels: what really happened in a clip, against which the alerts are judged.

A labelled clip is a session folder (meta.toml pointing at the footage, as for any replay) with a
``labels.toml`` beside it. The format is documented in tests/labels/README.md:

```toml
[clip]
description = "two women walk straight at a chest-height camera"
view = "low"                 # low (wearable-like height) or elevated: quiet rates per view

[[approach]]                 # something that reaches the camera, or passes beside it
object = "two women"
label = "person"
in_path = true               # it reaches the runner (DANGER is due by contact)
closing_from = 0.0           # session seconds: in view and closing from here
contact_t = 6.0              # within 1 m, or passing the lens, read from the frames
end_t = 7.0                  # gone by here (level changes are counted up to here)
speed_mps = 1.2              # optional: closing speed, for a range trace from the labels

[[quiet]]                    # nothing approaches: any WARNING or DANGER here is false
from = 0.0
to = 13.6

[[crossing]]                 # optional: something crosses the rangefinder's axis (its echo)
object = "woman, legs"
from = 0.0                   # in the sensor's cone from here
to = 0.3                     # to here
distance_m = 1.5             # at this distance, read from the frames

[ground_truth]               # optional: boxes with identities, to count track ids per person
format = "mot"               # mot: frame,id,left,top,width,height ; otb: x y w h per frame
path = "assets:footage/TUD-Campus/gt/gt.txt"
first_frame = 1              # the number the file gives the session's frame 0
```

Scenes rendered by ``rearguard synth`` need no labels.toml: their expect.toml ``[[contact]]``
tables give the same facts, exactly.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VIEWS = ("low", "elevated")
GT_FORMATS = ("mot", "otb")
PASS_AFTER_S = 1.0  # an approach's episode ends this long after contact unless end_t says


class LabelError(ValueError):
    """A label file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Approach:
    object: str
    label: str
    in_path: bool
    closing_from: float
    contact_t: float
    end_t: float
    speed_mps: float | None = None


@dataclass(frozen=True)
class QuietSpan:
    start: float
    end: float


@dataclass(frozen=True)
class Crossing:
    """Something crossing the rangefinder's axis: what a real sensor would have heard."""

    object: str
    start: float
    end: float
    distance_m: float


@dataclass(frozen=True)
class GroundTruth:
    format: str
    path: Path
    first_frame: int


@dataclass(frozen=True)
class ClipLabels:
    """Everything labelled about one session."""

    session: Path
    description: str
    view: str
    approaches: tuple[Approach, ...]
    quiet: tuple[QuietSpan, ...]
    ground_truth: GroundTruth | None = None
    synthetic: bool = False
    crossings: tuple[Crossing, ...] = ()

    @property
    def name(self) -> str:
        return self.session.name

    def time_scaled(self, speed: float) -> ClipLabels:
        """The labels of the clip played ``speed`` times faster (``replay --speed``)."""
        if speed == 1:
            return self
        approaches = tuple(dataclasses.replace(
            a, closing_from=a.closing_from / speed, contact_t=a.contact_t / speed,
            end_t=a.end_t / speed,
            speed_mps=a.speed_mps * speed if a.speed_mps is not None else None)
            for a in self.approaches)
        quiet = tuple(QuietSpan(q.start / speed, q.end / speed) for q in self.quiet)
        crossings = tuple(dataclasses.replace(c, start=c.start / speed, end=c.end / speed)
                          for c in self.crossings)
        return dataclasses.replace(self, approaches=approaches, quiet=quiet,
                                   crossings=crossings)


_SCHEMA = {
    "clip": {"description": str, "view": str},
    "approach": {"object": str, "label": str, "in_path": bool, "closing_from": float,
                 "contact_t": float, "end_t": float, "speed_mps": float},
    "quiet": {"from": float, "to": float},
    "crossing": {"object": str, "from": float, "to": float, "distance_m": float},
    "ground_truth": {"format": str, "path": str, "first_frame": int},
}
_REQUIRED = {
    "clip": ("view",),
    "approach": ("label", "in_path", "closing_from", "contact_t"),
    "quiet": ("from", "to"),
    "crossing": ("from", "to", "distance_m"),
    "ground_truth": ("format", "path"),
}


def _table(where: str, name: str, raw: Any) -> dict[str, Any]:
    """Check one table's keys and types; numbers come back as floats."""
    if not isinstance(raw, dict):
        raise LabelError(f"{where}: {name}: expected a table")
    schema = _SCHEMA[name.split("[")[0]]
    for key, value in raw.items():
        if key not in schema:
            raise LabelError(f"{where}: {name}.{key}: unknown key (expected one of "
                             f"{', '.join(sorted(schema))})")
        want = schema[key]
        ok = (isinstance(value, int | float) and not isinstance(value, bool)
              and math.isfinite(value)) if want is float else (
            isinstance(value, want) and not (want is int and isinstance(value, bool)))
        if not ok:
            raise LabelError(f"{where}: {name}.{key}: expected {want.__name__}, got {value!r}")
    for key in _REQUIRED[name.split("[")[0]]:
        if key not in raw:
            raise LabelError(f"{where}: {name}.{key}: missing")
    return {k: float(v) if schema[k] is float else v for k, v in raw.items()}


def parse_labels(raw: dict[str, Any], session: Path, where: str,
                 assets: Path | None = None) -> ClipLabels:
    """Check a parsed labels.toml; a LabelError names the file and the key."""
    for key in raw:
        if key not in _SCHEMA:
            raise LabelError(f"{where}: {key}: unknown table (expected clip, approach, quiet, "
                             f"crossing, ground_truth)")
    clip = _table(where, "clip", raw.get("clip", {}))
    if clip["view"] not in VIEWS:
        raise LabelError(f"{where}: clip.view: expected one of {', '.join(VIEWS)}, "
                         f"got {clip['view']!r}")
    approaches = tuple(_approach(where, i, a) for i, a in enumerate(raw.get("approach", [])))
    quiet = tuple(_quiet(where, i, q) for i, q in enumerate(raw.get("quiet", [])))
    crossings = tuple(_crossing(where, i, c) for i, c in enumerate(raw.get("crossing", [])))
    gt = None
    if "ground_truth" in raw:
        gt = _ground_truth(where, raw["ground_truth"], session, assets)
    return ClipLabels(session, clip.get("description", ""), clip["view"], approaches, quiet, gt,
                      crossings=crossings)


def _approach(where: str, i: int, raw: Any) -> Approach:
    a = _table(where, f"approach[{i}]", raw)
    if a["contact_t"] <= a["closing_from"]:
        raise LabelError(f"{where}: approach[{i}].contact_t: expected a time after "
                         f"closing_from ({a['closing_from']:g}), got {a['contact_t']:g}")
    end = a.get("end_t", a["contact_t"] + PASS_AFTER_S)
    if end < a["contact_t"]:
        raise LabelError(f"{where}: approach[{i}].end_t: expected at least contact_t")
    return Approach(a.get("object", a["label"]), a["label"], a["in_path"], a["closing_from"],
                    a["contact_t"], end, a.get("speed_mps"))


def _quiet(where: str, i: int, raw: Any) -> QuietSpan:
    q = _table(where, f"quiet[{i}]", raw)
    if q["to"] <= q["from"]:
        raise LabelError(f"{where}: quiet[{i}].to: expected a time after from ({q['from']:g})")
    return QuietSpan(q["from"], q["to"])


def _crossing(where: str, i: int, raw: Any) -> Crossing:
    c = _table(where, f"crossing[{i}]", raw)
    if c["to"] <= c["from"]:
        raise LabelError(f"{where}: crossing[{i}].to: expected a time after from "
                         f"({c['from']:g})")
    if c["distance_m"] <= 0:
        raise LabelError(f"{where}: crossing[{i}].distance_m: expected a distance above 0 m")
    return Crossing(c.get("object", "something"), c["from"], c["to"], c["distance_m"])


def _ground_truth(where: str, raw: Any, session: Path, assets: Path | None) -> GroundTruth:
    g = _table(where, "ground_truth", raw)
    if g["format"] not in GT_FORMATS:
        raise LabelError(f"{where}: ground_truth.format: expected one of "
                         f"{', '.join(GT_FORMATS)}, got {g['format']!r}")
    path = resolve(g["path"], session, assets)
    if not path.is_file():
        raise LabelError(f"{where}: ground_truth.path: {path} does not exist")
    return GroundTruth(g["format"], path, g.get("first_frame", 1))


def resolve(text: str, folder: Path, assets: Path | None) -> Path:
    """A path in a label: ``assets:...`` inside the asset folder, else relative to the folder."""
    if text.startswith("assets:"):
        if assets is None:
            from rearguard.assets import assets_dir
            assets = assets_dir()
        return assets / text.removeprefix("assets:")
    return folder / text


def load_labels(folder: Path, assets: Path | None = None) -> ClipLabels:
    """Read FOLDER/labels.toml; the folder must also be a session (meta.toml)."""
    path = folder / "labels.toml"
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise LabelError(f"{path}: no such label file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise LabelError(f"{path}: not valid TOML: {e}") from None
    if not (folder / "meta.toml").is_file():
        raise LabelError(f"{path}: no meta.toml beside it, so there is no clip to replay")
    return parse_labels(raw, folder, str(path), assets)


def discover(roots: list[Path]) -> list[Path]:
    """Every folder below ``roots`` that holds a labels.toml, sorted by name."""
    found = []
    for root in roots:
        found += [p.parent for p in root.rglob("labels.toml")]
    return sorted(set(found), key=lambda p: p.name)
