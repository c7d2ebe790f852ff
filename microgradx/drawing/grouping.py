"""``draw(root, group="neuron")``: a whole network's loss graph, small enough to read.

An MLP's loss over a batch has tens of thousands of nodes, but only a few kinds of them.
Two steps fold it:

1. Every neuron becomes one box. ``nn`` labels parameters "L{l}.N{j}.w{i}" and "L{l}.N{j}.b",
   so the text before the last "." names the neuron. An op node belongs to a neuron when it
   uses that neuron's parameters (its ``dot``, its ``+ b``, a weight-decay term), or when it
   is an activation applied to the neuron's output.
2. The nodes that remain are merged when they do the same thing to the same groups: the
   per-example parts of a batch (``y·score``, ``1 − …``, ``ReLU``) each become one node
   marked "×100". Unlabelled constants (the data) merge into one box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from microgradx.drawing.graph import (
    Scene,
    check_size,
    infer_parameters,
    new_drawing,
    no_gradients_yet,
    node_role,
    op_attributes,
    op_symbol,
    value_label,
)
from microgradx.drawing.render import Drawing
from microgradx.drawing.style import escape
from microgradx.engine import Value

__all__ = ["draw_grouped", "neuron_name"]

_ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu")


def neuron_name(label: str) -> str:
    """The neuron a parameter belongs to: "L0.N3.w1" → "L0.N3"; "w0" → "neuron"."""
    return label.rsplit(".", 1)[0] if "." in label else "neuron"


@dataclass
class _Group:
    """A set of nodes drawn as one: a neuron, or nodes doing the same thing ×count."""

    kind: str  # "neuron", "leaf" or "op"
    first: Value
    count: int = 0
    parameters: list[Value] = field(default_factory=list)
    activation: str = ""
    name: str = ""


def _neurons(order: list[Value], parameters: set[Value]) -> dict[Value, str]:
    """Which neuron each node belongs to (only the nodes that belong to one).

    A node joins neuron N when it mixes N's parameters with other values (w·x, w₀·x₀, + b),
    when it combines only values already inside N (w₀·x₀ + w₁·x₁ written out by hand), or
    when it is an activation of N's weighted sum.
    """
    neuron_of = {p: neuron_name(p.label) for p in parameters}
    for node in order:
        if not node.inputs:
            continue
        owners = {neuron_of.get(child) for child in node.inputs}
        from_parameters = {neuron_of[child] for child in node.inputs if child in parameters}
        if len(from_parameters) == 1:
            # p·p (weight decay) uses parameters only: it is not part of the neuron's compute
            if not all(child in parameters for child in node.inputs):
                neuron_of[node] = from_parameters.pop()
        elif from_parameters:
            continue
        elif len(node.inputs) > 1 and len(owners) == 1 and None not in owners:
            neuron_of[node] = owners.pop()
        elif (
            len(node.inputs) == 1
            and node.op.startswith(_ACTIVATIONS)
            and node.inputs[0] in neuron_of
            and node.inputs[0].op == "+"
        ):
            neuron_of[node] = neuron_of[node.inputs[0]]
    return neuron_of


def draw_grouped(
    root: Value, order: list[Value], scene: Scene, *, group: str, max_nodes: int
) -> Drawing:
    if group != "neuron":
        raise ValueError(f"group must be None or 'neuron', got {group!r}")
    parameters = scene.parameters or infer_parameters(order)
    scene.parameters = parameters
    neuron_of = _neurons(order, set(parameters))

    keys: dict[object, int] = {}
    groups: list[_Group] = []
    group_of: dict[Value, int] = {}

    def group_index(key: object, node: Value, kind: str) -> int:
        index = keys.get(key)
        if index is None:
            index = keys[key] = len(groups)
            groups.append(_Group(kind, node, name=neuron_of.get(node, "")))
        return index

    def source(child: Value, consumer_in_neuron: bool) -> int:
        # A parameter used outside its neuron (weight decay, say) is drawn coming from one
        # "parameters" box, so a regularizer does not tie every neuron to one node.
        if child in parameters and not consumer_in_neuron:
            return group_index(("parameters",), child, "leaf")
        return group_of[child]

    for node in order:
        if node is root:  # the output keeps its own box, with its data and gradient
            key: object = ("root",)
        elif node in neuron_of:
            key = ("neuron", neuron_of[node])
        elif not node.inputs:
            key = ("leaf", node.label) if node.label else ("constant",)
        else:
            key = ("op", node.op, node.label, tuple(source(c, False) for c in node.inputs))
        kind = "neuron" if key[0] == "neuron" else ("op" if node.inputs else "leaf")
        g = groups[index := group_index(key, node, kind)]
        g.count += 1
        group_of[node] = index
        if g.kind == "neuron":
            if node in parameters:
                g.parameters.append(node)
            elif node.op.startswith(_ACTIVATIONS):
                g.activation = op_symbol(node.op)
    if ("parameters",) in keys:
        g = groups[keys[("parameters",)]]
        g.name = "parameters"
        g.count = len({c for n in order if n not in neuron_of for c in n.inputs if c in parameters})

    check_size(len(groups), max_nodes, grouped=True)
    if scene.show_grads and no_gradients_yet(order):
        scene.show_grads = False
        note = "no gradients yet: call backward() to compute them"
        scene.title = f"{scene.title}  ({note})" if scene.title else note

    graph = new_drawing(scene, ordered=False)  # merged nodes have many operands, in any order
    layers: dict[str, list[int]] = {}
    for index, g in enumerate(groups):
        if g.kind == "neuron" and "." in g.name:
            layers.setdefault(g.name.split(".", 1)[0], []).append(index)
        else:
            _add_group(graph, index, g, root, scene)
    for layer, members in layers.items():
        with graph.subgraph(name=f"cluster_{layer}") as cluster:
            cluster.attr(
                label=f"<<b>layer {escape(layer)}</b>>",
                style="rounded,filled",
                fillcolor=scene.theme.cluster,
                color=scene.theme.border,
                fontcolor=scene.theme.muted,
                fontsize="12",
            )
            for index in members:
                _add_group(cluster, index, groups[index], root, scene)

    edges: dict[tuple[int, int], int] = {}
    for node in order:
        target = group_of[node]
        in_neuron = groups[target].kind == "neuron"
        for child in node.inputs:
            origin = source(child, in_neuron)
            if origin != target:
                edges[(origin, target)] = edges.get((origin, target), 0) + 1
    between_neurons = {"penwidth": "0.7", "arrowsize": "0.5"}
    for (origin, target), count in edges.items():
        head = f"g{target}op" if groups[target].kind == "op" else f"g{target}"
        thin = groups[origin].kind == "neuron" and groups[target].kind == "neuron"
        graph.edge(
            f"g{origin}",
            head,
            tooltip=f"{count} edge{'s' if count > 1 else ''}",
            **(between_neurons if thin else {}),
        )
    return graph


def _add_group(graph: Drawing, index: int, g: _Group, root: Value, scene: Scene) -> None:
    theme = scene.theme
    node_id = f"g{index}"
    if g.kind == "neuron":
        graph.node(node_id, _neuron_label(g, scene), shape="plain")
        return
    if g.kind == "op":
        symbol = op_symbol(g.first.op)
        attributes = op_attributes(symbol, scene)
        if g.count > 1:
            attributes["label"] = f'<{escape(symbol)}<br/><font point-size="9">×{g.count:,}</font>>'
            attributes["shape"] = "ellipse"
        graph.node(f"{node_id}op", **attributes)
        graph.edge(f"{node_id}op", node_id)
    if g.count == 1:
        role = node_role(g.first, root, scene.parameters)
        graph.node(node_id, value_label(g.first, root, role, scene), shape="plain")
        return
    if g.name == "parameters":
        what, fill = "parameters", theme.parameter
    elif g.first.label:
        what, fill = escape(g.first.label), theme.intermediate
    elif g.kind == "leaf":
        what, fill = "constants", theme.constant
    else:
        what, fill = "values", theme.intermediate
    graph.node(
        node_id,
        f'<<table border="1" cellborder="0" cellspacing="0" cellpadding="5" color="{theme.border}">'
        f'<tr><td bgcolor="{fill}"><b>{what}</b> '
        f'<font color="{theme.muted}">×{g.count:,}</font></td></tr></table>>',
        shape="plain",
    )


def _neuron_label(g: _Group, scene: Scene) -> str:
    theme = scene.theme
    activation = f"{g.activation}(w·x + b)" if g.activation else "w·x + b"
    n = len(g.parameters)
    details = f"{n} parameter{'s' if n != 1 else ''}"
    if scene.show_grads:
        norm = sum(p.grad * p.grad for p in g.parameters) ** 0.5
        details += f" · ‖∇‖ {scene.number(norm)}"
    return (
        f'<<table border="1" cellborder="0" cellspacing="0" cellpadding="4" color="{theme.border}">'
        f'<tr><td bgcolor="{theme.parameter}"><b>{escape(g.name)}'
        f"</b>  {escape(activation)}</td></tr>"
        f'<tr><td bgcolor="{theme.cell}"><font point-size="10" color="{theme.muted}">'
        f"{details}</font></td></tr></table>>"
    )
