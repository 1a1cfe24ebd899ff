"""The systemd unit: what the firmware needs, hardened, and the scores CI holds it to."""

from __future__ import annotations

import re
import shlex
import stat
import subprocess
from pathlib import Path

from rearguard.cli import build_parser
from tests.setup.conftest import REPO, need_tool

UNIT = REPO / "systemd" / "rearguard.service"
MAX_EXPOSURE = 2.0


def unit_settings(text: str) -> dict[str, list[str]]:
    """Key -> every value it is given (systemd allows a key many times)."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


SETTINGS = unit_settings(UNIT.read_text())


def test_execstart_is_a_real_run_command_that_may_power_off():
    (line,) = SETTINGS["ExecStart"]
    argv = shlex.split(line)
    assert argv[0] == "/opt/rearguard/.venv/bin/rearguard"
    args = build_parser().parse_args(argv[1:])  # an option `run` lacks would exit here
    assert args.command == "run"
    assert args.allow_poweroff
    assert str(args.config) == "/etc/rearguard/rearguard.toml"


def test_runs_in_its_writable_state_folder():
    # lgpio makes its notification pipe in the working directory: / is not writable.
    assert SETTINGS["WorkingDirectory"] == ["/var/lib/rearguard"]
    assert SETTINGS["StateDirectory"] == ["rearguard"]
    assert SETTINGS["ProtectSystem"] == ["strict"]
    assert SETTINGS["ReadWritePaths"] == ["/var/lib/rearguard"]


def test_devices_are_exactly_what_the_parts_use():
    assert SETTINGS["DevicePolicy"] == ["closed"]
    allowed = {value.split()[0] for value in SETTINGS["DeviceAllow"]}
    assert allowed == {"char-gpiochip", "char-i2c", "char-video4linux", "char-media",
                       "char-dma_heap"}


def test_no_network_no_capabilities():
    assert SETTINGS["PrivateNetwork"] == ["yes"]
    assert SETTINGS["RestrictAddressFamilies"] == ["AF_UNIX"]
    assert SETTINGS["CapabilityBoundingSet"] == [""]
    assert SETTINGS["NoNewPrivileges"] == ["yes"]
    assert "@system-service" in SETTINGS["SystemCallFilter"]


def exposure(unit: Path) -> float:
    out = subprocess.run([need_tool("systemd-analyze"), "security", "--offline=yes", str(unit)],
                         capture_output=True, text=True, check=False)
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", out.stdout)
    assert found, out.stdout + out.stderr
    return float(found.group(1))


def test_systemd_analyze_security_scores_it_safe(capsys):
    score = exposure(UNIT)
    with capsys.disabled():
        print(f"\n  systemd-analyze security --offline=yes: {score} (at most {MAX_EXPOSURE})")
    assert score <= MAX_EXPOSURE


def test_the_score_would_catch_a_weakened_unit(tmp_path):
    weak = tmp_path / "rearguard.service"
    text = re.sub(r"^(PrivateNetwork|CapabilityBoundingSet|SystemCallFilter|DevicePolicy|"
                  r"ProtectSystem)=.*$", "", UNIT.read_text(), flags=re.M)
    weak.write_text(text)
    assert exposure(weak) > MAX_EXPOSURE


def test_systemd_analyze_verify_is_clean(tmp_path):
    """Verified with its executables put in a temporary /opt (verify checks they exist)."""
    fake = tmp_path / "opt/rearguard/.venv/bin/rearguard"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    unit = tmp_path / "rearguard.service"
    unit.write_text(UNIT.read_text().replace("/opt/rearguard", str(tmp_path / "opt/rearguard")))
    out = subprocess.run([need_tool("systemd-analyze"), "verify", str(unit)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr
