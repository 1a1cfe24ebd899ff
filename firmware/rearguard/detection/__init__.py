"""Obstacle detection with onnxruntime: the catalog, preprocessing, decoders and the detector."""

from rearguard.detection.catalog import (
    ModelSpec,
    load_catalog,
    model_file_for,
    model_spec,
)
from rearguard.detection.detector import Detector, open_detector


def obstacle_heights(spec: ModelSpec) -> dict[str, float]:
    """Detector label -> typical real height (m), for the classes that are obstacles."""
    return dict(spec.obstacle_heights)


__all__ = ["Detector", "ModelSpec", "load_catalog", "model_file_for", "model_spec",
           "obstacle_heights", "open_detector"]
