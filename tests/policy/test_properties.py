"""Property tests of the alert policy (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from rearguard.config.schema import AlertConfig
from rearguard.core.policy import AlertPolicy, assess, most_urgent
from rearguard.messages import (
    AlertLevel,
    BodySide,
    Health,
    Obstacle,
    ObstacleSource,
    Stage,
)

CFG = AlertConfig()
SIDES = (BodySide.LEFT, BodySide.CENTRE, BodySide.RIGHT)

distances = st.floats(0.1, 30.0)
speeds = st.floats(0.0, 15.0)
bearings = st.floats(-60.0, 60.0)
sources = st.sampled_from(list(ObstacleSource))


def obstacle(distance, closing, bearing, source, with_ttc=True):
    ttc = distance / closing if with_ttc and closing > 0.05 else None
    return Obstacle(0.0, 1, "person", source, (0, 0, 1, 1), distance, bearing, closing, ttc)


@settings(max_examples=400)
@given(distances, speeds, bearings, sources, st.floats(0.0, 0.95), st.floats(0.0, 10.0))
def test_nearer_or_faster_never_lowers_the_level(distance, closing, bearing, source, nearer,
                                                 faster):
    base = assess(obstacle(distance, closing, bearing, source), CFG).level
    closer = assess(obstacle(distance * (1 - nearer), closing, bearing, source), CFG).level
    quicker = assess(obstacle(distance, closing + faster, bearing, source), CFG).level
    assert closer >= base and quicker >= base


@settings(max_examples=200)
@given(st.lists(st.tuples(distances, speeds, bearings, sources), max_size=5),
       st.tuples(distances, speeds, bearings, sources))
def test_another_obstacle_never_lowers_the_level(existing, extra):
    obstacles = [obstacle(*o) for o in existing]
    before = most_urgent(obstacles, CFG).level
    assert most_urgent([*obstacles, obstacle(*extra)], CFG).level >= before


@st.composite
def histories(draw):
    steps = draw(st.lists(st.tuples(distances, speeds, bearings, sources), min_size=1,
                          max_size=30))
    return [(0.05 * (k + 1), obstacle(*s)) for k, s in enumerate(steps)]


@settings(max_examples=150)
@given(histories(), st.tuples(distances, speeds, bearings, sources))
def test_level_depends_only_on_inputs_level_and_remembered_threats(history, final):
    """Two policies with different pasts but the same current level (entered at the same
    time) and the same remembered threats answer the same inputs with the same level."""
    a, b = AlertPolicy(CFG, SIDES), AlertPolicy(CFG, SIDES)
    for t, o in history:
        a.update(t, [o], Health(t))
    t_end = history[-1][0] + 0.05
    # b gets a different past that lands on the same state at the same moment
    b._level, b._since = a._level, a._since
    b._memory._threats = dict(a._memory._threats)
    o = obstacle(*final)
    a.update(t_end, [o], Health(t_end))
    b.update(t_end, [o], Health(t_end))
    assert a.level == b.level


@settings(max_examples=200)
@given(histories(), st.sets(st.sampled_from([Stage.CAMERA, Stage.RANGER, Stage.DETECTOR]),
                            min_size=1))
def test_a_fault_pattern_is_played_within_one_tick(history, lost):
    policy = AlertPolicy(CFG, SIDES)
    for t, o in history:
        policy.update(t, [o], Health(t))
    tick = 1.0 / CFG.tick_hz
    t0 = history[-1][0] + tick
    played = []
    for k in range(2):  # the tick of the fault and the next one
        t = t0 + k * tick
        command, _ = policy.update(t, [], Health(t, frozenset(lost)))
        if command is not None:
            played.append(command.pattern)
    assert any(p.startswith("fault") for p in played), played


def test_danger_from_an_echo_ignores_hysteresis_direction():
    level = assess(Obstacle(0, 1, "unknown", ObstacleSource.RANGER, None, 0.5, 0.0, 0.0, None,
                            echo_m=0.5), CFG).level
    assert level is AlertLevel.DANGER
    assert math.isfinite(CFG.danger_range_m)
