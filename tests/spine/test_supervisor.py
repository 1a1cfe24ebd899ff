"""The supervisor: stage health from timestamps alone."""

from __future__ import annotations

from rearguard.config.schema import SupervisorConfig
from rearguard.core.supervisor import Supervisor
from rearguard.messages import Stage

LIMITS = SupervisorConfig(camera_stale_s=1.0, ranger_stale_s=0.5, detector_stale_s=2.0)
ALL = frozenset({Stage.CAMERA, Stage.RANGER, Stage.DETECTOR})


def test_fresh_stages_are_healthy():
    s = Supervisor(LIMITS, ALL)
    s.health(0.0)
    for t in (0.1, 0.2, 0.3):
        s.seen(Stage.CAMERA, t)
        s.seen(Stage.RANGER, t)
        s.seen(Stage.DETECTOR, t)
    health, events = s.health(0.35)
    assert health.ok and events == []


def test_a_silent_stage_is_lost_once_and_recovers_once():
    s = Supervisor(LIMITS, ALL)
    s.health(0.0)
    for k in range(1, 40):
        t = k * 0.05
        s.seen(Stage.CAMERA, t)
        s.seen(Stage.DETECTOR, t)
        if t < 1.0:
            s.seen(Stage.RANGER, t)
    health, events = s.health(1.45)
    assert health.lost == frozenset() and events == []
    health, events = s.health(1.55)  # 0.55 s after the last reading at 1.0 (limit 0.5)
    assert health.lost == {Stage.RANGER}
    assert [(e["kind"], e["stage"], e["active"]) for e in events] == [("fault", "ranger", True)]
    assert "0.6 s" in events[0]["cause"] or "0.5 s" in events[0]["cause"]
    assert s.health(1.6)[1] == []  # reported once, not every tick
    s.seen(Stage.RANGER, 1.7)
    health, events = s.health(1.75)
    assert health.ok and events == [{"t": 1.75, "kind": "fault", "stage": "ranger",
                                     "active": False}]


def test_a_stage_that_never_delivers_is_lost_after_its_limit_from_start():
    s = Supervisor(LIMITS, ALL)
    s.health(10.0)
    s.seen(Stage.RANGER, 10.2)
    assert Stage.CAMERA not in s.health(10.9)[0].lost
    assert Stage.CAMERA in s.health(11.1)[0].lost


def test_no_camera_means_the_camera_is_at_fault_not_the_detector():
    s = Supervisor(LIMITS, ALL)
    s.health(0.0)
    s.seen(Stage.RANGER, 2.9)
    assert s.health(3.0)[0].lost == {Stage.CAMERA}


def test_a_reported_fault_holds_until_the_stage_delivers_again():
    s = Supervisor(LIMITS, frozenset({Stage.RANGER}))
    s.seen(Stage.RANGER, 0.0)
    s.health(0.0)
    s.reported_fault(Stage.RANGER, "I2C error 121")
    health, events = s.health(0.05)
    assert health.lost == {Stage.RANGER} and events[0]["cause"] == "I2C error 121"
    s.seen(Stage.RANGER, 0.1)
    assert s.health(0.15)[0].ok


def test_unwatched_stages_are_never_lost():
    s = Supervisor(LIMITS, frozenset({Stage.CAMERA, Stage.DETECTOR}))  # a clip with no ranger
    s.health(0.0)
    for k in range(100):
        s.seen(Stage.CAMERA, k * 0.05)
        s.seen(Stage.DETECTOR, k * 0.05)
    assert s.health(5.0)[0].ok


def test_a_camera_that_comes_back_gives_the_detector_time_no_spurious_fault():
    s = Supervisor(LIMITS, ALL)
    s.health(0.0)
    for k in range(1, 20):  # all well until 1 s
        s.seen(Stage.CAMERA, k * 0.05)
        s.seen(Stage.DETECTOR, k * 0.05)
        s.seen(Stage.RANGER, k * 0.05)
    for k in range(20, 120):  # the camera is gone for 5 s; the rangefinder goes on
        s.seen(Stage.RANGER, k * 0.05)
    health, events = s.health(6.0)
    assert health.lost == {Stage.CAMERA}  # the camera is to blame, not the detector
    s.seen(Stage.CAMERA, 6.05)  # frames again; the detector needs a moment for the first
    s.seen(Stage.RANGER, 6.05)
    health, events = s.health(6.1)
    assert health.lost == frozenset()
    assert [(e["stage"], e["active"]) for e in events] == [("camera", False)]
    s.seen(Stage.RANGER, 7.9)
    s.seen(Stage.CAMERA, 7.9)
    health, events = s.health(7.95)  # 1.9 s after the camera came back: within the limit
    assert health.lost == frozenset() and events == []
    s.seen(Stage.RANGER, 8.2)
    s.seen(Stage.CAMERA, 8.2)
    health, events = s.health(8.25)  # a detector that never catches up is still a fault
    assert health.lost == {Stage.DETECTOR}
