"""Board profiles: how fast each Raspberry Pi runs the detector.

Replay uses a profile to model the device's inference time, so that frames a Pi would drop
("newest frame wins") are dropped in replay too, and alert timing in a test means what it would
mean on a run. The detector uses the profile's thread count.

The throughput figures are estimates (effective onnxruntime CPU GFLOP/s at the given thread
count, scaled from measured x86 figures by published per-core ratios); replace them with a
figure measured on the board (`rearguard bench` prints one) when you have it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoardProfile:
    name: str
    threads: int  # onnxruntime intra-op threads; one core is left for capture and fusion
    gflops_per_s: float  # effective detector throughput; 0 means "infinitely fast" (no model)
    overhead_s: float  # preprocessing, decoding and NMS per frame

    def inference_s(self, model_gflops: float) -> float:
        """Modelled time from a frame reaching the detector to its detections being ready."""
        if self.gflops_per_s <= 0:
            return 0.0
        return model_gflops / self.gflops_per_s + self.overhead_s


PROFILES: dict[str, BoardProfile] = {
    "pi5": BoardProfile("pi5", threads=3, gflops_per_s=32.0, overhead_s=0.005),
    "pi4": BoardProfile("pi4", threads=3, gflops_per_s=12.0, overhead_s=0.010),
    "zero2w": BoardProfile("zero2w", threads=3, gflops_per_s=3.0, overhead_s=0.030),
    # No board: every frame is processed, as if the detector took no time.
    "none": BoardProfile("none", threads=0, gflops_per_s=0.0, overhead_s=0.0),
}


def board_profile(name: str) -> BoardProfile:
    return PROFILES[name]
