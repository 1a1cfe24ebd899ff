"""Where models, photos and footage live: one setting, the REARGUARD_ASSETS folder.

The repository holds code only. The asset folder holds ``models/`` (ONNX files),
``images/``, ``footage/`` and ``ultrasonic/``. Point REARGUARD_ASSETS at it; without it,
Rearguard uses ~/.local/share/rearguard (where `rearguard model fetch` puts models).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "REARGUARD_ASSETS"
DEFAULT_DIR = Path("~/.local/share/rearguard")


class AssetsMissing(FileNotFoundError):
    """An asset the command needs is not in the asset folder. The message says how to fix it."""


def assets_dir() -> Path:
    """The asset folder: $REARGUARD_ASSETS, or ~/.local/share/rearguard."""
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DIR.expanduser()


def asset_path(*parts: str) -> Path:
    """A file or folder inside the asset folder; raises :class:`AssetsMissing` when absent."""
    path = assets_dir().joinpath(*parts)
    if not path.exists():
        how = (f"{ENV_VAR} is not set; set it to the asset folder (the one with models/ and "
               f"footage/)" if ENV_VAR not in os.environ else f"{ENV_VAR}={assets_dir()}")
        raise AssetsMissing(f"{path} not found ({how}). Get models with `rearguard model fetch "
                            f"NAME`, or point {ENV_VAR} at a folder that has them.")
    return path
