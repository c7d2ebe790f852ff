"""``draw_network``: the layers-of-neurons diagram of an ``nn`` model.

Inputs on the left, one column per layer, an edge for every weight: its colour says the
weight's sign (blue positive, vermillion negative: Okabe–Ito, safe for colour-blind readers)
and its width the weight's magnitude. After ``backward()`` the same can show each weight's
gradient instead (``show="grad"``): the edges a training step will change most stand out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microgradx import ops
from microgradx.drawing.boxes import check_options, column
from microgradx.drawing.render import Drawing
from microgradx.drawing.style import Theme, escape, format_number, get_theme

__all__ = ["draw_network"]

# How the diagram names each activation: its symbol in the table ("ReLU", "σ", ...).
_ACTIVATION_NAMES = {op.name: op.symbol for op in ops.activations()} | {"linear": "linear"}


def _layers(model: Any) -> list[Sequence[Any]]:
    """The model's neurons, layer by layer: an MLP, a Layer or a single Neuron."""
    if hasattr(model, "layers"):
        return [list(layer.neurons) for layer in model.layers]
    if hasattr(model, "neurons"):
        return [list(model.neurons)]
    if hasattr(model, "w") and hasattr(model, "b"):
        return [[model]]
    raise TypeError(
        "draw_network needs an nn model (MLP, Layer or Neuron: layers of neurons with weights "
        f"w and a bias b), got {type(model).__name__}; to draw a computation use draw(value)"
    )


def draw_network(
    model: Any,
    *,
    show: str = "weight",
    rankdir: str = "LR",
    theme: str | Theme = "light",
    digits: int = 3,
    input_labels: Sequence[str] | None = None,
    title: str = "",
) -> Drawing:
    """The familiar network diagram: inputs, then each layer's neurons, fully connected.

    Args:
        model: an ``nn.MLP`` (or a ``Layer`` or ``Neuron``).
        show: "weight" — edge colour is the sign of the weight wᵢ, width its size |wᵢ|;
            "grad" — the same for the weight's gradient ∂L/∂wᵢ (after ``backward()``).
        rankdir, theme, digits, title: as for ``draw``.
        input_labels: names for the inputs (default x0, x1, …).

    Each neuron shows its layer and index, its activation, and its bias b (or ∂L/∂b).
    Hover over an edge in the SVG to read its exact value.
    """
    if show not in ("weight", "grad"):
        raise ValueError(f"show must be 'weight' or 'grad', got {show!r}")
    check_options(rankdir, digits)
    colours = get_theme(theme)
    layers = _layers(model)
    nin = len(layers[0][0].w)
    names = list(input_labels) if input_labels is not None else [f"x{i}" for i in range(nin)]
    if len(names) != nin:
        raise ValueError(f"input_labels has {len(names)} names but the model has {nin} inputs")

    def amount(v: Any) -> float:
        return v.data if show == "weight" else v.grad

    largest = max(
        (abs(amount(w)) for layer in layers for neuron in layer for w in neuron.w), default=0.0
    )

    graph = Drawing(name="network", format="svg")
    graph.theme = colours
    widest = max(nin, *(len(layer) for layer in layers))
    graph.attr(
        rankdir=rankdir,
        bgcolor=colours.background,
        fontname=colours.font,
        fontcolor=colours.text,
        pad="0.3",
        nodesep="0.12",
        # wider gaps for taller columns, so edges do not run steeply across other neurons
        ranksep=f"{max(1.3, 0.2 * widest):.2f}",
        splines="line",
        outputorder="edgesfirst",  # neurons are drawn over the edges, their text stays legible
    )
    graph.attr("node", fontname=colours.font, fontcolor=colours.text, fontsize="11")
    graph.attr("edge", arrowhead="none")
    symbol = "w" if show == "weight" else "∂L/∂w"
    legend = (
        f'<font color="{colours.positive}"><b>▬</b> {symbol} &gt; 0</font>   '
        f'<font color="{colours.negative}"><b>▬</b> {symbol} &lt; 0</font>   '
        f'<font color="{colours.muted}">thicker: larger |{symbol}|</font>'
    )
    heading = f'<font point-size="15">{escape(title)}</font><br/>' if title else ""
    graph.attr(label=f"<{heading}{legend}>", labelloc="b", fontsize="12")

    previous = [f"in{i}" for i in range(nin)]
    with column(graph, "inputs", previous, colours):
        for i, name in enumerate(names):
            graph.node(
                previous[i],
                f"<<b>{escape(name)}</b>>",
                shape="circle",
                style="filled",
                fillcolor=colours.cell,
                color=colours.border,
                width="0.5",
                fixedsize="true",
            )
    for depth, layer in enumerate(layers):
        activation = getattr(layer[0], "activation", "")
        heading = f"layer {depth}" + (
            f" · {_ACTIVATION_NAMES.get(activation, activation)}" if activation else ""
        )
        current = [f"L{depth}N{j}" for j in range(len(layer))]
        with column(graph, heading, current, colours):
            for j, neuron in enumerate(layer):
                tag = "b" if show == "weight" else "∂b"
                fill = colours.output if depth == len(layers) - 1 else colours.neuron
                graph.node(
                    current[j],
                    f'<<b>N{j}</b><br/><font point-size="11" color="{colours.muted}">'
                    f"{tag} {format_number(amount(neuron.b), digits)}</font>>",
                    shape="circle",
                    style="filled",
                    fillcolor=fill,
                    color=colours.border,
                    width="0.85",
                    margin="0.02",
                )
        for j, neuron in enumerate(layer):
            if len(neuron.w) != len(previous):
                raise ValueError(
                    f"layer {depth} neuron {j} has {len(neuron.w)} weights but the layer before "
                    f"has {len(previous)} outputs: the model's layers do not chain"
                )
            for i, w in enumerate(neuron.w):
                value = amount(w)
                share = abs(value) / largest if largest else 0.0
                colour = colours.positive if value > 0 else colours.negative
                if value == 0:
                    colour = colours.muted
                graph.edge(
                    previous[i],
                    current[j],
                    color=colour,
                    penwidth=f"{0.4 + 3.6 * share:.2f}",
                    tooltip=f"{escape(w.label or 'w')} = {format_number(value, 6)}",
                )
        previous = current
    return graph
