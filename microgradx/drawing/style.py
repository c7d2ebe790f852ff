"""Colours, fonts and number formatting shared by every drawing.

The colours come from the Okabe–Ito palette, chosen to stay distinct for the common forms of
colour blindness; every theme has an opaque background so a drawing never vanishes on a dark
slide. Roles are told apart by outline, gradient signs by colour *and* by the printed sign.
"""

from __future__ import annotations

import html
import math
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Theme",
    "THEMES",
    "get_theme",
    "format_number",
    "escape",
    "pad",
    "contrast_ratio",
]

# Okabe & Ito (2008), "Color Universal Design": the hues every theme starts from.
SKY_BLUE = "#56B4E9"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"


@dataclass(frozen=True)
class Theme:
    """Every colour a drawing uses, each with one meaning.

    A node's role is drawn by its outline (see ``boxes.ROLE_OUTLINE``), not by a colour;
    colours say a gradient's sign (``positive``/``negative``, text and cell fill) and what the
    current backward step touches (``highlight``). Every text colour keeps a contrast of at
    least 4.5:1 (WCAG AA) against every fill it is drawn on (see ``text_pairs``).
    """

    name: str
    background: str
    text: str
    muted: str  # secondary text: tags ("data", "∂f/∂x"), headings, pending gradients
    border: str
    edge: str
    output: str  # fill of the output's name cell
    op: str  # fill of op circles
    op_text: str
    cell: str  # background of the name, data and grad cells
    neuron: str  # fill of a neuron (grouped drawings, network diagrams)
    positive: str  # text colour of a positive gradient (or weight)
    negative: str  # text colour of a negative gradient (or weight)
    positive_fill: str
    negative_fill: str
    highlight: str  # the node and edges of the current backward step
    highlight_fill: str  # a gradient cell changed in this step, the active op
    font: str = "Arial"

    def text_pairs(self) -> list[tuple[str, str, str]]:
        """(what, text colour, fill) for every kind of text a drawing writes on a fill."""
        pairs = [
            ("text on the page", self.text, self.background),
            ("headings and captions", self.muted, self.background),
            ("edge labels", self.muted, self.background),
            ("this step's edge labels", self.highlight, self.background),
            ("op symbols", self.op_text, self.op),
            ("the active op", self.op_text, self.highlight_fill),
            ("the output's name", self.text, self.output),
            ("neuron text", self.text, self.neuron),
            ("neuron details", self.muted, self.neuron),
        ]
        for fill_name, fill in (
            ("cell", self.cell),
            ("positive", self.positive_fill),
            ("negative", self.negative_fill),
            ("changed", self.highlight_fill),
        ):
            pairs.append((f"tags on {fill_name} cells", self.muted, fill))
            pairs.append((f"numbers on {fill_name} cells", self.text, fill))
        for colour_name, colour in (("positive", self.positive), ("negative", self.negative)):
            for fill_name, fill in (
                (
                    "its own fill",
                    self.positive_fill if colour_name == "positive" else self.negative_fill,
                ),
                ("a changed cell", self.highlight_fill),
                ("the page", self.background),
            ):
                pairs.append((f"{colour_name} gradient on {fill_name}", colour, fill))
        return pairs


LIGHT = Theme(
    name="light",
    background="#FFFFFF",
    text="#1A1A1A",
    muted="#595959",
    border="#4D4D4D",
    edge="#5A5A5A",
    output="#BFE6D8",  # bluish green, lightened
    op="#FFF7C7",  # yellow, lightened
    op_text="#1A1A1A",
    cell="#FFFFFF",
    neuron="#EDEDED",
    positive="#005A8C",  # blue, darkened to 4.5:1 on its tint
    negative="#A04000",  # vermillion, darkened likewise
    positive_fill="#E3EFF8",
    negative_fill="#FBE7DB",
    highlight="#9C3D6E",  # reddish purple, darkened
    highlight_fill="#F5E1EC",
)

DARK = Theme(
    name="dark",
    background="#16181D",
    text="#ECECEC",
    muted="#B8BCC2",
    border="#8A9099",
    edge="#9AA0A8",
    output="#0B5443",  # bluish green, darkened
    op="#4A4520",  # yellow, darkened
    op_text="#F4F0C8",
    cell="#1C1F25",
    neuron="#2A2D33",
    positive=SKY_BLUE,
    negative="#FF8A3D",  # vermillion, lifted for contrast on dark grey
    positive_fill="#173246",
    negative_fill="#47281A",
    highlight="#E59CC5",  # reddish purple, lifted
    highlight_fill="#4A2A3C",
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

    HTML special characters become entities and backslashes are doubled (so Graphviz's
    escapes such as ``\\G`` are drawn verbatim); control characters (which Graphviz rejects)
    become U+FFFD; unicode such as σ, ∂, ² or w₁ is kept as it is.
    """
    if any(unicodedata.category(c) == "Cc" for c in text):
        text = "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in text)
    # Graphviz expands \G, \N, \E, \l ... even in HTML-like labels, and draws "\\" as one
    # backslash: doubling every backslash draws the text verbatim
    return html.escape(text, quote=True).replace("\\", "\\\\")


def pad(text: str) -> str:
    """``text`` with one trailing space per non-ASCII character.

    graphviz-pure measures characters outside ASCII (×, ∂, σ, ²) as wide as a space, so a
    cell holding "4 × 1 = 4" comes out too narrow (and fonts differ); trailing spaces make room.
    """
    extra = sum(1 for c in text if ord(c) > 127)
    return text + " " * extra if extra else text


def _luminance(colour: str) -> float:
    """Relative luminance of "#RRGGBB" (WCAG 2): 0 for black, 1 for white."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio (L₁ + 0.05)/(L₂ + 0.05) of two "#RRGGBB" colours: 1 to 21.

    Text needs at least 4.5 (level AA) to stay readable, on a projector too.
    """
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
