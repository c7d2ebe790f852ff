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
from microgradx.drawing.graph import (
    DEFAULT_MAX_NODES,
    GradCell,
    Scene,
    add_graph,
    check_options,
    check_size,
    infer_parameters,
    new_drawing,
    nodes_of,
    op_symbol,
)
from microgradx.drawing.render import Drawing
from microgradx.drawing.style import Theme, format_number, get_theme
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
    operands = [names[child] for child in node.inputs]
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
) -> Frames:
    """The frames of the backward pass from ``root``, for slides and notebooks.

    - Frame 0: the forward pass, with ∂f/∂f = 1 (``seed``) at the root and every other
      gradient still unknown ("?").
    - Then one frame per op node, in the order reverse mode visits them: the node, its op
      and its input edges highlighted, the local derivatives on those edges, and each input's
      gradient written as "previous + local × upstream = new".
    - The last frame is the finished backward pass: ``draw(root)`` after ``root.backward()``.

    Each frame is a ``Drawing`` (a ``graphviz.Digraph``) with ``.caption`` (what it shows) and
    ``.table`` (its chain-rule rows, a ``ChainRuleTable``). The user's gradients are not
    changed: the frames are computed on the side, with the loop ``Value.backward`` runs.

    The result is a list (``Frames``) that a notebook shows as every step, one under the
    other, and that ``save_slideshow`` turns into a slideshow.
    """
    check_options(rankdir, digits, max_nodes)
    order = nodes_of(root, "backward_steps")
    check_size(len(order), max_nodes, grouped=False)
    names = node_names(order)
    seed = _check_seed(seed)
    steps, final = _walk(order, seed, names)
    f = names[root]
    number = functools.partial(format_number, digits=digits)

    def factor(x: float) -> str:
        """A number in a product: negative ones in parentheses, "4 × (-1)"."""
        return f"({number(x)})" if x < 0 else number(x)

    base = dict(
        theme=get_theme(theme),
        rankdir=rankdir,
        digits=digits,
        local_grads=local_grads,
        parameters=infer_parameters(order) if parameters is None else set(parameters),
        display_names={n: names[n] for n in order if n.op and not n.label},
    )

    def frame(scene: Scene, caption: str, rows: list[ChainRuleRow]) -> Drawing:
        graph = new_drawing(scene)
        add_graph(graph, order, root, scene)
        graph.caption = caption
        graph.table = ChainRuleTable(rows, root=f, digits=digits)
        return graph

    frames = Frames()
    known = {root: seed}  # gradients that reverse mode has written so far
    cells = {node: GradCell("?", pending=True) for node in order}
    cells[root] = GradCell(number(seed), seed)
    caption = (
        f"Forward pass: {f} = {number(root.data)}. The backward pass starts at the output "
        f"with ∂{f}/∂{f} = {number(seed)}."
    )
    frames.append(frame(Scene(title=caption, grad_cells=dict(cells), **base), caption, []))

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
        receivers = " and ".join(dict.fromkeys(names[c] for c in node.inputs))
        caption = (
            f"Step {k} of {total}: {names[node]} = {formula(node, names)} passes "
            f"∂{f}/∂{names[node]} = {number(step.upstream)} back to {receivers} "
            "(each gets local × upstream)"
        )
        scene = Scene(title=caption, grad_cells=cells, highlight={node}, active=node, **base)
        frames.append(frame(scene, caption, step.rows))

    done = {n: GradCell(number(final[n]), final[n]) for n in order}
    caption = f"Backward pass done: every node holds ∂{f}/∂node."
    # the finished picture is exactly draw(root) after backward(): no step names in the boxes
    final_scene = Scene(title=caption, grad_cells=done, **(base | {"display_names": {}}))
    frames.append(frame(final_scene, caption, []))
    return frames
