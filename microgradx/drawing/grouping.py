"""``draw(root, group="neuron")``: a whole network's loss graph, small enough to read.

An MLP's loss over a batch has thousands of nodes, but only a few kinds of them.
Three steps fold it:

1. Every neuron becomes one box. ``nn`` labels parameters "L{l}.N{j}.w{i}" and "L{l}.N{j}.b",
   so the text before the last "." names the neuron. An op node belongs to a neuron when it
   uses that neuron's parameters (its ``dot``, its ``+ b``, a weight-decay term), or when it
   is an activation applied to the neuron's output.
2. The nodes that remain are merged when they do the same thing to the same groups: the
   per-example parts of a batch (``y·score``, ``1 − …``, ``ReLU``) each become one op circle
   marked "×100".
3. Unlabelled constants (the data, the 1 of ``1 − y·score``) are merged by where they go:
   one box for the examples fed to the first layer, one for the targets, and so on.

Each layer is a column with its neurons in order, top to bottom (left to right for "TB").
When every neuron of one layer feeds every neuron of the next, the edges meet in one
junction point instead of crossing as a solid band.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from microgradx.drawing.boxes import (
    Scene,
    check_size,
    column,
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
from microgradx.nn import parse_parameter_label

__all__ = ["draw_grouped", "check_group", "neuron_name"]


def _is_activation(op: str) -> bool:
    """An op a neuron may apply to its sum (relu, tanh, ...: ``activation`` in the table)."""
    return getattr(op, "activation", False)


def check_group(group: object) -> None:
    """Raise a ValueError unless ``group`` is a way of grouping that ``draw`` knows."""
    if group != "neuron":
        raise ValueError(f"group must be None or 'neuron', got {group!r}")


def neuron_name(label: str) -> str:
    """The neuron a parameter belongs to: "L0.N3.w1" → "L0.N3"; "w0" → "neuron"."""
    parsed = parse_parameter_label(label)
    return parsed.neuron if parsed is not None and parsed.neuron else "neuron"


def layer_name(neuron: str) -> str:
    """The layer of a neuron: "L1.N3" → "L1"; "" for a neuron outside any layer."""
    parsed = parse_parameter_label(f"{neuron}.b")
    return parsed.layer if parsed is not None else ""


@dataclass
class _Group:
    """A set of nodes drawn as one: a neuron, constants, or nodes doing the same thing ×count."""

    kind: str  # "neuron", "constants", "leaf" or "op"
    first: Value
    count: int = 0
    parameters: list[Value] = field(default_factory=list)
    activation: str = ""
    name: str = ""
    values: set[float] = field(default_factory=set)  # the data of merged constants
    outputs: list[Value] = field(default_factory=list)  # a neuron's outputs, one per example
    goes_to_layer: bool = False  # constants fed to a layer: the examples' inputs

    @property
    def has_box(self) -> bool:
        """Merged unlabelled op nodes are drawn as their op circle alone ("× ×100")."""
        return not (self.kind == "op" and self.count > 1 and not self.first.label)


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
            and _is_activation(node.op)
            and node.inputs[0] in neuron_of
            and node.inputs[0].op == "+"
        ):
            neuron_of[node] = neuron_of[node.inputs[0]]
    return neuron_of


class _Folding:
    """The groups of a graph and the edges between them (see the module docstring)."""

    def __init__(self, order: list[Value], root: Value, parameters: set[Value]) -> None:
        self.root = root
        self.parameters = parameters
        self.neuron_of = _neurons(order, parameters)
        self.groups: list[_Group] = []
        self.group_of: dict[Value, int] = {}
        self._keys: dict[object, int] = {}
        for node in order:
            if not self._is_constant(node):  # constants are grouped below, by where they go
                self._join(self._key(node), node)
        self._group_constants(order)
        self._count_parameters_used_outside(order)
        self.edges: dict[tuple[int, int], int] = {}
        outputs: dict[Value, None] = {}
        for node in order:
            target = self.group_of[node]
            in_neuron = self.groups[target].kind == "neuron"
            for child in node.inputs:
                origin = self._source(child, in_neuron)
                if origin != target:
                    self.edges[(origin, target)] = self.edges.get((origin, target), 0) + 1
                    if self.groups[origin].kind == "neuron" and child not in self.parameters:
                        outputs[child] = None
        if self.groups[self.group_of[root]].kind == "neuron":
            outputs[root] = None
        for node in outputs:  # what each neuron hands on: its activation, once per example
            self.groups[self.group_of[node]].outputs.append(node)

    def _is_constant(self, node: Value) -> bool:
        return (
            node is not self.root
            and not node.inputs
            and not node.op
            and not node.label
            and node not in self.parameters
        )

    def _index(self, key: object, node: Value, kind: str) -> int:
        index = self._keys.get(key)
        if index is None:
            index = self._keys[key] = len(self.groups)
            self.groups.append(_Group(kind, node, name=self.neuron_of.get(node, "")))
        return index

    def _source(self, child: Value, consumer_in_neuron: bool) -> int:
        # A parameter used outside its neuron (weight decay, say) is drawn coming from one
        # "parameters" box, so a regularizer does not tie every neuron to one node.
        if child in self.parameters and not consumer_in_neuron:
            index = self._index(("parameters",), child, "leaf")
            self.groups[index].name = "parameters"
            return index
        return self.group_of[child]

    def _key(self, node: Value) -> tuple[object, ...]:
        if node is self.root:  # the output keeps its own box, with its data and gradient
            return ("root",)
        if node in self.neuron_of:
            return ("neuron", self.neuron_of[node])
        if not node.inputs:
            return ("leaf", node.label)
        operands = tuple(
            "constant" if self._is_constant(child) else self._source(child, False)
            for child in node.inputs
        )
        return ("op", node.op, node.label, operands)

    def _join(self, key: tuple[object, ...], node: Value) -> None:
        kind = "neuron" if key[0] == "neuron" else ("op" if node.inputs else "leaf")
        index = self._index(key, node, kind)
        self.group_of[node] = index
        group = self.groups[index]
        group.count += 1
        if group.kind == "neuron":
            if node in self.parameters:
                group.parameters.append(node)
            elif _is_activation(node.op):
                group.activation = op_symbol(node.op)

    def _group_constants(self, order: list[Value]) -> None:
        # Where a constant goes: the groups using it, or their layer when they are neurons,
        # so inputs fed to each neuron separately (micrograd's w·x) still make one box.
        users: dict[Value, set[object]] = {}
        for node in order:
            if not node.inputs:
                continue
            group = self.groups[self.group_of[node]]
            where = layer_name(group.name) if group.kind == "neuron" else ""
            for child in node.inputs:
                if self._is_constant(child):
                    users.setdefault(child, set()).add(where or self.group_of[node])
        for constant, goes_to in users.items():
            index = self._index(("constants", frozenset(goes_to)), constant, "constants")
            self.group_of[constant] = index
            self.groups[index].count += 1
            self.groups[index].values.add(constant.data)
            self.groups[index].goes_to_layer = any(isinstance(g, str) for g in goes_to)

    def _count_parameters_used_outside(self, order: list[Value]) -> None:
        if ("parameters",) in self._keys:
            used_outside = {
                child
                for node in order
                if node not in self.neuron_of
                for child in node.inputs
                if child in self.parameters
            }
            self.groups[self._keys[("parameters",)]].count = len(used_outside)


def draw_grouped(root: Value, order: list[Value], scene: Scene, *, max_nodes: int) -> Drawing:
    """``draw(root, group="neuron")``: neurons as boxes, repeated parts merged (see above)."""
    parameters = scene.parameters or infer_parameters(order)
    scene.parameters = parameters
    folding = _Folding(order, root, set(parameters))
    groups = folding.groups

    check_size(len(groups), max_nodes, grouped=True)
    if scene.show_grads and no_gradients_yet(order):
        scene.show_grads = False
        note = "no gradients yet: call backward() to compute them"
        scene.title = f"{scene.title}  ({note})" if scene.title else note

    graph = new_drawing(scene, ordered=False)  # merged nodes have many operands, in any order
    graph.attr(ranksep="0.6")  # room for the edges fanning in and out between layers
    layers: dict[str, list[int]] = {}
    for index, g in enumerate(groups):
        if g.kind == "neuron" and layer_name(g.name):
            layers.setdefault(layer_name(g.name), []).append(index)
        else:
            _add_group(graph, index, g, root, scene)
    for layer, members in layers.items():
        _add_layer(graph, layer, members, groups, root, scene)
    _add_edges(graph, folding.edges, groups, scene)
    return graph


def _add_layer(
    graph: Drawing, layer: str, members: list[int], groups: list[_Group], root: Value, scene: Scene
) -> None:
    """A layer's neurons in one column, in order (N0 first), under the heading "layer 0"."""
    number = layer[1:] if layer[1:].isdigit() else layer
    with column(graph, f"layer {number}", [f"g{index}" for index in members], scene.theme):
        for index in members:
            _add_group(graph, index, groups[index], root, scene)


def _tail(index: int, g: _Group) -> str:
    return f"g{index}" if g.has_box else f"g{index}op"


def _head(index: int, g: _Group) -> str:
    return f"g{index}op" if g.kind == "op" else f"g{index}"


def _add_edges(
    graph: Drawing, edges: dict[tuple[int, int], int], groups: list[_Group], scene: Scene
) -> None:
    """The edges between groups; layer-to-layer edges that connect every neuron of one layer
    to every neuron of the next go through a junction point."""
    thin = {"penwidth": "0.7", "arrowsize": "0.5"}
    between_layers: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for origin, target in edges:
        a, b = groups[origin], groups[target]
        if a.kind == b.kind == "neuron" and layer_name(a.name) and layer_name(b.name):
            between_layers.setdefault((layer_name(a.name), layer_name(b.name)), []).append(
                (origin, target)
            )
    bundled = set()
    for k, ((tail_layer, head_layer), pairs) in enumerate(between_layers.items()):
        origins = list(dict.fromkeys(origin for origin, _ in pairs))
        targets = list(dict.fromkeys(target for _, target in pairs))
        if len(origins) < 2 or len(targets) < 2 or len(pairs) < len(origins) * len(targets):
            continue
        junction = f"junction{k}"
        graph.node(
            junction,
            shape="point",
            width="0.08",
            color=scene.theme.edge,
            tooltip=f"every neuron of {tail_layer} feeds every neuron of {head_layer}",
        )
        for origin in origins:
            graph.edge(f"g{origin}", junction, arrowhead="none", **thin)
        for target in targets:
            graph.edge(junction, f"g{target}", **thin)
        bundled.update(pairs)
    for (origin, target), count in edges.items():
        if (origin, target) in bundled:
            continue
        a, b = groups[origin], groups[target]
        graph.edge(
            _tail(origin, a),
            _head(target, b),
            tooltip=f"{count} edge{'s' if count > 1 else ''}",
            **(thin if a.kind == b.kind == "neuron" else {}),
        )


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
            attributes["label"] = (
                f'<{escape(symbol)}<br/><font point-size="11">×{g.count:,}</font>>'
            )
            attributes["shape"] = "ellipse"
        attributes["ordering"] = "in"  # its operands top to bottom in order: 1 − y·score
        graph.node(f"{node_id}op", **attributes)
        if not g.has_box:
            return
        graph.edge(f"{node_id}op", node_id)
    if g.count == 1:
        role = node_role(g.first, root, scene.parameters)
        graph.node(node_id, value_label(g.first, root, role, scene), shape="plain")
        return
    if g.name == "parameters":
        what, fill = "parameters", theme.neuron
    elif g.kind == "constants":
        # constants that are all the same number (the 1 of 1 − y·score) show that number;
        # the data fed to a layer are the inputs, the other data (beside the scores) the targets
        if len(g.values) == 1:
            what = scene.number(next(iter(g.values)))
        else:
            what = "inputs x" if g.goes_to_layer else "targets y"
        fill = theme.cell
    else:
        what, fill = escape(g.first.label), theme.cell
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
        details += f" · ‖grad‖ {scene.number(norm)}"
    return (
        f'<<table border="1" cellborder="0" cellspacing="0" cellpadding="4" color="{theme.border}">'
        f'<tr><td bgcolor="{theme.neuron}"><b>{escape(g.name)}'
        f"</b>  {escape(activation)}</td></tr>"
        f"{_activation_and_delta(g, scene)}"
        f'<tr><td bgcolor="{theme.cell}"><font point-size="11" color="{theme.muted}">'
        f"{details}</font></td></tr></table>>"
    )


def _activation_and_delta(g: _Group, scene: Scene) -> str:
    """The neuron's activation a and its δ = ∂L/∂z, the gradient reaching its pre-activation
    z = w·x + b (for a linear neuron z is its output); the mean over the examples of a batch."""
    if not g.outputs:
        return ""
    count = len(g.outputs)
    pre = [out.inputs[0] if _is_activation(out.op) and out.inputs else out for out in g.outputs]
    mean = f"mean over {count:,} examples: " if count > 1 else ""
    text = f"{mean}a = {scene.number(sum(out.data for out in g.outputs) / count)}"
    if scene.show_grads:
        text += f",  δ = {scene.number(sum(z.grad for z in pre) / count)}"
    cell = f'<td bgcolor="{scene.theme.cell}"><font point-size="11">{escape(text)}</font></td>'
    return f"<tr>{cell}</tr>"
