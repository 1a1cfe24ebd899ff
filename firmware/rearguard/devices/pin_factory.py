"""Which gpiozero pin factory the GPIO parts run on, for the start-up line in the journal.

On a Pi it should say LGPIOFactory; anything else (a fallback after a failed import of lgpio)
is worth seeing in the journal rather than guessing from a misbehaving motor.
"""

from __future__ import annotations


def pin_factory_name(simulate: bool = False) -> str:
    if simulate:
        return "MockFactory (stand-ins)"
    from gpiozero import Device

    factory = Device.pin_factory
    return type(factory).__name__ if factory is not None else "none (no GPIO part opened)"
