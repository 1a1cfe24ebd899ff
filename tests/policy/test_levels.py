"""The alert policy: every level transition, hysteresis and dwell, walked with timestamps."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rearguard.config.schema import AlertConfig
from rearguard.core.policy import AlertPolicy, assess
from rearguard.messages import (
    AlertLevel,
    BodySide,
    Health,
    Obstacle,
    ObstacleSource,
    Stage,
)

# The mechanics walked with round numbers: caution 4 s, warning 2.5 s, danger 1.2 s, dwell 0.6 s
# and hysteresis 20 % (not the default 60 %, which test_the_default_hysteresis_* walks).
CFG = AlertConfig(hysteresis=0.2)
SIDES = (BodySide.LEFT, BodySide.CENTRE, BodySide.RIGHT)
OK = Health(0.0)


def person(t, ttc=None, distance=5.0, closing=3.0, bearing=0.0, source=ObstacleSource.CAMERA,
           track=1):
    return Obstacle(t, track, "person", source, (0, 0, 10, 10), distance, bearing, closing, ttc)


def echo(t, distance):
    return Obstacle(t, 100000, "unknown", ObstacleSource.RANGER, None, distance, 0.0, 0.0, None,
                    echo_m=distance)


def walk(policy, steps):
    """Feed (t, obstacles) steps; return [(t, level)] after each and all events."""
    levels, events = [], []
    for t, obstacles in steps:
        _, ev = policy.update(t, obstacles, Health(t))
        events += ev
        levels.append((t, policy.level))
    return levels, events


def test_rises_through_every_level_at_once_with_reasons():
    policy = AlertPolicy(CFG, SIDES)
    levels, events = walk(policy, [
        (0.0, []),
        (0.05, [person(0.05, ttc=8.0, distance=20.0)]),
        (0.10, [person(0.10, ttc=3.9, distance=12.0)]),
        (0.15, [person(0.15, ttc=2.4, distance=7.0)]),
        (0.20, [person(0.20, ttc=1.1, distance=3.3)]),
    ])
    assert [lv for _, lv in levels] == [AlertLevel.CLEAR, AlertLevel.CLEAR, AlertLevel.CAUTION,
                                        AlertLevel.WARNING, AlertLevel.DANGER]
    alerts = [e for e in events if e["kind"] == "alert"]
    assert [(a["t"], a["previous"], a["level"]) for a in alerts] == [
        (0.1, "CLEAR", "CAUTION"), (0.15, "CAUTION", "WARNING"), (0.2, "WARNING", "DANGER")]
    assert alerts[0]["reason"] == "ttc 3.90 s <= caution_ttc_s 4"
    assert alerts[2]["reason"] == "ttc 1.10 s <= danger_ttc_s 1.2"
    assert alerts[2]["track"] == 1 and alerts[2]["label"] == "person"


def test_a_near_echo_is_danger_at_once_approaching_or_not():
    policy = AlertPolicy(CFG, SIDES)
    levels, events = walk(policy, [(0.0, [echo(0.0, 0.9)])])
    assert levels == [(0.0, AlertLevel.DANGER)]
    assert events[0]["reason"] == "echo 0.90 m < danger_range_m 1"


def test_hysteresis_holds_a_level_at_its_boundary():
    policy = AlertPolicy(CFG, SIDES)
    # WARNING at ttc 2.4; then hovering just above 2.5 (inside 2.5 * 1.2 = 3.0): no flicker.
    steps = [(0.0, [person(0.0, ttc=2.4)])]
    steps += [(1.0 + 0.05 * k, [person(1.0 + 0.05 * k, ttc=2.6 + 0.3 * (k % 2))])
              for k in range(40)]
    levels, events = walk(policy, steps)
    assert {lv for _, lv in levels} == {AlertLevel.WARNING}
    assert len([e for e in events if e["kind"] == "alert"]) == 1


def test_falls_only_past_the_hysteresis_and_after_the_dwell():
    policy = AlertPolicy(CFG, SIDES)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=1.0, distance=20.0)]),  # DANGER at 0.0
        # would be CAUTION, but the dwell (0.6 s) holds DANGER
        (0.3, [person(0.3, ttc=3.5, distance=20.0)]),
        (0.55, [person(0.55, ttc=3.5, distance=20.0)]),
        # dwell over: 3.5 s > 1.2*1.2 and > 2.5*1.2 -> CAUTION
        (0.65, [person(0.65, ttc=3.5, distance=20.0)]),
        (1.0, [person(1.0, ttc=4.5, distance=20.0)]),  # 4.5 s < 4 * 1.2: still CAUTION
        (1.3, [person(1.3, ttc=4.9, distance=20.0)]),  # 4.9 s > 4.8: CLEAR (dwell is over)
    ])
    assert [lv for _, lv in levels] == [AlertLevel.DANGER, AlertLevel.DANGER, AlertLevel.DANGER,
                                        AlertLevel.CAUTION, AlertLevel.CAUTION, AlertLevel.CLEAR]


def test_the_default_hysteresis_holds_a_warning_an_estimate_takes_back():
    """A walker 8 m ahead of a Pi 4 (scene busy-path-20s): one look times him at 2.4 s, the
    next ones at 3.5-3.9 s, while he still closes. The runner keeps the WARNING rather than
    a CAUTION and a second WARNING; it is left only beyond caution_ttc_s (2.5 s * 1.6)."""
    policy = AlertPolicy(AlertConfig(), SIDES)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=2.4, distance=8.0, closing=1.8)]),
        (0.7, [person(0.7, ttc=3.5, distance=7.0, closing=1.8)]),
        (1.0, [person(1.0, ttc=3.9, distance=6.8, closing=1.8)]),
        (1.3, [person(1.3, ttc=4.2, distance=6.6, closing=1.5)]),
    ])
    assert [lv for _, lv in levels] == [AlertLevel.WARNING, AlertLevel.WARNING,
                                        AlertLevel.WARNING, AlertLevel.CAUTION]


def test_not_approaching_is_clear_and_passing_beside_is_at_most_caution():
    policy = AlertPolicy(CFG, SIDES)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=None, distance=2.0, closing=0.0)]),  # standing, near
        (0.1, [person(0.1, ttc=1.0, distance=3.0, bearing=40.0)]),  # 2.5 m to the side
    ])
    assert [lv for _, lv in levels] == [AlertLevel.CLEAR, AlertLevel.CAUTION]


def test_side_follows_the_threat_mirrored_for_a_runner_facing_away():
    policy = AlertPolicy(CFG, SIDES)
    # 12 degrees to image right at 2.5 m: 0.53 m to the side, inside the runner's path
    command, _ = policy.update(0.0, [person(0.0, ttc=2.0, distance=2.5, bearing=12.0)], OK)
    # image right is the runner's left
    assert command.pattern == "warning" and command.side is BodySide.LEFT


def test_camera_lost_plays_its_fault_in_the_same_tick_and_reminds():
    policy = AlertPolicy(CFG, SIDES)
    policy.update(0.0, [], OK)
    command, events = policy.update(0.05, [], Health(0.05, frozenset({Stage.CAMERA})))
    assert command.pattern == "fault-camera"
    assert next(e for e in events if e["kind"] == "pattern")["pattern"] == "fault-camera"
    assert policy.update(0.1, [], Health(0.1, frozenset({Stage.CAMERA})))[0] is None
    reminder, _ = policy.update(30.06, [], Health(30.06, frozenset({Stage.CAMERA})))
    assert reminder.pattern == "fault-camera"


def test_nothing_left_to_see_plays_the_continuous_fault():
    policy = AlertPolicy(CFG, SIDES)
    command, _ = policy.update(0.0, [], Health(0.0, frozenset({Stage.CAMERA, Stage.RANGER})))
    assert command.pattern == "fault-both" and command.level is AlertLevel.DANGER


def test_mute_silences_warnings_until_resumed_but_danger_only_for_mute_s():
    policy = AlertPolicy(CFG, SIDES)
    events = policy.on_button(0.0, "short")
    assert events[0]["kind"] == "mute" and events[0]["paused"] is True
    command, _ = policy.update(0.05, [], OK)
    assert command.pattern == "muted"  # the acknowledgement
    command, _ = policy.update(0.1, [person(0.1, ttc=2.0)], OK)
    assert command is None or command.pattern == "clear"  # WARNING stays silent
    command, _ = policy.update(0.2, [person(0.2, ttc=1.0)], OK)
    assert command is None or command.pattern == "clear"  # DANGER silent within mute_s (20 s)
    command, _ = policy.update(20.1, [person(20.1, ttc=1.0)], OK)
    assert command.pattern == "danger"  # never silenced for longer than mute_s
    policy.on_button(21.0, "short")
    assert policy.update(21.05, [person(21.05, ttc=1.0)], OK)[0].pattern == "resumed"


def test_long_press_requests_shutdown():
    policy = AlertPolicy(CFG, SIDES)
    events = policy.on_button(3.0, "long")
    assert events[0]["kind"] == "shutdown"


def test_a_warned_threat_is_held_when_the_camera_loses_its_timing_close_by():
    """At closest approach the frame cuts the box and the time to contact goes: the level holds,
    its countdown brings DANGER by contact, and it is released once the threat has passed."""
    policy = AlertPolicy(CFG, SIDES)
    unmeasured = dict(closing=1.5, distance=3.0)
    steps = [(0.0, [person(0.0, ttc=2.0, distance=4.0, closing=1.5)])]  # WARNING
    steps += [(0.1 * k, [replace(person(0.1 * k, ttc=None, **unmeasured), measured=False)])
              for k in range(1, 37)]
    levels, _ = walk(policy, steps)
    by_t = dict(levels)
    assert by_t[0.0] == AlertLevel.WARNING
    assert all(lv >= AlertLevel.WARNING for t, lv in levels if t <= 2.0)  # held to contact
    assert any(lv == AlertLevel.DANGER for t, lv in levels if t <= 2.0)  # DANGER by contact
    assert levels[-1][1] < AlertLevel.WARNING  # released once past: 2 s + 1 m / 1.5 m/s + 0.5 s


def test_a_far_alarm_that_the_camera_no_longer_sees_as_an_approach_is_released():
    policy = AlertPolicy(CFG, SIDES)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=2.0, distance=15.0, closing=7.5)]),  # WARNING, far
        (0.7, [person(0.7, ttc=None, distance=15.0, closing=0.0)]),  # measured: not coming
    ])
    assert [lv for _, lv in levels] == [AlertLevel.WARNING, AlertLevel.CLEAR]


def test_a_far_danger_lost_from_view_is_held_a_far_warning_is_not():
    """A dog 10.7 m away closing at 4.8 m/s (contact in 1.2 s, DANGER), then the detector
    loses it between a window that cuts it and a full view too coarse to find it, and the
    tracker drops it. Lost far away, a WARNING is most likely a passing fancy; a DANGER,
    contact timed within danger_ttc_s, is not: it is held to contact, then released once
    past (dog-in-path under noise seeds 202-909, a Pi 4 with the far view at zoom 2.6: the
    DANGER went at 2.75 s, 0.25 s before the dog arrived)."""
    def levels_after(ttc):
        policy = AlertPolicy(CFG, SIDES)
        steps = [(0.0, [person(0.0, ttc=ttc, distance=10.7, closing=4.8)])]
        steps += [(0.1 * k, []) for k in range(1, 30)]  # lost: no track
        return dict(walk(policy, steps)[0])
    dog = levels_after(1.1)
    assert dog[0.0] == AlertLevel.DANGER
    assert all(lv == AlertLevel.DANGER for t, lv in dog.items() if t <= 1.1)  # to contact
    assert dog[max(dog)] == AlertLevel.CLEAR  # past: 1.1 s + 1 m / 4.8 m/s + 0.5 s
    fancy = levels_after(2.0)
    assert fancy[0.0] == AlertLevel.WARNING
    assert fancy[max(t for t in fancy if t < 1.0)] == AlertLevel.CLEAR  # released


def test_a_threat_that_slowed_is_held_at_warning_not_at_its_old_danger():
    """DANGER, then it slows (CAUTION by its time to contact), then the camera loses its timing:
    the memory holds the WARNING the runner was given, not the DANGER it no longer calls for."""
    policy = AlertPolicy(CFG, SIDES)
    slowed = dict(distance=3.0, closing=0.5)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=1.0, distance=3.0, closing=3.0)]),  # DANGER
        (0.7, [person(0.7, ttc=3.8, **slowed)]),  # slowed right down: CAUTION after the dwell
        (0.8, [replace(person(0.8, ttc=None, **slowed), measured=False)]),  # timing lost
    ])
    assert [lv for _, lv in levels] == [AlertLevel.DANGER, AlertLevel.WARNING,
                                        AlertLevel.WARNING]


def test_a_fused_track_carried_near_by_its_own_speed_is_not_an_echo():
    # The camera's distance, corrected by an echo at 2.1 m and carried on by a closing speed
    # the box made up, says 0.9 m; the rangefinder itself still reads 2.1 m.
    policy = AlertPolicy(CFG, SIDES)
    fused = Obstacle(0.0, 5, "car", ObstacleSource.FUSED, (0, 0, 10, 10), 0.9, 0.0, 0.0, None,
                     echo_m=2.1)
    levels, _ = walk(policy, [(0.0, [fused])])
    assert levels == [(0.0, AlertLevel.CLEAR)]
    near = Obstacle(0.0, 5, "car", ObstacleSource.FUSED, (0, 0, 10, 10), 0.9, 0.0, 0.0, None,
                    echo_m=0.9)
    levels, _ = walk(AlertPolicy(CFG, SIDES), [(0.0, [near])])
    assert levels == [(0.0, AlertLevel.DANGER)]


def test_a_far_threat_keeps_its_warning_through_one_frame_without_a_time_to_contact():
    # A cyclist 20 m away closing at 10 m/s is warned; one frame its time to contact is void
    # (a box edge the gait moved). Its distance and speed still bring it within 2.5 s: held.
    policy = AlertPolicy(CFG, SIDES)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=2.0, distance=20.0, closing=10.0)]),
        (0.1, [person(0.1, ttc=None, distance=19.0, closing=10.0)]),
    ])
    assert [lv for _, lv in levels] == [AlertLevel.WARNING, AlertLevel.WARNING]


def test_a_far_threat_whose_distance_no_longer_closes_in_time_is_released():
    # A walker 9 m away timed at 2 s by a burst of growth, then nothing: his distance closes at
    # 0.4 m/s (22 s away). Far, and no approach: released, no countdown to a false DANGER.
    policy = AlertPolicy(CFG, SIDES)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=2.0, distance=9.0, closing=0.4)]),
        (0.1, [person(0.1, ttc=None, distance=9.0, closing=0.4)]),
        (0.8, [person(0.8, ttc=None, distance=9.0, closing=0.4)]),
        (2.5, [person(2.5, ttc=None, distance=9.0, closing=0.4)]),
    ])
    assert levels[-1][1] < AlertLevel.WARNING
    assert all(lv < AlertLevel.DANGER for _, lv in levels)


def test_a_far_threat_timed_by_its_pixels_is_held_while_its_speed_is_not_yet_known():
    # A car 40 m away timed at 2 s by its own pixels' growth, before its distance filter has a
    # closing speed (1.5 +- 6 m/s). Its timing then lapses between two looks: 40 m at 1.5 m/s
    # "arrives" in 27 s, but a speed that uncertain is no evidence. Held; once the speed is
    # known and slow (1.5 +- 0.5 m/s), released.
    policy = AlertPolicy(CFG, SIDES)
    unsettled = dict(distance=40.0, closing=1.5)
    levels, _ = walk(policy, [
        (0.0, [replace(person(0.0, ttc=2.0, **unsettled), closing_sigma_mps=6.0)]),
        (0.3, [replace(person(0.3, ttc=None, **unsettled), closing_sigma_mps=6.0)]),
        (0.7, [replace(person(0.7, ttc=None, **unsettled), closing_sigma_mps=5.0)]),
        (0.9, [replace(person(0.9, ttc=None, **unsettled), closing_sigma_mps=0.5)]),
    ])
    assert [lv for _, lv in levels] == [AlertLevel.WARNING] * 3 + [AlertLevel.CLEAR]


@pytest.mark.parametrize("approach, restarted_m", [
    # A walker, DANGER at 2.6 m; then a box another object took over voids his distance track.
    ([(0.0, 2.2, 5.0, 2.3), (1.0, 1.1, 2.6, 2.3)], 1.3),
    # A cyclist warned from afar, DANGER at 13 m; at 6.4 m (just beyond the near zone, where a
    # fresh look speaks) his box's height gives way to the ground and his distance restarts
    # (scene cyclist-in-path, Pi 5, another noise seed, went DANGER -> CLEAR half a second
    # before contact).
    ([(0.0, 2.4, 25.0, 10.0), (1.2, 1.2, 13.0, 10.0)], 6.4),
])
def test_a_danger_is_held_while_its_closing_speed_is_not_estimated_again(approach, restarted_m):
    # A fresh distance estimate, closing speed 0 +- 12 m/s, while its own pixels still time it
    # at 0.5 s. "Not approaching" for want of a closing speed is no news: DANGER holds.
    policy = AlertPolicy(CFG, SIDES)
    fresh = dict(closing=0.0, distance=restarted_m)
    steps = [(t, [person(t, ttc=ttc, distance=d, closing=v)]) for t, ttc, d, v in approach]
    end = approach[-1][0]
    steps += [(end + 0.7, [replace(person(end + 0.7, ttc=0.5, **fresh), closing_sigma_mps=12.0)]),
              (end + 0.9, [replace(person(end + 0.9, ttc=0.4, **fresh), closing_sigma_mps=11.0)])]
    levels, _ = walk(policy, steps)
    assert [lv for _, lv in levels] == [AlertLevel.WARNING] + [AlertLevel.DANGER] * 3


def test_a_far_threat_held_by_its_distance_is_not_counted_down_to_danger():
    # A walker 12 m away timed at 1.9 s (WARNING); then no time to contact while his distance
    # falls fast enough to arrive in time (held). Far away the countdown is an extrapolation:
    # it holds the WARNING and raises no DANGER.
    policy = AlertPolicy(CFG, SIDES)
    steps = [(0.0, [person(0.0, ttc=1.9, distance=12.0, closing=6.0)])]
    steps += [(0.1 * k, [person(0.1 * k, ttc=None, distance=12.0 - 0.5 * k, closing=6.0)])
              for k in range(1, 10)]
    levels, _ = walk(policy, steps)
    assert {lv for _, lv in levels} == {AlertLevel.WARNING}


def test_a_near_threat_is_released_as_receding_only_when_it_clearly_recedes():
    # WARNING at 3 m; then the frame cuts the box (no distance measured) and the distance
    # filter, fed a box another person lent it, reads -0.4 +- 0.6 m/s: no evidence that the
    # threat left, it is held. Read -1.5 +- 0.3 m/s, it has gone.
    def after(closing, sigma):
        policy = AlertPolicy(CFG, SIDES)
        cut = replace(person(0.2, ttc=None, distance=3.0, closing=closing),
                      closing_sigma_mps=sigma, measured=False)
        levels, _ = walk(policy, [(0.0, [person(0.0, ttc=2.0, distance=3.0, closing=1.5)]),
                                  (0.2, [cut]), (0.8, [replace(cut, t=0.8)])])
        return levels[-1][1]

    assert after(-0.4, 0.6) >= AlertLevel.WARNING
    assert after(-1.5, 0.3) == AlertLevel.CLEAR


def test_a_near_threat_seen_receding_by_one_measurement_only_is_held():
    """DANGER for a walker 2.5 m away. One box (a part of her, her friend in front) reads her
    1.7 +- 0.5 m/s receding; every look until the next measurement rests on that one box.
    She is held: one box is not evidence that she left. A second measurement still reading
    her receding is, and she is let go."""
    def looks(second_recedes):
        receding = dict(ttc=None, distance=3.6, closing=-1.7)
        steps = [(0.0, [replace(person(0.0, ttc=1.0, distance=2.5, closing=1.1),
                                measured_t=0.0)])]
        steps += [(t, [replace(person(t, **receding), closing_sigma_mps=0.5, measured_t=0.5)])
                  for t in (0.55, 0.7, 0.85, 1.0)]
        if second_recedes:
            steps += [(1.1, [replace(person(1.1, ttc=None, distance=4.0, closing=-1.5),
                                     closing_sigma_mps=0.4, measured_t=1.05)])]
        return walk(AlertPolicy(CFG, SIDES), steps)[0]

    held = looks(second_recedes=False)
    assert all(lv == AlertLevel.DANGER for _, lv in held), held
    assert looks(second_recedes=True)[-1][1] == AlertLevel.CLEAR


def test_a_danger_counting_down_keeps_the_hysteresis_of_a_fresh_one():
    """DANGER; the last timed look puts contact a little later (1.4 s, within the 20 %
    hysteresis of danger_ttc_s 1.2); then the camera loses its timing. The countdown holds
    DANGER as a fresh 1.4 s would, instead of dropping to WARNING after the dwell and
    counting back to DANGER a moment later (busy-path-20s, Pi 5: DANGER, WARNING, DANGER
    within 0.1 s, 2 m from the runner)."""
    policy = AlertPolicy(CFG, SIDES)
    unmeasured = dict(distance=3.0, closing=2.5)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=1.0, distance=3.0, closing=3.0)]),  # DANGER
        (0.7, [person(0.7, ttc=1.4, distance=3.5, closing=2.5)]),  # within the hysteresis
        *[(0.7 + 0.05 * k, [replace(person(0.7 + 0.05 * k, ttc=None, **unmeasured),
                                    measured=False)]) for k in range(1, 8)],
    ])
    assert all(lv == AlertLevel.DANGER for _, lv in levels), levels


def test_a_level_is_held_while_its_time_to_contact_is_only_withheld():
    """CAUTION for a car coming past; a frame later the world model withholds its time to
    contact (a cross-check said no). Unknown is not infinite: its distance and closing speed
    still put it within the hysteresis, so the CAUTION holds (ee596_video7, Pi 5: CAUTION,
    CLEAR, CAUTION, CLEAR as a car drove by). Seen slowing to a crawl, it is released."""
    def after(closing):
        policy = AlertPolicy(CFG, SIDES)
        levels, _ = walk(policy, [
            (0.0, [person(0.0, ttc=3.5, distance=9.0, closing=2.6)]),  # CAUTION
            (0.7, [replace(person(0.7, ttc=None, distance=8.0, closing=closing),
                           measured=True)]),
        ])
        return [lv for _, lv in levels]
    assert after(2.5) == [AlertLevel.CAUTION, AlertLevel.CAUTION]  # 3.2 s: within 4 s + 20 %
    assert after(1.0) == [AlertLevel.CAUTION, AlertLevel.CLEAR]  # 8 s: gone past it


def test_a_caution_is_held_while_its_object_is_not_measured_for_a_moment():
    """CAUTION for a parked car the runner comes up on; then its box is missed for half a
    second (cut by the far view's window on the frames it alone runs, and not found by the
    full view): the world model, unsure, gives no time to contact. Silence is not evidence:
    its distance, carried on by its closing speed while the tracker keeps it, still says when,
    so the CAUTION holds (busy-path-20s, mirrored, a Pi 4 with the far view at zoom 2.6:
    CAUTION, CLEAR, CAUTION within 0.8 s). Carried on to the lens, it has passed: released.
    Unmeasured, it holds a CAUTION at most, never raises one, and never holds a WARNING: that
    is the remembered threats' business, released on evidence and counted down to DANGER."""
    def after(distance):
        policy = AlertPolicy(CFG, SIDES)
        levels, _ = walk(policy, [
            (0.0, [person(0.0, ttc=3.5, distance=9.0, closing=2.6)]),  # CAUTION
            (0.7, [replace(person(0.7, ttc=None, distance=distance, closing=2.6),
                           measured=False)]),
        ])
        return [lv for _, lv in levels]
    assert after(7.2) == [AlertLevel.CAUTION, AlertLevel.CAUTION]  # 2.8 s: within 4 s + 20 %
    assert after(0.8) == [AlertLevel.CAUTION, AlertLevel.CLEAR]  # within contact_margin_m
    near = replace(person(0.0, ttc=None, distance=2.0, closing=3.0), measured=False)
    held = assess(near, CFG, relax=1.2)
    assert held.level == AlertLevel.CAUTION and "not measured now" in held.reason
    assert assess(near, CFG).level == AlertLevel.CLEAR  # rising needs a measurement


def test_a_near_threat_timed_later_keeps_its_warning_until_it_stops():
    # A walker 4.7 m away warned at 2.5 s; a few looks at his gait later re-time him at 3.3 s
    # (CAUTION by its own numbers): near, still closing, no evidence he left: WARNING holds.
    # Once he is seen to stop (his closing speed known, below the minimum), released.
    policy = AlertPolicy(CFG, SIDES)
    levels, _ = walk(policy, [
        (0.0, [person(0.0, ttc=2.4, distance=4.7, closing=1.9)]),
        (0.9, [person(0.9, ttc=3.3, distance=4.0, closing=1.2)]),
        (1.2, [person(1.2, ttc=3.4, distance=3.9, closing=1.1)]),
        (1.5, [replace(person(1.5, ttc=None, distance=3.9, closing=0.0),
                       closing_sigma_mps=0.3)]),
        (2.2, [replace(person(2.2, ttc=None, distance=3.9, closing=0.0),
                       closing_sigma_mps=0.3)]),
    ])
    assert [lv for _, lv in levels] == [AlertLevel.WARNING] * 3 + [AlertLevel.CLEAR] * 2


def test_a_warning_comes_once_contact_in_time_is_plausible_not_only_expected():
    """3.0 s to contact known to +-1.2 s: at half a sigma, 2.4 s is plausible, and the runner
    is warned now; known to +-0.4 s (2.8 s at half a sigma) it is a CAUTION yet, as is the
    uncertain one when warning_sigmas is 0. DANGER takes the estimate as it is."""
    def level(cfg, sigma, ttc=3.0):
        policy = AlertPolicy(cfg, SIDES)
        walk(policy, [(0.0, [replace(person(0.0, ttc=ttc, distance=9.0),
                                     time_to_contact_sigma_s=sigma)])])
        return policy.level

    assert level(CFG, 1.2) == AlertLevel.WARNING
    assert level(CFG, 0.4) == AlertLevel.CAUTION
    assert level(replace(CFG, warning_sigmas=0.0), 1.2) == AlertLevel.CAUTION
    assert level(CFG, 0.8, ttc=1.5) == AlertLevel.WARNING  # not DANGER at 1.1 s
    policy = AlertPolicy(CFG, SIDES)
    _, events = walk(policy, [(0.0, [replace(person(0.0, ttc=3.0, distance=9.0),
                                             time_to_contact_sigma_s=1.2)])])
    (alert,) = [e for e in events if e["kind"] == "alert"]
    assert alert["reason"] == "ttc 3.00 s, 2.40 s at 0.5 sigma <= warning_ttc_s 2.5"


def test_a_caution_comes_once_contact_in_time_is_likely_not_only_expected():
    """3.8 s to contact known to +-1.0 s: at half a sigma it may be 4.3 s, beyond the 4 s of a
    CAUTION, and nothing buzzes yet; known to +-0.2 s (3.9 s at half a sigma) it is a
    CAUTION, as is the unsure one when caution_sigmas is 0."""
    def assessed(cfg, sigma, ttc=3.8):
        policy = AlertPolicy(cfg, SIDES)
        _, events = walk(policy, [(0.0, [replace(person(0.0, ttc=ttc, distance=15.0),
                                                 time_to_contact_sigma_s=sigma)])])
        return policy.level, [e["reason"] for e in events if e["kind"] == "alert"]

    assert assessed(CFG, 1.0) == (AlertLevel.CLEAR, [])
    assert assessed(CFG, 0.2) == (
        AlertLevel.CAUTION, ["ttc 3.80 s, 3.90 s at 0.5 sigma <= caution_ttc_s 4"])
    assert assessed(replace(CFG, caution_sigmas=0.0), 1.0)[0] == AlertLevel.CAUTION


def test_a_far_threat_is_held_through_looks_that_do_not_say_it_will_come_late():
    """A walker 7.7 m away, warned of at 2.5 s. One look times him at 4.5 +- 1.5 s: at its
    soonest (0.5 sigma) 3.8 s, within the 4 s a WARNING falls by. The next gives no time to
    contact, his closing speed 0.75 +- 0.46 m/s within its noise. Neither says he will come
    late: the WARNING holds (busy-path-20s, Pi 4, three noise seeds: released, then given again
    1 s later). Only a look that times him later than 4 s, or a speed clear of its noise that
    does, lets it go."""
    def walker(t, ttc, distance, closing, sigma):
        return replace(person(t, ttc=ttc, distance=distance, closing=closing),
                       closing_sigma_mps=sigma,
                       time_to_contact_sigma_s=None if ttc is None else 1.5)

    cfg = AlertConfig()  # the shipped hysteresis, 0.6: a WARNING falls beyond 4 s
    steps = [(0.0, [walker(0.0, 2.4, 7.7, 2.6, 0.5)]),
             (1.0, [walker(1.0, 4.5, 7.0, 1.1, 0.46)]),
             (1.15, [walker(1.15, None, 7.1, 0.75, 0.46)])]
    levels, _ = walk(AlertPolicy(cfg, SIDES), steps)
    assert [lv for _, lv in levels] == [AlertLevel.WARNING] * 3
    later = [(1.3, [walker(1.3, 6.5, 7.0, 1.1, 0.2)])]  # timed later than the 4 s
    levels, _ = walk(AlertPolicy(cfg, SIDES), steps + later)
    assert levels[-1][1] < AlertLevel.WARNING
    slow = [(1.3, [walker(1.3, None, 7.0, 0.8, 0.2)])]  # clear of its noise: 8.8 s away
    levels, _ = walk(AlertPolicy(cfg, SIDES), steps + slow)
    assert levels[-1][1] < AlertLevel.WARNING
