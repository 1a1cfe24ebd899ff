"""Obstacle detection with onnxruntime: the catalog, preprocessing, decoders and the detector."""

from rearguard.detection.catalog import (
    ModelSpec,
    load_catalog,
    model_file_for,
    model_spec,
)
from rearguard.detection.detector import Detector, open_detector

__all__ = ["Detector", "ModelSpec", "load_catalog", "model_file_for", "model_spec",
           "open_detector"]
