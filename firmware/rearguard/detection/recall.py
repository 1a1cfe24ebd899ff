"""Person recall by distance, full view and far view, on ground-truth sequences made small.

The asset folder has two sequences with ground-truth person boxes (MOT format): TUD-Campus
(people 130-290 px tall) and PETS09-S3-MF1 (65-125 px). To see how far away the device finds
people, each frame is shrunk so that its people are as tall as a 1.7 m person at a given
distance would be on the device's camera (the configured lens and main stream), and pasted on
a frame of the device's size, centred on the far view's window (the vanishing point: where far
people are). Then the full view (the whole frame into the model) and the far view (the window
at full resolution) run, as on the device, and a person counts as found when a ``person``
detection overlaps its box by IoU >= ``MATCH_IOU``.

People in one frame differ in height, so each frame is made small once per group of people of
nearly the same height (within 10 %), and only that group is counted in it: every annotated
person is counted at every distance, at its own height +-10 %. The far view's recall counts
only people whose box lies inside its window (it sees nothing else); the merged recall counts
everyone.

The annotations include people hidden behind others, whom no detector finds at any size (at
full size the model finds about 0.88 of everyone). So recall is also given for people at most
``OCCLUDED_AT_MOST`` hidden by an annotated person in front of them (whose box reaches lower in
the image), the pedestrian benchmarks' "reasonable" subset (Dollar et al., Caltech Pedestrian,
PAMI 2012: occlusion of 35 % or less).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from rearguard.core.tracking import cover, iou
from rearguard.detection.farview import FarWindow, ViewScheduler, merge
from rearguard.messages import Detection, Frame

PERSON_HEIGHT_M = 1.7
MATCH_IOU = 0.5
BAND = 0.10  # a box counts at distance Z when its equivalent distance is within 10 % of Z
OCCLUDED_AT_MOST = 0.35  # hidden by others, fraction of the box's area (Caltech "reasonable")
_GRID = 12  # points per side sampling a box to measure how much of it others hide

SEQUENCES = {  # folder in footage/ -> (image pattern, ground-truth file)
    "PETS09-S3-MF1": ("img/frame_{:04d}.jpg", "gt/gt.txt"),
    "TUD-Campus": ("img1/{:06d}.jpg", "gt/gt.txt"),
}


@dataclass
class Tally:
    """Found / total people at one distance, per view."""

    total: int = 0
    found: dict[str, int] = field(default_factory=lambda: {"full": 0, "far": 0, "merged": 0})
    in_window: int = 0  # people inside the far view's window
    visible: int = 0  # people hidden at most OCCLUDED_AT_MOST
    visible_found: dict[str, int] = field(default_factory=lambda: {"full": 0, "merged": 0})

    def recall(self, view: str) -> float | None:
        n = self.in_window if view == "far" else self.total
        return round(self.found[view] / n, 3) if n else None

    def visible_recall(self, view: str) -> float | None:
        return round(self.visible_found[view] / self.visible, 3) if self.visible else None


def ground_truth(folder: Path, gt_file: str) -> dict[int, list[tuple[float, ...]]]:
    """Frame number -> person boxes (x1, y1, x2, y2) from a MOT ``gt.txt``."""
    boxes: dict[int, list[tuple[float, ...]]] = defaultdict(list)
    with open(folder / gt_file) as f:
        for row in csv.reader(f):
            frame, left, top, width, height = int(row[0]), *map(float, row[2:6])
            boxes[frame].append((left, top, left + width, top + height))
    return boxes


def sequence_frames(footage: Path, every: int) -> Iterator[tuple[np.ndarray, list[tuple]]]:
    """(image, person boxes) for every ``every``-th annotated frame of both sequences."""
    for name, (pattern, gt_file) in SEQUENCES.items():
        folder = footage / name
        truth = ground_truth(folder, gt_file)
        for number in sorted(truth)[::every]:
            image = cv2.imread(str(folder / pattern.format(number)), cv2.IMREAD_COLOR)
            if image is None:
                raise FileNotFoundError(f"{folder / pattern.format(number)}: cannot read it")
            yield image, truth[number]


def place(image: np.ndarray, boxes: Sequence[tuple], scale: float, frame_size: tuple[int, int],
          centre: tuple[float, float]) -> tuple[np.ndarray, list[tuple[float, ...] | None]]:
    """``image`` shrunk by ``scale`` and pasted on a frame centred at ``centre`` (clipped
    to the frame); the boxes moved with it, None for those not wholly inside the frame."""
    width, height = frame_size
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape[:2]
    x0 = round(min(max(centre[0] - w / 2, 0), max(width - w, 0)))
    y0 = round(min(max(centre[1] - h / 2, 0), max(height - h, 0)))
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = image.reshape(-1, 3).mean(axis=0).astype(np.uint8)  # the scene's mean colour
    cw, ch = min(w, width - x0), min(h, height - y0)
    frame[y0:y0 + ch, x0:x0 + cw] = small[:ch, :cw]
    moved = [(b[0] * scale + x0, b[1] * scale + y0, b[2] * scale + x0, b[3] * scale + y0)
             for b in boxes]
    inside = [b if b[0] >= x0 - 1 and b[1] >= y0 - 1 and b[2] <= x0 + cw + 1
              and b[3] <= y0 + ch + 1 else None  # 1 px: the resize rounds the image's size
              for b in moved]
    return frame, inside



def matched(truth: Sequence[tuple | None], found: Sequence[Detection]) -> list[bool]:
    """Greedy one-to-one matching, best score first: which truth boxes were found (None:
    a box that is not in the frame, never found)."""
    people = sorted((d for d in found if d.label == "person"), key=lambda d: -d.score)
    hit = [False] * len(truth)
    for d in people:
        best, best_iou = None, MATCH_IOU
        for i, box in enumerate(truth):
            if box is not None and not hit[i] and (overlap := iou(box, d.box)) >= best_iou:
                best, best_iou = i, overlap
        if best is not None:
            hit[best] = True
    return hit


def far_recall(detector, views: ViewScheduler, frame_size: tuple[int, int], fy: float,
               distances: Sequence[float], footage: Path, *, every: int = 2,
               progress: Callable[[int, int], None] | None = None) -> dict[str, dict]:
    """Recall per distance (metres, as a string key) and view; see the module docstring."""
    window = views.window_for(frame_size, detector)
    crop = window.crop
    centre = (crop.x + crop.width / 2, crop.y + crop.height / 2)
    tallies = {z: Tally() for z in distances}
    frames = list(sequence_frames(footage, every))
    for n, (image, boxes) in enumerate(frames, 1):
        hidden = occlusion(boxes)
        for group in height_groups(boxes):
            group_h = float(np.median([boxes[i][3] - boxes[i][1] for i in group]))
            for z in distances:
                scale = fy * PERSON_HEIGHT_M / z / group_h
                frame, truth = place(image, boxes, scale, frame_size, centre)
                _count(detector, views, Frame(0.0, 0, frame), window, truth, group, hidden,
                       tallies[z])
        if progress is not None:
            progress(n, len(frames))
    in_w, in_h = detector.input_size
    to_input = min(in_w / frame_size[0], in_h / frame_size[1])  # the full view's shrink
    return {f"{z:g}": {"person_px_full_view": round(fy * PERSON_HEIGHT_M / z * to_input, 1),
                       "person_px_far_view": round(fy * PERSON_HEIGHT_M / z * to_input
                                                   * views.config.zoom, 1),
                       "people": t.total,
                       "in_far_window": t.in_window, "full": t.recall("full"),
                       "far": t.recall("far"), "merged": t.recall("merged"),
                       "people_unoccluded": t.visible,
                       "full_unoccluded": t.visible_recall("full"),
                       "merged_unoccluded": t.visible_recall("merged")}
            for z, t in tallies.items()}


def occlusion(boxes: Sequence[tuple]) -> list[float]:
    """How much of each box (fraction of its area, sampled on a grid) the boxes of people in
    front of it cover: a person whose feet are lower in the image stands nearer the camera."""
    hidden = []
    for i, box in enumerate(boxes):
        covered = 0
        for j, other in enumerate(boxes):
            if j != i and other[3] > box[3]:  # in front: its feet are lower in the image
                covered |= cover(box, other, _GRID)
        hidden.append(covered.bit_count() / _GRID ** 2)
    return hidden


def height_groups(boxes: Sequence[tuple]) -> list[list[int]]:
    """Indexes of the boxes in groups of nearly the same height (within ``BAND`` of the
    group's smallest), so one shrunk frame serves every person of a group."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][3] - boxes[i][1])
    groups: list[list[int]] = []
    for i in order:
        h = boxes[i][3] - boxes[i][1]
        if groups and h <= (1 + BAND) * (boxes[groups[-1][0]][3] - boxes[groups[-1][0]][1]):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _count(detector, views: ViewScheduler, frame: Frame, window: FarWindow,
           truth: list[tuple | None], group: list[int], hidden: Sequence[float],
           tally: Tally) -> None:
    """Count the people of ``group`` in a frame made small for their height."""
    full = detector.detect(frame).detections
    far = views.far_view(detector, frame, window)
    crop = window.crop
    both = merge(full, far, detector.nms_iou, crop, frame.size)
    hits = {"full": matched(truth, full), "far": matched(truth, far),
            "merged": matched(truth, both)}
    for i in group:
        box = truth[i]
        if box is None:
            continue  # shrunk out of the frame
        tally.total += 1
        tally.found["full"] += hits["full"][i]
        tally.found["merged"] += hits["merged"][i]
        if hidden[i] <= OCCLUDED_AT_MOST:
            tally.visible += 1
            tally.visible_found["full"] += hits["full"][i]
            tally.visible_found["merged"] += hits["merged"][i]
        if crop.holds(box):
            tally.in_window += 1
            tally.found["far"] += hits["far"][i]
