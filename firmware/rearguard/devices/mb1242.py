"""MaxBotix MB1242 I2CXL-MaxSonar-EZ4 ultrasonic rangefinder on I2C, through smbus2.

Wiring (3.3 V works; the module's I2C lines are open-drain and the Pi has 1.8 kohm pull-ups on
its I2C pins, so no level shifter and no extra pull-ups are needed):

    pin 7 GND --> GND        pin 6 V+ --> 3.3 V (pin 1)
    pin 5 SCL --> GPIO 3 / SCL (pin 5)
    pin 4 SDA --> GPIO 2 / SDA (pin 3)

Enable I2C (``sudo raspi-config nonint do_i2c 0``) and check it answers: ``i2cdetect -y 1``
shows ``70`` (the default address, 224 in MaxBotix's 8-bit notation). Two sensors on one bus
need different addresses: connect one at a time and give it a new one with
``rearguard mb1242-address NEW`` (the sensor keeps it across power cycles).

The part has no registers: writing the byte 0x51 starts a reading; about 80 ms later a 2-byte
read returns the range in centimetres, high byte first. It reports its longest range (about
765 cm) when nothing answers, which is read here as "no echo". Its beam is narrower than an
HC-SR04's and it ignores echoes nearer than ~20 cm.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rearguard.devices.base import Closing, DeviceFault, DeviceMissing
from rearguard.messages import RangeReading

RANGE_COMMAND = 0x51
CHANGE_ADDRESS = (0xAA, 0xA5)
RANGING_S = 0.08
FORBIDDEN_ADDRESSES = {0x00, 0x50, 0xA4, 0xAA}  # 8-bit values MaxBotix reserves


class MB1242(Closing):
    """One MB1242 (implements ``Rangefinder``). ``bus`` is an smbus2.SMBus or a stand-in."""

    def __init__(self, name: str, bus: object, address: int = 0x70, *,
                 max_distance_m: float = 4.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.name, self.bus, self.address = name, bus, address
        self.max_distance_m = max_distance_m
        self.clock, self.sleep = clock, sleep

    @classmethod
    def open(cls, name: str, bus_number: int, address: int, **kwargs) -> MB1242:
        from smbus2 import SMBus

        try:
            bus = SMBus(bus_number)
        except (FileNotFoundError, PermissionError, OSError) as e:
            raise DeviceMissing(f"MB1242 {name!r}: no I2C bus {bus_number} "
                                f"(/dev/i2c-{bus_number}; enable I2C): {e}") from e
        return cls(name, bus, address, **kwargs)

    def measure(self) -> RangeReading:
        from smbus2 import i2c_msg

        t = self.clock()
        try:
            self.bus.i2c_rdwr(i2c_msg.write(self.address, [RANGE_COMMAND]))
            self.sleep(RANGING_S)
            reply = i2c_msg.read(self.address, 2)
            self.bus.i2c_rdwr(reply)
        except OSError as e:
            raise DeviceFault(f"MB1242 {self.name}", f"I2C error at 0x{self.address:02x}: "
                                                     f"{e}") from e
        high, low = list(reply)
        metres = ((high << 8) | low) / 100
        # Stamp the reading halfway through the ranging, when the sound met the object.
        t_echo = t + RANGING_S / 2
        if metres >= self.max_distance_m or metres <= 0:
            return RangeReading(t_echo, self.name, None)
        return RangeReading(t_echo, self.name, metres)

    def change_address(self, new_address: int) -> None:
        """Give this sensor a new 7-bit address (kept by the sensor across power cycles)."""
        from smbus2 import i2c_msg

        if not 0x08 <= new_address <= 0x77 or (new_address << 1) in FORBIDDEN_ADDRESSES:
            raise ValueError(f"MB1242 cannot take address 0x{new_address:02x}")
        try:
            self.bus.i2c_rdwr(i2c_msg.write(self.address, [*CHANGE_ADDRESS, new_address << 1]))
        except OSError as e:
            raise DeviceFault(f"MB1242 {self.name}", f"address change failed: {e}") from e
        self.address = new_address

    def close(self) -> None:
        close = getattr(self.bus, "close", None)
        if close is not None:
            close()
