"""The ONNX obstacle detector: frame in, detections in the frame's own pixels out.

One onnxruntime session per model, fed through I/O binding from a tensor allocated once, so the
per-frame path allocates little: preprocessing writes in place, the network reads in place,
and static-shaped outputs are written into buffers allocated once.

A view is run in two steps: :meth:`Detector.start` (preprocessing and the network, on the
detector's thread) gives an :class:`Undecoded` view, and its :meth:`Undecoded.decoded` (the
boxes and NMS) may run on another thread while the network already runs the next frame. The
live loop does that (rearguard/drive/live.py): the network is the bottleneck, and decoding is
a tenth of a view on the build machine. Outputs stay valid for ``keep_outputs`` views, a ring
of buffers per input shape.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from rearguard.boards import BoardProfile, resolve_model
from rearguard.config import ConfigError
from rearguard.config.schema import DetectorConfig
from rearguard.detection.catalog import ModelSpec, model_file_for, model_spec, sha256_of
from rearguard.detection.decoders import (
    Candidates,
    NanodetDecoder,
    PicodetDecoder,
    YoloxDecoder,
    suppress,
)
from rearguard.detection.flexible import free_input_size
from rearguard.detection.preprocess import RECIPES, Placement, Preprocessor, canvas_for
from rearguard.messages import Detection, DetectionSet, Frame

log = logging.getLogger(__name__)


def open_detector(config: DetectorConfig, board: BoardProfile | None = None) -> Detector:
    """The configured model (``auto``: the board's default), checked against the catalog.

    Raises ConfigError (naming detector.model or detector.model_file) when the file is missing
    or is not a file the catalog knows (wrong checksum).
    """
    config = dataclasses.replace(config, model=resolve_model(config.model, board))
    spec = model_spec(config.model)
    path = model_file_for(config)
    digest = sha256_of(path)
    if spec.accepts(digest) is None:
        raise ConfigError(f"detector.model: {path} is not a known {spec.name} file (sha256 "
                          f"{digest[:12]}..., the catalog expects "
                          f"{', '.join(c.value[:12] + '...' for c in spec.checksums)}); "
                          f"`rearguard model fetch {spec.name}` gets the right one")
    threads = config.threads or (board.threads if board else 0)
    return Detector(spec, path, threads=threads,
                    score_threshold=config.score_threshold or spec.score_threshold,
                    weak_threshold=config.weak_score_threshold,
                    nms_iou=config.nms_iou or spec.nms_iou,
                    input_size=input_side(config, spec, board))


def input_side(config: DetectorConfig, spec: ModelSpec, board: BoardProfile | None) -> int:
    """The input's longest side: the config's, else the board's for its default model, else
    the catalog's. A ConfigError naming detector.input_size when the model cannot take it."""
    nominal = max(spec.input_size)
    side = config.input_size
    if not side:
        side = board.default_input if board is not None and board.default_input and \
            spec.name == board.default_model else nominal
    if spec.input_stride and side % spec.input_stride == 0 and side >= 2 * spec.input_stride:
        return side
    if side == nominal:
        return side
    what = (f"a multiple of {spec.input_stride} from {2 * spec.input_stride}"
            if spec.input_stride else f"{nominal} (the only size {spec.name} takes) or 0")
    raise ConfigError(f"detector.input_size: expected {what}, got {side}")


def make_session(model: Path | bytes, threads: int) -> ort.InferenceSession:
    """An onnxruntime CPU session; threads 0 lets onnxruntime choose."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: some exports warn once per weight
    # Idle pool threads sleep instead of spinning: as fast or faster here, and the camera and
    # main loop keep their core (scripts/bench_detector_threads.py: p95 54-57 ms off, 62-63 on).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def _model_source(spec: ModelSpec, path: Path) -> Path | bytes:
    """The model as onnxruntime should load it (a path, or rewritten bytes)."""
    if spec.family == "picodet":
        return _model_bytes_without_weight_inputs(path)
    if spec.input_stride:
        return free_input_size(path.read_bytes())
    return path


def _model_bytes_without_weight_inputs(path: Path) -> Path | bytes:
    """PicoDet's export lists its weights as graph inputs too, which blocks constant folding.

    Dropping those names from the input list gives the same results about a third faster
    (MODELS.md). It needs the ``onnx`` package; without it the file is used as it is.
    """
    try:
        import onnx
    except ImportError:
        log.info("onnx not installed: %s runs without the weight-input fix", path.name)
        return path
    model = onnx.load(str(path))
    weights = {init.name for init in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    return model.SerializeToString()


@dataclass(frozen=True, slots=True)
class Undecoded:
    """One view the network has run, its outputs not yet turned into boxes.

    Valid until the detector has started ``keep_outputs`` more views of the same input shape
    (a far view may have the full view's): their outputs reuse its buffers.
    """

    detector: Detector
    frame: Frame  # what the view was fed (the far view: the window, a view of the frame)
    outputs: Sequence[np.ndarray]
    placement: Placement
    fit: tuple[int, int] | None

    def decoded(self) -> DetectionSet:
        """Boxes in the fed frame's pixels, after NMS (:meth:`Detector.decode`), the weak
        ones apart."""
        frame = self.frame
        found = self.detector.decode(self.outputs, self.placement, frame.size, self.fit)
        sure, weak = split_weak(found, self.detector.score_threshold)
        return DetectionSet(frame.t, frame.index, frame.size, sure, weak=weak,
                            sure_score=self.detector.score_threshold)


def split_weak(found: Sequence[Detection],
               threshold: float) -> tuple[tuple[Detection, ...], tuple[Detection, ...]]:
    """(the boxes scored at least ``threshold``, the weak rest), each best first."""
    return (tuple(d for d in found if d.score >= threshold),
            tuple(d for d in found if d.score < threshold))


@dataclass(frozen=True, slots=True)
class Decoded:
    """A view whose boxes are already known (a cache of detections, say): as Undecoded."""

    found: DetectionSet

    def decoded(self) -> DetectionSet:
        return self.found


class Detector:
    """Runs one catalog model on frames. Not thread-safe: one thread starts views (and may
    hand them to one other that decodes them, see :class:`Undecoded`)."""

    def __init__(self, spec: ModelSpec, path: Path, *, threads: int = 0,
                 score_threshold: float | None = None, nms_iou: float | None = None,
                 input_size: int = 0, weak_threshold: float = 0.0):
        self.spec = spec
        self.path = path
        self.score_threshold = score_threshold or spec.score_threshold
        # Decoded down to the weak boxes' floor (none: the threshold itself). NMS keeps the
        # best box first, so the sure boxes are the ones a decode at the threshold gives.
        self.weak_threshold = min(weak_threshold or self.score_threshold, self.score_threshold)
        self.nms_iou = nms_iou or spec.nms_iou
        self.session = make_session(_model_source(spec, path), threads)
        # The frame is scaled to fit this (width, height); with a stride the tensor is then
        # cut to the frame's shape (Preprocessor.canvas_for).
        side = input_size or max(spec.input_size)
        self.input_size = tuple(round(v * side / max(spec.input_size)) for v in spec.input_size)
        self.preprocess = Preprocessor(RECIPES[spec.family], self.input_size, spec.input_stride)
        # The far view fits its window into a smaller box than the full view's (a model that
        # takes any input size): each box keeps its own tensor and binding, so alternating
        # views neither allocates nor binds again.
        self._fit = self.input_size
        self._other_fits: dict[tuple[int, int], tuple] = {}
        self.decoder = {
            "yolox": lambda: YoloxDecoder(self.input_size),
            "nanodet": lambda: NanodetDecoder(spec.input_size, len(spec.class_names)),
            "picodet": PicodetDecoder,
        }[spec.family]()
        self._scale_factor = np.ones((1, 2), np.float32)  # PicoDet's second input
        # Views whose outputs stay valid: the ring's length. Two: a frame's full and far view
        # (which may have one input shape) are both run before either is decoded.
        self.keep_outputs = 2
        self._slot = 0  # the ring's set of output buffers the last run wrote into
        self._binding, self._outputs = self._bind()

    def work_fraction(self, frame_size: tuple[int, int],
                      fit: tuple[int, int] | None = None) -> float:
        """One view of a ``frame_size`` frame (scaled to fit ``fit``, by default the detector's
        input), in pixels fed, over the catalog's input: what a board's figure (measured at the
        catalog's size) is scaled by (rearguard.boards)."""
        width, height = canvas_for(frame_size, self._fitted(fit), self.spec.input_stride)
        return width * height / (self.spec.input_size[0] * self.spec.input_size[1])

    def _fitted(self, fit: tuple[int, int] | None) -> tuple[int, int]:
        """The box a frame is scaled into: ``fit`` where the model takes any input size,
        else always its own input."""
        return tuple(fit) if fit and self.spec.input_stride else self.input_size

    def _use_fit(self, fit: tuple[int, int] | None) -> None:
        """Switch to the preprocessor, tensor and binding of frames scaled to fit ``fit``."""
        fit = self._fitted(fit)
        if fit == self._fit:
            return
        self._other_fits[self._fit] = (self.preprocess, self._binding, self._outputs,
                                       self._bound_tensor, self._slot)
        self._fit = fit
        stored = self._other_fits.pop(fit, None)
        if stored is not None:
            self.preprocess, self._binding, self._outputs, self._bound_tensor, self._slot = \
                stored
        else:  # first frame at this fit: its tensor is bound by prepare()
            self.preprocess = Preprocessor(RECIPES[self.spec.family], fit,
                                           self.spec.input_stride)

    # --- the three stages (timed separately by `rearguard bench`) -------------------------------

    def prepare(self, image: np.ndarray, fit: tuple[int, int] | None = None) -> Placement:
        """Write ``image``, scaled to fit ``fit`` (by default the detector's input), into the
        input tensor."""
        self._use_fit(fit)
        placement = self.preprocess(image)
        if self.preprocess.tensor is not self._bound_tensor:  # a frame of a new shape
            self._binding, self._outputs = self._bind()
        if self.spec.family == "picodet":
            height, width = image.shape[:2]
            self._scale_factor[0, 0] = self.spec.input_size[1] / height  # y first
            self._scale_factor[0, 1] = self.spec.input_size[0] / width
        return placement

    def infer(self) -> Sequence[np.ndarray]:
        """Run the network on the prepared tensor. The outputs stay valid for
        ``keep_outputs`` runs at this input shape."""
        if self._outputs is None:  # a fresh output each run: its row count changes
            self._binding.clear_binding_outputs()
            for o in self.session.get_outputs():
                self._binding.bind_output(o.name, "cpu")
            self.session.run_with_iobinding(self._binding)
            return [o.numpy() for o in self._binding.get_outputs()]
        outputs = self._next_outputs()
        self.session.run_with_iobinding(self._binding)
        return outputs

    def _next_outputs(self) -> list[np.ndarray]:
        """The ring's next set of output buffers, bound (a set is added while the ring is
        shorter than ``keep_outputs``; with one set nothing is bound again)."""
        ring, length = self._outputs, max(self.keep_outputs, 1)
        if length == 1 and len(ring) == 1:
            return ring[0]  # bound once, by _bind
        self._slot = (self._slot + 1) % length
        if self._slot == len(ring):
            ring.append([np.empty_like(b) for b in ring[0]])
        buffers = ring[self._slot]
        for o, buffer in zip(self.session.get_outputs(), buffers, strict=True):
            self._binding.bind_output(o.name, "cpu", 0, np.float32, buffer.shape,
                                      buffer.ctypes.data)
        return buffers

    def start(self, frame: Frame, fit: tuple[int, int] | None = None) -> Undecoded:
        """Preprocess ``frame`` and run the network: the view, to be decoded (here, or on
        another thread while the next view runs)."""
        placement = self.prepare(frame.image, fit)
        return Undecoded(self, frame, self.infer(), placement, fit)

    def decode(self, outputs: Sequence[np.ndarray], placement: Placement,
               frame_size: tuple[int, int],
               fit: tuple[int, int] | None = None) -> tuple[Detection, ...]:
        """Boxes in frame pixels, weak ones too, after class-agnostic NMS, best first."""
        candidates: Candidates = self.decoder(outputs, placement, self.weak_threshold)
        boxes, scores, class_ids = suppress(candidates, self.nms_iou, frame_size)
        input_px = self.input_px(frame_size, fit)
        names = self.spec.class_names
        # tolist() makes the Python floats and ints in one call per array, the same values
        # float() and int() give element by element.
        return tuple(
            Detection(names[c], c, s, (b[0], b[1], b[2], b[3]), input_px=input_px)
            for b, s, c in zip(boxes.tolist(), scores.tolist(), class_ids.tolist(), strict=True))

    def input_px(self, frame_size: tuple[int, int],
                 fit: tuple[int, int] | None = None) -> float:
        """Frame pixels per pixel of the network's input for a ``frame_size`` view (how coarse
        its boxes are): the frame is scaled to fit the input, or ``fit`` (stretched, for
        PicoDet, by the same factor along its coarser axis)."""
        width, height = frame_size
        box_w, box_h = self._fitted(fit)
        return 1.0 / min(box_w / width, box_h / height)

    def detect(self, frame: Frame, fit: tuple[int, int] | None = None) -> DetectionSet:
        """Detections in ``frame``'s pixels; ``fit``: scale the frame to fit this box (the far
        view's window) instead of the detector's input."""
        return self.start(frame, fit).decoded()

    def run_bare(self) -> None:
        """``session.run`` alone on the prepared input: the benchmark's yardstick."""
        self.session.run(None, self._feeds())

    # --- I/O binding -------------------------------------------------------------------------

    def _feeds(self) -> dict[str, np.ndarray]:
        inputs = self.session.get_inputs()
        feeds = {inputs[0].name: self.preprocess.tensor}
        if self.spec.family == "picodet":
            feeds[inputs[1].name] = self._scale_factor
        return feeds

    def _bind(self) -> tuple[ort.IOBinding, list[list[np.ndarray]] | None]:
        """Bind inputs (and static outputs) to numpy buffers by address: no copies per frame.
        The outputs: a ring of buffer sets, its first set bound (None: bound at each run).

        Done again whenever the preprocessor allocates a tensor for a frame of a new shape.
        """
        binding = self.session.io_binding()
        self._bound_tensor = self.preprocess.tensor
        for name, array in self._feeds().items():
            binding.bind_input(name, "cpu", 0, array.dtype, array.shape, array.ctypes.data)
        outputs = self.session.get_outputs()
        if self.spec.family == "picodet":  # row count varies per frame: bound at each run
            return binding, None
        if self.spec.input_stride:  # the output's size follows the input's: ask the network
            shapes = [o.shape for o in self.session.run(None, self._feeds())]
        else:
            shapes = [o.shape for o in outputs]
        buffers = [np.empty(shape, np.float32) for shape in shapes]
        for o, buffer in zip(outputs, buffers, strict=True):
            binding.bind_output(o.name, "cpu", 0, np.float32, buffer.shape, buffer.ctypes.data)
        self._slot = 0
        return binding, [buffers]
