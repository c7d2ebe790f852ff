"""Colours, fonts and number formatting shared by every drawing.

The colours come from the Okabe–Ito palette, chosen to stay distinct for the common forms of
colour blindness; every theme has an opaque background so a drawing never vanishes on a dark
slide. Roles are told apart by fill, gradient signs by colour *and* by the printed sign.
"""

from __future__ import annotations

import html
import math
import unicodedata
from dataclasses import dataclass

__all__ = ["Theme", "THEMES", "get_theme", "format_number", "escape", "pad"]

# Okabe & Ito (2008), "Color Universal Design".
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"


@dataclass(frozen=True)
class Theme:
    """Every colour a drawing uses. Roles: input, parameter, constant, intermediate, output."""

    name: str
    background: str
    text: str
    muted: str  # secondary text: captions, "data"/"grad" tags, pending gradients
    border: str
    edge: str
    input: str
    parameter: str
    constant: str
    intermediate: str
    output: str
    op: str
    op_text: str
    cell: str  # background of the data and grad cells
    positive: str  # text colour of a positive gradient
    negative: str  # text colour of a negative gradient
    positive_fill: str
    negative_fill: str
    highlight: str  # the node and edges of the current backward step
    highlight_fill: str
    new: str  # gradients that changed in the current step
    cluster: str
    font: str = "Arial"
    mono: str = "Courier"

    def role_fill(self, role: str) -> str:
        return getattr(self, role)


LIGHT = Theme(
    name="light",
    background="#FFFFFF",
    text="#1A1A1A",
    muted="#6B6B6B",
    border="#4D4D4D",
    edge="#5A5A5A",
    input="#CFE8F7",  # sky blue, lightened
    parameter="#FBE2B0",  # orange, lightened
    constant="#F2F2F2",
    intermediate="#FFFFFF",
    output="#BFE6D8",  # bluish green, lightened
    op="#FFF7C7",  # yellow, lightened
    op_text="#1A1A1A",
    cell="#FFFFFF",
    positive=BLUE,
    negative=VERMILLION,
    positive_fill="#E3EFF8",
    negative_fill="#FBE7DB",
    highlight=REDDISH_PURPLE,
    highlight_fill="#F5E1EC",
    new="#8E3B6A",
    cluster="#F7F7F7",
)

DARK = Theme(
    name="dark",
    background="#16181D",
    text="#ECECEC",
    muted="#A0A4AB",
    border="#8A9099",
    edge="#9AA0A8",
    input="#1D4866",  # sky blue, darkened
    parameter="#5E4310",  # orange, darkened
    constant="#2A2D33",
    intermediate="#22252B",
    output="#0B5443",  # bluish green, darkened
    op="#4A4520",  # yellow, darkened
    op_text="#F4F0C8",
    cell="#1C1F25",
    positive=SKY_BLUE,
    negative="#FF8A3D",  # vermillion, lifted for contrast on dark grey
    positive_fill="#173246",
    negative_fill="#47281A",
    highlight="#E59CC5",  # reddish purple, lifted
    highlight_fill="#4A2A3C",
    new="#F3B6D8",
    cluster="#1E2127",
)

THEMES: dict[str, Theme] = {"light": LIGHT, "dark": DARK}


def get_theme(theme: str | Theme) -> Theme:
    """A Theme by name ("light" or "dark"), or the Theme given."""
    if isinstance(theme, Theme):
        return theme
    try:
        return THEMES[theme]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown theme {theme!r}: use one of {', '.join(map(repr, THEMES))} "
            "or a microgradx.drawing.Theme"
        ) from None


def format_number(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits, never hiding a nonzero number as 0.

    4.0 → "4", -0.19661193 → "-0.1966", 1.5e-07 → "1.5e-7", 123456.0 → "1.235e+5".
    Very small or large numbers switch to exponent form, so a tiny nonzero gradient
    reads as 1.5e-7, not 0.0000.
    """
    if x == 0.0:
        return "0"
    if math.isinf(x) or math.isnan(x):
        return str(x)
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = (
            f"{mantissa}e{int(exponent):+d}" if int(exponent) > 0 else f"{mantissa}e{int(exponent)}"
        )
    return text


def escape(text: str) -> str:
    """``text`` made safe inside a Graphviz HTML-like label.

    HTML special characters become entities; control characters (which Graphviz rejects)
    become U+FFFD; unicode such as σ, ∂, ² or w₁ is kept as it is.
    """
    if any(unicodedata.category(c) == "Cc" for c in text):
        text = "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in text)
    return html.escape(text, quote=True)


def pad(text: str) -> str:
    """``text`` with one trailing space per non-ASCII character.

    graphviz-pure measures characters outside ASCII (×, ∂, σ, ²) as wide as a space, so a
    cell holding "4 × 1 = 4" comes out too narrow (and fonts differ); trailing spaces make room.
    """
    extra = sum(1 for c in text if ord(c) > 127)
    return text + " " * extra if extra else text
