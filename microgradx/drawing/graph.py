"""``draw``: a computational graph as a lecture slide draws it.

Each Value is a box with its label, its data and its gradient; each operation is a small
circle with its symbol; edges run inputs → op → output, one per operand, in operand order,
so the same expression always gives the same picture. With ``local_grads=True`` every
input → op edge carries the local derivative ∂out/∂in the engine recorded on the node
(the numbers the chain rule multiplies along paths).
"""

from __future__ import annotations

from collections.abc import Iterable

from microgradx.drawing.boxes import (
    DEFAULT_MAX_NODES,
    GROUPED_MAX_SOURCE_NODES,
    GraphTooLargeError,
    Scene,
    check_options,
    check_size,
    check_source_size,
    edge_label,
    folded_constants,
    folded_symbol,
    infer_parameters,
    new_drawing,
    no_gradients_yet,
    node_role,
    nodes_of,
    op_attributes,
    op_symbol,
    value_label,
)
from microgradx.drawing.grouping import check_group, draw_grouped
from microgradx.drawing.render import DEFAULT_DPI, Drawing, check_dpi
from microgradx.drawing.style import Theme, format_number, get_theme
from microgradx.engine import Value

__all__ = [
    "draw",
    "add_graph",
    "op_symbol",
    "node_role",
    "infer_parameters",
    "format_number",
    "DEFAULT_MAX_NODES",
    "GraphTooLargeError",
]


def _nodes_to_highlight(highlight: Value | Iterable[Value], order: list[Value]) -> set[Value]:
    """``highlight`` as a set of the graph's nodes: one Value or several, each in the graph."""
    chosen = [highlight] if isinstance(highlight, Value) else list(highlight)
    in_graph = set(order)
    for node in chosen:
        if not isinstance(node, Value):
            raise TypeError(
                f"highlight takes Values of the graph (e.g. highlight=[x, y]), got {node!r}"
            )
        if node not in in_graph:
            raise ValueError(f"highlight: {node!r} is not a node of this graph")
    return set(chosen)


def add_graph(graph: Drawing, order: list[Value], root: Value, scene: Scene) -> None:
    """Add every Value box, op circle and edge of ``order`` (inputs first) to ``graph``."""
    theme = scene.theme
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    for node in order:
        if node in scene.folded:
            continue  # drawn inside the gates that use it: "+1", "×2"
        node_id = ids[node]
        role = node_role(node, root, scene.parameters)
        graph.node(node_id, value_label(node, root, role, scene), shape="plain")
        if not node.inputs:
            continue
        active = node is scene.active
        op_id = f"{node_id}op"
        symbol = folded_symbol(node, scene) if scene.folded else op_symbol(node.op)
        graph.node(op_id, **op_attributes(symbol, scene, active=active))
        graph.edge(
            op_id,
            node_id,
            **({"color": theme.highlight, "penwidth": "2.5"} if active else {}),
        )
        for index, child in enumerate(node.inputs):
            if child in scene.folded:
                continue
            attributes: dict[str, str] = {}
            if active:
                attributes.update(color=theme.highlight, penwidth="2.5")
            shown = active or scene.local_grads
            if shown or scene.reserve is not None:
                attributes["label"] = edge_label(node, index, scene, strong=active, shown=shown)
            graph.edge(ids[child], op_id, **attributes)


def draw(
    root: Value,
    *,
    grads: bool = True,
    local_grads: bool = False,
    rankdir: str = "LR",
    theme: str | Theme = "light",
    group: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    digits: int = 4,
    parameters: Iterable[Value] | None = None,
    highlight: Value | Iterable[Value] = (),
    title: str = "",
    rules: bool = False,
    legend: bool = False,
    fold_constants: bool = False,
    dpi: float = DEFAULT_DPI,
) -> Drawing:
    """Draw the computational graph that ends at ``root``; returns a ``graphviz.Digraph``.

    Args:
        root: the output Value (e.g. a loss); every node it depends on is drawn.
        grads: show each node's gradient ∂root/∂node (False: the forward-pass slide).
            Before any ``backward()`` (every grad 0) the drawing says "no gradients yet"
            instead of showing zeros as if they were results.
        local_grads: write each edge's local derivative ∂out/∂in (the chain rule's factors).
        rankdir: "LR" (left to right, inputs first) or "TB" (top to bottom).
        theme: "light" or "dark" (colour-blind-safe, opaque background), or a ``Theme``.
        group: None (every node) or "neuron": each neuron of an ``nn`` model becomes one box,
            and the repeated per-example parts of a batch are merged (readable for an MLP's
            whole loss graph).
        max_nodes: refuse, with advice, to draw a graph with more nodes than this.
        digits: significant digits of every number (a nonzero number never shows as 0).
        parameters: which leaves are parameters (outlined as such); by default those labelled
            as ``nn`` labels them ("w0", "b", "L0.N3.w1").
        highlight: Values to outline in the highlight colour.
        title: a caption above the graph.
        rules: write each local derivative as the lecture does, rule and number:
            ∂f/∂a = b = 4, ∂b/∂z = 2z = 4, ∂σ/∂z = σ(1−σ) = 0.1966 (implies ``local_grads``).
        legend: add a legend saying what each outline and colour means.
        fold_constants: draw each number inside the gate that uses it ("+1", "×2", "1/x")
            instead of as a leaf box with a gradient of its own.
        dpi: the resolution of PNG and JPEG images rendered from the drawing (default 192,
            sharp on a projector).

    A node's role is its outline: inputs rounded, parameters thick, constants dashed, the
    output rounded, thick and green. A gradient's sign is its colour: blue when positive,
    vermillion when negative (Okabe–Ito palette), and its printed sign.
    """
    check_options(rankdir, digits, max_nodes)
    check_dpi(dpi)
    scene = Scene(
        theme=get_theme(theme),
        rankdir=rankdir,
        digits=digits,
        show_grads=grads,
        local_grads=local_grads or rules,
        rules=rules,
        legend=legend,
        title=title,
    )
    if group is not None:
        check_group(group)
        check_source_size(root, GROUPED_MAX_SOURCE_NODES, "draw(root, group='neuron')")
    order = nodes_of(root)
    scene.highlight = _nodes_to_highlight(highlight, order)
    scene.parameters = infer_parameters(order) if parameters is None else set(parameters)
    if fold_constants:
        scene.folded = folded_constants(order, root)
    if group is not None:
        graph = draw_grouped(root, order, scene, max_nodes=max_nodes)
        graph.dpi = dpi
        return graph
    check_size(len(order), max_nodes, grouped=False)
    if grads and no_gradients_yet(order):
        scene.show_grads = False
        note = f"no gradients yet: call {root.label or 'root'}.backward() to compute them"
        scene.title = f"{title}  ({note})" if title else note
    elif grads and root.grad != 1.0:
        scene.summed = True
        name = root.label or "root"
        note = (
            f"{name}.grad is {scene.number(root.grad)}, not 1: these grads add up several "
            f"backward() calls; call {name}.zero_grad() before {name}.backward() to see one pass"
        )
        scene.title = f"{title}  ({note})" if title else note
    graph = new_drawing(scene)
    add_graph(graph, order, root, scene)
    graph.dpi = dpi
    return graph
