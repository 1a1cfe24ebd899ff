"""What the core learns from a frame's own pixels besides the detector's boxes: each object's
growth (``scale.py``) and its colours (``appearance.py``). The live loop's pixels thread (beside
its detector thread), replay and the bench run the same meters, in this order, on each frame's
detections, the weak ones too (the growth of a far object they gather evidence for)."""

from __future__ import annotations

from rearguard.detection.appearance import AppearanceMeter
from rearguard.detection.scale import ScaleMeter
from rearguard.messages import DetectionSet, Frame


class PixelMeters:
    """The growth meter, then the appearance meter, for the classes worth tracking."""

    def __init__(self, labels: frozenset[str] | set[str] | None = None):
        self.growth = ScaleMeter(labels)
        self.looks = AppearanceMeter(labels)

    def objects(self, ds: DetectionSet) -> int:
        """How many of ``ds``'s detections the meters measure (what their time grows with)."""
        labels = self.growth.labels
        return sum(labels is None or d.label in labels for d in (*ds.detections, *ds.weak))

    def measure(self, frame: Frame, ds: DetectionSet, final: bool = True) -> DetectionSet:
        """``ds`` with each detection's ``growth`` and ``appearance`` where its pixels allow.
        ``final``: False for the first part of a frame's detections (the rest follow)."""
        return self.looks.measure(frame, self.growth.measure(frame, ds, final))
