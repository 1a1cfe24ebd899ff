"""`rearguard model list | fetch | import | verify`: checked, and never half-written."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from rearguard.cli import main
from rearguard.detection.catalog import load_catalog

NAME = "nanodet_m_320"


@pytest.fixture
def asset_dir(tmp_path, monkeypatch):
    folder = tmp_path / "assets"
    folder.mkdir()
    monkeypatch.setenv("REARGUARD_ASSETS", str(folder))
    return folder


@pytest.fixture
def server(tmp_path, assets):
    """A web server on 127.0.0.1 serving a good copy, a truncated one and a wrong file."""
    root = tmp_path / "www"
    root.mkdir()
    good = assets / "models" / load_catalog()[NAME].file
    shutil.copy(good, root / "good.onnx")
    (root / "truncated.onnx").write_bytes(good.read_bytes()[:100_000])
    (root / "other.onnx").write_bytes(b"not a model" * 1000)
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def model_files(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "models").iterdir()) if (folder / "models").exists() \
        else []


def test_fetch_checks_the_checksum_and_installs_atomically(server, asset_dir, capsys):
    assert main(["model", "fetch", NAME, "--url", f"{server}/good.onnx"]) == 0
    assert model_files(asset_dir) == ["nanodet_m_320.onnx"]
    assert main(["model", "verify"]) == 1  # the other catalog models are missing
    out = capsys.readouterr().out
    assert "nanodet_m_320    ok" in out and "yolox_nano_416   MISSING" in out


@pytest.mark.parametrize("bad", ["truncated.onnx", "other.onnx", "missing.onnx"])
def test_fetch_refuses_bad_downloads_and_leaves_nothing(server, asset_dir, capsys, bad):
    assert main(["model", "fetch", NAME, "--url", f"{server}/{bad}"]) == 2
    err = capsys.readouterr().err
    assert "nothing was installed" in err or "could not download" in err
    assert model_files(asset_dir) == []  # no partial file, no temporary left over


def test_import_accepts_a_catalog_file_and_refuses_others(assets, asset_dir, tmp_path, capsys):
    wrong = tmp_path / "wrong.onnx"
    wrong.write_bytes(b"\0" * 1000)
    assert main(["model", "import", str(wrong)]) == 2
    assert "matches no model" in capsys.readouterr().err
    assert model_files(asset_dir) == []
    source = assets / "models" / load_catalog()["yolox_nano_416"].file
    assert main(["model", "import", str(source)]) == 0
    assert model_files(asset_dir) == ["yolox_nano_416.onnx"]


def test_verify_reports_a_corrupted_file(assets, asset_dir, capsys):
    (asset_dir / "models").mkdir()
    spec = load_catalog()[NAME]
    data = bytearray((assets / "models" / spec.file).read_bytes())
    data[5000] ^= 0xFF
    (asset_dir / "models" / spec.file).write_bytes(bytes(data))
    assert main(["model", "verify"]) == 1
    assert "WRONG CHECKSUM" in capsys.readouterr().out


def test_verify_json_parses_and_fails_on_a_missing_model(assets, asset_dir, capsys):
    assert main(["model", "verify", "--json"]) == 1  # an empty asset folder
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert {m["state"] for m in report["models"]} == {"missing"}
    assert len(report["models"]) == len(load_catalog())


def test_verify_passes_on_the_full_asset_folder(assets, capsys):
    assert main(["model", "verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and {m["state"] for m in report["models"]} == {"ok"}


def test_a_missing_model_is_a_config_error_naming_the_key(asset_dir, capsys):
    assert main(["detect", "nothing.jpg"]) == 2  # the model is checked before the file
    err = capsys.readouterr().err
    # detector.model = "auto" on the default board (pi4) asks for the Pi 4's default model,
    # YOLOX-Nano (at 320).
    assert "detector.model" in err and "rearguard model fetch yolox_nano_416" in err


def test_list_shows_presence(assets, capsys):
    assert main(["model", "list"]) == 0
    out = capsys.readouterr().out
    for name in load_catalog():
        assert name in out
    assert "missing" not in out
    assert main(["model", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["models"]
    assert [m["name"] for m in listed] == list(load_catalog())
    assert all(m["present"] for m in listed)
