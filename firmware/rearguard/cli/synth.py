"""``rearguard synth SCENE --out DIR``: render a synthetic running scene as a session folder."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rearguard.cli import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth", help="render a synthetic running-speed scene with ground truth",
        description="Render a scene (a catalogue name or a scene .toml file) into a session "
                    "folder that replay, report and evaluate take like a recording: video, "
                    "frames.csv, an HC-SR04 trace in sensors.jsonl, truth.jsonl (what was "
                    "really there, per frame and object) and expect.toml (contacts and alert "
                    "windows). The same scene and seed give the same bytes.")
    p.add_argument("scene", nargs="?", help="catalogue name (see --list) or scene file")
    p.add_argument("--out", type=Path, help="new session folder (with --all: a folder that "
                                            "gets one session per scene)")
    p.add_argument("--list", action="store_true", help="name the scenes in the catalogue")
    p.add_argument("--all", action="store_true", help="render the whole catalogue into --out")
    p.add_argument("--seed", type=int, help="override the scene's seed")
    p.add_argument("--duration", type=float, metavar="S",
                   help="override the scene's length, seconds (e.g. 20 to time the renderer)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rearguard.synth import SceneError

    try:
        return _run(args)
    except SceneError as e:
        raise UsageError(str(e)) from None


def _run(args: argparse.Namespace) -> int:
    from rearguard.synth import catalogue, load_scene

    if args.list:
        for name in catalogue():
            print(f"{name:<20} {load_scene(name).description}")
        return 0
    if args.out is None or (args.scene is None) == (not args.all):
        raise UsageError("synth: give SCENE --out DIR, or --all --out DIR, or --list")
    names = catalogue() if args.all else [args.scene]
    if args.all:
        args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        scene = load_scene(name)
        if args.seed is not None or args.duration is not None:
            scene = _overridden(scene, args.seed, args.duration)
        out = args.out / scene.name if args.all else args.out
        _render_one(scene, out)
    return 0


def _overridden(scene, seed: int | None, duration: float | None):
    import dataclasses
    if seed is not None and seed < 0:
        raise UsageError(f"synth: --seed: expected an integer >= 0, got {seed}")
    if duration is not None and not 0.1 <= duration <= 600:
        raise UsageError(f"synth: --duration: expected 0.1-600 seconds, got {duration}")
    return dataclasses.replace(scene, seed=scene.seed if seed is None else seed,
                               duration_s=duration or scene.duration_s)


def _render_one(scene, out: Path) -> None:
    from rearguard.synth.output import render

    began = time.perf_counter()
    result = render(scene, out, progress=_Progress(scene.name))
    took = time.perf_counter() - began
    hits = ", ".join(f"{c.label} #{c.id} at {c.t:.2f} s{' (in path)' if c.in_path else ''}"
                     for c in result.contacts) or "none"
    print(f"{scene.name}: {result.frames} frames ({scene.duration_s:g} s) in {took:.1f} s, "
          f"{result.readings} range readings, contacts: {hits} -> {out}")


class _Progress:
    def __init__(self, name: str):
        self.name, self.tty = name, sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.tty and (done % 10 == 0 or done == total):
            end = "\n" if done == total else ""
            print(f"\rrendering {self.name}: frame {done}/{total}", end=end, file=sys.stderr,
                  flush=True)
