"""``rearguard model list | fetch NAME | import FILE | verify``: the models in the asset folder.

A model file only ever lands under its catalog name after its sha256 matched the catalog:
it is written to a temporary file in the same folder and renamed into place, so a wrong,
truncated or interrupted download never leaves a file that looks like a model.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path
from typing import BinaryIO

from rearguard.assets import ENV_VAR, assets_dir
from rearguard.cli import UsageError
from rearguard.detection.catalog import ModelSpec, load_catalog, sha256_of

CHUNK = 1 << 16


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("model", help="list, fetch, import or verify detector models")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the catalog, and which models are in the asset folder") \
        .set_defaults(run=run_list)
    fetch = actions.add_parser("fetch", help="download a model from its catalog URL")
    fetch.add_argument("name")
    fetch.add_argument("--url", help="download from here instead (a mirror)")
    fetch.set_defaults(run=run_fetch)
    imp = actions.add_parser("import", help="copy a local model file in, after checking it")
    imp.add_argument("file", type=Path)
    imp.set_defaults(run=run_import)
    actions.add_parser("verify", help="check every model file in the asset folder") \
        .set_defaults(run=run_verify)


def models_dir() -> Path:
    return assets_dir() / "models"


def run_list(args: argparse.Namespace) -> int:
    print(f"models in {models_dir()} ({ENV_VAR}):")
    for spec in load_catalog().values():
        present = "present" if (models_dir() / spec.file).is_file() else "missing"
        w, h = spec.input_size
        print(f"  {spec.name:<16} {spec.family:<8} {w}x{h}  {spec.gflops:.2f} GFLOPs  "
              f"{present:<8} {spec.description}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    spec = _spec(args.name)
    url = args.url or spec.url
    print(f"fetching {spec.name} from {url}")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            expected = response.headers.get("Content-Length")
            path = install(spec, response, int(expected) if expected else None)
    except OSError as e:
        raise UsageError(f"could not download {spec.name} from {url}: {e}") from None
    print(f"{path}: sha256 ok")
    return 0


def run_import(args: argparse.Namespace) -> int:
    source: Path = args.file
    if not source.is_file():
        raise UsageError(f"{source}: no such file")
    digest = sha256_of(source)
    matches = [s for s in load_catalog().values() if s.accepts(digest)]
    if not matches:
        raise UsageError(f"{source}: sha256 {digest} matches no model in models/catalog.toml; "
                         f"nothing was copied")
    with open(source, "rb") as f:
        path = install(matches[0], f, source.stat().st_size)
    print(f"{path}: {matches[0].name}, sha256 ok")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    bad = 0
    for spec in load_catalog().values():
        path = models_dir() / spec.file
        if not path.is_file():
            print(f"  {spec.name:<16} missing  ({path})")
            continue
        match = spec.accepts(sha256_of(path))
        print(f"  {spec.name:<16} {'ok' if match else 'WRONG CHECKSUM'}  {path}")
        bad += match is None
    if bad:
        raise UsageError(f"{bad} model file(s) do not match the catalog: fetch or import them "
                         f"again")
    return 0


def install(spec: ModelSpec, source: BinaryIO, expected_size: int | None) -> Path:
    """Copy ``source`` to models/<file> if its size and sha256 are right; else raise UsageError.

    Nothing half-written is left behind: a temporary file in the same folder, renamed into place
    only after the check.
    """
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.file}.", suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while block := source.read(CHUNK):
                digest.update(block)
                out.write(block)
                size += len(block)
            out.flush()
            os.fsync(out.fileno())
        if expected_size is not None and size != expected_size:
            raise UsageError(f"{spec.name}: got {size} bytes of {expected_size}: the transfer "
                             f"was cut short; nothing was installed")
        if spec.accepts(digest.hexdigest()) is None:
            raise UsageError(f"{spec.name}: sha256 {digest.hexdigest()} is not in the catalog "
                             f"({size} bytes; truncated or a different file); nothing was "
                             f"installed")
        target = folder / spec.file
        os.replace(tmp, target)
        return target
    finally:
        if tmp.exists():
            tmp.unlink()


def _spec(name: str) -> ModelSpec:
    catalog = load_catalog()
    if name not in catalog:
        raise UsageError(f"no model {name!r} in models/catalog.toml; known: "
                         f"{', '.join(catalog)}")
    return catalog[name]
