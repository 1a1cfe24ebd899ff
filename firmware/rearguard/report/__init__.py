"""Reports a person can look at: an annotated video and a timeline of one replayed session."""

from rearguard.report.timeline import timeline_png
from rearguard.report.video import annotate_video

__all__ = ["annotate_video", "timeline_png"]
