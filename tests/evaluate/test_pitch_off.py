"""`rearguard evaluate --pitch-off`: every clip replayed as if its camera's pitch had been
written a few degrees off, to measure how much the alerts lean on a guessed mounting."""

from __future__ import annotations

import dataclasses

from rearguard.config import load_config
from rearguard.drive.replay import pitch_off
from rearguard.session import open_session
from rearguard.session.settings import config_for_session
from tests.evaluate.test_mirror import recording


def test_the_stated_pitch_or_the_configs_is_written_off_within_what_a_meta_may_say(tmp_path):
    config = load_config(None)
    session = open_session(recording(tmp_path))  # states no mounting: the config's applies
    assert config_for_session(config, session).mounting.pitch_deg == 5.0
    off = pitch_off(session, 3.0, config.mounting)
    mounting = config_for_session(config, off).mounting
    assert mounting.pitch_deg == 8.0 and mounting.height_m == config.mounting.height_m
    assert "pitch +3 deg (--pitch-off)" in off.notes and "mounting" not in session.meta

    stated = dataclasses.replace(session, meta={**session.meta, "mounting": {
        "height_m": 2.5, "pitch_deg": 44.0}})
    assert config_for_session(config, pitch_off(stated, -3.0, config.mounting)) \
        .mounting.pitch_deg == 41.0
    assert config_for_session(config, pitch_off(stated, 3.0, config.mounting)) \
        .mounting.pitch_deg == 45.0  # the most a meta.toml may state
    assert pitch_off(stated, 0.0, config.mounting) is stated
