"""The board timing table: every figure has a source, and replay never flatters a Pi."""

from __future__ import annotations

import pytest

from rearguard.boards import PROFILES, TIMINGS, board_profile, resolve_model
from rearguard.detection import load_catalog


@pytest.mark.parametrize("board", sorted(TIMINGS))
def test_every_catalog_model_has_a_sourced_figure_on_every_board(board):
    assert set(TIMINGS[board]) == set(load_catalog())
    for model, timing in TIMINGS[board].items():
        assert timing.ms > 0 and len(timing.source) > 20, (board, model)


def test_the_pi4_is_not_flattered():
    """Qengineering's ncnn YOLOX-Nano 416 runs at 7 FPS on an overclocked Pi 4: onnxruntime on a
    stock board cannot be faster than 143 ms, the figure the old GFLOPs model put near 100 ms."""
    pi4 = board_profile("pi4")
    assert pi4.inference_s("yolox_nano_416") >= 1 / 7.0
    assert pi4.inference_s("nanodet_m_320") >= 1 / 13.0
    assert board_profile("pi5").inference_s("nanodet_m_320") >= 1 / 43.0


def test_models_are_ranked_as_measured_not_by_gflops():
    """PicoDet-XS has fewer GFLOPs than YOLOX-Nano but runs slower; the table says so."""
    catalog = load_catalog()
    assert catalog["picodet_xs_320"].gflops < catalog["yolox_nano_416"].gflops
    for board in TIMINGS:
        assert TIMINGS[board]["picodet_xs_320"].ms > TIMINGS[board]["yolox_nano_416"].ms


def test_auto_picks_a_model_that_keeps_the_full_view_near_5_hz():
    assert resolve_model("auto", PROFILES["pi5"]) == "yolox_nano_416"
    assert resolve_model("auto", PROFILES["pi4"]) == "nanodet_m_320"  # YOLOX: 2.7 Hz
    assert resolve_model("auto", None) == "yolox_nano_416"
    assert resolve_model("picodet_xs_320", PROFILES["pi4"]) == "picodet_xs_320"


def test_no_board_models_no_time_and_an_unknown_model_is_named():
    assert board_profile("none").inference_s("anything") == 0.0
    with pytest.raises(KeyError, match="no timing for model 'mystery'"):
        board_profile("pi4").inference_s("mystery")
