"""What the running device tells the journal: one line per event, at INFO.

``configure()`` is called once, in the CLI entry. Under systemd (``$JOURNAL_STREAM`` set)
lines carry no timestamp (journald adds its own) and start with a syslog priority prefix
(``<4>``), which journald turns into the entry's priority, so ``journalctl -p warning`` shows
faults alone. Elsewhere a line starts with the time.

What is logged comes from one place, the event sink (:func:`journal_sink`): every record the
core emits passes through it on its way to events.jsonl, and the kinds a person on the other
end of ``journalctl -u rearguard`` needs become a line each: alerts (level, what, how far,
why), faults (which stage, the cause) and recoveries, mute, and shutdown requests. The start-up
summary (:func:`log_startup`) and the stop line come from the ``run`` command.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger("rearguard")

EventSink = Callable[[dict[str, Any]], None]
# logging level -> syslog priority (sd-daemon(3) prefixes, read by journald).
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
             logging.CRITICAL: 2}


class _OneLine(logging.Formatter):
    """One event, one line: a message with newlines in it is joined."""

    def format(self, record: logging.LogRecord) -> str:
        return " | ".join(part.strip() for part in super().format(record).splitlines()
                          if part.strip())


class _JournalFormatter(_OneLine):
    def format(self, record: logging.LogRecord) -> str:
        return f"<{_PRIORITY.get(record.levelno, 6)}>{super().format(record)}"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (tests swap it), never a stale one."""

    _rearguard = True

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Python warnings (gpiozero's pin-factory fallbacks) as one journal line each, without
    the source line ``warnings`` would print under it."""
    logging.getLogger("py.warnings").warning("%s: %s", category.__name__, message)


def under_systemd() -> bool:
    return bool(os.environ.get("JOURNAL_STREAM"))


def configure(level: int = logging.INFO) -> None:
    """Send log records to stderr, one line each; idempotent (a second call changes nothing)."""
    root = logging.getLogger()
    if any(getattr(h, "_rearguard", False) for h in root.handlers):
        return
    handler = _StderrHandler()
    if under_systemd():
        handler.setFormatter(_JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(_OneLine("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                      "%H:%M:%S"))
    root.addHandler(handler)
    root.setLevel(level)
    warnings.showwarning = _log_warning


def describe_event(record: Mapping[str, Any]) -> tuple[int, str] | None:
    """The journal line for an event record (FORMAT.md), with its level; None: not logged."""
    kind = record.get("kind")
    if kind == "alert":
        return _alert_level(record), _alert_text(record)
    if kind == "fault":
        if record.get("active"):
            return logging.WARNING, (f"fault: {record.get('stage')} lost: "
                                     f"{record.get('cause', 'no cause given')}")
        return logging.INFO, f"fault cleared: {record.get('stage')} is back"
    if kind == "shutdown":
        return logging.INFO, f"shutdown requested: {record.get('reason', 'no reason given')}"
    if kind == "mute":
        state = "paused" if record.get("paused") else "resumed"
        return logging.INFO, f"alerts {state} by the button"
    return None


def _alert_level(record: Mapping[str, Any]) -> int:
    return logging.WARNING if record.get("level") in ("WARNING", "DANGER") else logging.INFO


def _alert_text(record: Mapping[str, Any]) -> str:
    parts = [f"alert {record.get('level')} (was {record.get('previous')})"]
    if "label" in record:
        what = f"{record['label']}"
        if "track" in record:
            what += f" track {record['track']}"
        if "distance_m" in record:
            what += f" at {record['distance_m']:.1f} m"
        if "ttc_s" in record:
            what += f", {record['ttc_s']:.1f} s to contact"
        if "side" in record:
            what += f", {record['side']} side"
        parts.append(what)
    if "reason" in record:
        parts.append(f"because {record['reason']}")
    return ": ".join(parts[:2]) + ("; " + parts[2] if len(parts) > 2 else "")


def journal_sink(events: EventSink | None = None, logger: logging.Logger = log) -> EventSink:
    """An event sink that logs the records people need and passes every record on."""

    def sink(record: dict[str, Any]) -> None:
        line = describe_event(record)
        if line is not None:
            logger.log(line[0], line[1])
        if events is not None:
            events(record)
    return sink


def device_summary(config: Any) -> list[str]:
    """The configured parts, one phrase each (from the config: no hardware touched)."""
    parts = [f"camera {config.camera.source}"]
    for r in config.rangefinders:
        parts.append(f"rangefinder {r.name} {r.kind} " + (
            f"GPIO {r.trigger_pin}/{r.echo_pin}" if r.kind == "hcsr04"
            else f"I2C {r.i2c_bus} 0x{r.address:02x}"))
    h = config.haptics
    parts.append({"pwm": "motors GPIO " + ",".join(f"{m.pin} {m.side}" for m in h.motors),
                  "drv2605": f"DRV2605L I2C {h.i2c_bus} 0x{h.address:02x}",
                  "none": "no motors"}[h.driver])
    if config.button.pin is not None:
        parts.append(f"button GPIO {config.button.pin}")
    if config.buzzer.pin is not None:
        parts.append(f"buzzer GPIO {config.buzzer.pin}")
    return parts


def log_startup(config: Any, model: str, board: Any, simulate: bool = False, *,
                logger: logging.Logger = log) -> None:
    """One line saying what this run is made of (after the devices are open, so the pin
    factory gpiozero settled on is known)."""
    from rearguard.devices.pin_factory import pin_factory_name

    threads = config.detector.threads or board.threads
    logger.info("start: model %s, board %s, %d detector threads, pin factory %s, devices: %s",
                model, board.name, threads, pin_factory_name(simulate),
                ", ".join(device_summary(config)))
