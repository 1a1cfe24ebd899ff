"""The systemd watchdog is petted only while every thread comes round: a hung camera, detector,
pixel meters, rangefinder, haptics thread or main loop stops the WATCHDOG=1 messages, so
systemd restarts."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from rearguard.boards import board_profile
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.devices.factory import open_devices, simulation
from rearguard.drive.live import LiveLoop

from .faults import simulated_run


class NotifySocket:
    """Stands in for systemd's notify socket: every message, with the time it came."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append((time.monotonic(), data.decode()))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()

    def pets(self, start: float, end: float) -> int:
        return sum(1 for t, m in self.messages if m == "WATCHDOG=1" and start <= t <= end)


@pytest.fixture
def notify(tmp_path, monkeypatch):
    listener = NotifySocket(tmp_path / "notify.sock")
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify.sock"))
    yield listener
    listener.close()


@pytest.mark.parametrize("kind", ["camera-hang", "detector-hang"])
def test_no_pets_while_a_thread_hangs_and_pets_again_after(kind, tmp_path, notify):
    result = simulated_run(tmp_path, seconds=6.0, inject=[f"{kind}@1+3.5"])
    broken, mended = result.injected(kind), result.injected(kind, broken=False)
    hung_s = result.config.supervisor.hung_s
    assert notify.messages[0][1] == "READY=1"
    assert notify.pets(broken - 1.0, broken) >= 10  # 20 Hz while all is well
    assert notify.pets(broken + hung_s + 0.1, mended) == 0  # hung: systemd will restart
    assert notify.pets(mended + 0.2, mended + 1.2) >= 10  # back
    (stopped,) = [e for e in result.kinds("watchdog") if not e["petting"]]
    assert stopped["hung"] == [kind.split("-")[0]]
    statuses = [m for _, m in notify.messages if m.startswith("STATUS=")]
    assert statuses[0] == "STATUS=running; level CLEAR"
    assert any(s.startswith("STATUS=hung: ") for s in statuses)
    assert any(s.startswith("STATUS=degraded: ") for s in statuses)


def test_a_hung_rangefinder_or_haptics_thread_stops_the_pets(assets, tmp_path):
    """The threads the injections cannot wedge, checked on the loop itself. (The main loop
    is the one that pets: when it hangs, nothing is sent, by construction.)"""
    config = load_config(None)
    devices = open_devices(config, sim=simulation(config))
    detector = open_detector(config.detector, board_profile("none"))
    messages: list[str] = []
    now = time.monotonic()
    clock = [now]
    loop = LiveLoop(config, detector, devices.camera, devices.rangefinders, lambda c: None,
                    lambda r: None, notify=lambda m: messages.append(m) or True,
                    clock=lambda: clock[0])
    beat = {"haptics": now}
    loop.beats.watch("haptics", lambda: beat["haptics"])
    try:
        loop._supervise(now)
        assert messages.count("WATCHDOG=1") == 1  # all fresh (just started)
        for hung in ("haptics", "ranger-rear", "pixels"):
            messages.clear()
            later = clock[0] = now + config.supervisor.hung_s + 0.5
            beat["haptics"] = later if hung != "haptics" else now
            for name in ("camera", "detector", "pixels", "ranger-rear", "main"):
                loop.beats._last[name] = now if name == hung else later
            loop._supervise(later)
            assert "WATCHDOG=1" not in messages, hung
            assert loop.last_hung == [hung]
    finally:
        devices.close()

