"""Rearguard: firmware for a wearable that watches the way a backward runner is going.

Layout (where a frame goes next):

- ``rearguard.devices``  hardware edges: camera, rangefinders, motors, button (the only
  modules that import picamera2, gpiozero or smbus2), each with a stand-in for tests.
- ``rearguard.core``     the pure, timestamp-driven core: detection -> tracking -> fusion ->
  policy. No clock reads, no hardware.
- ``rearguard.haptics``  the haptic language (patterns as data) and the non-blocking player.
- ``rearguard.session``  the session folder shared by recordings, replays and test fixtures.
- ``rearguard.drive``    the loop drivers: replay (recorded sessions) and live (on the device).
- ``rearguard.cli``      the ``rearguard`` command.
"""

__version__ = "0.1.0"
