"""``rearguard check``: probe every configured device and say plainly what is there.

Opens the camera and grabs a frame, runs the model once on it, pings each rangefinder, buzzes
each motor once and reads the button. Prints one row per device (found, reading, latency);
exits 1 when anything configured is missing. ``--simulate`` runs the same probes on the
stand-ins, to show what a healthy Pi would print.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rearguard.boards import board_profile
from rearguard.config import ConfigError, load_config
from rearguard.config.schema import Config
from rearguard.devices.base import DeviceFault, DeviceMissing

DEFAULT_CONFIG = Path("/etc/rearguard/rearguard.toml")


@dataclass
class Row:
    device: str
    where: str
    found: bool
    reading: str
    latency_ms: float | None = None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="probe every configured device",
                       description="Probe every configured device and say plainly what is "
                                   "there: grab a camera frame, run the model on it, ping each "
                                   "rangefinder, buzz each motor, read the button. Exits 1 when "
                                   "anything configured is missing.")
    p.add_argument("--config", type=Path, help=f"default {DEFAULT_CONFIG} if it exists, else "
                                               f"the built-in defaults")
    p.add_argument("--simulate", action="store_true",
                   help="probe the stand-ins instead, to see what a healthy device prints")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    config = load_config(path)
    from rearguard.devices import factory

    sim = factory.simulation(config) if args.simulate else None
    rows: list[Row] = []
    frame = _probe_camera(config, sim, rows)
    _probe_model(config, frame, rows)
    _probe_rangefinders(config, sim, rows)
    _probe_haptics(config, sim, rows)
    _probe_button(config, sim, rows)
    what = "simulated stand-ins" if args.simulate else "this machine"
    missing = [r for r in rows if not r.found]
    if args.json:
        print(json.dumps({"on": what, "ok": not missing,
                          "devices": [_row_dict(r) for r in rows]}, indent=2))
    else:
        _print(rows, what)
        if missing:
            print(f"missing: {', '.join(r.device for r in missing)}")
    return 1 if missing else 0


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    return result, (time.perf_counter() - start) * 1000


def _why(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    if "default pin factory" in text:
        text += " (no GPIO here: not a Raspberry Pi, or python3-lgpio is not installed)"
    return text


def _probe_camera(config: Config, sim, rows: list[Row]):
    from rearguard.devices.factory import open_camera

    where = config.camera.source if config.camera.source == "picamera2" else \
        f"opencv {config.camera.device}"
    try:
        with open_camera(config, sim) as camera:
            frame, ms = _timed(camera.read)
    except (DeviceMissing, DeviceFault, OSError, RuntimeError) as e:
        rows.append(Row("camera", where, False, _why(e)))
        return None
    w, h = frame.size
    rows.append(Row("camera", where, True, f"frame {w}x{h}", ms))
    return frame


def _probe_model(config: Config, frame, rows: list[Row]) -> None:
    import dataclasses
    import os

    from rearguard.detection import open_detector
    from rearguard.drive.live import detector_threads

    where = config.detector.model
    profile = board_profile(config.board.profile)
    threads, why = detector_threads(config.detector.threads, profile, os.cpu_count() or 1)
    try:
        detector = open_detector(dataclasses.replace(config.detector, threads=threads), profile)
    except ConfigError as e:
        rows.append(Row("model", where, False, str(e)))
        return
    if frame is None:
        rows.append(Row("model", where, True, "loaded (no frame to run it on)"))
        return
    detector.detect(frame)  # the first run sets up onnxruntime's buffers
    result, ms = _timed(lambda: detector.detect(frame))
    width, height = detector.preprocess.canvas_size
    rows.append(Row("model", where, True, f"{detector.spec.name} fed {width}x{height}: "
                                          f"{len(result.detections)} objects in the frame, "
                                          f"{threads} threads ({why})", ms))


def _probe_rangefinders(config: Config, sim, rows: list[Row]) -> None:
    from rearguard.devices.factory import open_rangefinders

    for r in config.rangefinders:
        where = f"GPIO {r.trigger_pin}/{r.echo_pin}" if r.kind == "hcsr04" else \
            f"I2C {r.i2c_bus} 0x{r.address:02x}"
        one = [r]
        try:
            (sensor,) = open_rangefinders(_only(config, rangefinders=one), sim)
            with sensor:
                reading, ms = _timed(sensor.measure)
        except Exception as e:
            rows.append(Row(f"rangefinder {r.name} ({r.kind})", where, False, _why(e)))
            continue
        text = "no echo" if reading.distance_m is None else f"{reading.distance_m:.2f} m"
        rows.append(Row(f"rangefinder {r.name} ({r.kind})", where, True, text, ms))


def _probe_haptics(config: Config, sim, rows: list[Row]) -> None:
    from rearguard.devices.factory import open_haptics

    h = config.haptics
    where = {"pwm": "GPIO " + ",".join(str(m.pin) for m in h.motors),
             "drv2605": f"I2C {h.i2c_bus} 0x{h.address:02x}", "none": "-"}[h.driver]
    try:
        with open_haptics(config, sim=sim) as output:
            buzzed, ms = _timed(lambda: _buzz_each(output))
    except Exception as e:
        rows.append(Row(f"haptics ({h.driver})", where, False, _why(e)))
        return
    rows.append(Row(f"haptics ({h.driver})", where, True, f"buzzed {buzzed}", ms))


def _buzz_each(output) -> str:
    for side in output.sides:
        output.set_intensity(side, 1.0)
        time.sleep(0.2)
        output.set_intensity(side, 0.0)
        time.sleep(0.1)
    return ", ".join(s.value for s in output.sides)


def _probe_button(config: Config, sim, rows: list[Row]) -> None:
    from rearguard.devices.factory import open_button

    if config.button.pin is None:
        return
    where = f"GPIO {config.button.pin}"
    try:
        with open_button(config, sim) as button:
            state = "pressed" if button.is_pressed else "released"
    except Exception as e:
        rows.append(Row("button", where, False, _why(e)))
        return
    rows.append(Row("button", where, True, state))


def _only(config: Config, **changes) -> Config:
    return dataclasses.replace(config, **changes)


def _row_dict(row: Row) -> dict[str, Any]:
    fields = dataclasses.asdict(row)
    if row.latency_ms is not None:
        fields["latency_ms"] = round(row.latency_ms, 2)
    return fields


def _print(rows: list[Row], what: str) -> None:
    print(f"rearguard check on {what}:")
    print(f"  {'device':<28} {'where':<16} {'found':<6} {'latency':>9}  reading")
    for r in rows:
        latency = f"{r.latency_ms:.1f} ms" if r.latency_ms is not None else "-"
        print(f"  {r.device:<28} {r.where:<16} {'yes' if r.found else 'NO':<6} {latency:>9}  "
              f"{r.reading}")
