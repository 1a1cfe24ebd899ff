"""Texas Instruments DRV2605L haptic driver on I2C (address 0x5A), through smbus2.

Wiring (breakout boards such as Adafruit's 2305 carry the chip's support parts):

    VIN --> 3.3 V (pin 1)     GND --> GND (pin 6)
    SDA --> GPIO 2 (pin 3)    SCL --> GPIO 3 (pin 5)     (the Pi's own I2C pull-ups suffice)
    IN/TRIG: leave unconnected (we trigger over I2C)     EN: to 3.3 V if the board has it
    motor + / - --> the board's OUT+ / OUT-

It drives one motor, an ERM (coin or cylinder) or an LRA (linear resonant actuator), closed
loop: it senses the motor's back-EMF, so it starts faster and stops crisper than plain PWM.
Auto-calibration measures the motor once at start (the motor buzzes for about a second).
The driver uses real-time playback (RTP) for Rearguard's own patterns (the chip's built-in
effect library is not used: its clicks and buzzes are not the haptic language).

Register map used (datasheet SLOS854): 0x00 STATUS, 0x01 MODE, 0x02 RTP_INPUT, 0x03
LIBRARY_SEL, 0x0C GO, 0x16 RATED_VOLTAGE, 0x17 OD_CLAMP, 0x18
A_CAL_COMP, 0x19 A_CAL_BEMF, 0x1A FEEDBACK_CONTROL, 0x1D CONTROL3, 0x1E CONTROL4.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rearguard.devices.base import Closing, DeviceFault, DeviceMissing
from rearguard.messages import BodySide

ADDRESS = 0x5A
STATUS, MODE, RTP_INPUT, LIBRARY_SEL, GO = 0x00, 0x01, 0x02, 0x03, 0x0C
RATED_VOLTAGE, OD_CLAMP, A_CAL_COMP, A_CAL_BEMF = 0x16, 0x17, 0x18, 0x19
FEEDBACK_CONTROL, CONTROL3, CONTROL4 = 0x1A, 0x1D, 0x1E

MODE_RTP, MODE_AUTO_CAL = 5, 7
STANDBY, DEV_RESET = 0x40, 0x80
N_ERM_LRA = 0x80  # FEEDBACK_CONTROL: 1 = LRA
FEEDBACK_DEFAULTS = 0x36  # brake factor 3 (x4), loop gain medium, back-EMF gain 2
DATA_FORMAT_RTP_UNSIGNED = 0x08  # CONTROL3
AUTO_CAL_TIME_1000MS = 0x30  # CONTROL4
DIAG_RESULT = 0x08  # STATUS: auto-calibration failed
DEVICE_IDS = {3: "DRV2605", 4: "DRV2604", 6: "DRV2604L", 7: "DRV2605L"}
LIBRARY_ERM, LIBRARY_LRA = 1, 6  # library A (ERM), the LRA library
# Volts per code (datasheet section 8.5.2): rated voltage and overdrive clamp.
RATED_VOLTS_PER_CODE = {"erm": 21.33e-3, "lra": 20.58e-3}
CLAMP_VOLTS_PER_CODE = 21.22e-3


class DRV2605L(Closing):
    """One motor on a DRV2605L (implements ``HapticOutput`` with a single, centre side)."""

    sides = (BodySide.CENTRE,)

    def __init__(self, bus: object, *, actuator: str = "erm", rated_voltage_v: float = 3.0,
                 overdrive_voltage_v: float = 3.3, address: int = ADDRESS,
                 sleep: Callable[[float], None] = time.sleep):
        self.bus, self.address, self.actuator = bus, address, actuator
        self.sleep = sleep
        self._mode: int | None = None
        self.calibration: tuple[int, int] | None = None  # (A_CAL_COMP, A_CAL_BEMF)
        chip = self._read(STATUS) >> 5
        if chip not in DEVICE_IDS:
            raise DeviceMissing(f"DRV2605L at 0x{address:02x}: unexpected device id {chip}")
        self.chip = DEVICE_IDS[chip]
        self._write(MODE, 0x00)  # out of standby
        self._write(FEEDBACK_CONTROL, FEEDBACK_DEFAULTS | (N_ERM_LRA if actuator == "lra" else 0))
        self._write(RATED_VOLTAGE, _code(rated_voltage_v, RATED_VOLTS_PER_CODE[actuator]))
        self._write(OD_CLAMP, _code(overdrive_voltage_v, CLAMP_VOLTS_PER_CODE))
        self._write(LIBRARY_SEL, LIBRARY_LRA if actuator == "lra" else LIBRARY_ERM)
        self._write(CONTROL3, self._read(CONTROL3) | DATA_FORMAT_RTP_UNSIGNED)

    @classmethod
    def open(cls, bus_number: int, **kwargs) -> DRV2605L:
        from smbus2 import SMBus

        try:
            bus = SMBus(bus_number)
        except OSError as e:
            raise DeviceMissing(f"DRV2605L: no I2C bus {bus_number} (enable I2C): {e}") from e
        try:
            return cls(bus, **kwargs)
        except DeviceFault as e:
            bus.close()
            raise DeviceMissing(f"DRV2605L not answering on I2C bus {bus_number}: "
                                f"{e.cause}") from e

    # --- registers ---------------------------------------------------------------------------

    def _read(self, register: int) -> int:
        try:
            return self.bus.read_byte_data(self.address, register)
        except OSError as e:
            raise DeviceFault("DRV2605L", f"I2C read of 0x{register:02x} failed: {e}") from e

    def _write(self, register: int, value: int) -> None:
        try:
            self.bus.write_byte_data(self.address, register, value)
        except OSError as e:
            raise DeviceFault("DRV2605L", f"I2C write of 0x{register:02x} failed: {e}") from e

    def _set_mode(self, mode: int) -> None:
        if self._mode != mode:
            self._write(MODE, mode)
            self._mode = mode

    # --- what the firmware uses --------------------------------------------------------------

    def auto_calibrate(self, timeout_s: float = 2.0) -> tuple[int, int]:
        """Run the chip's auto-calibration (the motor buzzes ~1 s); its results are kept."""
        self._set_mode(MODE_AUTO_CAL)
        self._write(CONTROL4, AUTO_CAL_TIME_1000MS)
        self._write(GO, 1)
        waited = 0.0
        while self._read(GO) & 1:
            if waited > timeout_s:
                raise DeviceFault("DRV2605L", "auto-calibration did not finish")
            self.sleep(0.05)
            waited += 0.05
        if self._read(STATUS) & DIAG_RESULT:
            raise DeviceFault("DRV2605L", "auto-calibration failed: is the motor connected, "
                                          "and is it the configured actuator type?")
        self.calibration = (self._read(A_CAL_COMP), self._read(A_CAL_BEMF))
        return self.calibration

    def set_intensity(self, side: BodySide, intensity: float) -> None:
        """Real-time playback: the motor runs at ``intensity`` until told otherwise."""
        self._set_mode(MODE_RTP)
        self._write(RTP_INPUT, round(min(max(intensity, 0.0), 1.0) * 255))

    def stop_all(self) -> None:
        self.set_intensity(BodySide.CENTRE, 0.0)

    def close(self) -> None:
        try:
            self._write(RTP_INPUT, 0)
            self._write(MODE, STANDBY)
        except DeviceFault:
            pass
        close = getattr(self.bus, "close", None)
        if close is not None:
            close()


def _code(volts: float, per_code: float) -> int:
    return max(0, min(255, round(volts / per_code)))
