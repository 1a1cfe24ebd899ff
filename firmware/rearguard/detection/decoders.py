"""Turn each family's raw outputs into boxes in the frame's own pixels.

A decoder returns candidate boxes (x1, y1, x2, y2 in frame pixels), scores and class ids above
the score threshold; :func:`suppress` then runs OpenCV's non-maximum suppression and clips the
survivors to the frame. Grids are built once per model, not per frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from rearguard.detection.preprocess import Placement

Candidates = tuple[np.ndarray, np.ndarray, np.ndarray]  # boxes (k, 4), scores (k,), ids (k,)

EXP_CLAMP = 10.0  # exp() of a wild regression value would overflow; real boxes are far below


def _grid(input_size: tuple[int, int], strides: Sequence[int], offset: float) -> np.ndarray:
    """Rows of (gx + offset, gy + offset, stride), row-major per stride, strides in order."""
    width, height = input_size
    rows = []
    for s in strides:
        gy, gx = np.mgrid[0:height // s, 0:width // s]
        rows.append(np.stack([gx.ravel() + offset, gy.ravel() + offset,
                              np.full(gx.size, s)], axis=1))
    return np.concatenate(rows).astype(np.float32)


def _to_frame(boxes: np.ndarray, p: Placement) -> np.ndarray:
    """Canvas pixels to frame pixels, in place (x1, y1, x2, y2 rows)."""
    boxes -= np.array((p.left, p.top, p.left, p.top), np.float32)
    boxes /= np.array((p.scale_x, p.scale_y, p.scale_x, p.scale_y), np.float32)
    return boxes


class YoloxDecoder:
    """YOLOX: rows [tx, ty, tw, th, obj, p0..p79], grid decode outside the graph.

    The input may follow the frame's shape (``Placement.canvas``); each canvas size gets its
    grid once, when first seen.
    """

    def __init__(self, input_size: tuple[int, int], strides: Sequence[int] = (8, 16, 32)):
        self.strides = tuple(strides)
        self._grids: dict[tuple[int, int], np.ndarray] = {}
        self._grid_for(tuple(input_size))

    def _grid_for(self, canvas: tuple[int, int]) -> np.ndarray:
        """Rows of (gx * stride, gy * stride, stride): each cell's corner in input pixels."""
        if canvas not in self._grids:
            grid = _grid(canvas, self.strides, 0.0)
            grid[:, :2] *= grid[:, 2:3]
            self._grids[canvas] = grid
        return self._grids[canvas]

    def __call__(self, outputs: Sequence[np.ndarray], placement: Placement,
                 threshold: float) -> Candidates:
        rows = outputs[0].reshape(-1, outputs[0].shape[-1])
        grid_all = self._grid_for(placement.canvas)
        if rows.shape[0] != grid_all.shape[0]:
            raise ValueError(f"YOLOX output has {rows.shape[0]} rows, the grid "
                             f"{grid_all.shape[0]}: wrong input size in the catalog?")
        # score = obj * p_class <= obj, so rows with obj below the threshold cannot pass.
        # Few numpy calls on few rows: each call costs more than its arithmetic here, and the
        # pixel meters' thread contends for the interpreter meanwhile.
        keep = np.flatnonzero(rows[:, 4] >= threshold)
        classes = rows[keep, 5:]
        scores = rows[keep, 4] * classes.max(axis=1)
        keep = keep[scores >= threshold]
        rows, grid = rows[keep], grid_all[keep]
        class_ids = rows[:, 5:].argmax(axis=1)
        scores = rows[:, 4] * rows[np.arange(len(rows)), 5 + class_ids]
        stride = grid[:, 2:3]
        centre = rows[:, 0:2] * stride + grid[:, 0:2]
        half = np.exp(np.minimum(rows[:, 2:4], EXP_CLAMP)) * (stride * 0.5)
        boxes = np.concatenate([centre - half, centre + half], axis=1)
        return _to_frame(boxes, placement), scores, class_ids


class NanodetDecoder:
    """NanoDet (legacy): per stride, class scores (G*G, 80) and distance bins (G*G, 4*8).

    The export's output names are misleading, so outputs are matched by shape: for each stride
    the one with G*G rows and 80 columns is the class scores, the one with 32 the box bins.
    """

    BINS = 8

    def __init__(self, input_size: tuple[int, int], num_classes: int,
                 strides: Sequence[int] = (8, 16, 32)):
        self.num_classes = num_classes
        self.strides = tuple(strides)
        width, height = input_size
        self.cells = [(width // s) * (height // s) for s in strides]
        self.grid = _grid(input_size, strides, 0.5)
        self.bin_index = np.arange(self.BINS, dtype=np.float32)

    def _by_shape(self, outputs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        flat = [o.reshape(-1, o.shape[-1]) for o in outputs]
        scores, bins = [], []
        for cells in self.cells:
            scores += [o for o in flat if o.shape == (cells, self.num_classes)]
            bins += [o for o in flat if o.shape == (cells, 4 * self.BINS)]
        if len(scores) != len(self.cells) or len(bins) != len(self.cells):
            raise ValueError("NanoDet outputs do not match the catalog's input size and classes")
        return np.concatenate(scores), np.concatenate(bins)

    def __call__(self, outputs: Sequence[np.ndarray], placement: Placement,
                 threshold: float) -> Candidates:
        class_scores, bins = self._by_shape(outputs)
        class_ids = class_scores.argmax(axis=1)
        scores = class_scores[np.arange(len(class_scores)), class_ids]
        keep = np.flatnonzero(scores >= threshold)
        grid, bins = self.grid[keep], bins[keep].reshape(-1, 4, self.BINS)
        # Softmax over the bins of each side, then the expected distance in strides.
        e = np.exp(bins - bins.max(axis=2, keepdims=True))
        distance = (e * self.bin_index).sum(axis=2) / e.sum(axis=2) * grid[:, 2:3]
        cx, cy = grid[:, 0] * grid[:, 2], grid[:, 1] * grid[:, 2]
        boxes = np.stack([cx - distance[:, 0], cy - distance[:, 1],
                          cx + distance[:, 2], cy + distance[:, 3]], axis=1)
        return _to_frame(boxes, placement), scores[keep], class_ids[keep]


class PicodetDecoder:
    """PP-PicoDet with NMS in the graph: rows [class, score, x1, y1, x2, y2] in frame pixels.

    The graph already divided by ``scale_factor``, so the boxes are in frame pixels. Its
    per-class NMS leaves duplicate boxes of different classes on one object; :func:`suppress`
    runs a class-agnostic pass on top.
    """

    def __call__(self, outputs: Sequence[np.ndarray], placement: Placement,
                 threshold: float) -> Candidates:
        rows = outputs[0].reshape(-1, 6)
        keep = (rows[:, 1] >= threshold) & (rows[:, 0] >= 0)
        rows = rows[keep]
        return rows[:, 2:6].astype(np.float32), rows[:, 1].astype(np.float32), \
            rows[:, 0].astype(np.int64)


def suppress(candidates: Candidates, nms_iou: float, frame_size: tuple[int, int]) -> Candidates:
    """Class-agnostic OpenCV NMS, then clip to the frame; highest score first."""
    boxes, scores, class_ids = candidates
    if len(boxes) == 0:
        return candidates
    xywh = boxes.copy()
    xywh[:, 2:] -= boxes[:, :2]
    kept = np.asarray(cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), 0.0, nms_iou),
                      dtype=np.int64).reshape(-1)
    kept = kept[np.argsort(-scores[kept], kind="stable")]
    boxes, scores, class_ids = boxes[kept], scores[kept], class_ids[kept]
    width, height = frame_size
    np.clip(boxes, 0, np.array((width, height, width, height), np.float32), out=boxes)
    visible = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    if visible.all():  # nearly always: no more copies
        return boxes, scores, class_ids
    return boxes[visible], scores[visible], class_ids[visible]
