"""Draw hw/wiring.svg, the wiring diagram, from hw/pins.toml (the one source of the pins).

    python scripts/make_wiring_diagram.py          # rewrites hw/wiring.svg
    python scripts/make_wiring_diagram.py --check  # exit 1 if hw/wiring.svg is out of date

The 40-pin header as seen from above (pin 1 top left, odd pins on the left), every pin a part
uses coloured by that part and labelled with what it connects to. Plain SVG text, written by
hand so the output is small, byte-for-byte stable and readable in a diff.
"""

from __future__ import annotations

import argparse
import sys
from html import escape
from pathlib import Path

from rearguard.config.pins import HEADER_PIN, Wiring, parse_wiring

REPO = Path(__file__).resolve().parents[1]
PINS = REPO / "hw" / "pins.toml"
OUT = REPO / "hw" / "wiring.svg"

POWER = {1: "3V3", 17: "3V3", 2: "5V", 4: "5V"}
GROUND = (6, 9, 14, 20, 25, 30, 34, 39)
COLOURS = {"hcsr04": "#1f77b4", "motor": "#d62728", "button": "#2ca02c", "buzzer": "#9467bd",
           "i2c": "#ff7f0e", "bench": "#7f7f7f", "5V": "#b30000", "3V3": "#e6a100",
           "GND": "#000000", "free": "#d0d0d0"}
ROW_H, TOP, HEADER_X = 24, 70, 430
WIDTH, LABEL_GAP = 980, 36


def pin_uses(w: Wiring) -> dict[int, tuple[str, str]]:
    """Header pin -> (colour key, label) for every pin the default wiring or the bench uses."""
    uses: dict[int, tuple[str, str]] = {}

    def gpio(n: int, key: str, text: str) -> None:
        uses[HEADER_PIN[n]] = (key, f"GPIO {n}: {text}")

    gpio(w.trigger, "hcsr04", "HC-SR04 TRIG")
    gpio(w.echo, "hcsr04", "HC-SR04 ECHO via 1k/2k divider")
    for side, n in w.motors:
        gpio(n, "motor", f"motor {side}: MOSFET gate via 1k")
    gpio(w.button, "button", "button (other leg to GND)")
    gpio(w.buzzer_suggested, "buzzer", "buzzer, optional (set buzzer.pin)")
    gpio(w.sda, "i2c", f"SDA: MB1242 0x{w.mb1242_address:02X} / DRV2605L 0x{w.drv2605_address:02X}")
    gpio(w.scl, "i2c", "SCL: MB1242 / DRV2605L (optional)")
    lb = w.loopback
    for motor, sense in lb.motors.items():
        gpio(sense, "bench", f"bench only: 1k to GPIO {motor}")
    gpio(lb.hcsr04_trigger_sense, "bench", f"bench only: 1k to GPIO {w.trigger}")
    gpio(lb.hcsr04_echo_drive, "bench", f"bench only: 1k to GPIO {w.echo}")
    gpio(lb.button_drive, "bench", f"bench only: 1k to GPIO {w.button}")
    uses[2] = ("5V", "5V: HC-SR04 VCC")
    uses[4] = ("5V", "5V: spare (5 V motors)")
    uses[1] = ("3V3", "3V3: MB1242 / DRV2605L VIN (optional)")
    uses[17] = ("3V3", "3V3: motors + (3 V coin motors)")
    for pin in GROUND:
        uses.setdefault(pin, ("GND", "GND"))
    uses[6] = ("GND", "GND: HC-SR04 GND, divider bottom")
    uses[34] = ("GND", "GND: MOSFET sources")
    uses[39] = ("GND", "GND: button")
    return uses


def _pin_xy(pin: int) -> tuple[int, int]:
    row, right = (pin - 1) // 2, pin % 2 == 0
    return HEADER_X + (40 if right else 0), TOP + row * ROW_H


def wiring_svg(w: Wiring) -> str:
    uses = pin_uses(w)
    height = TOP + 20 * ROW_H + 150
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           '<text x="20" y="28" font-size="18" font-weight="bold">Rearguard default wiring '
           '(hw/pins.toml)</text>',
           '<text x="20" y="50" fill="#555">The 40-pin header seen from above. Pin 1 (square '
           'pad) is at the end farthest from the USB ports, on the inner row; the camera uses '
           'the CSI ribbon.</text>',
           f'<rect x="{HEADER_X - 18}" y="{TOP - 16}" width="76" height="{20 * ROW_H + 8}" '
           f'rx="6" fill="#2f4f2f"/>']
    for pin in range(1, 41):
        out += _pin(pin, uses.get(pin))
    out += _legend(TOP + 20 * ROW_H + 20)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _pin(pin: int, use: tuple[str, str] | None) -> list[str]:
    x, y = _pin_xy(pin)
    key, label = use if use else ("free", "")
    colour = COLOURS[key]
    parts = [f'<circle cx="{x}" cy="{y}" r="8" fill="{colour}" stroke="white"/>',
             f'<text x="{x}" y="{y + 4}" font-size="9" fill="white" text-anchor="middle">'
             f'{pin}</text>']
    if not label:
        return parts
    right = pin % 2 == 0
    end = x + LABEL_GAP if right else x - LABEL_GAP
    anchor = "start" if right else "end"
    text_x = end + 4 if right else end - 4
    dash = ' stroke-dasharray="4 3"' if key == "bench" else ""
    parts += [f'<line x1="{x + (9 if right else -9)}" y1="{y}" x2="{end}" y2="{y}" '
              f'stroke="{colour}" stroke-width="2"{dash}/>',
              f'<text x="{text_x}" y="{y + 4}" fill="{colour}" text-anchor="{anchor}">'
              f'pin {pin} {escape(label)}</text>']
    return parts


def _legend(y: int) -> list[str]:
    items = [("hcsr04", "HC-SR04 rangefinder"), ("motor", "vibration motors"),
             ("button", "push button"), ("buzzer", "buzzer (optional)"),
             ("i2c", "I2C alternatives"), ("bench", "HIL bench jumpers (hw/loopback.md)"),
             ("5V", "5 V"), ("3V3", "3.3 V"), ("GND", "ground")]
    out = []
    for i, (key, text) in enumerate(items):
        x, row_y = 20 + (i % 3) * 320, y + (i // 3) * 24
        out += [f'<circle cx="{x + 8}" cy="{row_y}" r="7" fill="{COLOURS[key]}"/>',
                f'<text x="{x + 22}" y="{row_y + 4}">{escape(text)}</text>']
    out.append(f'<text x="20" y="{y + 84}" fill="#555">Part-level wiring (the ECHO divider, '
               'the MOSFET and flyback diode per motor): hw/wiring.md.</text>')
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check hw/wiring.svg")
    args = parser.parse_args(argv)
    svg = wiring_svg(parse_wiring(PINS.read_text(), str(PINS)))
    if args.check:
        if OUT.read_text() != svg:
            print(f"{OUT} is out of date: run python scripts/make_wiring_diagram.py",
                  file=sys.stderr)
            return 1
        return 0
    OUT.write_text(svg)
    print(f"wrote {OUT} ({len(svg.encode()) / 1024:.1f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
