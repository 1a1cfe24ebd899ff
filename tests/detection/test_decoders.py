"""Each decoder's arithmetic, exactly, on tiny ONNX models with known outputs.

The models are built here with the onnx helper: they ignore the picture and return constant
tensors laid out as the real model's, so every expected box can be worked out by hand:
grid offsets, strides, exp / softmax decoding, letterbox scale and offsets, and clipping at
the frame's border.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from rearguard.detection.catalog import load_catalog
from rearguard.detection.detector import Detector
from rearguard.messages import Frame


def constant_model(path: Path, inputs: list[tuple[str, list[int]]],
                   outputs: dict[str, np.ndarray]) -> Path:
    """An ONNX model whose outputs are the given constants (its inputs are ignored)."""
    nodes = [helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value))
             for name, value in outputs.items()]
    graph = helper.make_graph(
        nodes, "constant",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(v.shape))
         for n, v in outputs.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def detector(tmp_path: Path, name: str, inputs, outputs, *, fitted: bool = False) -> Detector:
    """A detector for catalog model ``name`` on a constant model; ``fitted``: its input follows
    the frame's shape as the catalog allows (else the exported square only)."""
    spec = load_catalog()[name]
    if not fitted:
        spec = dataclasses.replace(spec, input_stride=0)
    path = constant_model(tmp_path / f"{name}.onnx", inputs, outputs)
    return Detector(spec, path, threads=1)


def boxes_of(found):
    return [(d.label, round(d.score, 5), tuple(round(v, 3) for v in d.box)) for d in found]


def test_yolox_grid_exp_decode_top_left_letterbox_and_border(tmp_path):
    out = np.zeros((1, 3549, 85), np.float32)
    # stride 8 grid (52x52), cell gx=10, gy=5: row 5*52 + 10
    out[0, 270, :6] = [0.5, 0.25, math.log(4), math.log(8), 0.9, 0.0]
    out[0, 270, 5 + 2] = 0.8  # car
    # stride 32 grid (13x13) starts at row 2704 + 676 = 3380; cell gx=12, gy=0
    out[0, 3380 + 12, :5] = [0.9, 0.1, math.log(3), math.log(2), 0.5]
    out[0, 3380 + 12, 5 + 0] = 0.9  # person, score 0.45
    # below the threshold (0.3): obj 0.5 x p 0.5 = 0.25
    out[0, 1000, :5] = [0, 0, 0, 0, 0.5]
    out[0, 1000, 5] = 0.5
    d = detector(tmp_path, "yolox_nano_416", [("images", [1, 3, 416, 416])], {"output": out})
    # 832 x 624 frame: r = min(416/624, 416/832) = 0.5, placed top-left (no offset)
    found = d.detect(Frame(0.0, 0, np.zeros((624, 832, 3), np.uint8))).detections
    # car: centre ((0.5+10)*8, (0.25+5)*8) = (84, 42), size (4*8, 8*8) = (32, 64) on the
    # canvas -> (68, 10, 100, 74) -> / 0.5 in the frame
    # person: centre (12.9*32, 0.1*32) = (412.8, 3.2), size (96, 64) -> (364.8, -28.8, 460.8,
    # 35.2) -> (729.6, -57.6, 921.6, 70.4) -> clipped to the 832 x 624 frame
    assert boxes_of(found) == [
        ("car", 0.72, (136.0, 20.0, 200.0, 148.0)),
        ("person", 0.45, (729.6, 0.0, 832.0, 70.4)),
    ]


def test_yolox_fitted_to_a_wide_frame_decodes_on_that_frames_grid(tmp_path):
    # 832 x 468 (16:9): r = 0.5 -> 416 x 234 on a 416 x 256 canvas, not a 416 x 416 square:
    # grids 52 x 32, 26 x 16, 13 x 8 = 1664 + 416 + 104 rows.
    out = np.zeros((1, 2184, 85), np.float32)
    # stride 32 starts at row 2080; cell gx=3, gy=7 (the bottom row): row 2080 + 7*13 + 3
    out[0, 2080 + 7 * 13 + 3, :5] = [0.5, 0.5, math.log(2), math.log(1), 0.9]
    out[0, 2080 + 7 * 13 + 3, 5 + 16] = 1.0  # dog
    d = detector(tmp_path, "yolox_nano_416", [("images", [1, 3, 416, 416])], {"output": out},
                 fitted=True)
    found = d.detect(Frame(0.0, 0, np.zeros((468, 832, 3), np.uint8))).detections
    assert d.preprocess.tensor.shape == (1, 3, 256, 416)
    # centre (3.5*32, 7.5*32) = (112, 240), size (64, 32): (80, 224, 144, 256) on the canvas
    # -> / 0.5 = (160, 448, 288, 512), clipped at the frame's bottom (468)
    assert boxes_of(found) == [("dog", 0.9, (160.0, 448.0, 288.0, 468.0))]
    assert d.work_fraction((832, 468)) == pytest.approx(416 * 256 / 416 ** 2)


def test_a_box_wholly_outside_the_frame_is_dropped_and_the_rest_kept(tmp_path):
    # 832 x 468 on a 416 x 256 canvas: the frame fills rows 0-234 of the canvas. A box on the
    # canvas's padding below it is nothing in the frame, whatever its score.
    out = np.zeros((1, 2184, 85), np.float32)
    out[0, 2080 + 7 * 13 + 3, :5] = [0.5, 0.5, math.log(1), math.log(0.5), 0.95]  # y 232-248
    out[0, 2080 + 7 * 13 + 3, 5] = 1.0
    out[0, 2080 + 2 * 13 + 3, :5] = [0.5, 0.5, math.log(1), math.log(1), 0.8]  # (96, 64)-(128, 96)
    out[0, 2080 + 2 * 13 + 3, 5 + 2] = 1.0
    out[0, 2080 + 7 * 13 + 9, :5] = [0.5, 0.9, math.log(1), math.log(0.2), 0.9]  # y 250-256
    out[0, 2080 + 7 * 13 + 9, 5] = 1.0
    d = detector(tmp_path, "yolox_nano_416", [("images", [1, 3, 416, 416])], {"output": out},
                 fitted=True)
    found = d.detect(Frame(0.0, 0, np.zeros((468, 832, 3), np.uint8))).detections
    # the first is cut at the frame's bottom (464-468); the third lies wholly below it
    assert boxes_of(found) == [("person", 0.95, (192.0, 464.0, 256.0, 468.0)),
                               ("car", 0.8, (192.0, 128.0, 256.0, 192.0))]


def test_an_input_size_the_model_cannot_take_names_the_setting():
    from rearguard.boards import board_profile
    from rearguard.config import ConfigError
    from rearguard.config.schema import DetectorConfig
    from rearguard.detection.detector import input_side

    yolox, nanodet = load_catalog()["yolox_nano_416"], load_catalog()["nanodet_m_320"]
    assert input_side(DetectorConfig(input_size=320), yolox, None) == 320
    assert input_side(DetectorConfig(), yolox, board_profile("pi4")) == 320  # the board's
    assert input_side(DetectorConfig(), yolox, None) == 416  # the catalog's
    assert input_side(DetectorConfig(), nanodet, board_profile("pi4")) == 320
    with pytest.raises(ConfigError, match=r"detector.input_size: expected a multiple of 32"):
        input_side(DetectorConfig(input_size=300), yolox, None)
    with pytest.raises(ConfigError, match=r"detector.input_size: expected 320 \(the only"):
        input_side(DetectorConfig(input_size=416), nanodet, None)


def nanodet_bins(*sides: int | tuple[float, float]) -> np.ndarray:
    """32 logits: per side (left, top, right, bottom) 8 bins; an int puts all mass on that bin,
    a pair (p0, p1) splits it between bins 0 and 1."""
    logits = np.full((4, 8), -60.0, np.float32)
    for i, side in enumerate(sides):
        if isinstance(side, tuple):
            logits[i, 0], logits[i, 1] = math.log(side[0]), math.log(side[1])
        else:
            logits[i, side] = 0.0
    return logits.ravel()


def test_nanodet_shape_matching_softmax_bins_centred_letterbox_and_border(tmp_path):
    scores = {8: np.zeros((1600, 80), np.float32), 16: np.zeros((400, 80), np.float32),
              32: np.zeros((100, 80), np.float32)}
    bins = {8: np.zeros((1600, 32), np.float32), 16: np.zeros((400, 32), np.float32),
            32: np.zeros((100, 32), np.float32)}
    # stride 16 (20x20 grid): cell gx=3, gy=4 -> row 83; centre ((3+.5)*16, (4+.5)*16) = (56, 72)
    scores[16][83, 2] = 0.7  # car
    bins[16][83] = nanodet_bins((0.5, 0.5), 1, 3, 2)  # l = 0.5*16, t = 16, r = 48, b = 32
    # stride 8 (40x40): cell gx=0, gy=5 -> row 200; centre (4, 44); reaches past the left edge
    # and up into the letterbox band
    scores[8][200, 0] = 0.6  # person
    bins[8][200] = nanodet_bins(3, 1, 2, 4)  # l = 24, t = 8, r = 16, b = 32
    # The export's names are misleading: give them in a scrambled order.
    outputs = {"cls_score0": scores[8], "bbox_pred0": scores[16], "cls_score1": scores[32],
               "bbox_pred1": bins[8], "cls_score2": bins[16], "bbox_pred2": bins[32]}
    d = detector(tmp_path, "nanodet_m_320", [("image", [1, 3, 320, 320])], outputs)
    # 640 x 480 frame: r = 0.5, resized 320 x 240, centred: left 0, top (320 - 240) // 2 = 40
    found = d.detect(Frame(0.0, 0, np.zeros((480, 640, 3), np.uint8))).detections
    # car on the canvas: (56-8, 72-16, 56+48, 72+32) = (48, 56, 104, 104)
    #   -> frame ((48-0)/.5, (56-40)/.5, 104/.5, (104-40)/.5) = (96, 32, 208, 128)
    # person on the canvas: (4-24, 44-8, 4+16, 44+32) = (-20, 36, 20, 76)
    #   -> frame (-40, -8, 40, 72) -> clipped (0, 0, 40, 72)
    assert boxes_of(found) == [
        ("car", 0.7, (96.0, 32.0, 208.0, 128.0)),
        ("person", 0.6, (0.0, 0.0, 40.0, 72.0)),
    ]


def test_picodet_rows_threshold_class_agnostic_nms_and_clip(tmp_path):
    rows = np.array([
        [2, 0.80, 10, 20, 110, 220],  # car
        [17, 0.70, 12, 22, 108, 218],  # a horse on the same spot (in-graph NMS is per class)
        [0, 0.90, -5, 30, 50, 700],  # person past the left and bottom edges
        [0, 0.20, 300, 300, 350, 400],  # under the threshold
        [-1, 0.95, 0, 0, 10, 10],  # padding row: no class
    ], np.float32)
    d = detector(tmp_path, "picodet_xs_320",
                 [("image", [1, 3, 320, 320]), ("scale_factor", [1, 2])],
                 {"multiclass_nms3_0.tmp_0": rows})
    found = d.detect(Frame(0.0, 0, np.zeros((480, 640, 3), np.uint8))).detections
    assert boxes_of(found) == [
        ("person", 0.9, (0.0, 30.0, 50.0, 480.0)),
        ("car", 0.8, (10.0, 20.0, 110.0, 220.0)),
    ]
    # Plain Python numbers in the messages, not NumPy scalars (they go to JSON and the core).
    assert {type(v) for d in found for v in (d.score, *d.box)} == {float}
    assert {type(d.class_id) for d in found} == {int}
    # scale_factor is [[320 / H, 320 / W]], y first
    assert d._scale_factor.tolist() == [[pytest.approx(320 / 480), pytest.approx(320 / 640)]]


def test_no_candidates_gives_no_detections(tmp_path):
    d = detector(tmp_path, "yolox_nano_416", [("images", [1, 3, 416, 416])],
                 {"output": np.zeros((1, 3549, 85), np.float32)})
    assert d.detect(Frame(0.0, 0, np.zeros((100, 100, 3), np.uint8))).detections == ()


def test_preprocessing_matches_each_family(tmp_path):
    """Letterbox placement, fill, channel order and scaling, on a known picture."""
    image = np.zeros((208, 416, 3), np.uint8)
    image[:] = (10, 20, 30)  # BGR
    spec = load_catalog()["yolox_nano_416"]
    d = detector(tmp_path, "yolox_nano_416", [("images", [1, 3, 416, 416])],
                 {"output": np.zeros((1, 3549, 85), np.float32)})
    d.prepare(image)
    t = d.preprocess.tensor[0]
    assert t[:, :208].reshape(3, -1).mean(axis=1).tolist() == [10, 20, 30]  # BGR, raw values
    assert (t[:, 208:] == 114).all()  # top-left letterbox, 114 below
    assert dataclasses.replace(spec).family == "yolox"

    p = detector(tmp_path, "picodet_xs_320", [("image", [1, 3, 320, 320]),
                                              ("scale_factor", [1, 2])],
                 {"out": np.zeros((1, 6), np.float32)})
    p.prepare(image)
    fed = p.preprocess.tensor[0, :, 160, 160]  # stretched: every pixel is the picture
    expected = [(30 - 123.675) / 58.395, (20 - 116.28) / 57.12, (10 - 103.53) / 57.375]  # RGB
    assert fed.tolist() == pytest.approx(expected, abs=1e-5)

    n = detector(tmp_path, "nanodet_m_320", [("image", [1, 3, 320, 320])],
                 {"out": np.zeros((1, 80), np.float32)})
    n.prepare(image)  # 416 x 208 -> r = 320/416, 320 x 160, centred: top 80
    plane = n.preprocess.tensor[0]
    assert plane[0, 79, 160] == pytest.approx((0 - 103.53) / 57.375)  # zero fill, normalised
    assert plane[0, 80, 160] == pytest.approx((10 - 103.53) / 57.375)  # BGR order
    assert plane[0, 240, 160] == pytest.approx((0 - 103.53) / 57.375)
