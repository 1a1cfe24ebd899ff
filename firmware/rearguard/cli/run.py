"""``rearguard run``: the device's own loop (what the systemd service starts)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from rearguard import __version__
from rearguard.boards import board_profile
from rearguard.cli import UsageError
from rearguard.config import Config, load_config
from rearguard.config.example import config_table
from rearguard.core.geometry import intrinsics_for
from rearguard.core.pipeline import haptic_sides
from rearguard.detection import open_detector
from rearguard.drive.live import LiveLoop
from rearguard.haptics.player import PatternPlayer
from rearguard.messages import AlertCommand, AlertLevel, Stage
from rearguard.session import EventLog, SessionWriter

DEFAULT_CONFIG = Path("/etc/rearguard/rearguard.toml")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run on the device (camera, rangefinders, motors)",
                       description="Run the live loop on the configured hardware until stopped "
                                   "(Ctrl-C, SIGTERM, or a long press of the button).")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--record", action="store_true", help="record this run as a session "
                                                         "(as [recording] enabled = true)")
    p.add_argument("--simulate", action="store_true",
                   help="run on the stand-ins (no hardware); with --video, frames from a clip")
    p.add_argument("--video", type=Path, help="with --simulate: play this clip as the camera")
    p.add_argument("--seconds", type=float, help="stop after this long")
    p.add_argument("--events", type=Path, help="also write the event log here")
    p.add_argument("--allow-poweroff", action="store_true",
                   help="power the Pi off after a long press (the service sets this)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rearguard.devices import factory

    if not args.config.exists() and args.config == DEFAULT_CONFIG:
        raise UsageError(f"{args.config} not found: give --config FILE (see `rearguard config "
                         f"example`)")
    config = load_config(args.config)
    if args.simulate and args.video:
        config = factory.with_video_camera(config, args.video)
    profile = board_profile(config.board.profile)
    detector = open_detector(config.detector, profile)  # before any hardware: fail fast
    devices = factory.open_devices(config, simulate=args.simulate)
    recorder = _recorder(config, args, detector) if (args.record or config.recording.enabled) \
        else None
    log = EventLog(args.events) if args.events else None
    loop: LiveLoop | None = None

    def motor_fault(fault) -> None:  # from the player's thread
        if loop is not None:
            loop.report_fault(Stage.HAPTICS, fault.cause)

    player = PatternPlayer(devices.haptics, max_intensity=config.haptics.max_intensity,
                           on_fault=motor_fault)
    loop = LiveLoop(config, detector, devices.camera, devices.rangefinders, player.play,
                    log or (lambda record: None), recorder=recorder)
    if devices.button is not None:
        devices.button.on_press(loop.button_pressed)
    player.play(AlertCommand(time.monotonic(), AlertLevel.CLEAR, "armed"))
    try:
        loop.run(duration_s=args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        player.close()
        devices.close()
        for closable in (recorder, log):
            if closable is not None:
                closable.close()
    recorded = (f", recorded to {recorder.folder} ({loop.recording_dropped} frames not "
                f"recorded: storage too slow)" if recorder else "")
    print(f"stopped: {len(loop.commands)} alert commands{recorded}", file=sys.stderr)
    if loop.shutdown_requested and args.allow_poweroff:
        subprocess.run(["systemctl", "poweroff"], check=False)
    return 0


def _recorder(config: Config, args: argparse.Namespace, detector) -> SessionWriter:
    folder = Path(config.recording.dir) / time.strftime("%Y%m%d-%H%M%S")
    meta = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "device": {"firmware": __version__, "board": config.board.profile},
        "mounting": {"height_m": config.mounting.height_m,
                     "pitch_deg": config.mounting.pitch_deg},
        "rangefinders": [{k: v for k, v in vars(r).items() if v is not None}
                         for r in config.rangefinders],
        "model": {"name": detector.spec.name},
        "haptics": {"sides": [s.value for s in haptic_sides(config)]},
        "config": config_table(config),
    }
    if config.camera.source == "picamera2":  # the stream the detector sees is recorded
        cam = config.camera  # main with the far view on (its window needs full resolution)
        size = (cam.width, cam.height) if config.far_view.enabled else \
            (cam.detect_width, cam.detect_height)
        k = intrinsics_for(config.camera).scaled_to(*size)
        meta["camera"] = {"fx": k.fx, "fy": k.fy, "cx": k.cx, "cy": k.cy, "width": k.width,
                          "height": k.height}
    return SessionWriter(folder, meta, jpeg_quality=config.recording.jpeg_quality)
