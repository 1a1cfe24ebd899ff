"""Real objects cut out of real photos (GrabCut seeded by the detector), and the backdrops.

A cut-out is an RGBA image cropped to the object's mask: its top row is the top of the object
and its bottom row the ground it stands on, so a cut-out scaled to a real height is the object's
full extent. Cut-outs are computed once and cached outside git (the asset folder is read-only):
``$REARGUARD_CACHE/cutouts`` or ``~/.cache/rearguard/cutouts``.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from rearguard.assets import assets_dir
from rearguard.core.tracking import iou

ASSETS_PREFIX = "assets:"
GRABCUT_ITERATIONS = 5
CUTOUT_VERSION = 4  # bump when the cutting changes, so caches are redone


class CutoutError(ValueError):
    """A cut-out that cannot be made (the message names what is missing)."""


@dataclass(frozen=True)
class CutoutSpec:
    name: str
    label: str
    image: str = ""
    box: tuple[float, ...] = ()
    detect: tuple[str, ...] = ()
    height_m: float = 1.0
    width_m: float | None = None
    texture: str = ""
    frame: int = 0
    upright: bool = False  # a person or a rider: the box's upper corners are likely background
    include_hint: bool = False  # the hint is a labelled extent: the seed covers all of it


@dataclass(frozen=True)
class BackdropSpec:
    name: str
    image: str
    crop: tuple[int, int, int, int]
    height_m: float
    distance_m: float


@cache
def _catalogue() -> dict:
    text = (resources.files("rearguard.synth") / "cutouts.toml").read_text()
    return tomllib.loads(text)


def cutout_names() -> list[str]:
    return sorted(_catalogue()["cutout"])


def cutout_spec(name: str, where: str, *, backdrop: bool = False) -> CutoutSpec | BackdropSpec:
    """The named cut-out (or backdrop); ``where`` prefixes the error when it is unknown."""
    table = _catalogue()["backdrop" if backdrop else "cutout"]
    if name not in table:
        raise _scene_error(f"{where}: expected one of {', '.join(sorted(table))}, got {name!r}")
    raw = table[name]
    if backdrop:
        return BackdropSpec(name, raw["image"], tuple(raw["crop"]), float(raw["height_m"]),
                            float(raw["distance_m"]))
    return CutoutSpec(name, raw["label"], raw.get("image", ""), tuple(raw.get("box", ())),
                      tuple(raw.get("detect", ())), float(raw["height_m"]),
                      raw.get("width_m"), raw.get("texture", ""), int(raw.get("frame", 0)),
                      bool(raw.get("upright", False)), bool(raw.get("include_hint", False)))


def _scene_error(message: str) -> Exception:
    from rearguard.synth.scene import SceneError
    return SceneError(message)


def cache_dir() -> Path:
    root = os.environ.get("REARGUARD_CACHE", "").strip()
    base = Path(root).expanduser() if root else Path("~/.cache/rearguard").expanduser()
    return base / "cutouts"


def image_path(name: str) -> Path:
    if name.startswith(ASSETS_PREFIX):
        return assets_dir() / name[len(ASSETS_PREFIX):]
    return Path(name)


def read_image(name: str, frame: int = 0) -> np.ndarray:
    """A photo, or one frame of a video, as BGR."""
    path = image_path(name)
    if not path.is_file():
        raise CutoutError(f"{path}: not found (is REARGUARD_ASSETS the asset folder?)")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR) if frame == 0 else None
    if image is None:
        capture = cv2.VideoCapture(str(path))
        capture.set(cv2.CAP_PROP_POS_FRAMES, frame)
        ok, image = capture.read()
        capture.release()
        if not ok:
            raise CutoutError(f"{path}: cannot read frame {frame} as an image")
    return image


def load_cutout(spec: CutoutSpec) -> np.ndarray:
    """The cut-out as BGRA uint8, from the cache or made now."""
    if spec.texture:
        return _texture(spec)
    source = image_path(spec.image)
    if not source.is_file():
        raise CutoutError(f"{source}: not found (cut-out {spec.name!r}; is REARGUARD_ASSETS "
                          f"the asset folder?)")
    key = hashlib.sha256(repr((CUTOUT_VERSION, spec)).encode() + source.read_bytes())
    cached = cache_dir() / f"{spec.name}-{key.hexdigest()[:16]}.png"
    if cached.is_file():
        image = cv2.imread(str(cached), cv2.IMREAD_UNCHANGED)
        if image is not None and image.shape[2] == 4:
            return image
    image = cut_out(read_image(spec.image, spec.frame), spec.box, spec.detect,
                    upright=spec.upright, include_hint=spec.include_hint)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp.png")
    cv2.imwrite(str(tmp), image)
    os.replace(tmp, cached)
    return image


def cut_out(image: np.ndarray, hint: tuple[float, ...], labels: tuple[str, ...], *,
            upright: bool = False, include_hint: bool = False) -> np.ndarray:
    """GrabCut the object around ``hint``, seeded by the detector's boxes where it finds them."""
    rect = seed_box(image, hint, labels)
    if include_hint:
        rect = (min(rect[0], hint[0]), min(rect[1], hint[1]), max(rect[2], hint[2]),
                max(rect[3], hint[3]))
    h, w = image.shape[:2]
    x1, y1 = max(int(rect[0]) - 2, 1), max(int(rect[1]) - 2, 1)
    x2, y2 = min(int(np.ceil(rect[2])) + 2, w - 1), min(int(np.ceil(rect[3])) + 2, h - 1)
    mask = np.full((h, w), cv2.GC_BGD, np.uint8)
    mask[y1:y2, x1:x2] = cv2.GC_PR_FGD
    bw, bh = x2 - x1, y2 - y1
    if upright:  # beside the head and shoulders is most likely what stands behind
        mask[y1:y1 + bh * 2 // 5, x1:x1 + bw // 4] = cv2.GC_PR_BGD
        mask[y1:y1 + bh * 2 // 5, x2 - bw // 4:x2] = cv2.GC_PR_BGD
    # The trunk (a strip down the middle of the upper body) is surely the object: it anchors
    # GrabCut where the object's colours resemble the background's.
    mask[y1 + bh // 10:y1 + bh * 6 // 10, x1 + bw * 9 // 20:x1 + bw * 11 // 20 + 1] = cv2.GC_FGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's k-means start: same seed, same cut
    cv2.grabCut(image, mask, None, bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    fg = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    fg = _largest_parts(fg)
    ys, xs = np.nonzero(fg)
    if len(xs) == 0:
        raise CutoutError("GrabCut found no foreground in the seed box")
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    alpha = cv2.GaussianBlur(fg * 255, (3, 3), 0)  # soft edge, as a real boundary is
    return np.dstack([image, alpha])[top:bottom, left:right].copy()


def _largest_parts(fg: np.ndarray) -> np.ndarray:
    """Keep the mask's big connected parts: GrabCut leaves specks of background."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count <= 2:
        return fg
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = 1 + np.nonzero(areas >= 0.05 * areas.max())[0]
    return np.isin(labels, keep).astype(np.uint8)


def seed_box(image: np.ndarray, hint: tuple[float, ...],
             labels: tuple[str, ...]) -> tuple[float, float, float, float]:
    """Union of the detector's best box for each of ``labels`` around the hint; the hint if
    the detector finds none."""
    detections = _detect(image)
    boxes = []
    for label in labels:  # per label, the one detection that best matches the hint
        scored = [(iou(d.box, hint), d.box) for d in detections if d.label == label]
        best = max(scored, default=(0.0, None))
        if best[0] > 0.1:
            boxes.append(best[1])
    if not boxes:
        return tuple(hint)  # type: ignore[return-value]
    x = np.array(boxes)
    return (float(x[:, 0].min()), float(x[:, 1].min()), float(x[:, 2].max()),
            float(x[:, 3].max()))


def _detect(image: np.ndarray) -> tuple:
    from rearguard.assets import AssetsMissing
    from rearguard.config import ConfigError
    from rearguard.config.schema import DetectorConfig
    from rearguard.detection import open_detector
    from rearguard.messages import Frame

    try:
        detector = open_detector(DetectorConfig())
    except (ConfigError, AssetsMissing):  # no model here: the hint box alone seeds GrabCut
        return ()
    return detector.detect(Frame(0.0, 0, image)).detections



def load_backdrop(spec: BackdropSpec) -> np.ndarray:
    x1, y1, x2, y2 = spec.crop
    strip = read_image(spec.image)[y1:y2, x1:x2]
    # Mirrored copies either side: wide enough for the wide lens's 102 degrees.
    return np.hstack([strip[:, ::-1], strip, strip[:, ::-1]])


# --- textures for what the detector has no class for ------------------------------------------

def _texture(spec: CutoutSpec) -> np.ndarray:
    rng = np.random.default_rng(7)
    if spec.texture == "pole":
        return _pole(rng)
    if spec.texture == "wall":
        return _wall(rng)
    raise CutoutError(f"cut-out {spec.name!r}: unknown texture {spec.texture!r}")


def _pole(rng: np.random.Generator) -> np.ndarray:
    """A grey metal pole 0.12 x 2.5 m at 5 mm a pixel, lit from one side."""
    w, h = 24, 500
    x = np.linspace(-1, 1, w)
    shade = 0.45 + 0.5 * np.clip(np.cos(x * 1.4 - 0.5), 0, 1)
    grey = (shade[None, :] * 170 + rng.normal(0, 4, (h, w))).clip(0, 255)
    bgr = np.dstack([grey * 1.02, grey, grey * 0.97]).clip(0, 255).astype(np.uint8)
    return np.dstack([bgr, np.full((h, w), 255, np.uint8)])


def _wall(rng: np.random.Generator) -> np.ndarray:
    """A brick wall 6 x 2 m at 1 cm a pixel: 24 x 7 cm bricks, 1 cm mortar, each brick its own
    shade."""
    w, h = 600, 200
    img = np.empty((h, w, 3), np.float32)
    img[:] = (170, 175, 180)  # mortar
    for row in range(h // 8 + 1):
        shift = 12 if row % 2 else 0
        for col in range(-1, w // 25 + 1):
            x1, y1 = col * 25 + shift, row * 8
            tone = rng.normal(1.0, 0.08)
            colour = np.array((60, 75, 150)) * tone
            img[y1:y1 + 7, max(x1, 0):max(x1 + 24, 0)] = colour
    img += rng.normal(0, 6, img.shape).astype(np.float32)
    bgr = img.clip(0, 255).astype(np.uint8)
    return np.dstack([bgr, np.full((h, w), 255, np.uint8)])
