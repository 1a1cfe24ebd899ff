"""Freeing a model's declared input size: the same network, any height and width."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from rearguard.assets import assets_dir
from rearguard.detection.flexible import ModelFormatError, free_input_size


def _session(model: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def test_yolox_freed_gives_the_same_answers_and_takes_a_wide_input(assets):
    exported = (assets_dir() / "models" / "yolox_nano_416.onnx").read_bytes()
    freed = _session(free_input_size(exported))
    assert freed.get_inputs()[0].shape == [1, 3, "height", "width"]
    square = np.random.default_rng(1).uniform(0, 255, (1, 3, 416, 416)).astype(np.float32)
    before = _session(exported).run(None, {"images": square})[0]
    assert np.array_equal(freed.run(None, {"images": square})[0], before)
    (wide,) = freed.run(None, {"images": np.ascontiguousarray(square[:, :, :256])})
    assert wide.shape == (1, 52 * 32 + 26 * 16 + 13 * 8, 85)  # the grid of a 416x256 input


def test_bytes_that_are_not_a_model_are_refused():
    with pytest.raises(ModelFormatError):
        free_input_size(b"\x3a\x05hello")  # a "graph" of junk with no input
    with pytest.raises(ModelFormatError):
        free_input_size(b"\xff\xff\xff")  # a truncated varint
