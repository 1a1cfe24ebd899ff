"""A push button through gpiozero: short press pauses and resumes alerts, a long press asks for
a safe shutdown.

Wiring: a momentary push button between GPIO 26 (pin 37) and GND (pin 39). No resistor: the
Pi's internal pull-up holds the pin high until the button pulls it low. Put it where a gloved
thumb finds it without looking (a strap, not the back plate).
"""

from __future__ import annotations

from collections.abc import Callable

from rearguard.devices.base import Closing, DeviceMissing

Press = Callable[[str], None]


class PauseButton(Closing):
    def __init__(self, pin: int, long_press_s: float = 2.0, pin_factory: object | None = None):
        from gpiozero import Button, GPIOZeroError

        try:
            self._button = Button(pin, pull_up=True, bounce_time=0.03, hold_time=long_press_s,
                                  pin_factory=pin_factory)
        except (GPIOZeroError, OSError, RuntimeError) as e:
            raise DeviceMissing(f"button: cannot open GPIO {pin}: {e}") from e
        self._held = False
        self._callback: Press | None = None
        self._button.when_held = self._on_held
        self._button.when_released = self._on_released

    @property
    def is_pressed(self) -> bool:
        return bool(self._button.is_pressed)

    def on_press(self, callback: Press) -> None:
        """Call ``callback("short")`` or ``callback("long")`` (from gpiozero's thread)."""
        self._callback = callback

    def _on_held(self) -> None:
        self._held = True
        if self._callback is not None:
            self._callback("long")

    def _on_released(self) -> None:
        if not self._held and self._callback is not None:
            self._callback("short")
        self._held = False

    def close(self) -> None:
        self._button.close()
