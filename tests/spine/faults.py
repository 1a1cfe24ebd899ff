"""Run `rearguard run --simulate` in this process, with stand-ins the test can see and steer.

``simulated_run`` returns the event log, the stand-ins and when each injection happened, so a
test can ask: when was the fault felt, did warnings go on, did the fault clear?
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rearguard.cli import build_parser
from rearguard.cli import run as run_cli
from rearguard.config import load_config
from rearguard.devices.factory import Simulation, simulation
from rearguard.session import read_events

CLIP = "footage/street_level_people_approaching.mp4"
LEVEL_PATTERNS = ("caution", "warning", "danger")


@dataclass
class Result:
    status: int
    events: list[dict]
    sim: Simulation
    config: Any
    folder: Path
    later: list[tuple[float, str]] = field(default_factory=list)

    def kinds(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["kind"] == kind]

    def injected(self, fault: str, broken: bool = True) -> float:
        """When the stand-in was broken (or mended), on the events' clock."""
        (e,) = [e for e in self.kinds("inject") if e["fault"] == fault
                and e["broken"] is broken]
        return e["t"]

    def patterns(self, names: tuple[str, ...], after: float, before: float = 1e18) -> list[dict]:
        return [e for e in self.kinds("pattern") if e["pattern"] in names
                and after <= e["t"] <= before]

    def faults(self, stage: str, active: bool) -> list[dict]:
        return [e for e in self.kinds("fault") if e["stage"] == stage
                and e.get("active") is active]


def simulated_run(tmp_path: Path, *, seconds: float, inject: list[str] = (),
                  config_text: str = "", video: Path | None = None, record: bool = False,
                  steer: list[tuple[float, Callable[[Simulation], None]]] = ()) -> Result:
    """``steer``: (seconds into the run, action on the stand-ins), e.g. a person coming close."""
    config_path = tmp_path / "device.toml"
    config_path.write_text(config_text)
    events = tmp_path / "events.jsonl"
    argv = ["run", "--simulate", "--config", str(config_path), "--seconds", str(seconds),
            "--events", str(events)]
    for spec in inject:
        argv += ["--inject", spec]
    if video is not None:
        argv += ["--video", str(video)]
    if record:
        argv += ["--record"]
    config = load_config(config_path)
    sim = simulation(config)
    timers = [threading.Timer(at, action, args=(sim,)) for at, action in steer]
    for timer in timers:
        timer.start()
    try:
        status = run_cli.run(build_parser().parse_args(argv), sim=sim)
    finally:
        for timer in timers:
            timer.cancel()
    return Result(status, read_events(events), sim, config, tmp_path)


def echo_at(distance_m: float | None) -> Callable[[Simulation], None]:
    """Steering: every simulated HC-SR04 and MB1242 now hears an echo at ``distance_m``."""
    def steer(sim: Simulation) -> None:
        for pin in sim.echo_pins.values():
            pin.distance_m = distance_m
        for chip in sim.bus.chips.values():
            if hasattr(chip, "distance_m"):
                chip.distance_m = distance_m
    return steer
