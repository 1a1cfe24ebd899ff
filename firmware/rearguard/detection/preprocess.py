"""Turn a BGR frame into a model's input tensor the way that model was trained.

Each family trained differently (MODELS.md in the asset folder):

- YOLOX:   letterbox anchored top-left on a canvas of 114, BGR, raw 0-255 values
- NanoDet: letterbox centred on a canvas of 0, BGR, (x - mean) / std per channel
- PicoDet: stretched to the input size (no letterbox), RGB, (x/255 - mean) / std (ImageNet)

Everything is written into buffers allocated once (per frame size): the canvas and the float
input tensor that onnxruntime reads in place.

A model that takes any input size (``stride`` > 0, YOLOX) gets a canvas of the frame's shape:
the frame is scaled to fit the nominal input as before, and the canvas is then cut down to the
scaled frame, rounded up to the stride. A 1280x720 frame at 416 becomes 416x234 on a 416x256
canvas instead of a 416x416 one, and the network does 62 % of the work for the same pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the frame landed on the canvas: frame x = (canvas x - left) / scale_x."""

    scale_x: float
    scale_y: float
    left: float = 0.0
    top: float = 0.0
    canvas: tuple[int, int] = (0, 0)  # (width, height) of the tensor the network got


@dataclass(frozen=True)
class Recipe:
    """How one family prepares its input."""

    letterbox: bool
    centred: bool  # letterbox only: centre the image (else top-left)
    fill: int  # letterbox only: canvas colour outside the image
    rgb: bool  # feed channels as R, G, B (else B, G, R as OpenCV holds them)
    mean: tuple[float, float, float]  # per fed channel, on 0-255 values
    std: tuple[float, float, float]


RECIPES = {
    "yolox": Recipe(letterbox=True, centred=False, fill=114, rgb=False,
                    mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)),
    "nanodet": Recipe(letterbox=True, centred=True, fill=0, rgb=False,
                      mean=(103.53, 116.28, 123.675), std=(57.375, 57.12, 58.395)),
    "picodet": Recipe(letterbox=False, centred=False, fill=0, rgb=True,
                      mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)),
}


def canvas_for(frame_size: tuple[int, int], box: tuple[int, int],
               stride: int) -> tuple[int, int]:
    """The canvas (width, height) a frame of ``frame_size`` is fed on when scaled to fit
    ``box``: the box itself for a model of fixed input (``stride`` 0), else the scaled frame
    rounded up to whole steps of ``stride``."""
    if not stride:
        return box
    frame_w, frame_h = frame_size
    r = min(box[0] / frame_w, box[1] / frame_h)
    # ceil, not int: the scaled frame always fits, however its size is rounded (less a hair,
    # so a window cut to fill the box exactly is not one step larger by rounding).
    return (stride * math.ceil(math.ceil(frame_w * r - 1e-6) / stride),
            stride * math.ceil(math.ceil(frame_h * r - 1e-6) / stride))


class Preprocessor:
    """Writes frames into one preallocated NCHW float32 tensor for one model."""

    def __init__(self, recipe: Recipe, input_size: tuple[int, int], stride: int = 0):
        self.recipe = recipe
        self.input_size = input_size  # nominal (width, height): the frame is scaled to fit it
        self.stride = stride  # > 0: the canvas follows the frame's shape, in these steps
        self._allocate(input_size)
        self._frame_shape: tuple[int, ...] | None = None
        self._placement = Placement(1.0, 1.0)
        self._inv_std = tuple(1.0 / s for s in recipe.std)
        self._normalise = any(recipe.mean) or any(s != 1.0 for s in recipe.std)

    def __call__(self, image: np.ndarray) -> Placement:
        """Prepare ``image`` (BGR uint8, H x W x 3) in ``self.tensor``; where it landed."""
        if image.shape != self._frame_shape:
            self._plan(image.shape)
        if self.recipe.letterbox:  # straight into the canvas: OpenCV writes into the view
            cv2.resize(image, self._window.shape[1::-1], dst=self._window,
                       interpolation=cv2.INTER_LINEAR)
        else:
            cv2.resize(image, (self.width, self.height), dst=self.canvas,
                       interpolation=cv2.INTER_LINEAR)
        self._fill_tensor()
        return self._placement

    @property
    def canvas_size(self) -> tuple[int, int]:
        """(width, height) of the tensor the network gets now."""
        return self.width, self.height

    def canvas_for(self, frame_size: tuple[int, int]) -> tuple[int, int]:
        """The canvas (width, height) a frame of ``frame_size`` (width, height) is fed on."""
        return canvas_for(frame_size, self.input_size, self.stride)

    def _allocate(self, size: tuple[int, int]) -> None:
        self.width, self.height = size
        self.tensor = np.zeros((1, 3, self.height, self.width), np.float32)
        self.canvas = np.full((self.height, self.width, 3), self.recipe.fill, np.uint8)
        self._window = self.canvas  # letterbox: the part of the canvas the frame fills
        # The canvas split into channel planes, in the order the model wants them: OpenCV
        # splits into these views, then one contiguous pass converts them to float. (Reading
        # the interleaved canvas straight into float planes strides through memory: 2.6x the
        # time, measured here.)
        self._split = np.empty((3, self.height, self.width), np.uint8)
        planes = [self._split[c] for c in range(3)]
        self._split_into = planes[::-1] if self.recipe.rgb else planes

    def _plan(self, shape: tuple[int, ...]) -> None:
        """Work out scale and offsets for a new frame size (once, not per frame)."""
        frame_h, frame_w = shape[:2]
        self._frame_shape = shape
        canvas = self.canvas_for((frame_w, frame_h))
        if canvas != (self.width, self.height):  # a new tensor: the detector binds it anew
            self._allocate(canvas)
        if not self.recipe.letterbox:
            self._placement = Placement(self.width / frame_w, self.height / frame_h,
                                        canvas=(self.width, self.height))
            return
        r = min(self.input_size[0] / frame_w, self.input_size[1] / frame_h)
        if self.recipe.centred:
            w, h = round(frame_w * r), round(frame_h * r)
            left, top = (self.width - w) // 2, (self.height - h) // 2
        else:
            w, h = int(frame_w * r), int(frame_h * r)
            left = top = 0
        self.canvas[:] = self.recipe.fill
        self._window = self.canvas[top:top + h, left:left + w]
        self._placement = Placement(r, r, float(left), float(top), (self.width, self.height))

    def _fill_tensor(self) -> None:
        planes = self.tensor[0]
        cv2.split(self.canvas, self._split_into)  # writes into the given planes
        np.copyto(planes, self._split)  # uint8 -> float32, plane for plane
        if self._normalise:
            for c in range(3):
                planes[c] -= self.recipe.mean[c]
                planes[c] *= self._inv_std[c]
