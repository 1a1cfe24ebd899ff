"""Replay every labelled clip and scene under each board profile, and judge the alerts.

The detector's answer for a frame does not depend on the board profile (only which frames it
gets to see does), so detections are computed once per frame and reused by every profile's
replay; with ``cache`` they are also kept on disk between runs, keyed by the model and its
input, the video's path and a digest of its bytes (a scene rendered again under another seed
into the same folder must not be answered from the last render's frames).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rearguard.boards import board_profile, resolve_model
from rearguard.config import Config
from rearguard.detection import Detector, model_spec, open_detector
from rearguard.detection.detector import input_side, split_weak
from rearguard.drive.replay import mirrored, pitch_off, replay_session, time_scaled
from rearguard.evaluate import kitti, scenes
from rearguard.evaluate.labels import ClipLabels, load_labels
from rearguard.evaluate.metrics import (
    Episode,
    LevelTimeline,
    QuietResult,
    judge_approach,
    judge_quiet,
    per_10min,
)
from rearguard.evaluate.tracks import Identities, judge_identities
from rearguard.messages import Detection, DetectionSet, Frame
from rearguard.session import Session, open_session
from rearguard.session.settings import video_size

Progress = Callable[[str], None]


class BoardDetectors:
    """The model and input each board runs (``detector.model = "auto"``: its default), one
    cached detector for each: ``detectors(profile)``."""

    def __init__(self, config: Config, cache: Path | None):
        self.config, self.cache = config, cache
        self._detectors: dict[tuple[str, int], CachedDetector] = {}

    def __call__(self, profile: str) -> CachedDetector:
        board = board_profile(profile)
        model = resolve_model(self.config.detector.model, board)
        chosen = dataclasses.replace(self.config.detector, model=model)
        side = input_side(chosen, model_spec(model), board)
        if (model, side) not in self._detectors:
            chosen = dataclasses.replace(chosen, input_size=side)
            self._detectors[model, side] = CachedDetector(
                open_detector(chosen, board_profile("none")), self.cache)
        return self._detectors[model, side]


class CachedDetector:
    """A detector that answers each (clip, frame) once; the same answer for every replay."""

    def __init__(self, detector: Detector, cache_dir: Path | None = None):
        self.detector = detector
        self.spec = detector.spec
        self.nms_iou = detector.nms_iou  # the far view merges its boxes with the full view's
        self.cache_dir = cache_dir
        self._key = ""
        self._answers: dict[str, list[Any]] = {}
        self._dirty = False

    def use(self, session: Session) -> None:
        """Answer for ``session`` from now on (loading its stored answers, if any)."""
        key = f"{session.video}:{session.frame_count}:{video_digest(session.video)}:v3" \
            + (":mirrored" if session.mirrored else "")
        if key == self._key:
            return  # already answering for it
        self.save()
        self._key = key
        self._answers = {}
        path = self._path()
        if path is not None and path.is_file():
            stored = json.loads(path.read_text())
            if stored.get("key") == self._key:
                self._answers = stored["frames"]

    def _path(self) -> Path | None:
        if self.cache_dir is None or not self._key:
            return None
        video = self._key.rsplit(":", 2)[0]  # the path and frame count; the digest is inside
        name = "".join(c if c.isalnum() else "_" for c in video)[-80:] + ".json"
        d = self.detector
        # The input's size and whether it follows the frame's shape change the answers too.
        fitted = "-fitted" if self.spec.input_stride else ""
        model = (f"{self.spec.name}-{d.score_threshold:g}-{d.weak_threshold:g}-{d.nms_iou:g}-"
                 f"{d.input_size[0]}x{d.input_size[1]}{fitted}")
        return self.cache_dir / model / name

    def save(self) -> None:
        path = self._path()
        if path is None or not self._dirty:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"key": self._key, "frames": self._answers}))
        self._dirty = False

    @property
    def input_size(self) -> tuple[int, int]:
        return self.detector.input_size

    def work_fraction(self, frame_size: tuple[int, int],
                      fit: tuple[int, int] | None = None) -> float:
        return self.detector.work_fraction(frame_size, fit)

    def detect(self, frame: Frame, fit: tuple[int, int] | None = None) -> DetectionSet:
        # The far view asks about a window of the frame: where it sits (a mounting of another
        # pitch moves it: its old answers are for other pixels), its shape, and the box it is
        # scaled to fit tell them apart.
        key = f"{frame.index}:{frame.image.shape[1]}x{frame.image.shape[0]}" + (
            f":{fit[0]}x{fit[1]}" if fit else "") + (
            f"@{frame.origin[0]},{frame.origin[1]}" if frame.origin != (0, 0) else "")
        stored = self._answers.get(key)
        if stored is None:
            ds = self.detector.detect(frame, fit)
            stored = [list(ds.frame_size), [[d.label, d.class_id, d.score, list(d.box), d.view]
                                            for d in (*ds.detections, *ds.weak)]]
            self._answers[key] = stored
            self._dirty = True
        size, found = stored
        # How coarse the boxes are follows from the view's size: not stored, worked out again.
        input_px = self.detector.input_px(frame.size, fit)
        sure, weak = split_weak([
            Detection(label, int(cid), float(score), tuple(box), view, input_px=input_px)
            for label, cid, score, box, view in found], self.detector.score_threshold)
        return DetectionSet(frame.t, frame.index, (int(size[0]), int(size[1])), sure,
                            weak=weak, sure_score=self.detector.score_threshold)


def video_digest(video: Path) -> str:
    """A digest of the video's bytes (about 0.1 s for a 50 MB clip): the cache's answers
    belong to these frames, not to whatever file has this name now. An image sequence (a
    printf pattern such as ``img/frame_%04d.jpg``) is its folder's files."""
    digest = hashlib.blake2b(digest_size=12)
    parts = [video] if video.is_file() else sorted(p for p in video.parent.iterdir()
                                                   if p.is_file())
    for part in parts:
        digest.update(part.name.encode())
        with open(part, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


@dataclass
class ClipRun:
    """One clip replayed under one profile, judged."""

    clip: str
    profile: str
    view: str
    synthetic: bool
    episodes: list[Episode]
    quiet: QuietResult | None
    identities: Identities | None
    distance_error: float | None  # median, scenes only (exact truth)
    # Scenes only: how far away each approaching object was when first tracked (metres;
    # None: never).
    first_tracked_m: dict[str, float | None]
    level_changes: int  # over the whole clip


@dataclass
class Evaluation:
    profiles: list[str]
    runs: list[ClipRun] = field(default_factory=list)
    kitti_distance_error: float | None = None
    kitti_objects: int = 0
    models: dict[str, str] = field(default_factory=dict)  # profile -> detector model

    def episodes(self) -> list[Episode]:
        return [e for r in self.runs for e in r.episodes]

    def quiet_rates(self, profile: str, view: str) -> dict[str, float]:
        qs = [r.quiet for r in self.runs if r.quiet and r.profile == profile
              and r.view == view]
        seconds = sum(q.seconds for q in qs)
        return {"seconds": round(seconds, 1),
                "false_warnings": sum(q.false_warnings for q in qs),
                "false_dangers": sum(q.false_dangers for q in qs),
                "false_warnings_per_10min": round(per_10min(
                    sum(q.false_warnings for q in qs), seconds), 2),
                "false_dangers_per_10min": round(per_10min(
                    sum(q.false_dangers for q in qs), seconds), 2)}

    def ids_per_person(self, profile: str) -> dict[str, float]:
        return {r.clip: round(r.identities.ids_per_person, 2) for r in self.runs
                if r.identities and r.profile == profile}


def evaluate(folders: Sequence[Path], profiles: Sequence[str], config: Config,
             detector_for: Callable[[str], CachedDetector], assets: Path | None = None,
             progress: Progress | None = None, speed: float = 1.0,
             mirror: bool = False, pitch_off_deg: float = 0.0) -> Evaluation:
    """Replay each folder (a labelled clip or a rendered scene) under each profile, with the
    detector ``detector_for(profile)`` gives (each board may have its own default model);
    ``speed`` times faster, ``mirror``: every frame mirrored left to right, and
    ``pitch_off_deg``: each camera's pitch written that far off."""
    result = Evaluation(list(profiles))
    result.models = {p: detector_for(p).spec.name for p in profiles}
    for folder in folders:
        named = frozenset(detector_for(profiles[0]).spec.obstacle_heights)
        labels = scenes.scene_labels(folder, named) if scenes.is_scene(folder) \
            else load_labels(folder, assets)
        labels = labels.time_scaled(speed)
        session = time_scaled(open_session(folder), speed)
        if mirror:
            session = mirrored(session)
        session = pitch_off(session, pitch_off_deg, config.mounting)
        for profile in profiles:
            if progress is not None:
                progress(f"{labels.name} ({profile})")
            detector = detector_for(profile)
            detector.use(session)
            result.runs.append(_judge(labels, session, profile, config, detector))
            detector.save()
    if assets is not None:
        result.kitti_distance_error, result.kitti_objects = kitti.median_distance_error(assets)
    return result


def _judge(labels: ClipLabels, session: Session, profile: str, config: Config,
           detector: CachedDetector) -> ClipRun:
    replay = replay_session(session, config, detector, board_profile(profile))
    events = replay.events
    if session.mirrored:  # the truth's boxes are the unmirrored frame's
        events = _unmirrored(events, video_size(session)[0])
    timeline = LevelTimeline(events)
    end = float(session.frame_times[-1])
    episodes = [judge_approach(labels.name, profile, a, timeline, end)
                for a in labels.approaches]
    quiet = judge_quiet(labels.name, profile, labels.view, labels.quiet, timeline, end,
                        events) if labels.quiet else None
    identities = judge_identities(labels.name, profile, labels.ground_truth, events,
                                  session.frame_times) if labels.ground_truth else None
    distance, first_tracked = None, {}
    if labels.synthetic:
        distance = scenes.median_or_none(scenes.distance_errors(session.path, events,
                                                                session.frame_times))
        first_tracked = scenes.first_tracked(session.path, events, session.frame_times,
                                             [a.object for a in labels.approaches])
    return ClipRun(labels.name, profile, labels.view, labels.synthetic, episodes, quiet,
                   identities, distance, first_tracked, len(timeline.times))


def _unmirrored(events: list[dict[str, Any]], width: int) -> list[dict[str, Any]]:
    """Events of a mirrored replay with their boxes back in the recorded frame's pixels."""
    out = []
    for e in events:
        box = e.get("box")
        if box is not None:
            e = {**e, "box": [width - box[2], box[1], width - box[0], box[3]]}
        out.append(e)
    return out


def summary_json(ev: Evaluation) -> dict[str, Any]:
    """The machine-readable result (``rearguard evaluate --json``)."""
    quiet = {p: {v: ev.quiet_rates(p, v) for v in ("low", "elevated", "scene")}
             for p in ev.profiles}
    return {
        "profiles": ev.profiles,
        "models": ev.models,
        "episodes": [e.as_json() for e in ev.episodes()],
        "quiet": {
            "false_warnings_per_10min": {p: {v: q["false_warnings_per_10min"]
                                             for v, q in by.items()} for p, by in quiet.items()},
            "false_dangers_per_10min": {p: {v: q["false_dangers_per_10min"]
                                            for v, q in by.items()} for p, by in quiet.items()},
            "detail": quiet,
            "examples": [{"clip": r.clip, "profile": r.profile, "alerts": r.quiet.examples}
                         for r in ev.runs if r.quiet and r.quiet.examples],
        },
        "identities": [{"clip": r.clip, "profile": r.profile, "people": r.identities.people,
                        "track_ids": r.identities.track_ids,
                        "ids_per_person": round(r.identities.ids_per_person, 2),
                        "switches": r.identities.switches,
                        "covered": round(r.identities.covered, 2)}
                       for r in ev.runs if r.identities],
        "distance": {
            "kitti_median_error": (round(ev.kitti_distance_error, 3)
                                   if ev.kitti_distance_error is not None else None),
            "kitti_objects": ev.kitti_objects,
            "scenes": {f"{r.clip} ({r.profile})": round(r.distance_error, 3)
                       for r in ev.runs if r.distance_error is not None},
        },
        # Far range: the true distance at which each scene's approaching object was first
        # tracked (a confirmed track's box on it).
        "first_tracked_m": [{"clip": r.clip, "profile": r.profile, "object": name,
                             "distance_m": metres}
                            for r in ev.runs for name, metres in r.first_tracked_m.items()],
        "passed": {p: all(e.passed for e in ev.episodes() if e.profile == p)
                   for p in ev.profiles},
        "median_lead_s": {p: _median([e.lead_s for e in ev.episodes()
                                      if e.profile == p and e.lead_s is not None])
                          for p in ev.profiles},
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None
