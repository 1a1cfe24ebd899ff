"""The model catalog (models/catalog.toml): names, files, checksums, families, classes.

The repository's ``models/catalog.toml`` is the one copy; the package reaches it through
``rearguard/models/catalog.toml`` (a link in a checkout, a copy in a built wheel).
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rearguard.assets import assets_dir
from rearguard.config import ConfigError
from rearguard.config.schema import DetectorConfig

FAMILIES = ("yolox", "picodet", "nanodet")


@dataclass(frozen=True)
class Checksum:
    value: str  # sha256, hex
    source: str  # where a file with this checksum comes from


@dataclass(frozen=True)
class ModelSpec:
    """One catalog entry."""

    name: str
    description: str
    file: str
    family: str
    input_size: tuple[int, int]  # (width, height) the network was exported for
    gflops: float
    class_names: tuple[str, ...]
    obstacle_heights: dict[str, float]  # obstacle class -> typical real height, metres
    license: str
    upstream: str
    url: str
    checksums: tuple[Checksum, ...]
    score_threshold: float
    nms_iou: float
    # 0: the graph takes only ``input_size``. N: any height and width in multiples of N
    # (rearguard.detection.flexible frees the declared size), so the input can follow the
    # frame's shape instead of letterboxing it into a square.
    input_stride: int = 0

    def accepts(self, sha256: str) -> Checksum | None:
        """The catalog's checksum entry that ``sha256`` matches, if any."""
        return next((c for c in self.checksums if c.value == sha256.lower()), None)

    def default_path(self) -> Path:
        return assets_dir() / "models" / self.file


def catalog_text() -> str:
    return resources.files("rearguard").joinpath("models/catalog.toml").read_text()


@functools.cache
def load_catalog() -> dict[str, ModelSpec]:
    """Every model in the catalog, by name."""
    raw = tomllib.loads(catalog_text())
    heights = {str(k): float(v) for k, v in raw["obstacles"].items()}
    return {name: _spec(name, entry, raw["classes"], heights)
            for name, entry in raw["models"].items()}


def _spec(name: str, entry: dict[str, Any], classes: dict[str, list[str]],
          heights: dict[str, float]) -> ModelSpec:
    if entry["family"] not in FAMILIES:
        raise ValueError(f"models/catalog.toml: models.{name}.family: expected one of "
                         f"{', '.join(FAMILIES)}, got {entry['family']!r}")
    names = tuple(classes[entry["classes"]])
    return ModelSpec(
        name=name, description=entry.get("description", ""), file=entry["file"],
        family=entry["family"], input_size=(int(entry["input"][0]), int(entry["input"][1])),
        gflops=float(entry["gflops"]), class_names=names,
        obstacle_heights={k: v for k, v in heights.items() if k in names},
        license=entry["license"], upstream=entry["upstream"], url=entry["url"],
        checksums=tuple(Checksum(c["value"].lower(), c["source"]) for c in entry["sha256"]),
        score_threshold=float(entry["score_threshold"]), nms_iou=float(entry["nms_iou"]),
        input_stride=int(entry.get("input_stride", 0)))


def model_spec(name: str, key: str = "detector.model") -> ModelSpec:
    """The catalog entry ``name``; a ConfigError naming ``key`` when there is none."""
    catalog = load_catalog()
    if name not in catalog:
        raise ConfigError(f"{key}: expected a model from models/catalog.toml "
                          f"({', '.join(catalog)}), got {name!r}")
    return catalog[name]


def model_file_for(config: DetectorConfig, where: str = "config") -> Path:
    """The .onnx file the config asks for; a ConfigError saying how to get it when missing."""
    spec = model_spec(config.model, f"{where}: detector.model")
    if config.model_file:
        path = Path(config.model_file).expanduser()
        if not path.is_file():
            raise ConfigError(f"{where}: detector.model_file: expected an .onnx file, "
                              f"{path} does not exist")
        return path
    path = spec.default_path()
    if not path.is_file():
        raise ConfigError(
            f"{where}: detector.model: {spec.name} expects {path}, which does not exist; "
            f"run `rearguard model fetch {spec.name}` or `rearguard model import FILE`, or set "
            f"REARGUARD_ASSETS to a folder with models/{spec.file}")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
