"""``rearguard sessions``: the recorded runs on this device, and removing old ones."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rearguard.cli import UsageError
from rearguard.config import load_config
from rearguard.session.listing import SessionInfo, list_sessions, remove, to_remove

DEFAULT_CONFIG = Path("/etc/rearguard/rearguard.toml")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sessions", help="list recorded sessions, remove old ones",
                       description="List the sessions recorded on this device (start, "
                                   "duration, alerts by level, faults, size), oldest first; "
                                   "with --older-than or --keep, remove old ones.")
    p.add_argument("--dir", type=Path, help="the sessions folder (default: the config's "
                                            "[recording] dir)")
    p.add_argument("--config", type=Path, help=f"default {DEFAULT_CONFIG} if it exists, else "
                                               f"the built-in defaults")
    p.add_argument("--older-than", type=float, metavar="DAYS",
                   help="remove sessions that started more than DAYS days ago")
    p.add_argument("--keep", type=int, metavar="N", help="remove all but the newest N sessions")
    p.add_argument("--dry-run", action="store_true", help="say what would be removed, remove "
                                                          "nothing")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.keep is not None and args.keep < 0:
        raise UsageError(f"--keep: expected 0 or more sessions, got {args.keep}")
    if args.older_than is not None and args.older_than < 0:
        raise UsageError(f"--older-than: expected 0 or more days, got {args.older_than}")
    if args.dir is not None and not args.dir.is_dir():
        raise UsageError(f"--dir: {args.dir} is not a folder")
    folder = args.dir or Path(load_config(_config_path(args)).recording.dir)
    sessions = list_sessions(folder)
    doomed = to_remove(sessions, older_than_days=args.older_than, keep=args.keep) \
        if args.older_than is not None or args.keep is not None else []
    if not args.dry_run:
        for info in doomed:
            remove(info)
    if args.json:
        print(json.dumps({"dir": str(folder), "sessions": [s.as_dict() for s in sessions],
                          "removed" if not args.dry_run else "would_remove":
                              [str(s.path) for s in doomed]}, indent=2))
        return 0
    _print(folder, sessions, doomed, args.dry_run)
    return 0


def _config_path(args: argparse.Namespace) -> Path | None:
    return args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)


def _print(folder: Path, sessions: list[SessionInfo], doomed: list[SessionInfo],
           dry_run: bool) -> None:
    if not sessions:
        print(f"no sessions in {folder}")
        return
    print(f"sessions in {folder}:")
    print(f"  {'session':<24} {'start':<19} {'duration':>9} {'caution':>8} {'warning':>8} "
          f"{'danger':>7} {'faults':>7} {'size':>9}")
    gone = {s.path for s in doomed}
    for s in sessions:
        duration = f"{s.duration_s:.0f} s" if s.duration_s is not None else "-"
        alerts = s.alerts_by_level
        mark = ("  (would remove)" if dry_run else "  removed") if s.path in gone else ""
        problem = f"  unreadable: {s.problem}" if s.problem else ""
        print(f"  {s.path.name:<24} {s.start.strftime('%Y-%m-%d %H:%M:%S'):<19} "
              f"{duration:>9} {alerts.get('CAUTION', 0):>8} {alerts.get('WARNING', 0):>8} "
              f"{alerts.get('DANGER', 0):>7} {s.faults:>7} {s.size_bytes / 1e6:>7.1f} MB"
              f"{mark}{problem}")
    total = sum(s.size_bytes for s in sessions) / 1e6
    print(f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}, {total:.1f} MB" + (
        f"; {len(doomed)} {'would be ' if dry_run else ''}removed" if doomed else ""))
