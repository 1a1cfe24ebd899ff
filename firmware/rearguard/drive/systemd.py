"""Tell systemd we are ready and alive (sd_notify), without a library.

The service runs as Type=notify with WatchdogSec: if the main loop stops sending WATCHDOG=1
(a hung process), systemd restarts it. Outside systemd (no $NOTIFY_SOCKET) this does nothing.
"""

from __future__ import annotations

import os
import socket


def notify(message: str) -> bool:
    """Send one sd_notify message ("READY=1", "WATCHDOG=1", "STATUS=..."); False if no systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace socket
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.setblocking(False)  # never let a slow reader stall the main loop: drop instead
        try:
            sock.sendto(message.encode(), address)
        except OSError:
            return False
    return True
