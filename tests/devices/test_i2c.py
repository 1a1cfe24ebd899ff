"""MB1242 and DRV2605L against the register-level fake bus, with I/O errors injected."""

from __future__ import annotations

import pytest

from rearguard.cli import main
from rearguard.devices.base import DeviceFault, DeviceMissing
from rearguard.devices.drv2605 import DRV2605L
from rearguard.devices.mb1242 import MB1242
from rearguard.devices.testing import DatasheetViolation, FakeDRV2605L, FakeMB1242, FakeSMBus
from rearguard.messages import BodySide


def no_sleep(_):
    pass


def test_mb1242_range_read_and_no_echo():
    chip = FakeMB1242(1.23)
    sensor = MB1242("rear", FakeSMBus({0x70: chip}), 0x70, sleep=no_sleep)
    assert sensor.measure().distance_m == pytest.approx(1.23)
    chip.distance_m = None  # it reports its longest range: no echo
    assert sensor.measure().distance_m is None


def test_mb1242_address_change():
    chip = FakeMB1242(2.0)
    bus = FakeSMBus({0x70: chip})
    sensor = MB1242("rear", bus, 0x70, sleep=no_sleep)
    sensor.change_address(0x71)
    assert chip.new_address == 0x71 and sensor.address == 0x71
    with pytest.raises(ValueError):
        sensor.change_address(0x28)  # 0x50 in 8-bit form: reserved by MaxBotix


def test_mb1242_address_command(capsys):
    assert main(["mb1242-address", "0x71", "--simulate"]) == 0
    assert "0x70 -> 0x71" in capsys.readouterr().out
    assert main(["mb1242-address", "0x28", "--simulate"]) == 2  # reserved by MaxBotix
    assert "cannot take address 0x28" in capsys.readouterr().err


def test_mb1242_io_error_is_a_fault_and_it_recovers():
    bus = FakeSMBus({0x70: FakeMB1242(1.0)})
    sensor = MB1242("rear", bus, 0x70, sleep=no_sleep)
    bus.fail_next(1)
    with pytest.raises(DeviceFault, match="I2C error at 0x70"):
        sensor.measure()
    assert sensor.measure().distance_m == pytest.approx(1.0)


def test_mb1242_missing_bus_is_reported():
    with pytest.raises(DeviceMissing, match="no I2C bus 99"):
        MB1242.open("rear", 99, 0x70)


def drv(actuator="erm", **chip_options):
    chip = FakeDRV2605L(**chip_options)
    return DRV2605L(FakeSMBus({0x5A: chip}), actuator=actuator, sleep=no_sleep), chip


@pytest.mark.parametrize("actuator", ["erm", "lra"])
def test_drv2605_initialises_calibrates_and_plays(actuator):
    driver, chip = drv(actuator)
    assert driver.chip == "DRV2605L"
    assert chip.registers[0x01] & 0x40 == 0  # out of standby
    assert bool(chip.registers[0x1A] & 0x80) == (actuator == "lra")
    assert chip.registers[0x16] == round(3.0 / (0.02133 if actuator == "erm" else 0.02058))
    assert driver.auto_calibrate() == (0x0D, 0x8F)
    driver.set_intensity(BodySide.CENTRE, 0.5)
    driver.set_intensity(BodySide.CENTRE, 1.0)
    driver.stop_all()
    assert chip.played[-3:] == [("rtp", 128), ("rtp", 255), ("rtp", 0)]
    assert chip.registers[0x1D] & 0x08  # unsigned real-time input


def test_drv2605_failed_calibration_is_a_fault():
    driver, _ = drv(calibration_fails=True)
    with pytest.raises(DeviceFault, match="auto-calibration failed"):
        driver.auto_calibrate()


def test_drv2605_io_error_is_a_fault():
    driver, _ = drv()
    driver.bus.fail_next(1)
    with pytest.raises(DeviceFault, match="I2C write of 0x01 failed"):
        driver.set_intensity(BodySide.CENTRE, 0.3)


def test_drv2605_wrong_chip_is_missing():
    with pytest.raises(DeviceMissing, match="unexpected device id"):
        DRV2605L(FakeSMBus({0x5A: FakeDRV2605L(device_id=1)}), sleep=no_sleep)


def test_the_fake_refuses_what_the_datasheet_forbids():
    driver, _ = drv()
    with pytest.raises(DatasheetViolation):
        driver.bus.write_byte_data(0x5A, 0x00, 0)  # STATUS is read-only
    with pytest.raises(DatasheetViolation):
        driver.bus.write_byte_data(0x5A, 0x04, 124)  # no such library effect
