"""``rearguard mb1242-address NEW``: give a MaxBotix MB1242 a new I2C address.

Two MB1242s on one bus need different addresses, and every one leaves the factory at 0x70.
Connect only the sensor to change (two at the same address answer together), run this, and
set the new address in its ``[[rangefinders]]`` table. The sensor keeps it across power cycles.
"""

from __future__ import annotations

import argparse

from rearguard.cli import UsageError
from rearguard.devices.base import DeviceFault

DESCRIPTION = ("Give the one MaxBotix MB1242 connected at --address a new 7-bit I2C address "
               "(0x08-0x77), so two can share a bus. Connect only that sensor while doing it.")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mb1242-address", help="give an MB1242 rangefinder a new I2C address",
                       description=DESCRIPTION)
    p.add_argument("new", type=_address, help="the new address, e.g. 0x71")
    p.add_argument("--address", type=_address, default=0x70,
                   help="its address now (default 0x70, the factory's)")
    p.add_argument("--bus", type=int, default=1, help="I2C bus number (default 1)")
    p.add_argument("--simulate", action="store_true", help="on a stand-in sensor")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rearguard.devices.mb1242 import MB1242

    if args.simulate:
        from rearguard.devices.testing import FakeMB1242, FakeSMBus

        sensor = MB1242("sensor", FakeSMBus({args.address: FakeMB1242()}), args.address)
    else:
        sensor = MB1242.open("sensor", args.bus, args.address)
    with sensor:
        try:
            before = sensor.measure()
            sensor.change_address(args.new)
        except ValueError as e:
            raise UsageError(f"NEW: {e}") from None
        except DeviceFault as e:
            raise UsageError(f"I2C bus {args.bus}: {e} (is an MB1242 at "
                             f"0x{args.address:02x}? try `i2cdetect -y {args.bus}`)") from None
    reading = "no echo" if before.distance_m is None else f"{before.distance_m:.2f} m"
    print(f"MB1242 on I2C bus {args.bus}: 0x{args.address:02x} -> 0x{args.new:02x} (it read "
          f"{reading} before); set address = 0x{args.new:02x} in its [[rangefinders]] table")
    return 0


def _address(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an I2C address such as 0x71, got "
                                         f"{text!r}") from None
