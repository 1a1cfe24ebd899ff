"""An active piezo buzzer through gpiozero: an audible fallback when the motors fail.

Wiring: an *active* 3-5 V piezo buzzer (it has its own oscillator) between a free GPIO and GND
through an NPN transistor or small MOSFET, as for a motor (a bare piezo draws little, but a
transistor keeps the pin safe). Set ``buzzer.pin`` in the config.

It implements ``HapticOutput`` on one (centre) "side", so a pattern can be heard as well as
felt: on above half strength, off below.
"""

from __future__ import annotations

from rearguard.devices.base import Closing, DeviceFault, DeviceMissing
from rearguard.messages import BodySide


class PiezoBuzzer(Closing):
    sides = (BodySide.CENTRE,)

    def __init__(self, pin: int, pin_factory: object | None = None):
        from gpiozero import Buzzer, GPIOZeroError

        try:
            self._buzzer = Buzzer(pin, pin_factory=pin_factory)
        except (GPIOZeroError, OSError, RuntimeError) as e:
            raise DeviceMissing(f"buzzer: cannot open GPIO {pin}: {e}") from e

    def set_intensity(self, side: BodySide, intensity: float) -> None:
        try:
            if intensity >= 0.5:
                self._buzzer.on()
            else:
                self._buzzer.off()
        except (OSError, RuntimeError) as e:
            raise DeviceFault("buzzer", str(e)) from e

    def stop_all(self) -> None:
        self._buzzer.off()

    def close(self) -> None:
        self._buzzer.close()
