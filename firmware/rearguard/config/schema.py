"""Every setting Rearguard has, as plain data (the picamera2 way: configurations are data).

Each section is a frozen dataclass; each field's metadata says what values are allowed, and
its ``doc`` is what ``example.toml`` explains. The loader (``rearguard.config.loader``) checks
a TOML file against these classes before anything starts. The example file beside this module
sets every key to its default value; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rearguard.config.pins import default_wiring

WIRING = default_wiring()  # hw/pins.toml: the default pins and I2C addresses
GPIO_PINS = (2, 27)  # BCM numbers on the 40-pin header
BOARD_PROFILES = ("pi5", "pi4", "zero2w", "none")
BODY_SIDES = ("left", "centre", "right")


def setting(default: Any = None, *, doc: str, min: float | None = None, max: float | None = None,
            choices: tuple[Any, ...] | None = None, factory: Any = None) -> Any:
    """A config field with its documentation and the range or choices it accepts."""
    meta = {"doc": doc, "min": min, "max": max, "choices": choices}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class BoardConfig:
    profile: str = setting("pi4", choices=BOARD_PROFILES, doc=(
        "Which Raspberry Pi this runs on. Sets the detector's thread count and, in replay, the "
        "inference time that decides which frames the board would have dropped."))


@dataclass(frozen=True)
class CameraConfig:
    source: str = setting("picamera2", choices=("picamera2", "opencv"), doc=(
        "picamera2 for a Raspberry Pi camera module; opencv for a USB camera or a video file."))
    device: str = setting("0", doc="For source = opencv: a camera index (\"0\") or a video path.")
    width: int = setting(1280, min=160, max=4608, doc=(
        "Main stream width, pixels. With the far view on, the detector and the recording get "
        "this stream: the far view's window is cut from it at full resolution."))
    height: int = setting(720, min=120, max=2592, doc="Main stream height, pixels.")
    detect_width: int = setting(640, min=160, max=1920, doc=(
        "Low-resolution stream handed to the detector (and recorded) when the far view is "
        "off, pixels. Keep it near the model's input."))
    detect_height: int = setting(360, min=120, max=1080, doc="Low-resolution stream height.")
    fps: int = setting(20, min=1, max=120, doc="Fixed camera frame rate, frames per second.")
    rotate_180: bool = setting(False, doc="Set when the camera is mounted upside down.")
    lens: str = setting("cm3-normal", choices=("cm3-normal", "cm3-wide", "calibrated"), doc=(
        "Lens model: the documented defaults for Camera Module 3 (normal or wide), or "
        "'calibrated' to use the file written by `rearguard calibrate`."))
    calibration_file: str = setting("", doc=(
        "Intrinsics file from `rearguard calibrate`, used when lens = 'calibrated'."))


@dataclass(frozen=True)
class MountingConfig:
    height_m: float = setting(1.1, min=0.2, max=2.5, doc=(
        "Height of the camera above the ground, metres (chest strap ~1.3, hip belt ~1.0)."))
    pitch_deg: float = setting(5.0, min=-45.0, max=45.0, doc=(
        "How far the camera looks down from horizontal, degrees (negative looks up)."))


@dataclass(frozen=True)
class DetectorConfig:
    model: str = setting("auto", doc=(
        "Model name from models/catalog.toml (`rearguard model list`), or auto: the board's "
        "default, the best model and input size that keep the full view at 5 Hz with "
        "onnxruntime (rearguard/boards.py: YOLOX-Nano at 416 on a Pi 5, at 320 on a Pi 4)."))
    model_file: str = setting("", doc=(
        "Path to the .onnx file; empty means models/<catalog file name> in the asset folder."))
    score_threshold: float = setting(0.0, min=0.0, max=0.99, doc=(
        "Lowest detection score kept; 0 takes the model's own from the catalog. Lower finds "
        "more, with more false obstacles."))
    weak_score_threshold: float = setting(0.1, min=0.0, max=0.99, doc=(
        "The far view's boxes scored between this and score_threshold are kept as weak: they "
        "never make an obstacle by themselves, but gather the evidence and the growth of a "
        "far object before the detector is sure of it, which is then an obstacle on its "
        "first sure box (a car 40 m away scores 0.15-0.2 in the far view of a Pi 4). 0, or "
        "not below score_threshold: no weak boxes."))
    nms_iou: float = setting(0.0, min=0.0, max=0.95, doc=(
        "Boxes overlapping more than this (IoU) are merged by non-maximum suppression; 0 takes "
        "the model's own."))
    threads: int = setting(0, min=0, max=8, doc="onnxruntime threads; 0 takes the board's.")
    input_size: int = setting(0, min=0, max=1280, doc=(
        "The network's input, longest side in pixels; 0 takes the board's choice with model "
        "auto, else the catalog's. A model that takes any size (YOLOX) gets an input of the "
        "frame's shape: a 16:9 frame at 416 is fed as 416x256, not letterboxed into a "
        "416x416 square, the same scene for 62 % of the work. Other models take only their "
        "catalog size. Smaller is faster and sees less far away."))


@dataclass(frozen=True)
class FarViewConfig:
    enabled: bool = setting(True, doc=(
        "A second look at the far end of the path: a window of 1/zoom of the frame around the "
        "vanishing point (from [mounting] pitch_deg), at full resolution, fed to the same "
        "model, so people 20-25 m away are zoom times larger to it. Its detections join the "
        "full view's in frame pixels. On the device the detector then gets the camera's main "
        "stream (camera.width x height) instead of the low-resolution one."))
    zoom: float = setting(2.0, min=1.2, max=4.0, doc=(
        "How much larger the far view shows things than the full view (its window is 1/zoom "
        "of the frame's width and height, unless narrowed)."))
    window_width: float = setting(0.0, min=0.0, max=1.0, doc=(
        "0 (the default): the far view's window is 1/zoom of the frame. Set with "
        "window_height to narrow it to the far end of the path: this share of the frame's "
        "width (rounded down to the model's input steps), fed at its own size to a model that "
        "takes any input size (YOLOX), so it costs less than a full view: 0.45 x 0.36 at "
        "zoom 2 is 100 ms on a Pi 4 against 148, and the full view keeps 5 Hz with a far "
        "view every 3rd frame. Not the default: people 7-12 m away no longer fit it, and on "
        "a Pi 4 they are then seen on 2 frames of 3 (see the README's far view)."))
    window_height: float = setting(0.0, min=0.0, max=1.0, doc=(
        "The narrowed window's share of the frame's height (with window_width; 0: 1/zoom). "
        "0.36 is +-8 degrees about the horizon with Camera Module 3's normal lens: a person "
        "15 m away, feet to head, with 3 degrees of gait pitch to spare."))
    every: int = setting(2, min=1, max=20, doc=(
        "Run the far view on every Nth frame the detector takes (2: at most one extra "
        "inference per two frames)."))
    min_full_view_hz: float = setting(5.0, min=0.0, max=30.0, doc=(
        "While something is near (near_m), the far view runs less often when it would push "
        "the full view's rate below this (from the measured inference time live, the board's "
        "figure in replay); 0: never held back."))
    own_frame_after_ms: float = setting(100.0, min=0.0, max=10000.0, doc=(
        "On a board where one view takes longer than this, the far view takes a frame of its "
        "own, alternating with the full view, instead of running after the full view on the "
        "same frame (which holds that frame's detections back by a whole view). Measured on "
        "the scenes and footage: a Pi 4 (148 ms a view) gives more warning its own way, a Pi 5 "
        "(56 ms) sharing frames; 0: always a frame of its own."))
    near_m: float = setting(10.0, min=0.0, max=50.0, doc=(
        "Scheduling by need: while no obstacle is nearer than this, what matters is what comes "
        "from afar, and the far view runs every `every` frames whatever it costs the full "
        "view; once one is, the full view keeps min_full_view_hz."))


@dataclass(frozen=True)
class TrackingConfig:
    confirm_hits: int = setting(3, min=1, max=20, doc=(
        "Detections needed before a track counts as an obstacle; two are enough when the "
        "object's own pixels show it reaching the lens within alert.danger_ttc_s."))
    drop_after_s: float = setting(1.0, min=0.05, max=5.0, doc=(
        "A track not seen for this long is dropped (time, not frames: dropped frames are fine). "
        "Long enough to keep a person through a passer-by's occlusion at a Pi 4's 5 Hz; its "
        "time to contact is void after 0.5 s unseen all the same."))
    match_iou: float = setting(0.2, min=0.01, max=0.9, doc=(
        "Least overlap between a track's predicted box and a detection to match them."))


@dataclass(frozen=True)
class RangefinderConfig:
    name: str = setting("rear", doc="A name for this sensor, used in logs and sensors.jsonl.")
    kind: str = setting("hcsr04", choices=("hcsr04", "mb1242"), doc=(
        "hcsr04: HC-SR04 on two GPIO pins; mb1242: MaxBotix I2CXL-MaxSonar-EZ on I2C."))
    trigger_pin: int | None = setting(None, min=GPIO_PINS[0], max=GPIO_PINS[1], doc=(
        "hcsr04 only: BCM GPIO of TRIG."))
    echo_pin: int | None = setting(None, min=GPIO_PINS[0], max=GPIO_PINS[1], doc=(
        "hcsr04 only: BCM GPIO of ECHO (through a 5 V -> 3.3 V divider)."))
    i2c_bus: int = setting(WIRING.i2c_bus, min=0, max=22,
                           doc="mb1242 only: I2C bus number (/dev/i2c-N).")
    address: int = setting(WIRING.mb1242_address, min=0x08, max=0x77,
                           doc="mb1242 only: 7-bit I2C address.")
    max_distance_m: float = setting(4.0, min=0.5, max=8.0, doc=(
        "Farthest reading trusted; an echo beyond it is treated as no echo."))
    beam_deg: float = setting(15.0, min=2.0, max=60.0, doc="Full width of the sensor's beam.")
    bearing_deg: float = setting(0.0, min=-90.0, max=90.0, doc=(
        "Where the sensor points relative to the camera axis, degrees, positive to image right."))
    rate_hz: float = setting(15.0, min=1.0, max=40.0, doc=(
        "Readings per second. HC-SR04 needs ~60 ms between pings for echoes to die out."))


def _default_rangefinders() -> list[RangefinderConfig]:
    return [RangefinderConfig(name="rear", kind="hcsr04", trigger_pin=WIRING.trigger,
                              echo_pin=WIRING.echo)]


@dataclass(frozen=True)
class MotorConfig:
    side: str = setting("centre", choices=BODY_SIDES, doc="Where on the runner's back it sits.")
    pin: int = setting(WIRING.motor_pin("centre"), min=GPIO_PINS[0], max=GPIO_PINS[1], doc=(
        "BCM GPIO driving the motor's transistor (PWM)."))


def _default_motors() -> list[MotorConfig]:
    return [MotorConfig(side=side, pin=gpio) for side, gpio in WIRING.motors]


@dataclass(frozen=True)
class HapticsConfig:
    driver: str = setting("pwm", choices=("pwm", "drv2605", "none"), doc=(
        "pwm: one to three motors on GPIO through transistors; drv2605: one motor on a "
        "DRV2605L haptic driver over I2C; none: no motor (logs only)."))
    motors: list[MotorConfig] = setting(factory=_default_motors, doc=(
        "driver = pwm: one [[haptics.motors]] table per motor (one to three)."))
    pwm_frequency_hz: int = setting(200, min=50, max=20000, doc="PWM frequency for the motors.")
    i2c_bus: int = setting(WIRING.i2c_bus, min=0, max=22,
                           doc="driver = drv2605: I2C bus number.")
    address: int = setting(WIRING.drv2605_address, min=0x08, max=0x77,
                           doc="driver = drv2605: I2C address.")
    actuator: str = setting("erm", choices=("erm", "lra"), doc=(
        "driver = drv2605: erm = eccentric rotating mass (coin motor), lra = linear resonant "
        "actuator."))
    rated_voltage_v: float = setting(3.0, min=0.5, max=5.0, doc=(
        "driver = drv2605: the motor's rated voltage, for auto-calibration."))
    overdrive_voltage_v: float = setting(3.3, min=0.5, max=5.6, doc=(
        "driver = drv2605: the most the driver may apply briefly to start and stop the motor."))
    max_intensity: float = setting(1.0, min=0.1, max=1.0, doc="Scales every pattern's strength.")


@dataclass(frozen=True)
class AlertConfig:
    contact_margin_m: float = setting(1.0, min=0.0, max=3.0, doc=(
        "Time to contact counts to the moment an obstacle is this near, not to the lens: "
        "nearer, the runner has no room left to step aside (the evaluation's contact too)."))
    caution_ttc_s: float = setting(4.0, min=0.5, max=15.0, doc=(
        "CAUTION when the time to contact falls below this, seconds."))
    caution_sigmas: float = setting(0.5, min=0.0, max=3.0, doc=(
        "CAUTION once contact within caution_ttc_s is likely: the time to contact plus this "
        "many of its standard deviations. A heads-up on an estimate this unsure is most often "
        "a far walker's box noise, and an alert given and taken back is a needless buzz; the "
        "WARNING takes the other side (warning_sigmas). 0: the estimate alone."))
    warning_ttc_s: float = setting(2.5, min=0.5, max=10.0, doc=(
        "WARNING below this time to contact. At least 2 s before contact at running speeds."))
    warning_sigmas: float = setting(0.5, min=0.0, max=3.0, doc=(
        "WARNING once contact within warning_ttc_s is this plausible: the time to contact "
        "less this many of its standard deviations. An estimate known to +-25 % is as often "
        "late as early, and a late WARNING costs the runner the step aside; 0: the estimate "
        "alone."))
    danger_ttc_s: float = setting(1.2, min=0.2, max=5.0, doc="DANGER below this, seconds.")
    caution_distance_m: float = setting(6.0, min=0.5, max=30.0, doc=(
        "CAUTION for an approaching obstacle nearer than this even without a time to contact."))
    warning_distance_m: float = setting(3.0, min=0.3, max=20.0, doc="WARNING nearer than this.")
    danger_range_m: float = setting(1.0, min=0.2, max=4.0, doc=(
        "DANGER at once when a rangefinder reads nearer than this."))
    min_closing_speed_mps: float = setting(0.3, min=0.0, max=5.0, doc=(
        "An obstacle closing slower than this is not approaching (people walking alongside)."))
    path_half_width_m: float = setting(0.6, min=0.2, max=5.0, doc=(
        "Half the width of the runner's path: an obstacle whose nearest side stays farther "
        "than this from the path's centre line (judged over time, moved on by its sideways "
        "speed to the moment of contact) passes beside the runner and is at most a CAUTION."))
    hysteresis: float = setting(0.6, min=0.0, max=1.0, doc=(
        "A level is left only when its threshold is exceeded by this fraction, so it never "
        "flickers at a boundary. A time to contact re-estimated from a few more looks moves "
        "by 30-50 % (a jogger 20 m away: 1.9 s, then 3.5 s; a walker 8 m ahead: 2.9 s, then "
        "4.3 s): 0.6 leaves a WARNING only beyond caution_ttc_s (4 s), a DANGER only beyond "
        "1.9 s, a CAUTION beyond 6.4 s."))
    min_dwell_s: float = setting(0.6, min=0.0, max=5.0, doc=(
        "Least time a level holds before it may drop (rising is always at once)."))
    mute_s: float = setting(20.0, min=0.0, max=300.0, doc=(
        "Longest a button mute silences DANGER and fault patterns, seconds."))
    fault_reminder_s: float = setting(30.0, min=5.0, max=600.0, doc=(
        "While a stage stays lost, its fault pattern is played again this often."))
    tick_hz: float = setting(20.0, min=2.0, max=100.0, doc="Fusion and policy update rate.")


@dataclass(frozen=True)
class ButtonConfig:
    pin: int | None = setting(WIRING.button, min=GPIO_PINS[0], max=GPIO_PINS[1], doc=(
        "BCM GPIO of a push button to ground (internal pull-up); unset for no button."))
    long_press_s: float = setting(2.0, min=0.5, max=10.0, doc=(
        "Holding this long requests a safe shutdown; a short press pauses and resumes."))


@dataclass(frozen=True)
class BuzzerConfig:
    pin: int | None = setting(None, min=GPIO_PINS[0], max=GPIO_PINS[1], doc=(
        "BCM GPIO of an optional active piezo buzzer, an audible fallback; unset for none."))


@dataclass(frozen=True)
class RecordingConfig:
    enabled: bool = setting(False, doc="Record every run as a session folder.")
    dir: str = setting("/var/lib/rearguard/sessions", doc="Where recorded sessions go.")
    jpeg_quality: int = setting(85, min=30, max=100, doc="Quality of recorded frames.")
    max_total_mb: int = setting(4000, min=10, max=1_000_000, doc=(
        "Most space all sessions together may use, MB; the oldest sessions are removed to "
        "stay under it."))
    min_free_mb: int = setting(200, min=0, max=100_000, doc=(
        "Least free space to leave on the disk, MB; the oldest sessions are removed for it, "
        "and recording stops (alerts go on) when nothing is left to remove."))


@dataclass(frozen=True)
class SupervisorConfig:
    camera_stale_s: float = setting(0.5, min=0.1, max=10.0, doc=(
        "No frame (or the same frozen picture) for this long: camera lost, fall back to the "
        "rangefinder alone."))
    ranger_stale_s: float = setting(0.6, min=0.1, max=10.0, doc=(
        "No reading (echo or no echo) for this long: rangefinder lost, camera alone."))
    detector_stale_s: float = setting(0.8, min=0.2, max=20.0, doc=(
        "No detector result for this long while frames arrive: detector lost. Keep it above "
        "the board's inference time."))
    hung_s: float = setting(2.0, min=0.5, max=60.0, doc=(
        "A thread (camera, detector, rangefinder, haptics, main loop) that has not come round "
        "for this long is hung: the systemd watchdog is no longer petted, and systemd restarts "
        "the service."))


@dataclass(frozen=True)
class Config:
    """The whole configuration. ``source`` names the file it came from (for error messages)."""

    board: BoardConfig = field(default_factory=BoardConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    mounting: MountingConfig = field(default_factory=MountingConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    far_view: FarViewConfig = field(default_factory=FarViewConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    rangefinders: list[RangefinderConfig] = field(default_factory=_default_rangefinders)
    haptics: HapticsConfig = field(default_factory=HapticsConfig)
    alert: AlertConfig = field(default_factory=AlertConfig)
    button: ButtonConfig = field(default_factory=ButtonConfig)
    buzzer: BuzzerConfig = field(default_factory=BuzzerConfig)
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    supervisor: SupervisorConfig = field(default_factory=SupervisorConfig)
    source: str = field(default="<defaults>", compare=False)
