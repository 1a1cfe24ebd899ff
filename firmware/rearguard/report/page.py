"""The report page: one self-contained HTML file (video and chart inside it as data: URLs), so
it can be copied to a phone or mailed and opened in any browser without a server.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from rearguard.report.common import LEVEL_HEX
from rearguard.report.summary import Row, Summary

STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:12px;color:#222}
h1{font-size:1.3em} h2{font-size:1.1em;margin-top:1.4em}
.figures{display:flex;flex-wrap:wrap;gap:10px}
.figure{border:1px solid #ddd;border-radius:6px;padding:6px 12px;min-width:130px}
.figure b{display:block;font-size:1.3em}
video,img{max-width:100%;height:auto;border:1px solid #ddd}
table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #eee;padding:4px 8px;
text-align:left;vertical-align:top} .level{color:#fff;padding:1px 6px;border-radius:3px}
a.seek{font-variant-numeric:tabular-nums}
"""

# Clicking a time in the event table jumps the video there and plays it.
SCRIPT = """
const video = document.getElementById('video');
for (const link of document.querySelectorAll('a.seek')) {
  link.addEventListener('click', (event) => {
    event.preventDefault();
    if (!video) return;
    video.currentTime = parseFloat(link.dataset.videoS);
    video.scrollIntoView({behavior: 'smooth', block: 'center'});
    video.play().catch(() => {});
  });
}
"""


def data_url(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def render(title: str, summary: Summary, rows: list[Row], timeline: Path | None,
           video: Path | None) -> str:
    """The whole page as HTML text."""
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>", _figures(summary)]
    if video is not None:
        parts.append(f"<h2>Annotated video</h2><video id='video' controls preload='auto' "
                     f"playsinline src='{data_url(video, 'video/mp4')}'></video>")
    if timeline is not None:
        parts.append(f"<h2>Timeline</h2><img id='timeline' alt='distance, time to contact, "
                     f"alert level and motors over time' src='{data_url(timeline, 'image/png')}'>")
    parts += [_table(rows), f"<script>{SCRIPT}</script></body></html>"]
    return "\n".join(parts)


def _figures(s: Summary) -> str:
    closest = "-" if s.closest is None else \
        f"{s.closest.distance_m:.1f} m <small>{escape(s.closest.what)} at {s.closest.t:.1f} s" \
        f"</small>"
    faults = ", ".join(sorted({f["stage"] for f in s.faults})) or "none"
    figures = [("duration", f"{s.duration_s:.1f} s"),
               *((f"{level.lower()} alerts", str(n)) for level, n in s.alerts_by_level.items()),
               ("closest pass", closest), ("faults", f"{len(s.faults)} <small>"
                                                     f"{escape(faults)}</small>"),
               ("frames dropped", f"{s.frames_dropped} of {s.frames_total}")]
    cells = "".join(f"<div class='figure'>{name}<b>{value}</b></div>" for name, value in figures)
    notes = "".join(f"<p>note: {escape(n)}</p>" for n in s.notes)
    return f"<div class='figures' id='summary'>{cells}</div>{notes}"


def _table(rows: list[Row]) -> str:
    head = "<h2>Events</h2><table id='events'><tr><th>time</th><th>what</th><th></th></tr>"
    if not rows:
        return head + "<tr><td colspan='3'>no alerts, faults or button presses</td></tr></table>"
    body = []
    for r in rows:
        badge = f"<span class='level' style='background:{LEVEL_HEX[r.level]}'>{r.level}</span>" \
            if r.level else escape(r.kind)
        body.append(f"<tr><td><a class='seek' href='#video' data-video-s='{r.video_s:.3f}'>"
                    f"{r.t:.2f} s</a></td><td>{badge}</td><td>{escape(r.text)}</td></tr>")
    return head + "".join(body) + "</table>"
