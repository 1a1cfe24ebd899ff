"""``rearguard model list | fetch NAME | import FILE | verify``: the models in the asset folder.

A model file only ever lands under its catalog name after its sha256 matched the catalog:
it is written to a temporary file in the same folder and renamed into place, so a wrong,
truncated or interrupted download never leaves a file that looks like a model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import urllib.request
from pathlib import Path
from typing import BinaryIO

from rearguard.assets import ENV_VAR, assets_dir
from rearguard.cli import UsageError
from rearguard.cli.progress import Progress, megabytes
from rearguard.detection.catalog import ModelSpec, load_catalog, sha256_of

CHUNK = 1 << 16


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("model", help="list, fetch, import or verify detector models",
                       description="The detector models in the asset folder "
                                   f"(${ENV_VAR}/models), checked against models/catalog.toml.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the catalog, and which models are present",
                                 description="Every model in the catalog and whether its file "
                                             "is in the asset folder.")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(run=run_list)
    fetch = actions.add_parser("fetch", help="download a model from its catalog URL",
                               description="Download a model and install it only if its "
                                           "sha256 matches the catalog.")
    fetch.add_argument("name", help="a model name from `rearguard model list`")
    fetch.add_argument("--url", help="download from here instead (a mirror)")
    fetch.set_defaults(run=run_fetch)
    imp = actions.add_parser("import", help="copy a local model file in, after checking it",
                             description="Copy a model file you already have into the asset "
                                         "folder, if its sha256 is in the catalog.")
    imp.add_argument("file", type=Path, help="an .onnx file")
    imp.set_defaults(run=run_import)
    verify = actions.add_parser("verify", help="check every model file in the asset folder",
                                description="Check that every catalog model is present with "
                                            "the right sha256; exit 1 if any is missing or "
                                            "wrong.")
    verify.add_argument("--json", action="store_true", help="print JSON instead of a table")
    verify.set_defaults(run=run_verify)


def models_dir() -> Path:
    return assets_dir() / "models"


def run_list(args: argparse.Namespace) -> int:
    rows = [{"name": spec.name, "family": spec.family, "input": list(spec.input_size),
             "gflops": spec.gflops, "file": str(models_dir() / spec.file),
             "present": (models_dir() / spec.file).is_file(), "description": spec.description}
            for spec in load_catalog().values()]
    if args.json:
        print(json.dumps({"models_dir": str(models_dir()), "models": rows}, indent=2))
        return 0
    print(f"models in {models_dir()} (${ENV_VAR}):")
    for r in rows:
        w, h = r["input"]
        print(f"  {r['name']:<16} {r['family']:<8} {w}x{h}  {r['gflops']:.2f} GFLOPs  "
              f"{'present' if r['present'] else 'missing':<8} {r['description']}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    spec = _spec(args.name)
    url = args.url or spec.url
    print(f"fetching {spec.name} from {url}")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            expected = response.headers.get("Content-Length")
            path = install(spec, response, int(expected) if expected else None,
                           Progress(f"fetching {spec.name}", megabytes))
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
    """Exit 0 only when every catalog model is present and matches its checksum."""
    rows = []
    for spec in load_catalog().values():
        path = models_dir() / spec.file
        state = "missing"
        if path.is_file():
            state = "ok" if spec.accepts(sha256_of(path)) else "wrong checksum"
        rows.append({"name": spec.name, "file": str(path), "state": state})
    bad = [r for r in rows if r["state"] != "ok"]
    if args.json:
        print(json.dumps({"models_dir": str(models_dir()), "ok": not bad, "models": rows},
                         indent=2))
    else:
        for r in rows:
            state = r["state"] if r["state"] == "ok" else r["state"].upper()
            print(f"  {r['name']:<16} {state:<15} {r['file']}")
        if bad:
            print(f"{len(bad)} of {len(rows)} models missing or wrong: `rearguard model fetch "
                  f"NAME` or `rearguard model import FILE`")
    return 1 if bad else 0


def install(spec: ModelSpec, source: BinaryIO, expected_size: int | None,
            progress: Progress | None = None) -> Path:
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
                if progress is not None:
                    progress(size, expected_size or 0)
            out.flush()
            os.fsync(out.fileno())
        if progress is not None:
            progress.end()
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
