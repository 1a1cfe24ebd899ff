"""Cameras: a Raspberry Pi camera module through picamera2, and OpenCV for USB cameras and files.

Camera Module 3 wiring: the ribbon cable into the CSI connector (contacts towards the HDMI
ports on a Pi 4; on a Pi 5 or Zero 2 W use the narrow 22-way cable). Mount it looking the way
the runner travels; if the picture is upside down, set ``camera.rotate_180``. picamera2 comes
with Raspberry Pi OS (``sudo apt install python3-picamera2``) and is imported only when the
camera opens, so nothing else needs it.

Two streams, configured as plain data (the picamera2 way): ``main`` (``camera.width`` x
``height``, RGB888, which numpy sees as OpenCV's BGR) and ``lores`` (``camera.detect_width`` x
``detect_height``, YUV420). The frames handed on come from ``main`` when the far view is on:
its window around the vanishing point needs the full resolution, the full view shrinks the
same frame to the model's input, and the recorder stores what the detector saw. With the far
view off they come from ``lores``, which costs less to convert and to record. Every frame is
stamped with the sensor's own timestamp (the start of exposure), not with when Python got it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import cv2

from rearguard.config.schema import CameraConfig
from rearguard.devices.base import Closing, DeviceFault, DeviceMissing
from rearguard.messages import Frame

FRAME_TIMEOUT_S = 1.0


def camera_configuration(camera: Any, config: CameraConfig) -> Any:
    """The picamera2 video configuration for ``config`` (plain data; see module docstring)."""
    period_us = int(1_000_000 / config.fps)
    options: dict[str, Any] = {
        "main": {"size": (config.width, config.height), "format": "RGB888"},
        "lores": {"size": (config.detect_width, config.detect_height), "format": "YUV420"},
        "controls": {"FrameDurationLimits": (period_us, period_us)},
        "buffer_count": 4,
    }
    if config.rotate_180:
        from libcamera import Transform  # comes with picamera2

        options["transform"] = Transform(hflip=1, vflip=1)
    return camera.create_video_configuration(**options)


def sensor_time_to_monotonic(sensor_ns: int, now_monotonic: float, now_boottime: float) -> float:
    """The sensor timestamp (ns) on the monotonic clock.

    libcamera stamps buffers with the kernel's CLOCK_MONOTONIC, the clock time.monotonic()
    reads, so normally nothing changes. Some kernels stamp with CLOCK_BOOTTIME, which runs
    ahead of it by the time the board spent suspended; a stamp that only makes sense on the
    boot clock is moved back by that offset.
    """
    t = sensor_ns / 1e9
    if abs(t - now_monotonic) > 1.0 and abs(t - now_boottime) <= 1.0:
        t -= now_boottime - now_monotonic
    return t


class Picamera2Source(Closing):
    """Frames from a Raspberry Pi camera module (implements ``FrameSource``).

    ``camera_factory`` makes the Picamera2 object; tests pass a fake. ``stream``: which
    stream the frames come from, "lores" or "main" (see the module docstring).
    """

    def __init__(self, config: CameraConfig, camera_factory: Callable[[], Any] | None = None,
                 timeout_s: float = FRAME_TIMEOUT_S, stream: str = "lores"):
        if stream not in ("lores", "main"):
            raise ValueError(f"camera stream: expected 'lores' or 'main', got {stream!r}")
        self.config = config
        self.stream = stream
        self.timeout_s = timeout_s
        self.index = 0
        if camera_factory is None:
            camera_factory = _real_picamera2
        try:
            self.camera = camera_factory()
            self.camera.configure(camera_configuration(self.camera, config))
            self.camera.start()
        except (RuntimeError, IndexError, OSError) as e:
            raise DeviceMissing(f"camera: cannot start the camera module: {e}") from e

    def read(self) -> Frame | None:
        try:
            job = self.camera.capture_request(wait=False)
            request = self.camera.wait(job, timeout=self.timeout_s)
        except TimeoutError as e:
            raise DeviceFault("camera", f"no frame for {self.timeout_s:g} s") from e
        except RuntimeError as e:
            raise DeviceFault("camera", str(e)) from e
        try:
            # make_array copies out of the camera's buffer, so the frame outlives release().
            array = request.make_array(self.stream)
            stamp = request.get_metadata()["SensorTimestamp"]
        finally:
            request.release()
        t = sensor_time_to_monotonic(stamp, time.monotonic(),
                                     time.clock_gettime(time.CLOCK_BOOTTIME))
        frame = Frame(t, self.index, self._bgr(array))
        self.index += 1
        return frame

    def _bgr(self, array: Any) -> Any:
        """The frame as OpenCV's BGR. Each frame gets its own array (the detector and the
        recorder hold it in other threads), made by make_array or the conversion, not a copy."""
        if self.stream == "main":  # RGB888 is stored B, G, R: OpenCV's order already
            return array[:, : self.config.width, :3]
        height = self.config.detect_height * 3 // 2
        # The lores rows may be padded to a stride: keep the picture's own width.
        return cv2.cvtColor(array[:height, : self.config.detect_width], cv2.COLOR_YUV2BGR_I420)

    def close(self) -> None:
        try:
            self.camera.stop()
        finally:
            self.camera.close()


def _real_picamera2() -> Any:
    try:
        from picamera2 import Picamera2
    except ImportError as e:
        raise DeviceMissing("camera: picamera2 is not installed (on Raspberry Pi OS: "
                            "sudo apt install python3-picamera2)") from e
    return Picamera2()


class OpenCVSource(Closing):
    """Frames from a USB camera (``device`` "0", "1", ...) or a video file.

    A live camera's frames are stamped when they arrive. A file's frames are stamped from its
    frame rate and, with ``pace``, handed out in real time, so a clip can stand in for the
    camera on the bench (``rearguard run --simulate --video clip.mp4``).
    """

    def __init__(self, device: str, *, pace: bool = True,
                 clock: Callable[[], float] = time.monotonic):
        self.live = device.isdigit()
        self.capture = cv2.VideoCapture(int(device) if self.live else device)
        if not self.capture.isOpened():
            raise DeviceMissing(f"camera: OpenCV cannot open {device!r}")
        self.fps = self.capture.get(cv2.CAP_PROP_FPS) or 25.0
        self.pace, self.clock = pace, clock
        self.start = clock()
        self.index = 0

    def read(self) -> Frame | None:
        ok, image = self.capture.read()  # a new array per frame: frames go to other threads
        if not ok:
            if self.live:
                raise DeviceFault("camera", "the USB camera stopped delivering frames")
            return None  # end of the file
        if self.live:
            t = self.clock()
        else:
            t = self.start + self.index / self.fps
            if self.pace:
                time.sleep(max(0.0, t - self.clock()))
        frame = Frame(t, self.index, image)
        self.index += 1
        return frame

    def close(self) -> None:
        self.capture.release()
