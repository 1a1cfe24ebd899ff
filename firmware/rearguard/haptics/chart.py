"""A timing chart of the haptic patterns, drawn with OpenCV (no plotting library on the device)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from rearguard.haptics.patterns import Pattern

ROW_PX, LABEL_PX, PX_PER_S, SECONDS = 46, 150, 260, 3.0
INK, GRID, BAR = (40, 40, 40), (215, 215, 215), (60, 110, 220)


def timing_chart(patterns: Sequence[Pattern], seconds: float = SECONDS) -> np.ndarray:
    """One row per pattern: bars whose height is the motor strength, over ``seconds``."""
    width = LABEL_PX + int(seconds * PX_PER_S) + 20
    height = ROW_PX * len(patterns) + 40
    image = np.full((height, width, 3), 255, np.uint8)
    for s in range(int(seconds) + 1):
        x = LABEL_PX + s * PX_PER_S
        cv2.line(image, (x, 10), (x, height - 25), GRID, 1)
        cv2.putText(image, f"{s} s", (x - 8, height - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.4, INK, 1,
                    cv2.LINE_AA)
    for row, pattern in enumerate(patterns):
        base = 10 + ROW_PX * (row + 1) - 8
        cv2.putText(image, pattern.name, (8, base - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.5, INK, 1,
                    cv2.LINE_AA)
        cv2.line(image, (LABEL_PX, base), (width - 20, base), GRID, 1)
        _bars(image, pattern, base, seconds)
    return image


def _bars(image: np.ndarray, pattern: Pattern, base: int, seconds: float) -> None:
    t = 0.0
    while t < seconds and pattern.steps:
        for duration, intensity in pattern.steps:
            if intensity > 0 and t < seconds:
                x1 = LABEL_PX + int(t * PX_PER_S)
                x2 = LABEL_PX + int(min(t + duration, seconds) * PX_PER_S)
                top = base - int(intensity * (ROW_PX - 16))
                cv2.rectangle(image, (x1, top), (x2, base), BAR, cv2.FILLED)
            t += duration
        if not pattern.repeat:
            break
