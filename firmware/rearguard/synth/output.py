"""Render a scene into a session folder: video, frames.csv, sensors.jsonl, truth.jsonl,
expect.toml and meta.toml with the lens, the mounting, the HC-SR04 and [synthetic]."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rearguard import __version__
from rearguard.messages import Frame
from rearguard.session import SessionWriter
from rearguard.session.writer import dumps_toml
from rearguard.synth.camera import video_intrinsics
from rearguard.synth.cutouts import (
    CutoutError,
    CutoutSpec,
    cutout_spec,
    load_backdrop,
    load_cutout,
)
from rearguard.synth.ground import Background, ground_texture
from rearguard.synth.motion import frame_times
from rearguard.synth.ranger import Beam, Target, range_trace
from rearguard.synth.render import Renderer, Sprite
from rearguard.synth.scene import Scene, SceneError, resolve_image
from rearguard.synth.truth import contacts, expectations, truth_record

TRUTH = "truth.jsonl"
EXPECT = "expect.toml"
GENERATOR = f"rearguard synth {__version__}"

Progress = Callable[[int, int], None]


@dataclass
class Rendered:
    folder: Path
    frames: int
    readings: int
    contacts: list


def sprites_for(scene: Scene) -> list[Sprite]:
    sprites = []
    for i, obj in enumerate(scene.objects):
        if obj.cutout:
            spec = cutout_spec(obj.cutout, f"{scene.source}: object[{i}].cutout")
        else:
            spec = CutoutSpec(f"image{i}", obj.label, str(resolve_image(obj.image, scene.source)),
                              obj.box or (), (obj.label,), obj.height_m, None, "", obj.frame)
        try:
            image = load_cutout(spec)
        except CutoutError as e:
            raise SceneError(f"{scene.source}: object[{i}]: {e}") from None
        height = obj.height_m
        width = obj.width_m or spec.width_m or height * image.shape[1] / image.shape[0]
        sprites.append(Sprite(obj, image, height, float(width)))
    return sprites


def meta_for(scene: Scene, beam: Beam) -> dict[str, Any]:
    k = video_intrinsics(scene.look.lens, scene.look.width, scene.look.height)
    return {
        "created": "synthetic",
        "device": {"firmware": __version__, "board": "synthetic", "lens": scene.look.lens},
        "video": {"fps": scene.look.fps, "width": k.width, "height": k.height},
        "camera": {"fx": k.fx, "fy": k.fy, "cx": k.cx, "cy": k.cy, "width": k.width,
                   "height": k.height},
        "mounting": {"height_m": scene.runner.height_m, "pitch_deg": scene.runner.pitch_deg},
        "rangefinders": [{"name": beam.name, "kind": "hcsr04", "trigger_pin": 23,
                          "echo_pin": 24, "beam_deg": beam.beam_deg,
                          "max_distance_m": beam.max_distance_m, "rate_hz": 16.0}],
        "synthetic": {"scene": scene.name, "seed": scene.seed, "generator": GENERATOR,
                      "range_trace": "synthetic"},
    }


def make_renderer(scene: Scene) -> Renderer:
    """The scene's renderer: cut-outs loaded, ground texture and backdrop ready."""
    look = scene.look
    k = video_intrinsics(look.lens, look.width, look.height)
    backdrop, bh, bd = None, 0.0, 0.0
    if look.backdrop:
        spec = cutout_spec(look.backdrop, f"{scene.source}: look.backdrop", backdrop=True)
        try:
            backdrop, bh, bd = load_backdrop(spec), spec.height_m, spec.distance_m
        except CutoutError as e:
            raise SceneError(f"{scene.source}: look.backdrop: {e}") from None
    background = Background(k, ground_texture(look.ground, scene.seed), backdrop, bh, bd)
    return Renderer(k, look, scene.runner, sprites_for(scene), background, scene.seed)


def render(scene: Scene, out: Path, progress: Progress | None = None) -> Rendered:
    """Render ``scene`` into the new session folder ``out``."""
    if out.exists():
        raise SceneError(f"{out}: already exists; choose a new --out folder")
    look = scene.look
    renderer = make_renderer(scene)
    sprites = renderer.sprites
    beam = Beam()
    times = frame_times(scene.duration_s, look.fps)
    truth_lines = []
    with SessionWriter(out, meta_for(scene, beam), jpeg_quality=look.jpeg_quality) as writer:
        for index, t in enumerate(times):
            image, drawn = renderer.frame(index, float(t))
            writer.add_frame(Frame(round(float(t), 6), index, image))
            for s, d in zip(sprites, drawn, strict=True):
                truth_lines.append(truth_record(s.obj, s.width_m, scene.runner, float(t), index,
                                                d.box, d.pixels > 0))
            if progress is not None:
                progress(index + 1, len(times))
        targets = [Target(i, s.width_m, s.height_m) for i, s in enumerate(sprites)]
        readings = range_trace(beam, scene.runner, targets, list(scene.objects),
                               scene.duration_s, scene.seed)
        for reading in readings:
            writer.add_range(reading)
    widths = [s.width_m for s in sprites]
    found = contacts(scene, widths)
    _write_lines(out / TRUTH, truth_lines)
    (out / EXPECT).write_text(dumps_toml(expectations(scene, found)))
    return Rendered(out, len(times), len(readings), found)


def _write_lines(path: Path, records: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(r, separators=(",", ":"), allow_nan=False) + "\n" for r in records)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
