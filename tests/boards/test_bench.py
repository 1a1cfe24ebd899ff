"""`rearguard bench --json`: the keys the issue lists, from a short real run."""

from __future__ import annotations

import json

from rearguard.cli import main


def test_bench_json_has_the_figures(assets, capsys):
    assert main(["bench", "--json", "--model", "yolox_nano_416", "--threads", "1",
                 "--frames", "6", "--warmup", "2", "--live-seconds", "3",
                 "--recall-every", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overhead_ratio"] > 0.5
    assert set(report["this_machine_ms"]) >= {"yolox_nano_416", "yolox_nano_416 at 320, 16:9"}
    pi4 = report["boards"]["pi4"]
    assert pi4["catalog_view_ms"] >= 143  # the table, not GFLOPs: 416x416 at 7 FPS at best
    assert pi4["input_size"] == 320 and pi4["full_view_hz_when_near"] >= 5.0
    latency = report["latency"]
    for key in ("camera_p50_ms", "camera_p95_ms", "inference_p95_ms", "range_p50_ms",
                "range_p95_ms"):
        assert latency[key] is not None and latency[key] > 0, key
    assert latency["camera_p95_ms"] >= latency["camera_p50_ms"]
    assert report["frames_dropped"] >= 0 and report["rss_peak_mb"] > 50
    assert "rss_growth_mb_per_min" in report
