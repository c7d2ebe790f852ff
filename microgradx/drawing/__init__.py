"""Drawing computational graphs: lecture slides of the forward and backward pass.

    >>> from microgradx import Value, draw, backward_steps, save_slideshow
    >>> x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(2.0, "z")
    >>> f = (x + y) * z**2
    >>> f.label = "f"
    >>> forward = draw(f, grads=False)          # the forward-pass slide
    >>> f.backward()
    >>> backward = draw(f, local_grads=True)    # gradients, and ∂out/∂in on every edge
    >>> frames = backward_steps(f)              # the backward pass, one node at a time
    >>> path = save_slideshow(frames, "backward.html")  # doctest: +SKIP

Every drawing is a ``graphviz.Digraph`` (``.source``, ``.render()``, ``.pipe()``, notebook
display) rendered by the system Graphviz when installed, else by the bundled graphviz-pure.
"""

from microgradx.drawing.graph import GraphTooLargeError, draw, format_number, op_symbol
from microgradx.drawing.network import draw_network
from microgradx.drawing.render import (
    ENV_VAR,
    Drawing,
    Renderer,
    RendererNotFoundError,
    RenderTimeoutError,
    render_image,
    render_png,
    render_svg,
    renderer,
)
from microgradx.drawing.slideshow import save_frames, save_slideshow, slideshow_html
from microgradx.drawing.steps import (
    ChainRuleRow,
    ChainRuleTable,
    Frames,
    backward_steps,
    chain_rule_table,
)
from microgradx.drawing.style import THEMES, Theme

__all__ = [
    "draw",
    "backward_steps",
    "chain_rule_table",
    "save_slideshow",
    "save_frames",
    "slideshow_html",
    "draw_network",
    "render_svg",
    "render_png",
    "RenderTimeoutError",
    "render_image",
    "renderer",
    "Renderer",
    "RendererNotFoundError",
    "ENV_VAR",
    "Drawing",
    "Theme",
    "THEMES",
    "ChainRuleRow",
    "ChainRuleTable",
    "Frames",
    "GraphTooLargeError",
    "format_number",
    "op_symbol",
]
