"""Exporting drawings: one self-contained HTML slideshow, or one image file per frame.

The slideshow inlines every frame as SVG, with its caption and chain-rule table, and steps
through them with buttons or the arrow keys; without JavaScript it shows every frame in
order. It loads nothing from the network, so it works offline, in a lecture hall, attached
to an e-mail.
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
import string
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import graphviz

from microgradx.drawing.render import render_image, render_svg, renderer
from microgradx.drawing.style import Theme, get_theme

__all__ = ["save_slideshow", "save_frames", "slideshow_html", "frames_html"]

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)


def _svg_body(svg: str) -> str:
    """The frame's SVG without the XML declaration and DOCTYPE, ready to inline in HTML."""
    return _PROLOGUE.sub("", svg, count=1)


def _check_frames(frames: Sequence[graphviz.Digraph]) -> list[graphviz.Digraph]:
    if isinstance(frames, graphviz.Digraph):
        frames = [frames]
    frames = list(frames)
    if not frames:
        raise ValueError("no frames to save: pass the list that backward_steps(root) returns")
    for i, frame in enumerate(frames):
        if not isinstance(frame, (graphviz.Digraph, graphviz.Graph)):
            raise TypeError(
                f"frame {i} is a {type(frame).__name__}, not a drawing: pass the list that "
                "backward_steps(root) returns, or drawings made with draw()"
            )
    return frames


def _slides(frames: list[graphviz.Digraph], svgs: Sequence[str] | None = None) -> list[str]:
    """One <section> per frame: its SVG (which draws the caption) and its chain-rule table."""
    slides = []
    for i, frame in enumerate(frames):
        caption = getattr(frame, "caption", "")
        table = getattr(frame, "table", None)
        # the caption is drawn in the frame itself; here it names the slide for screen readers
        parts = [
            f'<section class="slide" id="frame-{i + 1}" aria-label="{html.escape(caption)}">',
            f'<div class="graph">{_svg_body(render_svg(frame) if svgs is None else svgs[i])}</div>',
        ]
        if table is not None and len(table):
            parts.append(table._repr_html_())
        parts.append("</section>")
        slides.append("\n".join(parts))
    return slides


def frames_html(frames: Sequence[graphviz.Digraph]) -> str:
    """Every frame one under the other, as an HTML fragment (a notebook's view of the frames)."""
    return (
        '<div class="microgradx-frames">'
        + "\n<hr>\n".join(_slides(_check_frames(frames)))
        + ("</div>")
    )


def slideshow_html(
    frames: Sequence[graphviz.Digraph],
    *,
    title: str = "Backward pass, step by step",
    theme: str | Theme | None = None,
    legend: bool | None = None,
    svgs: Sequence[str] | None = None,
) -> str:
    """The slideshow of ``frames`` as one HTML document (see ``save_slideshow``); ``svgs``,
    the frames already rendered, saves rendering them again."""
    frames = _check_frames(frames)
    if theme is None:  # the page takes the colours the frames were drawn with
        theme = getattr(frames[0], "theme", None) or "light"
    colours = get_theme(theme)
    template = string.Template(
        resources.files("microgradx.drawing").joinpath("slideshow.html").read_text("utf-8")
    )
    if legend is None:  # the page's legend, unless the frames draw their own
        legend = not all(getattr(frame, "legend", False) for frame in frames)
    return template.substitute(
        dataclasses.asdict(colours),  # the page's colours: $background, $text, $highlight, ...
        title=html.escape(title),
        slides="\n".join(_slides(frames, svgs)),
        legend=_LEGEND if legend else "",
    )


_LEGEND = (
    '<div class="legend" aria-label="legend">boxes: '
    '<span class="input">input</span><span class="parameter">parameter</span>'
    '<span class="constant">constant</span><span class="intermediate">intermediate</span>'
    '<span class="output">output</span>'
    '<span class="positive">+ gradient &gt; 0</span>'
    '<span class="negative">− gradient &lt; 0</span>'
    '<span class="changed">changed in this step</span></div>'
)


def save_slideshow(
    frames: Sequence[graphviz.Digraph],
    path: str | os.PathLike[str],
    *,
    title: str = "Backward pass, step by step",
    theme: str | Theme | None = None,
    legend: bool | None = None,
) -> Path:
    """Write ``frames`` (e.g. ``backward_steps(root)``) as one self-contained HTML file.

    Every frame is inlined as SVG with its caption and chain-rule table; ◀ ▶ buttons, the
    arrow keys, space, Home and End move between frames. No network access is needed.
    The page takes the frames' theme (light or dark) unless ``theme`` says otherwise, and
    shows a legend of outlines and colours (``legend=None``: unless the frames draw their
    own). Without JavaScript the page shows every frame, one under the other.
    Returns the path.
    """
    path = Path(path)
    page = slideshow_html(frames, title=title, theme=theme, legend=legend)
    path.write_text(page, encoding="utf-8")
    return path


def save_frames(
    frames: Sequence[graphviz.Digraph],
    directory: str | os.PathLike[str],
    *,
    format: str = "svg",
    prefix: str = "step",
    dpi: float = 192,
) -> list[Path]:
    """Write each frame as its own image, ``step_00.svg``, ``step_01.svg``, … in ``directory``.

    ``format`` is "svg" or "png" with either renderer, "pdf" only with the system Graphviz
    (graphviz-pure writes no PDF), or "dot" for the Graphviz source. ``dpi`` is the
    resolution of PNG and JPEG images. Returns the paths.
    """
    frames = _check_frames(frames)
    format = format.lower().lstrip(".")
    if format not in ("svg", "png", "jpeg", "jpg", "pdf", "dot", "gv"):
        raise ValueError(f"format must be svg, png, jpeg, pdf or dot, got {format!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if format not in ("dot", "gv"):
        renderer().check(format)
    width = max(2, len(str(len(frames) - 1)))
    paths = []
    for i, frame in enumerate(frames):
        path = directory / f"{prefix}_{i:0{width}d}.{format}"
        if format in ("dot", "gv"):
            path.write_text(frame.source, encoding="utf-8")
        else:
            raster = format in ("png", "jpeg", "jpg")
            path.write_bytes(render_image(frame, format, dpi=dpi if raster else None))
        paths.append(path)
    return paths
