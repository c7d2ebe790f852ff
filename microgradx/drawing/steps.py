"""``backward_steps``: the backward pass one node at a time, as the lectures walk it.

Reverse mode visits the nodes from the root back to the leaves (reverse topological order).
At each node it passes the node's gradient, the *upstream* gradient ∂f/∂node, on to every
input, multiplied by the local derivative recorded on that edge, and adds it to what the
input already has:

    ∂f/∂input  +=  ∂node/∂input · ∂f/∂node          (previous + local × upstream)

The frames are computed here from ``inputs`` and ``local_grads`` with the same loop as
``Value.backward``; the user's ``grad`` fields are left untouched.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Iterable
from dataclasses import dataclass

from microgradx import ops
from microgradx.drawing.boxes import (
    CELL_PADDING,
    DEFAULT_MAX_NODES,
    EDGE_POINTS,
    GRAD_POINTS,
    TITLE_POINTS,
    GradCell,
    Reserve,
    Scene,
    check_options,
    check_size,
    derivative_name,
    edge_text,
    folded_constants,
    infer_parameters,
    new_drawing,
    nodes_of,
    op_symbol,
    text_width,
    wrap,
)
from microgradx.drawing.graph import add_graph
from microgradx.drawing.render import DEFAULT_DPI, check_dpi, measure_texts, pin_layout
from microgradx.drawing.style import Theme, escape, format_number, get_theme, pad
from microgradx.engine import Value

__all__ = ["backward_steps", "chain_rule_table", "ChainRuleRow", "ChainRuleTable", "Frames"]


@dataclass(frozen=True)
class ChainRuleRow:
    """One edge of one backward step: ``input.grad += local × upstream``."""

    node: str  # the node passing its gradient on
    input: str  # the input receiving it
    upstream: float  # ∂f/∂node
    local: float  # ∂node/∂input
    contribution: float  # local × upstream
    before: float  # ∂f/∂input before this step
    after: float  # ∂f/∂input after it


class ChainRuleTable:
    """The chain-rule rows of one backward step (or of all steps), as text or HTML.

    ``str(table)`` is an aligned text table; in a notebook the table displays as HTML.
    """

    def __init__(self, rows: Iterable[ChainRuleRow], *, root: str = "f", digits: int = 4) -> None:
        self.rows = list(rows)
        self.root = root
        self.digits = digits

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index: int) -> ChainRuleRow:
        return self.rows[index]

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        f = self.root
        header = [
            "node",
            f"upstream ∂{f}/∂node",
            "local ∂node/∂input",
            "input",
            "contribution",
            f"∂{f}/∂input",
        ]
        n = functools.partial(format_number, digits=self.digits)
        body = []
        for row in self.rows:
            total = (
                f"{n(row.before)} + {n(row.contribution)} = {n(row.after)}"
                if row.before
                else n(row.after)
            )
            body.append(
                [row.node, n(row.upstream), n(row.local), row.input, n(row.contribution), total]
            )
        return header, body

    def __str__(self) -> str:
        header, body = self._cells()
        if not body:
            return "(no gradient is passed on in this step)"
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
            for line in [header, *body]
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ChainRuleTable({len(self.rows)} rows)\n{self}"

    def _repr_html_(self) -> str:
        header, body = self._cells()
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in line) + "</tr>"
            for line in body
        )
        return (
            '<table class="microgradx-chain-rule">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )


class Frames(list):
    """The list of frames ``backward_steps`` returns; in a notebook it shows every frame,
    with its chain-rule table, one under the other (no scripts: it works in any viewer)."""

    def _repr_html_(self) -> str:
        from microgradx.drawing.slideshow import frames_html

        return frames_html(self)


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def node_names(order: list[Value]) -> dict[Value, str]:
    """How captions and tables name each node: its label; else its op symbol numbered in
    order ("+₁", "log₁", drawn in the frames' boxes too); a constant by its value."""
    names = {}
    counts: dict[str, int] = {}
    for node in order:
        if node.label:
            names[node] = node.label
        elif node.op:
            symbol = op_symbol(node.op)
            counts[symbol] = counts.get(symbol, 0) + 1
            names[node] = symbol + str(counts[symbol]).translate(_SUBSCRIPT)
        else:
            names[node] = format_number(node.data)
    return names


_INFIX = {"+": "+", "-": "−", "*": "×", "/": "÷", "**": "^"}


def formula(node: Value, names: dict[Value, str]) -> str:
    """The node's op written out with its inputs' names: "a × b", "z²", "σ(z)", "Σ(p, q, r)"."""
    operands = [derivative_name(names[child]) for child in node.inputs]
    if node.op in _INFIX and len(operands) == 2:
        return f" {_INFIX[node.op]} ".join(operands)
    symbol = op_symbol(node.op)
    if getattr(node.op, "family", None) is ops.POWER:  # z², z^0.5
        return f"{operands[0]}{symbol[1:]}"
    if node.op == "neg":
        return f"−{operands[0]}"
    if node.op == "abs":
        return f"|{operands[0]}|"
    if node.op == "dot":
        half = len(operands) // 2
        return f"({', '.join(operands[:half])}) · ({', '.join(operands[half:])})"
    return f"{symbol}({', '.join(operands)})"


@dataclass
class _Step:
    node: Value
    upstream: float
    rows: list[ChainRuleRow]
    contributions: dict[Value, list[tuple[float, float]]]  # input -> [(local, upstream), ...]
    before: dict[Value, float]
    after: dict[Value, float]


def _walk(order: list[Value], seed: float, names: dict[Value, str]) -> tuple[list[_Step], dict]:
    """Value.backward's loop, on a private dict of gradients; one _Step per op node."""
    grads = {node: 0.0 for node in order}
    grads[order[-1]] = seed
    steps = []
    for node in reversed(order):
        if not node.inputs:
            continue
        upstream = grads[node]
        before = {child: grads[child] for child in node.inputs}
        contributions: dict[Value, list[tuple[float, float]]] = {}
        rows = []
        for child, local in zip(node.inputs, node.local_grads):
            # as backward: a zero upstream passes nothing on (and no 0·∞ from a vertical slope)
            contribution = local * upstream if upstream != 0.0 else 0.0
            previous = grads[child]
            grads[child] = previous + contribution
            contributions.setdefault(child, []).append((local, upstream))
            rows.append(
                ChainRuleRow(
                    names[node],
                    names[child],
                    upstream,
                    local,
                    contribution,
                    previous,
                    grads[child],
                )
            )
        after = {child: grads[child] for child in node.inputs}
        steps.append(_Step(node, upstream, rows, contributions, before, after))
    return steps, grads


def _check_seed(seed: float) -> float:
    """The seed ∂f/∂f as a float, or a ValueError saying why it cannot be one."""
    if isinstance(seed, bool) or not isinstance(seed, (int, float)) or not math.isfinite(seed):
        raise ValueError(f"seed (∂f/∂f at the root) must be a finite number, got {seed!r}")
    return float(seed)


def chain_rule_table(root: Value, *, seed: float = 1.0, digits: int = 4) -> ChainRuleTable:
    """Every multiplication of the backward pass from ``root``, in the order reverse mode
    does them: node, upstream ∂f/∂node, local ∂node/∂input, contribution, running total.

    The user's ``grad`` fields are not touched.
    """
    order = nodes_of(root, "chain_rule_table")
    names = node_names(order)
    steps, _ = _walk(order, _check_seed(seed), names)
    return ChainRuleTable(
        [row for step in steps for row in step.rows], root=names[root], digits=digits
    )


def backward_steps(
    root: Value,
    *,
    local_grads: bool = False,
    rankdir: str = "LR",
    theme: str | Theme = "light",
    digits: int = 4,
    parameters: Iterable[Value] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    seed: float = 1.0,
    rules: bool = False,
    legend: bool = False,
    fold_constants: bool = False,
    dpi: float = DEFAULT_DPI,
) -> Frames:
    """The frames of the backward pass from ``root``, for slides and notebooks.

    - Frame 0: the forward pass, with ∂f/∂f = 1 (``seed``) at the root and every other
      gradient still unknown ("?").
    - Then one frame per op node, in the order reverse mode visits them: the node, its op
      and its input edges highlighted, the local derivatives on those edges, and each input's
      gradient written as "previous + local × upstream = new".
    - The last frame is the finished backward pass: every node holds ∂f/∂node.

    Every frame has one layout: each box keeps the room for the widest text it gets in any
    frame, every edge keeps the room for its label, the caption keeps its lines, and the
    first frame is laid out once, its positions written into every frame (drawn with
    ``neato -n2``, no layout of their own). Nodes do not move and the canvas keeps its size;
    only colours and text change from frame to frame.

    ``rules=True`` writes each local derivative as the lecture does (∂f/∂a = b = 4);
    ``legend=True`` adds the legend of outlines and colours; ``fold_constants=True`` draws
    numbers inside their gates ("+1", "×2") and leaves them out of the steps; ``dpi`` is the
    resolution of PNG images made from the frames.

    Each frame is a ``Drawing`` (a ``graphviz.Digraph``) with ``.caption`` (what it shows) and
    ``.table`` (its chain-rule rows, a ``ChainRuleTable``). The user's gradients are not
    changed: the frames are computed on the side, with the loop ``Value.backward`` runs.

    The result is a list (``Frames``) that a notebook shows as every step, one under the
    other, and that ``save_slideshow`` turns into a slideshow.
    """
    check_options(rankdir, digits, max_nodes)
    check_dpi(dpi)
    order = nodes_of(root, "backward_steps")
    check_size(len(order), max_nodes, grouped=False)
    names = node_names(order)
    seed = _check_seed(seed)
    steps, final = _walk(order, seed, names)
    f = names[root]
    df = derivative_name(f)
    number = functools.partial(format_number, digits=digits)

    def factor(x: float) -> str:
        """A number in a product: negative ones in parentheses, "4 × (-1)"."""
        return f"({number(x)})" if x < 0 else number(x)

    reserve = Reserve()
    base = dict(
        theme=get_theme(theme),
        rankdir=rankdir,
        digits=digits,
        local_grads=local_grads or rules,
        rules=rules,
        legend=legend,
        parameters=infer_parameters(order) if parameters is None else set(parameters),
        display_names={n: names[n] for n in order if n.op and not n.label},
        reserve=reserve,
        folded=folded_constants(order, root) if fold_constants else frozenset(),
    )
    folded = base["folded"]

    # First what every frame shows, then the room the widest of it needs, then the drawings.
    states: list[tuple[str, dict[Value, GradCell], Value | None, list[ChainRuleRow]]] = []
    known = {root: seed}  # gradients that reverse mode has written so far
    cells = {node: GradCell("?", pending=True) for node in order}
    cells[root] = GradCell(number(seed), seed)
    caption = (
        f"Forward pass: {f} = {number(root.data)}. The backward pass starts at the output "
        f"with ∂{df}/∂{df} = {number(seed)}."
    )
    states.append((caption, dict(cells), None, []))

    total = len(steps)
    for k, step in enumerate(steps, start=1):
        node = step.node
        cells = {n: GradCell(number(g), g) for n, g in known.items()} | {
            n: GradCell("?", pending=True) for n in order if n not in known
        }
        for child, pairs in step.contributions.items():
            previous = step.before[child]
            terms = " + ".join(f"{factor(local)} × {factor(up)}" for local, up in pairs)
            if child in known:
                terms = f"{number(previous)} + {terms}"
            new = step.after[child]
            known[child] = new
            cells[child] = GradCell(f"{terms} = {number(new)}", new, changed=True)
        receivers = " and ".join(dict.fromkeys(names[c] for c in node.inputs if c not in folded))
        caption = (
            f"Step {k} of {total}: {names[node]} = {formula(node, names)} passes "
            f"∂{df}/∂{derivative_name(names[node])} = {number(step.upstream)} back to "
            f"{receivers} (each gets local × upstream)"
        )
        rows = [row for row, c in zip(step.rows, node.inputs) if c not in folded]
        states.append((caption, cells, node, rows))

    done = {n: GradCell(number(final[n]), final[n]) for n in order}
    states.append((f"Backward pass done: every node holds ∂{df}/∂node.", done, None, []))

    _reserve_room(reserve, states, order, Scene(**base))
    frames = Frames()
    for caption, cells, active, rows in states:
        scene = Scene(
            title=caption,
            grad_cells=cells,
            highlight={active} if active is not None else set(),
            active=active,
            **base,
        )
        graph = new_drawing(scene)
        add_graph(graph, order, root, scene)
        graph.caption = caption
        graph.table = ChainRuleTable(rows, root=f, digits=digits)
        graph.dpi = dpi
        graph.legend = legend
        frames.append(graph)
    pin_layout(frames)  # one layout for all frames (each would come out the same anyway)
    return frames


def _reserve_room(
    reserve: Reserve,
    states: list[tuple[str, dict[Value, GradCell], Value | None, list[ChainRuleRow]]],
    order: list[Value],
    scene: Scene,
) -> None:
    """Fill ``reserve`` with the widest text each box, edge and caption gets in any frame.

    The texts are measured by the layout program itself (one run for all of them), so the
    room kept is what it will draw; without one, a generous estimate is used.
    """
    wanted: dict[tuple[str, float, bool], None] = {}
    captions = [wrap(caption) for caption, _, _, _ in states]
    for lines in captions:
        wanted.update(dict.fromkeys((escape(pad(line)), TITLE_POINTS, False) for line in lines))
    for _, cells, _, _ in states:
        wanted.update(
            dict.fromkeys((escape(pad(cell.text)), GRAD_POINTS, False) for cell in cells.values())
        )
    edges = {
        (node, index): edge_text(node, index, scene)
        for node in order
        for index in range(len(node.inputs))
    }
    wanted.update(dict.fromkeys((escape(pad(t)), EDGE_POINTS, True) for t in edges.values()))
    keys = list(wanted)
    measured = measure_texts(keys, scene.theme.font)
    if measured is None:  # no renderer: estimate (generously) instead
        measured = [text_width(text, points) * (1.08 if bold else 1) for text, points, bold in keys]
    width = dict(zip(keys, measured))
    slack = 4.0  # for a viewer whose font is a little wider than the renderer's
    for lines in captions:
        reserve.title_lines = max(reserve.title_lines, len(lines))
        for line in lines:
            reserve.title_width = max(
                reserve.title_width, width[(escape(pad(line)), TITLE_POINTS, False)] + slack
            )
    for _, cells, _, _ in states:
        for node, cell in cells.items():
            needed = width[(escape(pad(cell.text)), GRAD_POINTS, False)] + 2 * CELL_PADDING + slack
            reserve.grad_width[node] = max(reserve.grad_width.get(node, 0.0), needed)
    for key, text in edges.items():
        reserve.edge_width[key] = width[(escape(pad(text)), EDGE_POINTS, True)] + 2 + slack
