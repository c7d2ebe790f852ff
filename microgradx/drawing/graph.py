"""``draw``: a computational graph as a lecture slide draws it.

Each Value is a box with its label, its data and its gradient; each operation is a small
circle with its symbol; edges run inputs → op → output, one per operand, in operand order,
so the same expression always gives the same picture. With ``local_grads=True`` every
input → op edge carries the local derivative ∂out/∂in the engine recorded on the node
(the numbers the chain rule multiplies along paths).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from microgradx import ops
from microgradx.drawing.render import Drawing
from microgradx.drawing.style import Theme, escape, format_number, get_theme, pad
from microgradx.engine import Value, topological_order

__all__ = [
    "draw",
    "op_symbol",
    "node_role",
    "infer_parameters",
    "DEFAULT_MAX_NODES",
    "GraphTooLargeError",
]

DEFAULT_MAX_NODES = 600

# Parameters follow nn's labels: "w3", "b", "N2.w0", "L1.N2.b" (see group="neuron").
_PARAMETER_LABEL = re.compile(r"^(?:.+\.)?(?:w\d+|b)$")
_WEIGHT_LABEL = re.compile(r"^w\d+$")


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``: the message says what to draw instead."""


def op_symbol(op: str) -> str:
    """The symbol an op circle shows: "*" → "×", "**2" → "x²", "sigmoid" → "σ", "sum" → "Σ".

    It is the op's ``symbol`` in the table (``microgradx.ops``); an op named only by a
    string (a micrograd-style Value made by hand) shows its name, or its table symbol.
    """
    symbol = getattr(op, "symbol", None)
    if symbol is not None:
        return symbol
    known = ops.find(op)
    return known.symbol if known is not None else op


def infer_parameters(order: Iterable[Value]) -> set[Value]:
    """The leaves labelled as ``nn`` labels parameters: "L0.N3.w1", "N2.b", "w0" … and a plain
    "b" only next to such weights (so the "b" of e = (a + b)(b + 1) stays an input)."""
    leaves = [node for node in order if not node.inputs and not node.op and node.label]
    has_weights = any(_WEIGHT_LABEL.match(node.label) for node in leaves)
    return {
        node
        for node in leaves
        if _PARAMETER_LABEL.match(node.label) and (node.label != "b" or has_weights)
    }


def node_role(node: Value, root: Value, parameters: Collection[Value]) -> str:
    """One of "output" (the root), "parameter", "input", "constant" (unlabelled leaf) or
    "intermediate" (made by an op)."""
    if node is root:
        return "output"
    if node.inputs or node.op:
        return "intermediate"
    if node in parameters:
        return "parameter"
    return "input" if node.label else "constant"


# ----------------------------------------------------------------------
# What each box shows: shared by draw, backward_steps and the grouped drawing.
# ----------------------------------------------------------------------


@dataclass
class GradCell:
    """The gradient part of a Value's box: ``text`` (formatted), ``value`` (for the colour),
    ``pending`` (not reached yet), ``changed`` (updated in this backward step)."""

    text: str
    value: float = 0.0
    pending: bool = False
    changed: bool = False


@dataclass
class Scene:
    """Everything ``draw`` needs beyond the graph: options and per-frame state."""

    theme: Theme
    rankdir: str = "LR"
    digits: int = 4
    show_grads: bool = True
    local_grads: bool = False
    title: str = ""
    parameters: Collection[Value] = frozenset()
    grad_cells: dict[Value, GradCell] = field(default_factory=dict)
    highlight: set[Value] = field(default_factory=set)
    display_names: dict[Value, str] = field(default_factory=dict)  # for unlabelled nodes
    active: Value | None = None  # the node whose gradient is being passed on (backward step)
    summed: bool = False  # grads add up several backward() calls: not one ∂f/∂x

    def number(self, x: float) -> str:
        return format_number(x, self.digits)


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


def check_options(rankdir: str, digits: int, max_nodes: int = DEFAULT_MAX_NODES) -> None:
    """Raise a ValueError that names the option when rankdir, digits or max_nodes is wrong."""
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17 (significant digits), got {digits!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")


def new_drawing(scene: Scene, *, ordered: bool = True) -> Drawing:
    """An empty Drawing with the theme's background, fonts and spacing; ``ordered`` keeps
    each op's operands in order (the same expression, the same picture)."""
    theme = scene.theme
    graph = Drawing(name="microgradx", format="svg")
    graph.theme = theme
    graph.attr(
        rankdir=scene.rankdir,
        bgcolor=theme.background,
        fontname=theme.font,
        fontcolor=theme.text,
        pad="0.25",
        nodesep="0.22",
        ranksep="0.4",
    )
    if ordered:
        graph.attr(ordering="in")
    graph.attr("node", fontname=theme.font, fontcolor=theme.text, fontsize="13")
    graph.attr("edge", fontname=theme.font, color=theme.edge, arrowsize="0.7", penwidth="1.2")
    if scene.title:
        graph.attr(
            label=f"<{escape(scene.title)}>",
            labelloc="t",
            labeljust="l",
            fontsize="15",
            fontcolor=theme.muted,
        )
    return graph


@contextlib.contextmanager
def column(graph: Drawing, heading: str, ids: list[str], theme: Theme) -> Iterator[None]:
    """One column of the diagram: a heading over nodes ``ids``, kept in this order.

    The nodes share one rank, and invisible edges heading → first → second → … fix their
    order (Graphviz ignores the order of nodes inside a cluster, so columns are not clusters).
    """
    top = f"{ids[0]}_heading"
    graph.node(
        top,
        f"<<b>{escape(heading)}</b>>",
        shape="plaintext",
        fontcolor=theme.muted,
        style="filled",  # opaque, so edges running behind the heading do not cross its text
        fillcolor=theme.background,
        margin="0.02",
        height="0.2",
    )
    yield
    with graph.subgraph() as same_rank:
        same_rank.attr(rank="same")
        for before, after in zip([top, *ids], ids):
            same_rank.edge(before, after, style="invis")


def _grad_tag(node: Value, root: Value, scene: Scene) -> str:
    """The grad tag: ∂f/∂x when both nodes have names (and the grads are one pass's), else
    "grad"."""
    node_name = node.label or scene.display_names.get(node, "")
    root_name = root.label or scene.display_names.get(root, "")
    if node_name and root_name and not scene.summed:
        return f"∂{escape(root_name)}/∂{escape(node_name)}"
    return "grad"


def value_label(node: Value, root: Value, role: str, scene: Scene) -> str:
    """The HTML-like label of a Value's box: [label | data … | ∂f/∂node …]."""
    theme = scene.theme
    cells = []
    if node.label:
        label = pad(escape(node.label))
        cells.append(f'<td bgcolor="{theme.role_fill(role)}" align="left"><b>{label}</b></td>')
    elif node in scene.display_names:
        name = pad(escape(scene.display_names[node]))
        cells.append(
            f'<td bgcolor="{theme.role_fill(role)}" align="left">'
            f'<font color="{theme.muted}"><i>{name}</i></font></td>'
        )
    fill = theme.constant if role == "constant" else theme.cell
    cells.append(_pair("data", scene.number(node.data), fill, scene, first=not cells))
    if scene.show_grads:
        cell = scene.grad_cells.get(node)
        if cell is None:
            cell = GradCell(scene.number(node.grad), node.grad)
        cells.append(_grad_cells(node, root, cell, scene))
    highlighted = node in scene.highlight
    border = theme.highlight if highlighted else theme.border
    width = "3" if highlighted else "1"
    return (
        f'<<table border="{width}" cellborder="0" cellspacing="0" cellpadding="5" '
        f'color="{border}"><tr>{"".join(cells)}</tr></table>>'
    )


def _pair(tag: str, value: str, fill: str, scene: Scene, *, first: bool = False) -> str:
    """A small grey tag ("data", "∂f/∂x") and its value, ruled off from the cells before."""
    theme = scene.theme
    rule = "" if first else f' border="1" sides="L" color="{theme.border}"'
    return (
        f'<td bgcolor="{fill}" cellpadding="3"{rule}>'
        f'<font point-size="10" color="{theme.muted}">{pad(tag)}</font></td>'
        f'<td bgcolor="{fill}" align="left">{value}</td>'
    )


def _grad_cells(node: Value, root: Value, cell: GradCell, scene: Scene) -> str:
    theme = scene.theme
    tag = _grad_tag(node, root, scene)
    if cell.pending:
        return _pair(tag, f'<font color="{theme.muted}">{pad(cell.text)}</font>', theme.cell, scene)
    if cell.value > 0:
        fill, colour = theme.positive_fill, theme.positive
    elif cell.value < 0:
        fill, colour = theme.negative_fill, theme.negative
    else:
        fill, colour = theme.cell, theme.text
    text = f'<font color="{colour}">{pad(cell.text)}</font>'
    if cell.changed:
        fill = theme.highlight_fill
    return _pair(tag, text, fill, scene)


def op_attributes(symbol: str, scene: Scene, *, active: bool = False) -> dict[str, str]:
    """Attributes of an op circle: the symbol inside a small circle (an ellipse if long)."""
    theme = scene.theme
    return {
        "label": f"<{escape(symbol)}>",
        "shape": "circle" if len(symbol) <= 4 else "ellipse",
        "style": "filled",
        "fillcolor": theme.highlight_fill if active else theme.op,
        "color": theme.highlight if active else theme.border,
        "penwidth": "2.5" if active else "1",
        "fontcolor": theme.op_text,
        "fontsize": "14",
        "margin": "0.04",
        "width": "0.42",
        "height": "0.42",
    }


def edge_label(node: Value, child: Value, local: float, scene: Scene, *, strong: bool) -> str:
    """∂out/∂in on an input → op edge: "∂c/∂a = 1" when both are labelled, else the number."""
    theme = scene.theme
    value = scene.number(local)
    if node.label and child.label:
        text = f"∂{escape(node.label)}/∂{escape(child.label)} = {value}"
    else:
        text = value
    colour = theme.highlight if strong else theme.muted
    weight = ("<b>", "</b>") if strong else ("", "")
    return f'<<font point-size="11" color="{colour}">{weight[0]}{pad(text)}{weight[1]}</font>>'


def add_graph(graph: Drawing, order: list[Value], root: Value, scene: Scene) -> None:
    """Add every Value box, op circle and edge of ``order`` (inputs first) to ``graph``."""
    theme = scene.theme
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    for node in order:
        node_id = ids[node]
        role = node_role(node, root, scene.parameters)
        graph.node(node_id, value_label(node, root, role, scene), shape="plain")
        if not node.inputs:
            continue
        active = node is scene.active
        op_id = f"{node_id}op"
        graph.node(op_id, **op_attributes(op_symbol(node.op), scene, active=active))
        graph.edge(
            op_id,
            node_id,
            **({"color": theme.highlight, "penwidth": "2.5"} if active else {}),
        )
        for child, local in zip(node.inputs, node.local_grads):
            attributes: dict[str, str] = {}
            if active:
                attributes.update(color=theme.highlight, penwidth="2.5")
            if active or scene.local_grads:
                attributes["label"] = edge_label(node, child, local, scene, strong=active)
            graph.edge(ids[child], op_id, **attributes)


def check_size(count: int, max_nodes: int, *, grouped: bool) -> None:
    if count > max_nodes:
        advice = (
            "draw a smaller part of it, or raise max_nodes"
            if grouped
            else "draw it grouped by neuron with draw(root, group='neuron'), draw a smaller "
            "graph (e.g. the loss of one example instead of a whole batch), or raise max_nodes "
            "if you really want every node"
        )
        raise GraphTooLargeError(
            f"this graph has {count:,} nodes, more than max_nodes={max_nodes:,}: a drawing "
            f"that large is unreadable and slow to lay out. Instead, {advice}"
        )


def nodes_of(root: Value, caller: str = "draw") -> list[Value]:
    """The nodes of ``root``'s graph, inputs first; a clear TypeError if it is not a Value."""
    if not isinstance(root, Value):
        raise TypeError(
            f"{caller} needs a microgradx Value (the root of a graph), got "
            f"{type(root).__name__}; for a model's diagram use draw_network(model)"
        )
    return topological_order(root)


def no_gradients_yet(order: Iterable[Value]) -> bool:
    """True when every gradient is 0, as before the first ``backward()``."""
    return all(node.grad == 0.0 for node in order)


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
        parameters: which leaves are parameters (coloured as such); by default those labelled
            as ``nn`` labels them ("w0", "b", "L0.N3.w1").
        highlight: Values to outline in the highlight colour.
        title: a caption above the graph.

    Colours by role: inputs sky blue, parameters orange, the output bluish green, op circles
    yellow; gradients blue when positive, vermillion when negative (Okabe–Ito palette).
    """
    check_options(rankdir, digits, max_nodes)
    scene = Scene(
        theme=get_theme(theme),
        rankdir=rankdir,
        digits=digits,
        show_grads=grads,
        local_grads=local_grads,
        title=title,
    )
    order = nodes_of(root)
    scene.highlight = _nodes_to_highlight(highlight, order)
    scene.parameters = infer_parameters(order) if parameters is None else set(parameters)
    if group is not None:
        from microgradx.drawing.grouping import draw_grouped

        return draw_grouped(root, order, scene, group=group, max_nodes=max_nodes)
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
    return graph
