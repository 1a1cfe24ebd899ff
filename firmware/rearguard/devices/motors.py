"""Vibration motors on GPIO, driven by PWM through gpiozero.

Wiring, per motor (a 3 V coin/pager ERM motor, ~80 mA): a Pi GPIO pin cannot drive a motor, so
each one hangs off a small N-channel MOSFET (e.g. AO3400 or 2N7000) or an NPN transistor:

    GPIO pin --[1 kohm]--> gate/base          motor + --> 3.3 V (or 5 V for a 5 V motor)
    gate/base --[100 kohm]--> GND (keeps the  motor - --> drain/collector
               motor off while the Pi boots)   source/emitter --> GND
    a flyback diode (1N4148) across the motor, cathode to +

Default pins (BCM, hw/pins.toml): left GPIO 12 (pin 32), centre GPIO 18 (pin 12), right GPIO 13
(pin 33). The Pi has only two hardware PWM channels and GPIO 12 and 18 share one (PWM0; 13 is
PWM1), so three motors cannot all run on hardware PWM: each runs on gpiozero's software PWM
(lgpio), and 200 Hz of it is plenty for a motor. Test with `rearguard check` or
`rearguard patterns`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rearguard.config.schema import MotorConfig
from rearguard.devices.base import Closing, DeviceFault, DeviceMissing
from rearguard.messages import BodySide


class PwmMotors(Closing):
    """One to three motors addressed by body side (implements ``HapticOutput``)."""

    def __init__(self, motors: Sequence[MotorConfig], frequency_hz: int = 200,
                 pin_factory: object | None = None):
        from gpiozero import GPIOZeroError, PWMOutputDevice

        self._devices = {}
        try:
            for m in motors:
                self._devices[BodySide(m.side)] = PWMOutputDevice(
                    m.pin, frequency=frequency_hz, initial_value=0.0, pin_factory=pin_factory)
        except (GPIOZeroError, OSError, RuntimeError) as e:
            self.close()
            raise DeviceMissing(f"vibration motors: cannot open GPIO: {e}") from e
        self.sides = tuple(self._devices)

    def set_intensity(self, side: BodySide, intensity: float) -> None:
        device = self._devices.get(side)
        if device is None:
            return
        try:
            device.value = min(max(intensity, 0.0), 1.0)
        except (OSError, RuntimeError) as e:
            raise DeviceFault("motor " + side.value, str(e)) from e

    def stop_all(self) -> None:
        for side in self.sides:
            self.set_intensity(side, 0.0)

    def close(self) -> None:
        for device in self._devices.values():
            device.close()
        self._devices = {}
