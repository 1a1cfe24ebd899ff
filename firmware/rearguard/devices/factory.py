"""Open the configured devices: the real ones on a Pi, or stand-ins with ``simulate=True``.

The stand-ins are the same drivers on gpiozero's MockFactory (with HC-SR04 echo-playing pins),
a register-level fake I2C bus (MB1242, DRV2605L) and a fake picamera2, so a simulated device
runs the very code a Pi runs, minus the silicon.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rearguard.config.schema import Config
from rearguard.devices.base import Closing, DeviceMissing, FrameSource, HapticOutput, Rangefinder
from rearguard.messages import BodySide


@dataclass
class Devices(Closing):
    camera: FrameSource
    rangefinders: list[Rangefinder]
    haptics: HapticOutput
    button: Any | None = None

    def close(self) -> None:
        for device in [self.camera, *self.rangefinders, self.haptics, self.button]:
            if device is not None:
                device.close()


@dataclass
class Simulation:
    """The stand-in hardware behind a simulated device, for tests to steer."""

    pins: Any  # gpiozero MockFactory
    bus: Any  # FakeSMBus
    echo_pins: dict[str, Any] = field(default_factory=dict)  # rangefinder name -> trigger pin
    camera: Any = None


def simulation(config: Config) -> Simulation:
    from rearguard.devices.testing import (
        FakeDRV2605L,
        FakeMB1242,
        FakePicamera2,
        FakeSMBus,
        hcsr04_rig,
        mock_factory,
    )

    pins = mock_factory()
    chips: dict[int, Any] = {r.address: FakeMB1242(2.5) for r in config.rangefinders
                             if r.kind == "mb1242"}
    if config.haptics.driver == "drv2605":
        chips[config.haptics.address] = FakeDRV2605L()
    sim = Simulation(pins, FakeSMBus(chips))
    for r in config.rangefinders:
        if r.kind == "hcsr04":
            sim.echo_pins[r.name] = hcsr04_rig(pins, r.trigger_pin, r.echo_pin, 2.5)
    sim.camera = FakePicamera2()
    return sim


def open_devices(config: Config, simulate: bool = False,
                 sim: Simulation | None = None) -> Devices:
    """Every configured device; DeviceMissing names the first one that cannot be opened."""
    sim = sim or (simulation(config) if simulate else None)
    opened: list[Any] = []
    try:
        camera = open_camera(config, sim)
        opened.append(camera)
        rangefinders = open_rangefinders(config, sim)
        opened += rangefinders
        haptics = open_haptics(config, sim=sim)
        opened.append(haptics)
        button = open_button(config, sim)
    except DeviceMissing:
        for device in opened:
            device.close()
        raise
    return Devices(camera, rangefinders, haptics, button)


def open_camera(config: Config, sim: Simulation | None = None) -> FrameSource:
    from rearguard.devices.camera import OpenCVSource, Picamera2Source

    if config.camera.source == "opencv":
        return OpenCVSource(config.camera.device)
    factory = (lambda: sim.camera) if sim is not None else None
    return Picamera2Source(config.camera, camera_factory=factory,
                           stream="main" if config.far_view.enabled else "lores")


def open_rangefinders(config: Config, sim: Simulation | None = None) -> list[Rangefinder]:
    from rearguard.devices.hcsr04 import HCSR04
    from rearguard.devices.mb1242 import MB1242

    found: list[Rangefinder] = []
    for r in config.rangefinders:
        if r.kind == "hcsr04":
            found.append(HCSR04(r.name, r.trigger_pin, r.echo_pin,
                                max_distance_m=r.max_distance_m,
                                pin_factory=sim.pins if sim else None))
        elif sim is not None:
            found.append(MB1242(r.name, sim.bus, r.address, max_distance_m=r.max_distance_m))
        else:
            found.append(MB1242.open(r.name, r.i2c_bus, r.address,
                                     max_distance_m=r.max_distance_m))
    return found


def open_haptics(config: Config, simulate: bool = False,
                 sim: Simulation | None = None) -> HapticOutput:
    sim = sim or (simulation(config) if simulate else None)
    from rearguard.haptics.fallback import WithFallback

    motors = _open_motors(config, sim)
    if config.buzzer.pin is None:  # still wrapped: a failed driver is retried and recovers
        return WithFallback(motors)
    from rearguard.devices.buzzer import PiezoBuzzer

    buzzer = PiezoBuzzer(config.buzzer.pin, pin_factory=sim.pins if sim else None)
    return WithFallback(motors, buzzer)


def _open_motors(config: Config, sim: Simulation | None) -> HapticOutput:
    from rearguard.devices.drv2605 import DRV2605L
    from rearguard.devices.motors import PwmMotors

    h = config.haptics
    if h.driver == "pwm":
        return PwmMotors(h.motors, h.pwm_frequency_hz, pin_factory=sim.pins if sim else None)
    if h.driver == "drv2605":
        options = {"actuator": h.actuator, "rated_voltage_v": h.rated_voltage_v,
                   "overdrive_voltage_v": h.overdrive_voltage_v, "address": h.address}
        driver = DRV2605L(sim.bus, **options) if sim else DRV2605L.open(h.i2c_bus, **options)
        driver.auto_calibrate()
        return driver
    return NoHaptics()


def open_button(config: Config, sim: Simulation | None = None):
    from rearguard.devices.button import PauseButton

    if config.button.pin is None:
        return None
    return PauseButton(config.button.pin, config.button.long_press_s,
                       pin_factory=sim.pins if sim else None)


class NoHaptics(Closing):
    """``haptics.driver = "none"``: alerts are logged, nothing vibrates."""

    sides = (BodySide.CENTRE,)

    def set_intensity(self, side, intensity) -> None:
        pass

    def stop_all(self) -> None:
        pass

    def close(self) -> None:
        pass


def with_video_camera(config: Config, video: Path) -> Config:
    """The config with a video file standing in for the camera."""
    camera = dataclasses.replace(config.camera, source="opencv", device=str(video))
    return dataclasses.replace(config, camera=camera)
