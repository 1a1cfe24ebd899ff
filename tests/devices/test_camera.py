"""The camera sources: picamera2 against a fake Picamera2, OpenCV on a real clip."""

from __future__ import annotations

import itertools
import time

import pytest

from rearguard.config.schema import CameraConfig
from rearguard.devices.base import DeviceFault
from rearguard.devices.camera import OpenCVSource, Picamera2Source, sensor_time_to_monotonic
from rearguard.devices.testing import FakePicamera2


def test_picamera2_is_configured_with_a_lores_stream_and_a_fixed_rate():
    fake = FakePicamera2()
    source = Picamera2Source(CameraConfig(fps=20), camera_factory=lambda: fake)
    assert fake.started
    config = fake.configured
    assert config["lores"] == {"size": (640, 360), "format": "YUV420"}
    assert config["main"]["size"] == (1280, 720)
    assert config["controls"]["FrameDurationLimits"] == (50_000, 50_000)
    frames = [source.read() for _ in range(3)]
    assert [f.index for f in frames] == [0, 1, 2]
    assert frames[0].image.shape == (360, 640, 3)
    # From the sensor's timestamps: 50 ms apart (or a multiple, had this machine stalled).
    gaps = [(b.t - a.t) / 0.05 for a, b in itertools.pairwise(frames)]
    assert gaps == pytest.approx([round(g) for g in gaps]) and min(gaps) > 0.9
    assert abs(frames[0].t - time.monotonic()) < 1.0  # on the monotonic clock
    assert all(r.released for r in fake.requests)  # buffers go back to the camera
    assert frames[0].image[100, 10].tolist() != frames[2].image[100, 10].tolist() or \
        frames[0].image.mean() != frames[2].image.mean()
    source.close()
    assert fake.closed


def test_a_camera_that_stops_delivering_is_a_fault():
    source = Picamera2Source(CameraConfig(), camera_factory=lambda: FakePicamera2(stop_after=2),
                             timeout_s=0.01)
    source.read()
    source.read()
    with pytest.raises(DeviceFault, match="no frame for"):
        source.read()


def test_a_reader_that_stalled_gets_the_newest_frame_not_a_backlog():
    # picamera2 recycles the frames nobody asked for: after a wedged driver or a slow loop,
    # the next frame is a fresh one (else the loop would chew through old pictures and the
    # supervisor would see the camera lost again right after it came back).
    source = Picamera2Source(CameraConfig(fps=20), camera_factory=FakePicamera2)
    source.read()
    time.sleep(0.5)  # ten frame periods
    after = source.read()
    assert time.monotonic() - after.t < 0.15  # exposed within the last frame or two
    source.close()


def test_sensor_timestamps_on_the_boot_clock_are_moved_to_the_monotonic_clock():
    assert sensor_time_to_monotonic(10_500_000_000, 10.6, 110.6) == pytest.approx(10.5)
    assert sensor_time_to_monotonic(110_500_000_000, 10.6, 110.6) == pytest.approx(10.5)


def test_opencv_source_plays_a_clip_with_frame_times(assets):
    clip = assets / "footage" / "street_level_people_approaching.mp4"
    source = OpenCVSource(str(clip), pace=False, clock=lambda: 100.0)
    frames = [source.read() for _ in range(5)]
    assert [f.index for f in frames] == list(range(5))
    assert frames[4].t - frames[0].t == pytest.approx(4 / 23.976, abs=1e-3)
    assert frames[0].image.shape == (360, 640, 3)
    assert frames[0].image is not frames[1].image  # each frame keeps its own pixels
    source.close()
