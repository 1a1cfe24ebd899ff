"""``rearguard run``: the device's own loop (what the systemd service starts).

A configured device that cannot be opened is one line and exit status 1 (systemd retries:
hardware can come back); a bad configuration is exit status 2 (it does not).

How it ends: SIGTERM (``systemctl stop``) or SIGINT (Ctrl-C) switch the motors off, finish the
session and exit 0 within a second. A long press of the button plays the shutdown pattern,
finishes the session and, with ``--allow-poweroff`` (the service passes it), powers the Pi off.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from rearguard import __version__, journal
from rearguard.boards import BoardProfile, board_profile
from rearguard.cli import UsageError
from rearguard.config import Config, load_config
from rearguard.config.example import config_table
from rearguard.config.lens import camera_intrinsics
from rearguard.config.loader import check_paths, folder_problem
from rearguard.core.pipeline import haptic_sides
from rearguard.detection import open_detector
from rearguard.devices.base import DeviceMissing
from rearguard.devices.inject import KINDS, Injection, Injector, Targets, parse_injection
from rearguard.drive.live import LiveLoop, Status, detector_threads
from rearguard.haptics.patterns import PATTERNS
from rearguard.haptics.player import PatternPlayer
from rearguard.messages import AlertCommand, AlertLevel, Stage
from rearguard.session import EventLog, SessionWriter
from rearguard.session.storage import make_room
from rearguard.session.writer import unique_folder

DEFAULT_CONFIG = Path("/etc/rearguard/rearguard.toml")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run on the device (camera, rangefinders, motors)",
                       description="Run the live loop on the configured hardware until stopped "
                                   "(Ctrl-C, SIGTERM, or a long press of the button).")
    p.add_argument("--config", type=Path, help=f"config file (default {DEFAULT_CONFIG}; with "
                                               f"--simulate and no file, the built-in defaults)")
    p.add_argument("--record", action="store_true", help="record this run as a session "
                                                         "(as [recording] enabled = true)")
    p.add_argument("--simulate", action="store_true",
                   help="run on the stand-ins (no hardware); with --video, frames from a clip")
    p.add_argument("--video", type=Path, help="with --simulate: play this clip as the camera")
    p.add_argument("--seconds", type=float, help="stop after this long")
    p.add_argument("--events", type=Path, help="also write the event log here")
    p.add_argument("--inject", action="append", default=[], metavar="KIND@START[+DURATION]",
                   help=f"with --simulate: break a stand-in START s into the run, for DURATION "
                        f"s (repeatable). Kinds: {', '.join(KINDS)}")
    p.add_argument("--allow-poweroff", action="store_true",
                   help="power the Pi off after a long press (the service sets this)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, sim: Any = None) -> int:
    """``sim``: stand-ins a test made (and steers) for ``--simulate``; else made here."""
    with _signals_stop() as stopping, ExitStack() as stack:
        config = _config(args)
        injections = _injections(args)
        profile = board_profile(config.board.profile)
        config, detector = _detector(config, profile)  # before any hardware: fail fast
        try:
            loop, player, shutdown_s = _assemble(config, args, detector, injections, stack, sim)
        except DeviceMissing as e:  # not a traceback: say which, and where to look
            print(f"rearguard: error: {e} (`rearguard check` probes every device)",
                  file=sys.stderr)
            return 1
        stopping.append(loop)  # a signal during start-up stops it as soon as it runs
        loop.run(duration_s=args.seconds)
        if loop.shutdown_requested:
            time.sleep(shutdown_s)  # let the runner feel the whole shutdown pattern
        haptics_died = not player.alive
        player.close()  # motors off first, then the devices and the session
    _report(loop)
    if haptics_died:  # the runner felt nothing: never a quiet exit 0
        journal.log.error("the haptics thread died during the run: the runner felt nothing")
        return 1
    if loop.shutdown_requested and args.allow_poweroff:
        subprocess.run(["systemctl", "poweroff"], check=False)
    return 0


# --- start-up ------------------------------------------------------------------------------------

def _config(args: argparse.Namespace) -> Config:
    path = args.config
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    if path is None and not args.simulate:
        raise UsageError(f"{DEFAULT_CONFIG} not found: give --config FILE (see `rearguard "
                         f"config example`)")
    if path is None:
        _say("no --config: simulating with the built-in defaults")
    config = load_config(path)
    for note in check_paths(config):  # what `config check` says, said here too
        journal.log.warning("warning: %s", note)
    if args.simulate and args.video:
        from rearguard.devices import factory

        config = factory.with_video_camera(config, args.video)
    return config


def _injections(args: argparse.Namespace) -> list[Injection]:
    if args.inject and not args.simulate:
        raise UsageError("--inject: only with --simulate (it breaks the stand-ins)")
    try:
        return [parse_injection(text) for text in args.inject]
    except ValueError as e:
        raise UsageError(str(e)) from None


def _detector(config: Config, profile: BoardProfile) -> tuple[Config, Any]:
    """The config with the detector's thread count settled, and the detector."""
    threads, why = detector_threads(config.detector.threads, profile, os.cpu_count() or 1)
    config = dataclasses.replace(config, detector=dataclasses.replace(config.detector,
                                                                      threads=threads))
    detector = open_detector(config.detector, profile)
    _say(f"detector: {detector.spec.name} at {max(detector.input_size)} px "
         f"({_input_shape(detector, config)}) with {threads} onnxruntime thread"
         f"{'s' if threads != 1 else ''} ({why})")
    return config, detector


def _input_shape(detector: Any, config: Config) -> str:
    """The tensor the camera's frames are fed as (it follows their shape where it can)."""
    camera = config.camera
    size = (camera.width, camera.height) if config.far_view.enabled else \
        (camera.detect_width, camera.detect_height)
    width, height = detector.preprocess.canvas_for(size)
    return f"{width}x{height} for {size[0]}x{size[1]} frames"


def _assemble(config: Config, args: argparse.Namespace, detector: Any,
              injections: list[Injection], stack: ExitStack, sim: Any = None):
    """Open everything in order, each closed by ``stack`` in reverse: the session last."""
    from rearguard.devices import factory

    if args.simulate and sim is None:
        sim = factory.simulation(config)
    disk = _simulated_disk() if injections else None
    recorder, problem = (_recorder(config, args, detector, disk)
                         if args.record or config.recording.enabled else (None, None))
    if recorder is not None:
        stack.callback(recorder.close)
    log = EventLog(args.events) if args.events else None
    if log is not None:
        stack.callback(log.close)
    devices = factory.open_devices(config, sim=sim)
    stack.callback(devices.close)
    journal.log_startup(config, detector.spec.name, board_profile(config.board.profile),
                        args.simulate)
    camera, detector = devices.camera, detector
    if injections:
        camera, detector = _breakable(camera, detector)
    box: dict[str, LiveLoop] = {}
    player = _player(config, devices, box)
    stack.callback(player.close)  # safe twice: run() closes it before the devices
    loop = LiveLoop(config, detector, camera, devices.rangefinders, player.play,
                    journal.journal_sink(log), recorder=recorder,
                    on_status=StatusLine() if sys.stderr.isatty() else None)
    box["loop"] = loop
    loop.beats.watch("haptics", lambda: player.last_beat)
    if devices.button is not None:
        devices.button.on_press(loop.button_pressed)
    if problem is not None:
        loop.report_fault(Stage.STORAGE, problem)  # no recording: felt, and warnings go on
    player.play(AlertCommand(time.monotonic(), AlertLevel.CLEAR, "armed"))
    if injections:
        targets = Targets(config, sim, camera, detector, disk if recorder else None)
        try:
            injector = Injector(injections, targets, note=loop.note)
        except ValueError as e:
            raise UsageError(str(e)) from None
        injector.start(loop.stop)
        stack.callback(injector.mend_all)
    return loop, player, PATTERNS["shutdown"].duration_s + 0.1


def _breakable(camera: Any, detector: Any) -> tuple[Any, Any]:
    from rearguard.devices.testing import FaultyCamera, FaultyDetector

    return FaultyCamera(camera), FaultyDetector(detector)


def _simulated_disk() -> Any:
    from rearguard.devices.testing import SimulatedDisk

    return SimulatedDisk()


def _player(config: Config, devices: Any, box: dict[str, LiveLoop]) -> PatternPlayer:
    """The pattern player; its faults and recoveries reach the loop (``box``: made later)."""

    def motor_fault(fault) -> None:  # from the player's thread
        if "loop" in box:
            box["loop"].report_fault(Stage.HAPTICS, fault.cause)

    def motors_back() -> None:
        if "loop" in box:
            box["loop"].report_recovered(Stage.HAPTICS)

    if hasattr(devices.haptics, "on_recover"):
        devices.haptics.on_recover = motors_back
    return PatternPlayer(devices.haptics, max_intensity=config.haptics.max_intensity,
                         on_fault=motor_fault)


def _recorder(config: Config, args: argparse.Namespace, detector: Any,
              disk: Any) -> tuple[SessionWriter | None, str | None]:
    """The session writer, or None and why (no room, unwritable): the run goes on without."""
    parent = Path(config.recording.dir)
    problem = folder_problem(parent)
    if problem:
        return None, f"recording off: {problem}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        room = make_room(parent, config.recording.max_total_mb, config.recording.min_free_mb)
        if room.problem:
            return None, f"recording off: no room: {room.problem}"
        folder = unique_folder(parent, time.strftime("%Y%m%d-%H%M%S"))
        writer = SessionWriter(folder, _session_meta(config, detector),
                               jpeg_quality=config.recording.jpeg_quality,
                               **({"write": disk.write} if disk is not None else {}))
    except OSError as e:
        return None, f"recording off: {parent}: {e.strerror or e}"
    return writer, None


def _session_meta(config: Config, detector: Any) -> dict[str, Any]:
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
        k = camera_intrinsics(config.camera).scaled_to(*size)
        meta["camera"] = {"fx": k.fx, "fy": k.fy, "cx": k.cx, "cy": k.cy, "width": k.width,
                          "height": k.height}
    return meta


# --- running and stopping ------------------------------------------------------------------------

class _Stopping(list):
    """The loop, once there is one; a signal that came before it stops it at once."""

    signal: str | None = None

    def append(self, loop: LiveLoop) -> None:
        super().append(loop)
        if self.signal is not None:
            loop.request_stop(self.signal)


@contextmanager
def _signals_stop() -> Iterator[_Stopping]:
    """SIGTERM and SIGINT end the run cleanly (motors off, session finished, exit 0), from the
    moment the command starts: one that comes during start-up stops the loop as it begins."""
    stopping = _Stopping()

    def stop(signum: int, frame: Any) -> None:
        stopping.signal = stopping.signal or signal.Signals(signum).name
        for loop in stopping:
            loop.request_stop(stopping.signal)

    if threading.current_thread() is not threading.main_thread():
        yield stopping  # (tests run the loop on a thread; only the main thread gets signals)
        return
    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stopping
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class StatusLine:
    """A live line on a terminal: level, fps, tracks, faults (at most every 0.5 s)."""

    def __init__(self, write: Callable[[str], Any] | None = None, every_s: float = 0.5):
        self.write = write or (lambda text: print(text, end="", file=sys.stderr, flush=True))
        self.every_s = every_s
        self._last = 0.0
        self._width = 0

    def __call__(self, status: Status) -> None:
        now = time.monotonic()
        if now - self._last < self.every_s:
            return
        self._last = now
        text = status.line()
        self.write("\r" + text.ljust(self._width))
        self._width = len(text)


def _report(loop: LiveLoop) -> None:
    if loop.on_status is not None:
        print(file=sys.stderr)  # end the status line
    recorder = loop.recorder
    recorded = ""
    if recorder is not None:
        recorded = (f", recorded to {recorder.folder} ({loop.recording_dropped} frames not "
                    f"recorded: storage too slow)")
        if recorder.failed:
            recorded += f", recording stopped: {recorder.failed}"
    why = f" ({loop.stop_reason})" if loop.stop_reason else ""
    _say(f"stopped{why}: {loop.command_count} alert commands{recorded}")


def _say(text: str) -> None:
    """One line for the person running it, and for the journal under systemd."""
    journal.log.info(text)
