"""Tracks on real footage: people followed through the clip, and time to contact from tracked
boxes compared with time to contact from the ground-truth boxes.

TUD-Campus (25 fps, people crossing at human height) and PETS09-S3-MF1 (about 7 fps, people
walking away) have ground-truth boxes with identities. Every frame goes through the detector,
the pixel meters (growth and colours, as the live loop and replay run them) and the world
model; each ground-truth person is matched (IoU >= 0.5) to a confirmed track.
The same ground-truth boxes are also fed to a second world model as if they were detections,
which gives the "true" time to contact and growth rate to compare with.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import cv2
import pytest

from rearguard.boards import board_profile
from rearguard.config import load_config
from rearguard.config.schema import DetectorConfig
from rearguard.core.tracking import iou
from rearguard.core.world import WorldModel
from rearguard.detection import open_detector
from rearguard.detection.pixels import PixelMeters
from rearguard.messages import Detection, DetectionSet, Frame
from tests.detection.test_footage import ground_truth

SEQUENCES = {  # folder: (image pattern, frames per second, frame size)
    "TUD-Campus": ("img1/{:06d}.jpg", 25.0, (640, 480)),
    "PETS09-S3-MF1": ("img/frame_{:04d}.jpg", 7.0, (768, 576)),
}
CONFIG = dataclasses.replace(load_config(None), rangefinders=[])
HEIGHTS = {"person": 1.7}


@pytest.fixture(scope="module")
def detector(assets):
    return open_detector(DetectorConfig(), board_profile("none"))


def gt_ids(path):
    by_frame = defaultdict(list)
    for line in path.read_text().splitlines():
        frame, ident, left, top, width, height = (float(v) for v in line.split(",")[:6])
        by_frame[int(frame)].append((int(ident), (left, top, left + width, top + height)))
    return by_frame


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_tracks_follow_people_and_time_to_contact_agrees(assets, detector, name, capsys):
    pattern, fps, size = SEQUENCES[name]
    folder = assets / "footage" / name
    truth = gt_ids(folder / "gt" / "gt.txt")
    assert ground_truth  # the detection tests' reader, shared
    seen_world, true_world = WorldModel(CONFIG, HEIGHTS), WorldModel(CONFIG, HEIGHTS)
    pixels = PixelMeters(frozenset(HEIGHTS))  # as the live loop and replay measure them
    covered = total = 0
    tracks_per_person: dict[int, set[int]] = defaultdict(set)
    rate_errors, ttc_pairs = [], []
    for frame_number in sorted(truth):
        t = frame_number / fps
        image = cv2.imread(str(folder / pattern.format(frame_number)))
        frame = Frame(t, frame_number, image)
        seen_world.add_detections(pixels.measure(frame, detector.detect(frame)))
        true_world.add_detections(DetectionSet(t, frame_number, size, tuple(
            Detection("person", 0, 1.0, box) for _, box in truth[frame_number])))
        seen = {tr.track_id: tr for tr in seen_world.tracker.tracks
                if seen_world.tracker.confirmed(tr) and tr.t == t}
        true_tracks = [tr for tr in true_world.tracker.tracks if tr.t == t
                       and true_world.tracker.confirmed(tr)]
        for ident, box in truth[frame_number]:
            total += 1
            match = max(seen.values(), key=lambda tr: iou(tr.box, box), default=None)
            if match is None or iou(match.box, box) < 0.5:
                continue
            covered += 1
            tracks_per_person[ident].add(match.track_id)
            twin = max(true_tracks, key=lambda tr: iou(tr.box, box), default=None)
            if twin is not None and iou(twin.box, box) > 0.8 and twin.hits >= 5:
                rate_errors.append(abs(match.growth_rate - twin.growth_rate))
                ttc_pairs.append((_ttc(seen_world, match, t), _ttc(true_world, twin, t)))
    coverage = covered / total
    switches = sum(len(ids) - 1 for ids in tracks_per_person.values())
    rate_errors.sort()
    median_rate_error = rate_errors[len(rate_errors) // 2]
    near = [(a, b) for a, b in ttc_pairs if b is not None and b < 4.0]
    false_near = [a for a, b in ttc_pairs if a is not None and a < 4.0 and (b is None or b > 8)]
    with capsys.disabled():
        print(f"\n  {name}: {coverage:.0%} of {total} ground-truth boxes followed by a confirmed "
              f"track; {switches} identity changes over {len(tracks_per_person)} people; growth "
              f"rate d ln(size)/dt differs from ground truth by {median_rate_error:.3f}/s "
              f"(median); {len(near)} frames with a true time to contact under 4 s; "
              f"{len(false_near)} of {len(ttc_pairs)} where the tracks saw contact under 4 s")
    assert coverage >= 0.6
    assert switches <= len(tracks_per_person)  # at most one change per person on average
    assert median_rate_error < 0.1  # 1/s: a time to contact of 10 s or more either way
    # Crossing or leaving people rarely look like they are arriving. TUD-Campus's crowd hides
    # people behind each other, and a box that grows as its person steps out from behind
    # someone looks like an approach for a few frames.
    assert len(false_near) <= 0.05 * len(ttc_pairs)


def _ttc(world: WorldModel, track, t: float) -> float | None:
    o = world._camera_obstacle(track, t)
    return o.time_to_contact_s
