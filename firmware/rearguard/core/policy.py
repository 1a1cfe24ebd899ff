"""The alert policy: obstacles and health in, one alert level and a haptic command out.

Levels come from the most urgent obstacle's time to contact, distance and closing speed:

- DANGER:  time to contact <= ``danger_ttc_s``, or a rangefinder echo nearer than
  ``danger_range_m`` (at once, approaching or not: it is right behind the runner's back)
- WARNING: time to contact <= ``warning_ttc_s`` at ``warning_sigmas`` (the estimate less that
  many of its standard deviations: contact that soon is plausible), or approaching and nearer
  than ``warning_distance_m``
- CAUTION: time to contact <= ``caution_ttc_s`` at ``caution_sigmas`` (the estimate plus that
  many of its standard deviations: contact that soon is likely), or approaching and nearer
  than ``caution_distance_m``; and the most an obstacle passing beside the path can reach

Only obstacles closing at ``min_closing_speed_mps`` or more, with a time to contact (the world
model gives one only when the closing speed stands clear of its noise), count as approaching.
An obstacle whose nearest side will be more than ``path_half_width_m`` from the path's centre
line when the runner gets there (its centre's offset judged over time, moved on by its sideways
speed, less its half width) passes beside the runner.

Rising is immediate. Falling needs both: the level's thresholds exceeded by the ``hysteresis``
fraction (so a threat hovering at a boundary does not flicker), and ``min_dwell_s`` spent at the
level. Hence the next level is a function of the inputs and of (previous level, when it began).

A stage the supervisor reports lost plays its fault pattern within the same tick, then again
every ``fault_reminder_s``; with nothing left that can see, the fault pattern plays without end.
The button's short press pauses alerts; DANGER and faults are silenced for ``mute_s`` at most.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rearguard.config.schema import AlertConfig
from rearguard.core.events import event
from rearguard.haptics.patterns import LEVEL_PATTERNS, PATTERNS
from rearguard.messages import (
    AlertCommand,
    AlertLevel,
    BodySide,
    Health,
    Obstacle,
    Stage,
    body_side,
)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The level one obstacle calls for, and which threshold said so."""

    level: AlertLevel
    reason: str
    obstacle: Obstacle | None = None


CLEAR = Assessment(AlertLevel.CLEAR, "nothing approaching")


def assess(o: Obstacle, cfg: AlertConfig, relax: float = 1.0) -> Assessment:
    """The level obstacle ``o`` calls for; ``relax`` > 1 widens every threshold (hysteresis)."""
    near = o.distance_m
    ttc = o.time_to_contact_s
    # The rangefinder's own reading, not a fused estimate: a camera track's distance, carried
    # on by its closing speed, is not "something right behind the runner's back".
    echo = o.echo_m
    if echo is not None and echo < cfg.danger_range_m * relax:
        return Assessment(AlertLevel.DANGER, f"echo {echo:.2f} m < danger_range_m "
                                             f"{cfg.danger_range_m:g}", o)
    unseen = False  # held on a distance carried on while not measured
    if ttc is None and relax > 1.0 and near is not None \
            and (o.measured or near > cfg.contact_margin_m) \
            and o.closing_speed_mps is not None \
            and o.closing_speed_mps >= cfg.min_closing_speed_mps:
        # Holding a level (hysteresis): the time to contact of an object measured now that
        # the world model withheld (a cross-check said no), or of one unseen for a moment
        # (the tracker still keeps it) and not yet carried to the lens, is unknown, not
        # infinite; its distance and closing speed still say when. Unseen, it holds a
        # CAUTION at most: a WARNING's hold is the remembered threats' business (released on
        # evidence, counted down to DANGER).
        ttc, unseen = near / o.closing_speed_mps, not o.measured
    # Approaching: closing fast enough, and clearly (the world model gives a time to contact
    # only when the closing speed stands out of its noise).
    closing = ttc is not None and o.closing_speed_mps is not None \
        and o.closing_speed_mps >= cfg.min_closing_speed_mps
    if not closing:
        return Assessment(AlertLevel.CLEAR, "not approaching", o)
    beside = _passes_beside(o, cfg)
    # The WARNING at contact's soonest plausible time, the CAUTION at its latest likely one.
    soon = _ttc_at_sigmas(o, ttc, -cfg.warning_sigmas)
    likely = _ttc_at_sigmas(o, ttc, cfg.caution_sigmas)
    rules = (
        (AlertLevel.DANGER, ttc, 0.0, cfg.danger_ttc_s, "ttc", "danger_ttc_s"),
        (AlertLevel.WARNING, soon, cfg.warning_sigmas, cfg.warning_ttc_s, "ttc",
         "warning_ttc_s"),
        (AlertLevel.WARNING, near, 0.0, cfg.warning_distance_m, "distance",
         "warning_distance_m"),
        (AlertLevel.CAUTION, likely, cfg.caution_sigmas, cfg.caution_ttc_s, "ttc",
         "caution_ttc_s"),
        (AlertLevel.CAUTION, near, 0.0, cfg.caution_distance_m, "distance",
         "caution_distance_m"),
    )
    for level, value, sigmas, limit, what, key in rules:
        if value is not None and value <= limit * relax:
            unit = "s" if what == "ttc" else "m"
            reason = f"{what} {value:.2f} {unit} <= {key} {limit:g}"
            if what == "ttc" and value != ttc:
                reason = f"ttc {ttc:.2f} s, {value:.2f} s at {sigmas:g} sigma <= {key} {limit:g}"
            if beside and level > AlertLevel.CAUTION:
                return Assessment(AlertLevel.CAUTION, reason + " (passing beside the path)", o)
            if unseen and level > AlertLevel.CAUTION:
                return Assessment(AlertLevel.CAUTION, reason + " (not measured now)", o)
            return Assessment(level, reason, o)
    return Assessment(AlertLevel.CLEAR, "approaching, still far", o)


def _ttc_at_sigmas(o: Obstacle, ttc: float | None, sigmas: float) -> float | None:
    """The time to contact moved by ``sigmas`` of its standard deviations: less them, the
    soonest contact plausible (the WARNING's); plus them, the latest likely (the CAUTION's).

    The WARNING is due 2 s before contact; an estimate with a sigma of a quarter of itself,
    taken at its word, warns half the approaches late (on the scenes at the catalogue's noise,
    cyclist-in-path, dog-in-path and two-cyclists, mirrored, came 0.06-0.13 s short). A
    CAUTION taken at its word came and went for a walker 24 m away whose coarse boxes timed
    him at 4.0 +- 1.3 s for half a second, 15 s before he came (busy-path-20s, mirrored, Pi 5)."""
    sigma = o.time_to_contact_sigma_s
    if ttc is None or sigma is None or ttc != o.time_to_contact_s:
        return ttc  # no estimate, or one the hysteresis made from distance and speed alone
    return max(ttc + sigmas * sigma, 0.0)


def _passes_beside(o: Obstacle, cfg: AlertConfig) -> bool:
    """Will it be beside the runner's path, not in it, when the runner gets there?

    Its sideways offset now, moved on by its sideways speed until the time of contact: a
    person walking alongside stays beside; a cyclist crossing has left the path by then.
    """
    if o.distance_m is None or o.bearing_deg is None or o.box is None:
        return False
    offset = o.lateral_m if o.lateral_m is not None else \
        o.distance_m * math.tan(math.radians(o.bearing_deg))
    if o.lateral_speed_mps is not None and o.time_to_contact_s is not None:
        offset += o.lateral_speed_mps * o.time_to_contact_s
    return abs(offset) - (o.half_width_m or 0.0) > cfg.path_half_width_m


def most_urgent(obstacles: Sequence[Obstacle], cfg: AlertConfig,
                relax: float = 1.0) -> Assessment:
    """The highest level any obstacle calls for; ties go to the sooner, then the nearer."""
    return _most_urgent_of([assess(o, cfg, relax) for o in obstacles])


def _most_urgent_of(assessments: Sequence[Assessment]) -> Assessment:
    best = CLEAR
    for a in assessments:
        if a.level > best.level or (a.level == best.level and a.level > AlertLevel.CLEAR
                                    and a.obstacle is not None
                                    and _sooner(a.obstacle, best.obstacle)):
            best = a
    return best


def _sooner(a: Obstacle, b: Obstacle | None) -> bool:
    return b is None or _urgency(a) < _urgency(b)


def _urgency(o: Obstacle) -> tuple[float, float, int]:
    """Sort key: sooner contact first, then nearer, then the older track."""
    return (o.time_to_contact_s if o.time_to_contact_s is not None else math.inf,
            o.distance_m if o.distance_m is not None else math.inf, o.track_id)


PASSED_AFTER_S = 0.5  # a remembered threat is gone this long after it was due at the lens
# A closing speed known no better than this (one sigma) says nothing about a runner-scale
# approach (1-8 m/s): it is not evidence that the object stopped.
UNSETTLED_SPEED_SIGMA_MPS = 4.0


@dataclass(frozen=True, slots=True)
class _Threat:
    level: AlertLevel
    due_t: float  # when it was due to reach the runner, from its last time to contact
    distance_m: float | None
    obstacle: Obstacle


class ThreatMemory:
    """Threats the runner was warned of, held until there is evidence they are gone.

    Close to the runner the camera loses what it needs to time an object: the frame cuts its
    box, it leaves the picture at the side as it passes, a passer-by hides it. Silence then is
    not safety. A WARNING or DANGER is released only on evidence: the object is seen receding
    (by two measurements: one box may be a part of it) or passing beside the path, or the
    moment it was due to arrive has passed; until then its countdown goes on from its last
    time to contact (a steady approach loses a second per second), so DANGER still comes by
    contact. A far object (beyond ``caution_distance_m``) that
    stops looking like an approach is released as soon as a look says it will not come within
    the WARNING's widened threshold (``warning_ttc_s`` times 1 + ``hysteresis``, the time a
    WARNING falls by): far away, a single alarming estimate is more likely noise than a threat.
    But one look without a time to contact, its closing speed within its own noise, is no
    evidence either way.
    """

    def __init__(self, cfg: AlertConfig):
        self.cfg = cfg
        self._threats: dict[int, _Threat] = {}
        self._timed: set[int] = set()  # threats measured at the last assess: they speak anew
        # Threat -> when the first of the measurements that now read it receding was taken.
        self._receding: dict[int, float] = {}

    def assess(self, t: float, obstacles: Sequence[Obstacle],
               fresh: dict[int, Assessment]) -> Assessment:
        """The level the remembered threats still call for at ``t`` (after updating them)."""
        present = {o.track_id: o for o in obstacles}
        timed = set()  # remembered threats measured now: their fresh assessment speaks for them
        for track_id, a in fresh.items():
            o = a.obstacle
            if o is None or o.time_to_contact_s is None:
                continue
            known = self._threats.get(track_id)
            if known is not None and _leapt_away(known, o):
                del present[track_id]  # not evidence of anything: keep counting down
                continue
            if a.level >= AlertLevel.WARNING or known is not None:
                # What it calls for now, and at least the WARNING the runner was given: a
                # DANGER it no longer calls for comes back only by its countdown. Unless it
                # calls for less only because its closing speed is not known (a distance that
                # restarted when the frame cut its box, while its pixels still time it): that
                # is no news, and the level it had stands.
                unknown = known is not None and a.level < AlertLevel.WARNING \
                    and _speed_unknown(o)
                level = max(a.level, AlertLevel.WARNING,
                            known.level if unknown else AlertLevel.CLEAR)
                distance = _distance(o, known)
                self._threats[track_id] = _Threat(level, t + o.time_to_contact_s, distance, o)
                near = _within(distance, self.cfg.caution_distance_m)
                if a.level >= AlertLevel.WARNING or not (near or unknown):
                    timed.add(track_id)
                # Else it calls for less, near or with no closing speed: a later time to
                # contact re-estimated from a few looks at a walker's gait, or a speed not
                # estimated again yet, is no evidence that it left. Its new time to contact
                # moves its countdown, which holds its level until _gone finds evidence (seen
                # receding, stopping, passing beside, or past the lens). Far away and timed,
                # the fresh look speaks: a countdown there is noise.
        for track_id, threat in list(self._threats.items()):
            if self._gone(t, threat, present.get(track_id), fresh.get(track_id)):
                del self._threats[track_id]
                self._receding.pop(track_id, None)
        self._timed = timed
        return self.countdown(t)

    def countdown(self, t: float, relax: float = 1.0) -> Assessment:
        """The level the threats not measured now call for by their countdowns alone;
        ``relax`` > 1 widens the DANGER threshold (hysteresis), as for fresh assessments."""
        best = CLEAR
        for track_id, threat in self._threats.items():
            if track_id in self._timed:
                continue
            remaining = threat.due_t - t
            # The countdown brings DANGER by contact for a threat last known near. Far away it
            # is an extrapolation, not evidence: it holds the WARNING, and a far object that
            # really comes is timed afresh on its way in.
            due = remaining <= self.cfg.danger_ttc_s * relax and _within(
                threat.distance_m, self.cfg.caution_distance_m)
            level = AlertLevel.DANGER if due else threat.level
            if level > best.level:
                best = Assessment(level, f"{threat.obstacle.label} #{track_id} due in "
                                         f"{max(remaining, 0.0):.2f} s (held)", threat.obstacle)
        return best

    def _gone(self, t: float, threat: _Threat, o: Obstacle | None,
              fresh: Assessment | None) -> bool:
        closing = max(threat.obstacle.closing_speed_mps or 0.0, self.cfg.min_closing_speed_mps,
                      0.1)
        passed = threat.due_t + self.cfg.contact_margin_m / closing + PASSED_AFTER_S
        if t > passed:
            return True  # due within the contact margin, then past the lens: it has passed
        far = threat.distance_m is None or threat.distance_m > self.cfg.caution_distance_m
        if o is None:
            # Lost from view close to the runner: most likely passing the lens, held until its
            # countdown has it past. Far away: most likely a passing fancy, let go; but not a
            # DANGER, contact timed within danger_ttc_s: a fast object (a dog 10.7 m away at
            # 4.8 m/s) that the detector loses between the far view's window and the coarse
            # full view must not go quiet as it arrives.
            return far and threat.level < AlertLevel.DANGER
        if _clearly_receding(o, self.cfg):
            return self._receding_again(o)  # seen going away
        self._receding.pop(o.track_id, None)
        if o.time_to_contact_s is not None and _passes_beside(o, self.cfg):
            return True
        still_approaching = fresh is not None and fresh.level >= AlertLevel.CAUTION
        if still_approaching:
            return False
        # Measured now and its closing speed gone: the camera sees it stop, which is evidence.
        # Unmeasured (cut by the frame, hidden), or still closing though not clearly enough to
        # time, and close: hold.
        # A closing speed not estimated yet (a fresh distance filter) is no evidence.
        closing = o.closing_speed_mps
        stopped = (closing is None or closing < self.cfg.min_closing_speed_mps) \
            and not _speed_unknown(o)
        if far:
            # A look that times it speaks for itself; one that does not, seeing it stop, is
            # evidence too.
            untimed = o.time_to_contact_s is None
            return (untimed and o.measured and stopped) or _not_in_time(o, self.cfg)
        return o.measured and stopped

    def _receding_again(self, o: Obstacle) -> bool:
        """Has a second measurement read it receding, after the one that first did? One box
        is not evidence that a threat left: a part of the object, the rest hidden by someone
        nearer, reads as a step away, and the closing speed turns with it (a walker 3 m away
        approaching at 1.1 m/s read 1.7 +- 0.5 m/s receding on one box of her coat, her
        friend in front of her; the next box the frame cut, the one after read her closing)."""
        first = self._receding.setdefault(o.track_id, math.inf if o.measured_t is None
                                          else o.measured_t)
        return o.measured_t is None or o.measured_t > first


def _clearly_receding(o: Obstacle, cfg: AlertConfig) -> bool:
    """Is it seen going away, clearly beyond the noise of its closing speed? (A track that
    just took another person's box, or a restarted distance, reads receding for a frame or
    two by chance: that is no evidence the threat left.)"""
    closing = o.closing_speed_mps
    if closing is None or closing > -cfg.min_closing_speed_mps:
        return False
    return o.closing_sigma_mps is None or -closing > 2 * o.closing_sigma_mps


def _within(distance: float | None, limit: float) -> bool:
    return distance is not None and distance <= limit


def _speed_unknown(o: Obstacle) -> bool:
    """Is its closing speed not estimated (yet, or any more: no distance to take it from), or
    too uncertain to say it stopped?"""
    if o.closing_speed_mps is None:
        return True
    return o.closing_sigma_mps is not None and o.closing_sigma_mps > UNSETTLED_SPEED_SIGMA_MPS


def _distance(o: Obstacle, known: _Threat | None) -> float | None:
    """Its distance now, or the last one known (a box the frame cuts has none): an unknown
    distance does not make a threat far."""
    if o.distance_m is None and known is not None:
        return known.distance_m
    return o.distance_m


def _not_in_time(o: Obstacle, cfg: AlertConfig) -> bool:
    """Does this look say a far threat will not come within the WARNING's widened threshold
    (the time a WARNING falls by, as for a fresh assessment)?

    Its time to contact, at its soonest plausible (``warning_sigmas``), says so when it has one.
    Without one, its distance over its closing speed does, but only once that speed stands
    clear of its own noise (2 sigma, as the world model asks before it times anything): a
    speed within its noise says nothing about when the object comes. (busy-path-20s, Pi 4,
    three noise seeds: a walker 7 m away, warned of, was let go on a look that timed him at
    4.5 +- 1.5 s, 6.4 s by his distance alone against the 2.5 s it was held to then; the next
    look read 0.75 +- 0.46 m/s. WARNING, CAUTION and WARNING again within 2.1 s, 3.3 s before
    he came.)
    """
    widened = cfg.warning_ttc_s * (1.0 + cfg.hysteresis)
    if o.time_to_contact_s is not None:
        soonest = _ttc_at_sigmas(o, o.time_to_contact_s, -cfg.warning_sigmas)
        return soonest is not None and soonest > widened
    d, closing = o.distance_m, o.closing_speed_mps
    if d is None or closing is None or closing <= 2 * (o.closing_sigma_mps or 0.0):
        return False
    return d / closing > widened


def _leapt_away(threat: _Threat, o: Obstacle) -> bool:
    """Is ``o`` suddenly much farther than the threat it was, more than any object moves
    between two looks? (A box the frame cut, taken over by something else behind it.)"""
    if threat.distance_m is None or o.distance_m is None:
        return False
    return o.distance_m > threat.distance_m + max(1.0, 0.3 * threat.distance_m)


def fault_pattern(lost: frozenset[Stage], has_ranger: bool) -> str | None:
    """Which fault pattern a set of lost stages calls for."""
    camera_lost = bool(lost & {Stage.CAMERA, Stage.DETECTOR})
    ranger_lost = Stage.RANGER in lost
    if camera_lost and (ranger_lost or not has_ranger):
        return "fault-both"
    if camera_lost:
        return "fault-camera"
    if ranger_lost:
        return "fault-ranger"
    return None


class AlertPolicy:
    """Turns each tick's obstacles and health into the level the runner should feel."""

    def __init__(self, alert: AlertConfig, sides: tuple[BodySide, ...] = (BodySide.CENTRE,),
                 has_ranger: bool = True):
        self.cfg = alert
        self.sides = sides
        self.has_ranger = has_ranger
        self._level = AlertLevel.CLEAR
        self._since = -math.inf
        self._side = BodySide.CENTRE
        self._fault: str | None = None
        self._fault_played = -math.inf
        self._lost: frozenset[Stage] = frozenset()
        self._paused_at: float | None = None
        self._memory = ThreatMemory(alert)
        self._playing = ("clear", BodySide.CENTRE)  # the loop the motors play
        self._pending: str | None = None  # a one-shot to play at the next chance

    @property
    def level(self) -> AlertLevel:
        return self._level

    def next_level(self, t: float, obstacles: Sequence[Obstacle]) -> Assessment:
        """The level at ``t`` given the current level, how long it has held, and the threats
        the runner was warned of that have not yet gone (see :class:`ThreatMemory`)."""
        fresh = {o.track_id: assess(o, self.cfg) for o in obstacles}
        held_threat = self._memory.assess(t, obstacles, fresh)
        up = _most_urgent_of([*fresh.values(), held_threat])
        if up.level >= self._level:
            return up
        relax = 1.0 + self.cfg.hysteresis
        # Falling needs every threat past the widened thresholds, counting down ones too: a
        # countdown that moved a little later must not flip DANGER to WARNING and back.
        held = _most_urgent_of([most_urgent(obstacles, self.cfg, relax),
                                self._memory.countdown(t, relax)])
        if held.level >= self._level or t - self._since < self.cfg.min_dwell_s:
            return Assessment(self._level, "holding", held.obstacle or up.obstacle)
        return Assessment(max(held.level, up.level), held.reason, held.obstacle)

    def update(self, t: float, obstacles: Sequence[Obstacle],
               health: Health) -> tuple[AlertCommand | None, list[dict]]:
        events: list[dict] = []
        a = self.next_level(t, obstacles)
        if a.level != self._level:
            events.append(self._level_change(t, a))
        if a.level > AlertLevel.CLEAR and a.obstacle is not None:
            self._side = self._side_of(a.obstacle)
        fault_now = self._fault_due(t, health)
        command = self._command(t, fault_now)
        if command is not None:
            events.append(event(t, "pattern", pattern=command.pattern, level=command.level,
                                side=command.side))
        return command, events

    def _level_change(self, t: float, a: Assessment) -> dict:
        previous, self._level, self._since = self._level, a.level, t
        o = a.obstacle
        return event(t, "alert", level=a.level, previous=previous,
                     pattern=LEVEL_PATTERNS[a.level], side=self._side_of(o) if o else None,
                     track=o.track_id if o else None, label=o.label if o else None,
                     distance_m=o.distance_m if o else None,
                     ttc_s=o.time_to_contact_s if o else None, reason=a.reason)

    def _side_of(self, o: Obstacle) -> BodySide:
        side = body_side(o.bearing_deg)
        return side if side in self.sides else BodySide.CENTRE

    def _fault_due(self, t: float, health: Health) -> str | None:
        """A fault pattern to play now: at a change of health, or as a reminder."""
        lost_changed = health.lost != self._lost
        self._lost = health.lost
        self._fault = fault_pattern(health.lost, self.has_ranger)
        if self._fault is None:
            return None
        if lost_changed or t - self._fault_played >= self.cfg.fault_reminder_s:
            self._fault_played = t
            return self._fault
        return None

    def _silenced(self, t: float, urgent: bool) -> bool:
        """Paused by the button: urgent patterns only for ``mute_s``, the rest until resumed."""
        if self._paused_at is None:
            return False
        return not urgent or t - self._paused_at < self.cfg.mute_s

    def _loop_wanted(self, t: float) -> tuple[str, BodySide, AlertLevel]:
        """The pattern that should be playing continuously now."""
        if self._fault == "fault-both":
            wanted = ("fault-both", BodySide.CENTRE, AlertLevel.DANGER)
            urgent = True
        else:
            pattern = LEVEL_PATTERNS[self._level]
            side = self._side if PATTERNS[pattern].directional else BodySide.CENTRE
            wanted = (pattern, side, self._level)
            urgent = self._level == AlertLevel.DANGER
        if self._silenced(t, urgent):
            return ("clear", BodySide.CENTRE, wanted[2])
        return wanted

    def _command(self, t: float, fault_now: str | None) -> AlertCommand | None:
        """What the motors should play, when that changes: the loop first, then one-shots.

        A one-shot (a partial fault, the mute acknowledgement) plays over the loop, and the
        player returns to the loop after it; one due in the same tick as a change of loop
        follows on the next tick.
        """
        if fault_now is not None and fault_now != "fault-both" and not self._silenced(t, True):
            self._pending = fault_now  # even over DANGER: the runner must learn what is blind
        pattern, side, level = self._loop_wanted(t)
        if (pattern, side) != self._playing:
            self._playing = (pattern, side)
            return AlertCommand(t, level, pattern, side)
        if self._pending is not None:
            one_shot, self._pending = self._pending, None
            return AlertCommand(t, self._level, one_shot, BodySide.CENTRE)
        return None

    def on_button(self, t: float, press: str) -> list[dict]:
        """A short press pauses or resumes alerts; a long press asks for a safe shutdown (the
        live loop carries it out: it is the one place that decides to stop)."""
        if press == "long":
            return [event(t, "shutdown", reason="long press")]
        self._paused_at = None if self._paused_at is not None else t
        self._pending = "muted" if self._paused_at is not None else "resumed"
        return [event(t, "mute", paused=self._paused_at is not None, mute_s=self.cfg.mute_s)]
