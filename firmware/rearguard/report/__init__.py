"""A report a person can look at: one HTML page with the summary, the annotated video, the
timeline and the events of one replayed session. Needs the optional ``report`` extra."""

from rearguard.report.page import render
from rearguard.report.summary import event_rows, summarize
from rearguard.report.timeline import timeline_png
from rearguard.report.video import annotate_video

__all__ = ["annotate_video", "event_rows", "render", "summarize", "timeline_png"]
