"""Scene files: what a synthetic run shows, read from TOML and checked strictly.

A scene is the runner (speed, gait), the camera (lens, mounting), the light, the ground and a
list of objects, each a real cut-out (or a textured pole or wall) with a real-world size, a start
position and a speed profile. Every error names the file and the key, in one line.

```toml
[scene]
description = "a cyclist at 7 m/s from 40 m, runner at 3 m/s"
duration_s = 8.0
seed = 1

[runner]
speed_mps = 3.0

[[object]]
cutout = "cyclist"        # a name from synth/cutouts.toml, or image = "assets:..." + box
distance_m = 40.0         # start: along the path, from the lens to the nearest surface
lateral_m = 0.0           # start: the object's centre, metres right of the runner's path
path = "toward"           # toward, same-way, crossing (left to right), static
speed_mps = 7.0           # or speed_profile = [[t, v], ...] (piecewise linear)
bob_m = 0.0               # optional: a walker's or runner's rise at every step,
cadence_spm = 0.0         # at this many steps per minute
```
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from rearguard.assets import assets_dir

PATHS = ("toward", "same-way", "crossing", "static")
GROUNDS = ("path", "road")
LENSES = ("cm3-normal", "cm3-wide")
ASSETS_PREFIX = "assets:"


class SceneError(ValueError):
    """A scene file that cannot be rendered; the message names the file and the key."""


@dataclass(frozen=True)
class Look:
    """Camera, light and the world around the objects."""

    lens: str = "cm3-normal"
    width: int = 1280
    height: int = 720
    fps: float = 20.0
    light: float = 1.0  # brightness gain of the whole scene (dusk ~0.25)
    noise: float = 2.0  # sensor noise, grey levels (1 sigma) at full light
    shutter_s: float = 0.004  # exposure time: motion blur
    jpeg_quality: int = 85
    ground: str = "path"
    backdrop: str = "kitti-suburb"  # a name from cutouts.toml [backdrop.*], or "" for none


@dataclass(frozen=True)
class Runner:
    """The runner going backward and the camera on their back."""

    speed_mps: float = 3.0
    height_m: float = 1.1  # camera above the ground
    pitch_deg: float = 5.0  # camera looks down by this much
    cadence_spm: float = 175.0  # steps per minute: one bounce per step
    bounce_m: float = 0.04  # vertical amplitude of the gait (half peak-to-peak)
    pitch_wobble_deg: float = 1.0  # how much each step rocks the camera's pitch
    sway_m: float = 0.03  # side to side, one period per stride (two steps)
    roll_deg: float = 1.5


@dataclass(frozen=True)
class SceneObject:
    id: int
    label: str
    cutout: str  # cut-out name, or "" with image + box
    image: str
    frame: int  # frame of a video image
    box: tuple[float, float, float, float] | None
    height_m: float
    width_m: float | None  # None: from the cut-out's aspect
    distance_m: float
    lateral_m: float
    path: str
    speed_profile: tuple[tuple[float, float], ...]  # (t, speed) points, piecewise linear
    bob_m: float = 0.0  # a walker's or runner's rise at every step
    cadence_spm: float = 0.0  # their steps per minute


@dataclass(frozen=True)
class Scene:
    name: str
    source: str  # the file it came from
    description: str
    duration_s: float
    seed: int
    look: Look
    runner: Runner
    objects: tuple[SceneObject, ...]
    expect: tuple[dict[str, Any], ...] = field(default=())


# --- the catalogue ----------------------------------------------------------------------------

def catalogue() -> list[str]:
    """Names of the scenes shipped with the package."""
    folder = resources.files("rearguard.synth") / "scenes"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def scene_file(name_or_path: str) -> Path:
    """A catalogue name, or a path to a scene file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise SceneError(f"{path}: no such scene file")
        return path
    shipped = resources.files("rearguard.synth") / "scenes" / f"{name_or_path}.toml"
    if not shipped.is_file():
        raise SceneError(f"{name_or_path}: not a scene file or a catalogue name (catalogue: "
                         f"{', '.join(catalogue())})")
    return Path(str(shipped))


def load_scene(name_or_path: str) -> Scene:
    path = scene_file(name_or_path)
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SceneError(f"{where}: not valid TOML: {e}") from None
    return parse_scene(raw, where, path.stem)


# --- checking -------------------------------------------------------------------------------

TOP_KEYS = {"scene", "look", "runner", "object", "expect"}
SCENE_KEYS = {"description", "duration_s", "seed"}
OBJECT_KEYS = {"id", "label", "cutout", "image", "frame", "box", "height_m", "width_m",
               "distance_m", "lateral_m", "path", "speed_mps", "speed_profile", "bob_m",
               "cadence_spm"}


def parse_scene(raw: dict[str, Any], where: str, name: str) -> Scene:
    from rearguard.synth.cutouts import cutout_spec  # the catalogue of cut-outs

    _no_unknown(raw, TOP_KEYS, where, "")
    head = _table(raw, "scene", where)
    _no_unknown(head, SCENE_KEYS, where, "scene.")
    duration = _number(head, "duration_s", where, "scene.", 10.0, lo=0.1, hi=600.0)
    seed = head.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise SceneError(f"{where}: scene.seed: expected an integer >= 0, got {seed!r}")
    look = _dataclass(Look, _table(raw, "look", where), where, "look.")
    if look.ground not in GROUNDS:
        raise SceneError(f"{where}: look.ground: expected one of {', '.join(GROUNDS)}, got "
                         f"{look.ground!r}")
    if look.lens not in LENSES:
        raise SceneError(f"{where}: look.lens: expected one of {', '.join(LENSES)}, got "
                         f"{look.lens!r}")
    if look.backdrop:
        cutout_spec(look.backdrop, f"{where}: look.backdrop", backdrop=True)
    runner = _dataclass(Runner, _table(raw, "runner", where), where, "runner.")
    items = raw.get("object", [])
    if not isinstance(items, list) or not all(isinstance(o, dict) for o in items):
        raise SceneError(f"{where}: object: expected an array of tables [[object]]")
    objects = tuple(_object(o, i, where) for i, o in enumerate(items))
    ids = [o.id for o in objects]
    if len(set(ids)) != len(ids):
        raise SceneError(f"{where}: object.id: expected distinct ids, got {ids}")
    expect = raw.get("expect", [])
    if not isinstance(expect, list) or not all(isinstance(e, dict) for e in expect):
        raise SceneError(f"{where}: expect: expected an array of tables [[expect]]")
    _check_windows(expect, where)
    return Scene(name, where, str(head.get("description", "")), duration, seed, look, runner,
                 objects, tuple(expect))


def _check_windows(windows: list[dict[str, Any]], where: str) -> None:
    """Extra [[expect]] windows go to expect.toml as they are: check them as its parser will."""
    from rearguard.session.expect import window_from
    from rearguard.session.format import SessionError

    for i, w in enumerate(windows):
        unknown = sorted(set(w) - {"kind", "level", "from", "to"})
        if unknown:
            raise SceneError(f"{where}: expect[{i}].{unknown[0]}: unknown key (expected kind, "
                             f"level, from, to)")
        try:
            window_from(w, f"{where}: expect[{i}]")
        except SessionError as e:
            raise SceneError(str(e)) from None


def _object(raw: dict[str, Any], i: int, where: str) -> SceneObject:
    from rearguard.synth.cutouts import cutout_spec

    key = f"object[{i}]."
    _no_unknown(raw, OBJECT_KEYS, where, key)
    oid = raw.get("id", i + 1)
    if not isinstance(oid, int) or isinstance(oid, bool) or oid < 0:
        raise SceneError(f"{where}: {key}id: expected an integer >= 0, got {oid!r}")
    cutout, image = raw.get("cutout", ""), raw.get("image", "")
    if bool(cutout) == bool(image):
        raise SceneError(f"{where}: {key}cutout: expected either cutout (a name) or image "
                         f"(a file) with box")
    if cutout:
        spec = cutout_spec(cutout, f"{where}: {key}cutout")
        label = raw.get("label", spec.label)
        box, default_height = None, spec.height_m
    else:
        _image_path(image, where, f"{key}image")
        box = _box(raw.get("box"), where, f"{key}box")
        label, default_height = raw.get("label"), None
        if not isinstance(label, str) or not label:
            raise SceneError(f"{where}: {key}label: expected a COCO label with image")
    frame = raw.get("frame", 0)
    if not isinstance(frame, int) or isinstance(frame, bool) or frame < 0:
        raise SceneError(f"{where}: {key}frame: expected a frame index >= 0, got {frame!r}")
    height = _number(raw, "height_m", where, key, default_height, lo=0.05, hi=20.0)
    width = _number(raw, "width_m", where, key, 0.0, lo=0.0, hi=50.0) or None
    distance = _number(raw, "distance_m", where, key, None, lo=-math.inf, hi=500.0)
    if distance <= 0.2:
        raise SceneError(f"{where}: {key}distance_m: expected an object in front of the camera "
                         f"(> 0.2 m), got {distance!r}: it would start behind the lens")
    lateral = _number(raw, "lateral_m", where, key, 0.0, lo=-50.0, hi=50.0)
    path = raw.get("path", "static")
    if path not in PATHS:
        raise SceneError(f"{where}: {key}path: expected one of {', '.join(PATHS)}, got "
                         f"{path!r}")
    profile = _speed_profile(raw, where, key, path)
    bob = _number(raw, "bob_m", where, key, 0.0, lo=0.0, hi=0.5)
    cadence = _number(raw, "cadence_spm", where, key, 0.0, lo=0.0, hi=400.0)
    return SceneObject(oid, label, cutout, image, frame, box, height, width, distance, lateral,
                       path, profile, bob, cadence)


def _speed_profile(raw: dict[str, Any], where: str, key: str,
                   path: str) -> tuple[tuple[float, float], ...]:
    if "speed_profile" in raw and "speed_mps" in raw:
        raise SceneError(f"{where}: {key}speed_mps: expected speed_mps or speed_profile, not "
                         f"both")
    if "speed_profile" in raw:
        points = raw["speed_profile"]
        ok = isinstance(points, list) and points and all(
            isinstance(p, list) and len(p) == 2 and all(_is_number(v) for v in p)
            for p in points)
        if not ok:
            raise SceneError(f"{where}: {key}speed_profile: expected [[t, speed], ...] numbers")
        for _t, v in points:
            if v < 0:
                raise SceneError(f"{where}: {key}speed_profile: expected speeds >= 0 m/s (set "
                                 f"the direction with path), got {v!r}")
        times = [t for t, _ in points]
        if times != sorted(times) or times[0] < 0:
            raise SceneError(f"{where}: {key}speed_profile: expected times from 0 upwards")
        return tuple((float(t), float(v)) for t, v in points)
    speed = raw.get("speed_mps", 0.0)
    if not _is_number(speed) or speed < 0 or speed > 60:
        raise SceneError(f"{where}: {key}speed_mps: expected a speed 0-60 m/s (>= 0; set the "
                         f"direction with path), got {speed!r}")
    if path == "static" and speed:
        raise SceneError(f"{where}: {key}speed_mps: a static object has no speed, got {speed!r}")
    return ((0.0, float(speed)),)


def _image_path(name: str, where: str, key: str) -> Path:
    if not isinstance(name, str) or not name:
        raise SceneError(f"{where}: {key}: expected a file name")
    path = resolve_image(name, where)
    if not path.is_file():
        raise SceneError(f"{where}: {key}: {path} not found")
    return path


def resolve_image(name: str, where: str) -> Path:
    """``assets:images/x.jpg`` inside the asset folder, else relative to the scene file."""
    if name.startswith(ASSETS_PREFIX):
        return assets_dir() / name[len(ASSETS_PREFIX):]
    return (Path(where).parent / name) if not Path(name).is_absolute() else Path(name)


def _box(value: Any, where: str, key: str) -> tuple[float, float, float, float]:
    if not (isinstance(value, list) and len(value) == 4 and all(_is_number(v) for v in value)
            and value[0] < value[2] and value[1] < value[3]):
        raise SceneError(f"{where}: {key}: expected [x1, y1, x2, y2] pixels with x1 < x2, "
                         f"y1 < y2, got {value!r}")
    return tuple(float(v) for v in value)  # type: ignore[return-value]


def _table(raw: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise SceneError(f"{where}: {name}: expected a table [{name}]")
    return value


def _no_unknown(raw: dict[str, Any], known: set[str], where: str, prefix: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SceneError(f"{where}: {prefix}{unknown[0]}: unknown key (expected one of "
                         f"{', '.join(sorted(known))})")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(raw: dict[str, Any], name: str, where: str, prefix: str, default: float | None, *,
            lo: float, hi: float) -> float:
    if name not in raw:
        if default is None:
            raise SceneError(f"{where}: {prefix}{name}: missing, expected a number")
        return default
    value = raw[name]
    if not _is_number(value) or not lo <= value <= hi:
        what = "a speed >= 0" if name.endswith("mps") else "a number"
        raise SceneError(f"{where}: {prefix}{name}: expected {what} in {lo:g}..{hi:g}, got "
                         f"{value!r}")
    return float(value)


LIMITS = {"speed_mps": (0.0, 12.0), "height_m": (0.2, 2.5), "pitch_deg": (-45.0, 45.0),
          "cadence_spm": (0.0, 260.0), "bounce_m": (0.0, 0.3), "pitch_wobble_deg": (0.0, 15.0),
          "sway_m": (0.0, 0.5), "roll_deg": (0.0, 20.0), "width": (160, 4608),
          "height": (120, 2592), "fps": (1.0, 120.0), "light": (0.02, 4.0),
          "noise": (0.0, 60.0), "shutter_s": (0.0, 0.1), "jpeg_quality": (10, 100)}


def _dataclass(cls: type, raw: dict[str, Any], where: str, prefix: str) -> Any:
    names = {f.name: f for f in fields(cls)}
    _no_unknown(raw, set(names), where, prefix)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        default = names[key].default
        if isinstance(default, str):
            if not isinstance(value, str):
                raise SceneError(f"{where}: {prefix}{key}: expected a string, got {value!r}")
        elif isinstance(default, int) and not isinstance(default, bool):
            lo, hi = LIMITS[key]
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                raise SceneError(f"{where}: {prefix}{key}: expected an integer in {lo}..{hi}, "
                                 f"got {value!r}")
        else:
            lo, hi = LIMITS[key]
            value = _number(raw, key, where, prefix, None, lo=lo, hi=hi)
        values[key] = value
    return cls(**values)
