"""The pieces every drawing is built from: a Value's box, an op's circle, an edge's label.

``draw``, ``backward_steps`` and the grouped drawing all draw with these, so a Value looks
the same in each. Two encodings, one meaning each:

- a node's **role** is its outline: an input has rounded corners, a parameter a thick square
  border, a constant a dashed one, an intermediate a thin square one, and the output is
  rounded, thick and green;
- a gradient's **sign** is its colour (blue positive, vermillion negative) and its printed sign.

For step-by-step frames a ``Reserve`` holds the room each changing text needs in any frame,
so every frame has the same node sizes, and so the same layout.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from microgradx import ops
from microgradx.drawing.render import Drawing
from microgradx.drawing.style import Theme, escape, format_number, pad
from microgradx.engine import Value, topological_order
from microgradx.nn import parse_parameter_label

__all__ = [
    "DEFAULT_MAX_NODES",
    "GROUPED_MAX_SOURCE_NODES",
    "GraphTooLargeError",
    "GradCell",
    "Reserve",
    "Scene",
    "op_symbol",
    "node_role",
    "infer_parameters",
    "derivative_name",
    "local_rule",
    "text_width",
]

DEFAULT_MAX_NODES = 600

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


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


# ----------------------------------------------------------------------
# Local derivatives as the lecture writes them: ∂(a·b)/∂a = b, ∂z²/∂z = 2z, ∂σ/∂z = σ(z)(1 − σ(z)).
# The rule is the op's ``derivatives`` text in the table, written in x, y and the parameter p;
# here the inputs' names and the parameter's value take their places.
# ----------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"(?<![A-Za-z])[xyp](?![A-Za-z])")


def _bracketed(name: str) -> str:
    return f"({name})" if _is_compound(name) else name


def _power_rule(name: str, n: float) -> str:
    """d/dz zⁿ written out for a whole exponent: 2z, 3z², −z⁻², 1."""
    n = int(n)
    if n in (0, 1):
        return str(n)
    coefficient = "−" if n == -1 else str(n).replace("-", "−")
    power = "" if n == 2 else str(n - 1).translate(_SUPERSCRIPT)
    return f"{coefficient}{_bracketed(name)}{power}"


def local_rule(node: Value, index: int, names: list[str]) -> str | None:
    """The symbolic local derivative ∂node/∂(input ``index``), written with the inputs'
    ``names``: "b" for a·b, "2z" for z², "σ(z)(1 − σ(z))" for σ(z); None when the table has
    no rule to show (an op defined with ``define_op``, or one over a list of inputs): the
    edge then shows the number alone."""
    op = node.op
    texts = getattr(op, "derivatives", ())
    if not isinstance(op, ops.Op) or not op.builtin or op.vector or index >= len(texts):
        return None
    param = op.param
    if op.family is ops.POWER and float(param).is_integer():
        return _power_rule(names[0], param)
    places = {"x": _bracketed(names[0])}
    if len(names) > 1:
        places["y"] = _bracketed(names[1])
    if param is not None:
        places["p"] = format_number(param)
    return _PLACEHOLDER.sub(lambda m: places.get(m[0], m[0]), texts[index])


_OPERATOR_INSIDE = re.compile(r"(?<=.)[+\-−*×·/÷^]")


def derivative_name(name: str) -> str:
    """``name`` as it stands after ∂: compound names are bracketed, ∂(x1·w1 + x2·w2)."""
    return _bracketed(name)


def _is_compound(name: str) -> bool:
    """True for a name that is a formula ("x1*w1", "a + b"), not one symbol ("x", "+₁")."""
    return any(ch.isspace() for ch in name) or bool(_OPERATOR_INSIDE.search(name))


def folded_constants(order: list[Value], root: Value) -> set[Value]:
    """The unlabelled numbers that can be drawn inside the gates using them: those whose every
    user also has an input that is not such a number (2·3 keeps its boxes)."""

    def is_constant(node: Value) -> bool:
        return not node.inputs and not node.op and not node.label and node is not root

    users: dict[Value, list[Value]] = {}
    for node in order:
        for child in node.inputs:
            if is_constant(child):
                users.setdefault(child, []).append(node)
    return {
        constant
        for constant, gates in users.items()
        if all(not all(is_constant(c) for c in gate.inputs) for gate in gates)
    }


_FOLDED = {  # (op, which input is the number) → how the gate reads with it inside
    ("+", 0): "{c}+",
    ("+", 1): "+{c}",
    ("-", 0): "{c}−",
    ("-", 1): "−{c}",
    ("*", 0): "×{c}",
    ("*", 1): "×{c}",
    ("/", 0): "{c}/x",
    ("/", 1): "÷{c}",
}


def folded_symbol(node: Value, scene: Scene) -> str:
    """The gate's symbol with its folded number inside: "+1", "×2", "1/x", "÷4"."""
    folded = [i for i, child in enumerate(node.inputs) if child in scene.folded]
    if len(folded) != 1 or (node.op, folded[0]) not in _FOLDED:
        return op_symbol(node.op)
    number = scene.number(node.inputs[folded[0]].data)
    if number.startswith("-") and node.op in ("+", "-", "*"):
        number = f"({number})"
    return _FOLDED[(node.op, folded[0])].format(c=number)


def infer_parameters(order: Iterable[Value]) -> set[Value]:
    """The leaves labelled as ``nn`` labels parameters: "L0.N3.w1", "N2.b", "w0" … and a plain
    "b" only next to such weights (so the "b" of e = (a + b)(b + 1) stays an input)."""
    leaves = [node for node in order if not node.inputs and not node.op and node.label]
    parsed = {node: parse_parameter_label(node.label) for node in leaves}
    has_weights = any(p is not None and p.kind == "w" and not p.neuron for p in parsed.values())
    return {
        node for node, p in parsed.items() if p is not None and (node.label != "b" or has_weights)
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


# How each role's box is outlined: (table style, border width).
ROLE_OUTLINE = {
    "input": ("rounded", 1),
    "parameter": ("", 2),
    "constant": ("dashed", 1),
    "intermediate": ("", 1),
    "output": ("rounded", 2),
}


# ----------------------------------------------------------------------
# Text widths: the room a text needs, so frames can reserve it.
# ----------------------------------------------------------------------

# Advance widths in ems, on the generous side of Arial, Liberation Sans and DejaVu Sans
# (a reserved cell must be at least as wide as the renderer's own measure).
_NARROW = set("ijlftrI!|.,:;'` ")
_WIDE = set("mwMW")
_SYMBOL_WIDE = set("+=×−<>÷±~")


def _em(ch: str) -> float:
    if ch in _NARROW:
        return 0.36
    if ch in _WIDE:
        return 1.0
    if ch in _SYMBOL_WIDE:
        return 0.86
    if ch.isdigit():
        return 0.66
    if ch.isupper():
        return 0.78
    if ch.isascii():
        return 0.64
    return 0.8


def text_width(text: str, points: float) -> float:
    """An upper estimate of ``text``'s width in points at font size ``points``."""
    return points * sum(_em(ch) for ch in text)


@dataclass
class Reserve:
    """The room to keep in every frame: a grad cell's width per node, an edge label's width
    per (op node, input index), and the caption's width and number of lines."""

    grad_width: dict[Value, float] = field(default_factory=dict)
    edge_width: dict[tuple[Value, int], float] = field(default_factory=dict)
    title_width: float = 0.0
    title_lines: int = 1


# ----------------------------------------------------------------------
# What each box shows.
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
    """Everything a drawing needs beyond the graph: options and per-frame state."""

    theme: Theme
    rankdir: str = "LR"
    digits: int = 4
    show_grads: bool = True
    local_grads: bool = False
    rules: bool = False  # edge labels with the symbolic rule: ∂f/∂a = b = 4
    legend: bool = False
    title: str = ""
    parameters: Collection[Value] = frozenset()
    grad_cells: dict[Value, GradCell] = field(default_factory=dict)
    highlight: set[Value] = field(default_factory=set)
    display_names: dict[Value, str] = field(default_factory=dict)  # for unlabelled nodes
    active: Value | None = None  # the node whose gradient is being passed on (backward step)
    summed: bool = False  # grads add up several backward() calls: not one ∂f/∂x
    reserve: Reserve | None = None  # frames of one slideshow: same sizes in every frame
    folded: Collection[Value] = frozenset()  # constants drawn inside their gates

    def number(self, x: float) -> str:
        return format_number(x, self.digits)

    def name(self, node: Value) -> str:
        """What the node is called in tags and edge labels: its label or its display name."""
        return node.label or self.display_names.get(node, "")


def check_options(rankdir: str, digits: int, max_nodes: int = DEFAULT_MAX_NODES) -> None:
    """Raise a ValueError that names the option when rankdir, digits or max_nodes is wrong."""
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17 (significant digits), got {digits!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")


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


GROUPED_MAX_SOURCE_NODES = 300_000  # a grouped drawing folds every node: time and memory grow


def check_source_size(root: Value, limit: int, caller: str) -> None:
    """Refuse, before any work proportional to the graph, a graph of more than ``limit``
    nodes: the count stops as soon as it passes the limit."""
    if not isinstance(root, Value):
        return  # nodes_of says what is wrong
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in stack.pop().inputs:
            if id(child) not in seen:
                seen.add(id(child))
                if len(seen) > limit:
                    raise GraphTooLargeError(
                        f"{caller}: this graph has more than {limit:,} nodes, too many to fold "
                        "into a readable drawing in reasonable time and memory. Draw the loss "
                        "of fewer examples (one mini-batch, or one example), or draw the "
                        "model's diagram with draw_network(model)"
                    )
                stack.append(child)


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


# ----------------------------------------------------------------------
# The drawing and its parts.
# ----------------------------------------------------------------------

TITLE_POINTS = 15
_LINE = 1.25  # line height, in font sizes


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
    heading = _title(scene)
    if scene.legend:
        heading.append(legend_html(theme))
    if heading:
        rows = "".join(f'<tr><td align="left"{attrs}>{text}</td></tr>' for attrs, text in heading)
        graph.attr(
            label=f'<<table border="0" cellborder="0" cellspacing="2">{rows}</table>>',
            labelloc="t",
            labeljust="l",
            fontsize=str(TITLE_POINTS),
            fontcolor=theme.text,
        )
    return graph


def _title(scene: Scene) -> list[tuple[str, str]]:
    """The caption's table row (attributes, text); in frames it keeps the reserved room."""
    reserve = scene.reserve
    if not scene.title and reserve is None:
        return []
    lines = wrap(scene.title) if scene.title else []
    attrs = ""
    if reserve is not None:
        lines += [""] * (reserve.title_lines - len(lines))
        height = reserve.title_lines * TITLE_POINTS * _LINE + 4
        attrs = f' width="{reserve.title_width + 8:.0f}" height="{height:.0f}"'
    text = '<br align="left"/>'.join(pad(escape(line)) for line in lines)
    return [(attrs, f'{text}<br align="left"/>' if len(lines) > 1 else text)]


CAPTION_WIDTH = 100  # characters per caption line


def wrap(text: str, width: int = CAPTION_WIDTH) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` characters."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def legend_html(theme: Theme) -> tuple[str, str]:
    """The legend row: the role of each outline, the meaning of each gradient colour."""
    swatches = []
    for role in ("input", "parameter", "constant", "intermediate", "output"):
        style, border = ROLE_OUTLINE[role]
        styled = f' style="{style}"' if style else ""
        fill = theme.output if role == "output" else theme.cell
        swatches.append(
            f'<td><table border="{border}" cellborder="0" cellspacing="0" cellpadding="3" '
            f'color="{theme.border}"{styled}>'
            f'<tr><td bgcolor="{fill}"><font point-size="11">{role}</font></td></tr></table></td>'
        )
    signs = [
        (theme.positive_fill, theme.positive, "+ gradient &gt; 0"),
        (theme.negative_fill, theme.negative, "− gradient &lt; 0"),
        (theme.highlight_fill, theme.text, "changed in this step"),
    ]
    for fill, colour, words in signs:
        swatches.append(
            f'<td><table border="0" cellborder="0" cellspacing="0" cellpadding="3"><tr>'
            f'<td bgcolor="{fill}"><font point-size="11" color="{colour}">{pad(words)}</font>'
            "</td></tr></table></td>"
        )
    cells = "".join(swatches)
    return (
        "",
        f'<table border="0" cellborder="0" cellspacing="4"><tr>'
        f'<td><font point-size="11">boxes:</font></td>{cells}</tr></table>',
    )


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
    node_name, root_name = scene.name(node), scene.name(root)
    if node_name and root_name and not scene.summed:
        return f"∂{escape(derivative_name(root_name))}/∂{escape(derivative_name(node_name))}"
    return "grad"


def value_label(node: Value, root: Value, role: str, scene: Scene) -> str:
    """The HTML-like label of a Value's box: [label | data … | ∂f/∂node …], outlined by role."""
    theme = scene.theme
    cells = []
    name_fill = theme.output if role == "output" else theme.cell
    if node.label:
        label = pad(escape(node.label))
        cells.append(f'<td bgcolor="{name_fill}" align="left"><b>{label}</b></td>')
    elif node in scene.display_names:
        name = pad(escape(scene.display_names[node]))
        cells.append(
            f'<td bgcolor="{name_fill}" align="left"><font color="{theme.muted}"><i>{name}</i>'
            "</font></td>"
        )
    cells.append(_pair("data", scene.number(node.data), theme.cell, scene, first=not cells))
    if scene.show_grads:
        cell = scene.grad_cells.get(node)
        if cell is None:
            cell = GradCell(scene.number(node.grad), node.grad)
        cells.append(_grad_cells(node, root, cell, scene))
    style, border = ROLE_OUTLINE[role]
    styled = f' style="{style}"' if style else ""
    box = (
        f'<table border="{border}" cellborder="0" cellspacing="0" cellpadding="5" '
        f'color="{theme.border}"{styled}><tr>{"".join(cells)}</tr></table>'
    )
    highlighted = node in scene.highlight
    if highlighted or scene.reserve is not None:
        # a ring of constant width, coloured only when highlighted: no frame changes size
        ring = theme.highlight if highlighted else theme.background
        box = (
            f'<table border="3" cellborder="0" cellspacing="0" cellpadding="0" color="{ring}">'
            f"<tr><td>{box}</td></tr></table>"
        )
    return f"<{box}>"


_TAG_POINTS = 11


def _pair(
    tag: str, value: str, fill: str, scene: Scene, *, first: bool = False, width: str = ""
) -> str:
    """A small tag ("data", "∂f/∂x") and its value, ruled off from the cells before."""
    theme = scene.theme
    rule = "" if first else f' border="1" sides="L" color="{theme.border}"'
    return (
        f'<td bgcolor="{fill}" cellpadding="3"{rule}>'
        f'<font point-size="{_TAG_POINTS}" color="{theme.muted}">{pad(tag)}</font></td>'
        f'<td bgcolor="{fill}" align="left"{width}>{value}</td>'
    )


def _grad_cells(node: Value, root: Value, cell: GradCell, scene: Scene) -> str:
    theme = scene.theme
    tag = _grad_tag(node, root, scene)
    width = ""
    if scene.reserve is not None and node in scene.reserve.grad_width:
        width = f' width="{scene.reserve.grad_width[node]:.0f}"'
    if cell.pending:
        text = f'<font color="{theme.muted}">{pad(cell.text)}</font>'
        return _pair(tag, text, theme.cell, scene, width=width)
    if cell.value > 0:
        fill, colour = theme.positive_fill, theme.positive
    elif cell.value < 0:
        fill, colour = theme.negative_fill, theme.negative
    else:
        fill, colour = theme.cell, theme.text
    if cell.changed:
        fill = theme.highlight_fill
    text = f'<font color="{colour}">{pad(cell.text)}</font>'
    return _pair(tag, text, fill, scene, width=width)


GRAD_POINTS = 13
CELL_PADDING = 5


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


EDGE_POINTS = 11


def edge_text(node: Value, index: int, scene: Scene) -> str:
    """The local derivative on the edge from input ``index`` to ``node``'s op:
    "∂b/∂z = 2z = 4" with names and (``scene.rules``) the symbolic rule, else the number."""
    child = node.inputs[index]
    value = scene.number(node.local_grads[index])
    node_name, child_name = scene.name(node), scene.name(child)
    rule = None
    if scene.rules:
        operand_names = [derivative_operand(c, scene) for c in node.inputs]
        rule = local_rule(node, index, operand_names)
    if rule is not None and rule != value:
        value = f"{rule} = {value}"
    if node_name and child_name:
        return f"∂{derivative_name(node_name)}/∂{derivative_name(child_name)} = {value}"
    return value


def derivative_operand(node: Value, scene: Scene) -> str:
    """An operand's name inside a rule: its name, or its value for an unnamed constant."""
    return scene.name(node) or scene.number(node.data)


def edge_label(node: Value, index: int, scene: Scene, *, strong: bool, shown: bool = True) -> str:
    """The label of an input → op edge (see ``edge_text``); in frames (``scene.reserve``) a
    label of the reserved size, empty when not ``shown``, so every frame has the same layout."""
    theme = scene.theme
    text = edge_text(node, index, scene) if shown else ""
    colour = theme.highlight if strong else theme.muted
    weight = ("<b>", "</b>") if strong else ("", "")
    font = ""
    if text:
        font = f'<font point-size="{EDGE_POINTS}" color="{colour}">{weight[0]}{pad(escape(text))}'
        font += f"{weight[1]}</font>"
    reserve = scene.reserve
    if reserve is None:
        return f"<{font}>"
    width = reserve.edge_width.get((node, index), 0.0)
    height = EDGE_POINTS * _LINE + 4
    return (
        f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1"><tr>'
        f'<td width="{width:.0f}" height="{height:.0f}">{font}</td></tr></table>>'
    )
