"""Colour-vision deficiency simulation and colour difference, for the verdict colour tests.

Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model for Simulation of
Color Vision Deficiency", severity 1.0 (dichromacy), applied in linear sRGB; difference
as CIE76 ΔE in CIELAB (D65). A ΔE of about 2 is just noticeable side by side; 20 and more
is two clearly different colours.
"""

from __future__ import annotations

import math

DEFICIENCIES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


def parse(css: str) -> tuple[int, int, int]:
    """``rgb(r, g, b)``/``rgba(...)`` as getComputedStyle gives it, or ``#rrggbb``."""
    css = css.strip()
    if css.startswith("#"):
        return int(css[1:3], 16), int(css[3:5], 16), int(css[5:7], 16)
    parts = css[css.index("(") + 1 : css.index(")")].replace(",", " ").split()
    r, g, b = (round(float(x)) for x in parts[:3])
    return r, g, b


def _linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _lab(rgb_linear: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = rgb_linear
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return math.copysign(abs(t) ** (1 / 3), t) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def seen(rgb: tuple[int, int, int], deficiency: str | None = None) -> tuple[float, float, float]:
    """CIELAB of ``rgb`` as a person with ``deficiency`` (None: typical vision) sees it."""
    lin = tuple(_linear(c) for c in rgb)
    if deficiency is not None:
        m = DEFICIENCIES[deficiency]
        lin = tuple(min(max(sum(m[i][j] * lin[j] for j in range(3)), 0.0), 1.0)
                    for i in range(3))
    return _lab(lin)  # type: ignore[arg-type]


def delta_e(a: tuple[int, int, int], b: tuple[int, int, int], deficiency: str | None = None) -> float:
    return math.dist(seen(a, deficiency), seen(b, deficiency))
