"""The default wiring, read from hw/pins.toml (shipped in the package as config/pins.toml).

hw/pins.toml is the one place the default pins are written; the config schema's defaults, the
wiring diagram and the HIL bench's jumpers all come from here. The package's copy is a symbolic
link to hw/pins.toml (like models/catalog.toml), so a wheel carries the file itself; a test
checks the two are the same bytes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

# BCM GPIO -> physical header pin (40-pin header of every Pi since the B+).
HEADER_PIN = {2: 3, 3: 5, 4: 7, 17: 11, 27: 13, 22: 15, 10: 19, 9: 21, 11: 23, 0: 27, 5: 29,
              6: 31, 13: 33, 19: 35, 26: 37, 14: 8, 15: 10, 18: 12, 23: 16, 24: 18, 25: 22,
              8: 24, 7: 26, 1: 28, 12: 32, 16: 36, 20: 38, 21: 40}


@dataclass(frozen=True)
class Loopback:
    """The HIL bench's jumpers (hw/loopback.md)."""

    motors: dict[int, int]        # motor pin -> input pin reading it
    hcsr04_trigger_sense: int     # input jumpered to TRIG
    hcsr04_echo_drive: int        # output jumpered to ECHO
    button_drive: int             # output jumpered to the button pin


@dataclass(frozen=True)
class Wiring:
    trigger: int
    echo: int
    motors: tuple[tuple[str, int], ...]  # (side, gpio), in the order of the file
    button: int
    buzzer_suggested: int
    i2c_bus: int
    sda: int
    scl: int
    mb1242_address: int
    drv2605_address: int
    loopback: Loopback

    def motor_pin(self, side: str) -> int:
        return dict(self.motors)[side]

    def used(self) -> dict[int, str]:
        """Every GPIO the default wiring and the bench use -> what for (no pin used twice)."""
        uses = [(self.trigger, "HC-SR04 TRIG"), (self.echo, "HC-SR04 ECHO"),
                *((gpio, f"motor {side}") for side, gpio in self.motors),
                (self.button, "button"), (self.buzzer_suggested, "buzzer (optional)"),
                (self.sda, "I2C SDA"), (self.scl, "I2C SCL"),
                *((sense, f"loopback: reads GPIO {motor}")
                  for motor, sense in self.loopback.motors.items()),
                (self.loopback.hcsr04_trigger_sense, f"loopback: reads GPIO {self.trigger}"),
                (self.loopback.hcsr04_echo_drive, f"loopback: drives GPIO {self.echo}"),
                (self.loopback.button_drive, f"loopback: drives GPIO {self.button}")]
        table: dict[int, str] = {}
        for gpio, what in uses:
            if gpio in table:
                raise ValueError(f"pins.toml: GPIO {gpio} is used twice ({table[gpio]}, {what})")
            table[gpio] = what
        return table


def pins_text() -> str:
    return resources.files("rearguard.config").joinpath("pins.toml").read_text()


@cache
def default_wiring() -> Wiring:
    """The wiring in the package's pins.toml (read once)."""
    return parse_wiring(pins_text())


def parse_wiring(text: str, source: str = "pins.toml") -> Wiring:
    data = tomllib.loads(text)
    try:
        i2c, loop = data["i2c"], data["loopback"]
        return Wiring(
            trigger=data["hcsr04"]["trigger"], echo=data["hcsr04"]["echo"],
            motors=tuple((m["side"], m["gpio"]) for m in data["motors"]),
            button=data["button"]["gpio"], buzzer_suggested=data["buzzer"]["suggested_gpio"],
            i2c_bus=i2c["bus"], sda=i2c["sda"], scl=i2c["scl"], mb1242_address=i2c["mb1242"],
            drv2605_address=i2c["drv2605"],
            loopback=Loopback({int(k): v for k, v in loop["motors"].items()},
                              loop["hcsr04_trigger_sense"], loop["hcsr04_echo_drive"],
                              loop["button_drive"]))
    except KeyError as e:  # a packaging or editing mistake, not a user's config
        raise ValueError(f"{source}: missing key {e.args[0]!r} (see hw/pins.toml)") from None
