"""scripts/deploy against a real sshd on 127.0.0.1, which the test starts and stops itself.

The far side is this machine, which is not a Pi: a plain deploy must stop with setup's refusal
and its reasons; a deploy with --root (--staging only: it builds a venv) stages a complete
install there over SSH.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.setup.conftest import REPO, need_tool

DEPLOY = REPO / "scripts" / "deploy"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"sshd exited: {server.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("sshd did not start listening")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """An sshd on 127.0.0.1 with its own host key and config; key login as this user."""
    sshd_bin, keygen = need_tool("sshd"), need_tool("ssh-keygen")
    need_tool("ssh")
    d = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "id_ed25519"):
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)], check=True)
    (d / "authorized_keys").write_text((d / "id_ed25519.pub").read_text())
    port = _free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPidFile {d / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "PermitRootLogin prohibit-password\nStrictModes no\n")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    server = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(d / "sshd_config")],
                              stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(port, server)
        yield {"port": port, "key": d / "id_ed25519", "user": getpass.getuser(), "dir": d}
    finally:
        server.terminate()
        server.wait(timeout=10)


def deploy(sshd, *args: str) -> subprocess.CompletedProcess:
    remote = sshd["dir"] / "deployed"
    command = [str(DEPLOY), f"{sshd['user']}@127.0.0.1", "--port", str(sshd["port"]),
               "--identity", str(sshd["key"]), "--ssh-option", "StrictHostKeyChecking=no",
               "--ssh-option", f"UserKnownHostsFile={sshd['dir'] / 'known_hosts'}",
               "--remote-dir", str(remote), "--assets", os.environ.get("REARGUARD_ASSETS", ""),
               *args]
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900,
                          check=False)


def test_deploy_to_a_machine_that_is_not_a_pi_stops_with_the_reasons(sshd, assets):
    out = deploy(sshd)
    assert out.returncode != 0
    assert "setup: refused" in out.stderr and "not a Raspberry Pi" in out.stderr, out.stderr
    assert "deploy: error: setup on" in out.stderr
    assert (sshd["dir"] / "deployed" / "scripts" / "setup").exists()  # it did get there


def test_deploy_stages_an_install_over_ssh(sshd, assets, staging, tmp_path):
    root = tmp_path / "pi"
    out = deploy(sshd, "--root", str(root))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no service restarted" in out.stdout
    venv_python = root / "opt/rearguard/.venv/bin/python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    check = subprocess.run([str(venv_python), "-c", "import rearguard; print(rearguard.__file__)"],
                           capture_output=True, text=True, env=env, check=True)
    assert str(root) in check.stdout  # the installed wheel, not this checkout
    assert (root / "etc/systemd/system/rearguard.service").read_text() == \
        (REPO / "systemd/rearguard.service").read_text()
