"""scripts/setup: linted, honest on a machine that is not a Pi, and (with --staging) a real
install into a staging tree, twice, where the second run changes nothing."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from rearguard.boards import board_profile, resolve_model
from rearguard.config import load_config
from rearguard.detection.catalog import load_catalog
from tests.setup.conftest import REPO, need_tool

SETUP = REPO / "scripts" / "setup"
SCRIPTS = sorted(p for p in [*(REPO / "scripts").iterdir(), REPO / ".ci" / "run"]
                 if p.is_file() and p.read_text().startswith("#!/usr/bin/env bash"))


def on_a_pi() -> bool:
    try:
        return b"Raspberry Pi" in Path("/proc/device-tree/model").read_bytes()
    except OSError:
        return False


def setup(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(SETUP), *args], capture_output=True, text=True, env=env,
                          timeout=1200, check=False)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_shellcheck_passes(script):
    out = subprocess.run([need_tool("shellcheck"), "--severity=style", str(script)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout


def test_the_scripts_checked_include_setup_and_deploy():
    names = {p.name for p in SCRIPTS}
    assert {"setup", "deploy", "dev-setup", "run"} <= names


@pytest.mark.skipif(on_a_pi(), reason="this is a Raspberry Pi: setup would not refuse")
def test_dry_run_here_says_what_it_would_do_and_why_it_would_refuse():
    out = setup("--dry-run")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "a real install here would stop at once, because:" in text
    assert "not a Raspberry Pi" in text
    for action in ("apt-get install", "python3 -m venv --system-site-packages",
                   "rearguard.service", "systemctl --quiet enable", "dry run: nothing was changed"):
        assert action in text, action


@pytest.mark.skipif(on_a_pi(), reason="this is a Raspberry Pi: setup would not refuse")
def test_a_real_install_here_is_refused_with_the_reasons():
    out = setup()
    assert out.returncode == 2
    assert "setup: refused" in out.stderr and "not a Raspberry Pi" in out.stderr
    assert "--dry-run" in out.stderr and "--root DIR" in out.stderr  # what to do instead
    assert "== virtual environment" not in out.stdout  # stopped before any step


@pytest.mark.parametrize("args, message", [
    (["--assets"], "setup: error: --assets needs a value"),
    (["--assets", "--dry-run"], "setup: error: --assets needs a value"),
    (["--board", "pi3"], "setup: error: --board pi3: expected pi5, pi4 or zero2w"),
    (["--assets", "/nonexistent"], "setup: error: --assets /nonexistent has no models/ folder"),
    (["--frobnicate"], "setup: error: unknown option --frobnicate"),
])
def test_bad_options_stop_with_one_clear_line(args, message):
    out = setup(*args)
    assert out.returncode == 2
    assert out.stderr.splitlines()[0].startswith(message), out.stderr


# --- the staging install (slow: builds a venv; --staging, which .ci/run passes) --------------

def tree(root: Path) -> dict[str, str]:
    """Every path under root -> its mode and content hash (links: their target); no caches."""
    found = {}
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = f"{path.stat().st_mode:o} {hashlib.sha256(path.read_bytes()).hexdigest()}"
        else:
            found[rel] = f"{path.stat().st_mode:o} dir"
    return found


@pytest.fixture(scope="module")
def staged(tmp_path_factory, assets, staging):
    root = tmp_path_factory.mktemp("staging") / "pi"
    # Without the models the config check fails: setup must stop there, before the service.
    no_models = setup("--root", str(root))
    first = setup("--root", str(root), "--assets", str(assets), "--footage")
    assert first.returncode == 0, first.stdout + first.stderr
    before = tree(root)
    second = setup("--root", str(root), "--assets", str(assets), "--footage")
    assert second.returncode == 0, second.stdout + second.stderr
    return root, first, second, before, no_models


def test_a_failed_config_check_stops_before_the_service_and_says_why(staged):
    out = staged[4]
    assert out.returncode == 1
    config = load_config(None)  # the check's own line names the model that is missing
    model = resolve_model(config.detector.model, board_profile(config.board.profile))
    assert model in out.stderr
    assert "the config check failed (above); the service was NOT installed or enabled" in \
        out.stderr
    assert "what to do:" in out.stderr and "--assets DIR" in out.stderr
    assert "== systemd service" not in out.stdout


def test_staged_tree_has_the_unit_enabled(staged):
    root = staged[0]
    unit = root / "etc/systemd/system/rearguard.service"
    assert unit.read_text() == (REPO / "systemd/rearguard.service").read_text()
    wants = root / "etc/systemd/system/multi-user.target.wants/rearguard.service"
    assert os.readlink(wants) == "/etc/systemd/system/rearguard.service"
    assert (root / "etc/polkit-1/rules.d/50-rearguard.rules").read_text().count("power-off") == 1


def test_staged_unit_verifies_against_the_staged_venv(staged):
    root = staged[0]
    unit = root.parent / "rearguard.service"
    unit.write_text((REPO / "systemd/rearguard.service").read_text()
                    .replace("/opt/rearguard", str(root / "opt/rearguard")))
    out = subprocess.run([need_tool("systemd-analyze"), "verify", str(unit)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr


def test_staged_config_passes_its_check(staged):
    root = staged[0]
    config = root / "etc/rearguard/rearguard.toml"
    assert tomllib.loads(config.read_text())["board"]["profile"] == "pi4"
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
           "REARGUARD_ASSETS": str(root / "var/lib/rearguard")}
    out = subprocess.run([str(root / "opt/rearguard/.venv/bin/rearguard"), "config", "check",
                          str(config)], capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stderr


def test_staged_venv_runs_rearguard_on_the_pinned_numpy(staged):
    root, first = staged[0], staged[1]
    chosen = re.search(r"dependency set: (requirements/pi-\w+\.txt)", first.stdout).group(1)
    pins = dict(line.split("==") for line in (REPO / chosen).read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(root / "opt/rearguard/.venv/bin/python"), "-c",
                          "import numpy, cv2, rearguard; print(numpy.__version__, "
                          "cv2.__version__, rearguard.__file__)"],
                         capture_output=True, text=True, env=env, check=True)
    numpy_version, cv2_version, module = out.stdout.split()
    assert numpy_version == pins["numpy"]
    assert pins["opencv-python-headless"].startswith(cv2_version)
    assert module.startswith(str(root))


def test_staged_models_match_their_catalog_checksums(staged, assets):
    models = staged[0] / "var/lib/rearguard/models"
    by_file = {spec.file: spec for spec in load_catalog().values()}
    installed = sorted(models.glob("*.onnx"))
    assert [p.name for p in installed] == sorted(p.name for p in (assets / "models").glob("*.onnx"))
    for path in installed:
        assert by_file[path.name].accepts(hashlib.sha256(path.read_bytes()).hexdigest()), path


def test_staged_footage_is_the_asset_footage(staged, assets):
    def contents(folder: Path) -> dict[str, str]:  # modes differ: the copies get the umask's
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in folder.rglob("*") if p.is_file()}

    assert contents(staged[0] / "var/lib/rearguard/footage") == contents(assets / "footage")


def test_second_run_changes_nothing(staged):
    root, _, second, before, _ = staged
    assert "nothing changed: already set up" in second.stdout, second.stdout
    assert "   changed:" not in second.stdout
    assert tree(root) == before


# --- would a Pi be recognised? (fake machine files; --dry-run only) ------------------------------

PI_OS = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME={}\n'


@pytest.mark.parametrize("model, codename, arch, board, refusal", [
    ("Raspberry Pi 5 Model B Rev 1.0", "bookworm", "arm64", "pi5", None),
    ("Raspberry Pi 4 Model B Rev 1.5", "trixie", "arm64", "pi4", None),
    ("Raspberry Pi Zero 2 W Rev 1.0", "bookworm", "arm64", "zero2w", None),
    ("Raspberry Pi 3 Model B Rev 1.2", "bookworm", "arm64", None,
     "board 'Raspberry Pi 3 Model B Rev 1.2' is not a Pi 5, Pi 4 or Zero 2 W"),
    ("Raspberry Pi 4 Model B Rev 1.5", "bullseye", "arm64", None,
     "OS 'bullseye' is not Raspberry Pi OS Bookworm or Trixie"),
    ("Raspberry Pi 4 Model B Rev 1.5", "bookworm", "armhf", None,
     "architecture armhf is not 64-bit ARM"),
])
def test_a_pi_is_recognised_and_anything_else_is_named(tmp_path, model, codename, arch, board,
                                                        refusal):
    (tmp_path / "model").write_bytes(model.encode() + b"\0")
    (tmp_path / "os-release").write_text(PI_OS.format(codename))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(REARGUARD_SETUP_MODEL_FILE=str(tmp_path / "model"),
               REARGUARD_SETUP_OS_RELEASE=str(tmp_path / "os-release"), REARGUARD_SETUP_ARCH=arch)
    out = subprocess.run([str(SETUP), "--dry-run"], capture_output=True, text=True, env=env,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    if os.geteuid() != 0:
        pytest.skip("as root only: setup also refuses a user that is not root")
    if refusal is None:
        assert "would stop" not in out.stdout, out.stdout
        assert f"{model}, Raspberry Pi OS {codename} 64-bit" in out.stdout
        assert f"requirements/pi-{codename}.txt; board profile: {board}" in out.stdout
    else:
        assert refusal in out.stdout, out.stdout


def test_the_stand_ins_never_allow_a_real_install(tmp_path):
    (tmp_path / "model").write_text("Raspberry Pi 5 Model B Rev 1.0")
    env = {**os.environ, "REARGUARD_SETUP_MODEL_FILE": str(tmp_path / "model")}
    out = subprocess.run([str(SETUP)], capture_output=True, text=True, env=env, timeout=60,
                         check=False)
    assert out.returncode == 2
    assert "work with --dry-run only" in out.stderr


def test_a_dry_run_into_a_staging_root_writes_nothing(tmp_path):
    root = tmp_path / "pi"
    out = setup("--root", str(root), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert f"would run: python3 -m venv --system-site-packages {root}/opt/rearguard/.venv" \
        in out.stdout
    assert not root.exists()
