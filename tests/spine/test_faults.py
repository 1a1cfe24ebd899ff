"""One test per fault kind of `run --simulate --inject`: the runner feels it within 1 s, the
loop keeps warning, the event log names the cause, and the fault clears when the part recovers.

The README's fault table is these tests' figures (``FELT_WITHIN_S`` is what they enforce).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rearguard.session import open_session

from .faults import CLIP, LEVEL_PATTERNS, echo_at, simulated_run

FELT_WITHIN_S = 1.0
BUZZER_PIN = 5


@dataclass(frozen=True)
class Case:
    stage: str
    pattern: str  # what the runner feels when it starts
    cause: str  # words the fault event's cause must contain
    config: str = ""
    clip: bool = False  # the rangefinder is what breaks: warnings must come from the camera
    record: bool = False


MB1242 = '[[rangefinders]]\nname = "rear"\nkind = "mb1242"\n'
CASES = {
    "camera-stop": Case("camera", "fault-camera", "nothing for"),
    "camera-hang": Case("camera", "fault-camera", "nothing for"),
    "camera-frozen": Case("camera", "fault-camera", "frozen"),
    "ranger-dead": Case("ranger", "fault-ranger", "no answer to 5 pings", clip=True),
    "echo-stuck": Case("ranger", "fault-ranger", "echo line stuck high", clip=True),
    "ranger-i2c": Case("ranger", "fault-ranger", "I2C error at 0x70", MB1242, clip=True),
    "motor-i2c": Case("haptics", "fault-haptics", "Remote I/O error",
                      f"[buzzer]\npin = {BUZZER_PIN}\n"),
    "motor-i2c drv2605": Case("haptics", "fault-haptics", "I2C write",
                              f'[haptics]\ndriver = "drv2605"\n[buzzer]\npin = {BUZZER_PIN}\n'),
    "detector-raise": Case("detector", "fault-camera", "injected detector failure"),
    "detector-slow": Case("detector", "fault-camera", "nothing for"),
    "detector-hang": Case("detector", "fault-camera", "nothing for"),
    "disk-full": Case("storage", "fault-storage", "No space left on device", record=True),
}


def _run(kind: str, case: Case, tmp_path, assets):
    config = case.config
    if case.record:
        config += f'[recording]\ndir = "{tmp_path / "sessions"}"\n'
    if case.clip:  # people approach in the clip from about 3 s on
        return simulated_run(tmp_path, seconds=5.5, inject=[f"{kind}@1.5+2.5"],
                             config_text=config, video=assets / CLIP)
    # Something comes within a metre of the runner's back while the part is broken.
    return simulated_run(tmp_path, seconds=4.0, inject=[f"{kind}@0.8+1.5"], config_text=config,
                         record=case.record, steer=[(1.3, echo_at(0.6))])


@pytest.mark.parametrize("name", sorted(CASES))
def test_fault_is_felt_survived_named_and_cleared(name, tmp_path, assets):
    case, kind = CASES[name], name.split()[0]  # "motor-i2c drv2605": the kind, on that driver
    result = _run(kind, case, tmp_path, assets)
    assert result.status == 0
    broken, mended = result.injected(kind), result.injected(kind, broken=False)

    # The event log names the stage and the cause, once, soon after the break.
    started = [f for f in result.faults(case.stage, True) if f["t"] >= broken]
    assert started, f"no {case.stage} fault after {kind}: {result.kinds('fault')}"
    assert case.cause in started[0]["cause"], started[0]
    assert started[0]["t"] - broken <= FELT_WITHIN_S

    # The runner feels it within a second (the buzzer, when the motors are what broke).
    felt = result.patterns((case.pattern,), broken, broken + FELT_WITHIN_S)
    assert felt, f"{case.pattern} not played within {FELT_WITHIN_S} s of {kind}"
    if kind == "motor-i2c":
        buzzer = result.sim.pins.pin(BUZZER_PIN).changes
        assert any(broken <= t <= broken + FELT_WITHIN_S and v for t, v in buzzer)

    # The loop keeps warning while the part is broken.
    warnings = result.patterns(LEVEL_PATTERNS, broken, mended)
    assert warnings, f"no warning played while {kind} was broken"
    if kind == "motor-i2c":  # heard: the danger pattern beeps on the buzzer
        assert sum(1 for t, v in buzzer if warnings[0]["t"] <= t <= mended and v) >= 3

    # It clears when the part recovers, and its pattern does not come back.
    cleared = [f for f in result.faults(case.stage, False) if f["t"] >= mended]
    assert cleared, f"{case.stage} fault did not clear after {kind} was mended"
    assert not result.patterns((case.pattern,), cleared[0]["t"])
    assert not [f for f in result.faults(case.stage, True) if f["t"] > cleared[0]["t"]]

    # The README's fault table row (pytest -s shows it).
    print(f"\n| `{name}` | {felt[0]['t'] - broken:.2f} s ({case.pattern}) | yes: "
          f"{warnings[0]['pattern']} | clears {cleared[0]['t'] - mended:.2f} s after the "
          f"part recovers |")

    if kind.startswith("camera-"):  # a camera coming back is not followed by a detector fault
        assert not [f for f in result.faults("detector", True) if f["t"] >= mended]

    if case.record:  # what was recorded stays a session that replays
        (folder,) = (tmp_path / "sessions").iterdir()
        assert open_session(folder).frame_count > 0
