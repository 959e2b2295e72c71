"""WCAG contrast of app.css's palette, light and dark, computed from the file itself.

Every colour of the stylesheet is a custom property of ``:root`` (light) or
of the ``prefers-color-scheme: dark`` block; the rules only use ``var()``.
Each pair below is a text colour on a background it is shown on (4.5:1,
WCAG 1.4.3) or a focus ring or field border on its surroundings (3:1,
WCAG 1.4.11), with the ratio from WCAG's relative luminance.
"""

import re
from pathlib import Path

import pytest

import web

CSS = (Path(web.__file__).parent / "static" / "app.css").read_text()
ROOT = re.compile(r":root\s*\{([^}]*)\}")
DARK = re.compile(r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}\s*\}")
PROPERTY = re.compile(r"--([\w-]+)\s*:\s*([^;]+);")
LITERAL = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")
RGB = re.compile(r"rgb\((\d+) (\d+) (\d+)(?: / (\d+)%)?\)")

TEXT = 4.5
NON_TEXT = 3.0
PAIRS = [
    # body text, secondary text, links and the user's own name on every background
    *[
        (fg, bg, TEXT)
        for fg in ("text", "muted", "accent")
        for bg in ("bg", "surface", "surface-2", "topbar-bg")
    ],
    ("text", "invalid-bg", TEXT),
    ("accent", "accent-soft", TEXT),  # a room card's "#", ghost buttons on hover
    ("text", "accent-soft", TEXT),  # the home page's file message
    ("success", "surface", TEXT),  # the home page's "typing"
    ("accent-strong", "accent-soft", TEXT),  # info flashes
    ("accent-strong", "surface", TEXT),  # links on hover
    ("on-fill", "accent-fill", TEXT),  # buttons, the brand mark
    ("on-fill", "accent-fill-strong", TEXT),  # buttons on hover
    *[("on-fill", f"avatar-{n}", TEXT) for n in range(6)],  # white initials
    ("success", "success-soft", TEXT),
    ("danger", "danger-soft", TEXT),
    ("danger", "surface", TEXT),  # a field's error
    ("warning", "warning-soft", TEXT),
    *[("focus", bg, NON_TEXT) for bg in ("bg", "surface", "surface-2")],
    *[("input-border", bg, NON_TEXT) for bg in ("surface", "surface-2")],
]


def palette(block: str) -> dict[str, str]:
    return {name: value.strip() for name, value in PROPERTY.findall(block)}


LIGHT = palette(ROOT.search(CSS).group(1))
DARK_THEME = {**LIGHT, **palette(DARK.search(CSS).group(1))}
THEMES = {"light": LIGHT, "dark": DARK_THEME}


def rgb(value: str, theme: dict[str, str]) -> tuple[float, float, float]:
    """``#rrggbb``, ``#rgb`` or ``rgb(r g b / a%)`` (composited over the page background)."""
    if value.startswith("#"):
        digits = value[1:] if len(value) == 7 else "".join(c * 2 for c in value[1:])
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))
    match = RGB.fullmatch(value)
    assert match, f"unreadable colour {value!r}"
    red, green, blue, alpha = match.groups()
    alpha = int(alpha or 100) / 100
    under = rgb(theme["bg"], theme)
    return tuple(alpha * int(c) + (1 - alpha) * u for c, u in zip((red, green, blue), under, strict=True))


def luminance(colour: tuple[float, float, float]) -> float:
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str, theme: dict[str, str]) -> float:
    lighter, darker = sorted(
        (luminance(rgb(theme[first], theme)), luminance(rgb(theme[second], theme))), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def test_the_ratio_is_wcags():
    theme = {"black": "#000", "white": "#ffffff", "amber": "#f59e0b", "bg": "#fff"}
    assert contrast("black", "white", theme) == pytest.approx(21)
    assert contrast("amber", "white", theme) == pytest.approx(2.15, abs=0.01)  # the old focus ring


def test_every_colour_is_a_palette_property():
    """No colour literal outside the two palette blocks, so the pairs below see every colour."""
    rules = DARK.sub("", ROOT.sub("", CSS, count=1))
    assert LITERAL.findall(rules) == []


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS, ids=[f"{fg}-on-{bg}" for fg, bg, _ in PAIRS])
def test_contrast_meets_wcag_aa(theme, fg, bg, minimum):
    ratio = contrast(fg, bg, THEMES[theme])
    assert ratio >= minimum, f"{fg} on {bg} ({theme}): {ratio:.2f}:1 < {minimum}:1"
