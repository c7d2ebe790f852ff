"""micrograd's API on microgradx's engine: bring your micrograd notebook, change the imports.

    from micrograd.engine import Value           # before
    from micrograd.nn import Neuron, Layer, MLP

    from microgradx.compat.micrograd import Value, Neuron, Layer, MLP, trace, draw_dot

``engine`` and ``nn`` mirror micrograd's modules (``microgradx.compat.micrograd.nn.MLP``).
What stays the same, what gets better, what differs and what is not supported:
docs/COMPAT.md in the source repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microgradx import engine as _engine
from microgradx.compat.micrograd import engine, nn
from microgradx.compat.micrograd.engine import DivisionByZeroError, Value
from microgradx.compat.micrograd.nn import MLP, Layer, Module, Neuron
from microgradx.engine import topological_order as _topological_order

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "Value",
    "DivisionByZeroError",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "trace",
    "draw_dot",
    "engine",
    "nn",
]


def trace(
    root: _engine.Value,
) -> tuple[set[_engine.Value], set[tuple[_engine.Value, _engine.Value]]]:
    """Every node of the graph that ends at ``root``, and every edge (input, node)."""
    if not isinstance(root, _engine.Value):
        raise TypeError(f"trace needs a Value, got {type(root).__name__}")
    nodes = set(_topological_order(root))
    edges = {(child, node) for node in nodes for child in node.inputs}
    return nodes, edges


def draw_dot(
    root: _engine.Value, format: str = "svg", rankdir: str = "LR", **options: Any
) -> graphviz.Digraph:
    """The lecture's ``draw_dot``, drawn by ``microgradx.draw``: a ``graphviz.Digraph``.

    Each Value is a box with its label, data and grad, each op a circle, as in the lecture.

    Args:
        root: the Value whose graph to draw.
        format: the output format of ``.render()`` / ``.pipe()`` ("svg", "png", ...).
        rankdir: "LR" (left to right) or "TB" (top to bottom).
        **options: anything ``microgradx.draw`` takes, e.g. ``local_grads=True``.
    """
    from microgradx.drawing import draw  # graphviz is imported only when drawing

    dot = draw(root, rankdir=rankdir, **options)
    dot.format = format
    return dot
