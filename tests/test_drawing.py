"""draw(): the structure of the graph (nodes, edges, labels, local derivatives) for the
lecture examples E1–E3, rendered SVG, escaping, themes, size guard and grouped drawings."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import graphviz
import pytest

from microgradx import Value, functional, lectures, nn
from microgradx.drawing import (
    GraphTooLargeError,
    draw,
    draw_network,
    format_number,
    op_symbol,
    render_svg,
)
from microgradx.drawing.style import DARK, LIGHT

SVG = "{http://www.w3.org/2000/svg}"


def e1() -> dict[str, Value]:
    """E1: f = (x + y)·z² at (2, −3, 2), with the slide's local variables a and b."""
    return lectures.by_label(lectures.e1())


def e3(a_value: float = 2.0, b_value: float = 1.0) -> dict[str, Value]:
    """E3: e = (a + b)·(b + 1)."""
    return lectures.by_label(lectures.e3(a_value, b_value))


def nodes(graph: graphviz.Digraph) -> dict[str, str]:
    """node id → its attribute text, from the DOT source."""
    found = {}
    for line in graph.body:
        match = re.match(r"\s*(\w+) \[(.*)\]\s*$", line, re.DOTALL)
        if match and "->" not in line and match[1] not in ("node", "edge", "graph"):
            found[match[1]] = match[2]
    return found


def edges(graph: graphviz.Digraph) -> list[tuple[str, str, str]]:
    """(tail, head, attributes) for every visible edge, in the order they were added."""
    found = []
    for line in graph.body:
        match = re.match(r"\s*(\w+) -> (\w+)(?: \[(.*)\])?\s*$", line, re.DOTALL)
        if match and "style=invis" not in line:
            found.append((match[1], match[2], match[3] or ""))
    return found


def node_id(graph: graphviz.Digraph, label: str) -> str:
    """The id of the Value box whose label cell is ``label``."""
    ids = [i for i, attrs in nodes(graph).items() if f"<b>{label}</b>" in attrs]
    assert len(ids) == 1, (label, ids)
    return ids[0]


def cells(label: str) -> list[str]:
    """The texts a Value box shows, cell by cell: ["x", "data", "2", "∂f/∂x", "4"]."""
    texts = [
        text.strip()
        for text in re.split(r"<[^>]*>", label.split("label=<", 1)[1].split("</table>")[0])
    ]
    return [text for text in texts if text]


def outline(attributes: str) -> tuple[str, str]:
    """(border width, style) of a Value box's table: how its role is drawn."""
    table = re.search(r"<table ([^>]*)>", attributes)[1]
    border = re.search(r'border="(\d+)"', table)[1]
    style = re.search(r'style="(\w+)"', table)
    return border, style[1] if style else ""


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


# ----------------------------------------------------------------------
# Structure
# ----------------------------------------------------------------------


def test_e1_nodes_edges_and_operand_order():
    v = e1()
    graph = draw(v["f"])
    assert isinstance(graph, graphviz.Digraph)
    boxes = {k: a for k, a in nodes(graph).items() if not k.endswith("op")}
    ops = {k: a for k, a in nodes(graph).items() if k.endswith("op")}
    assert len(boxes) == 6 and len(ops) == 3
    ids = {name: node_id(graph, name) for name in "xyzabf"}
    symbols = {k: re.search(r"label=<(.*?)>", a)[1] for k, a in ops.items()}
    assert sorted(symbols.values()) == sorted(["+", "x²", "×"])
    plus = next(k for k, s in symbols.items() if s == "+")
    square = next(k for k, s in symbols.items() if s == "x²")
    times = next(k for k, s in symbols.items() if s == "×")
    pairs = [(t, h) for t, h, _ in edges(graph)]
    # inputs → op → output, in operand order
    assert pairs.index((ids["x"], plus)) < pairs.index((ids["y"], plus))
    assert pairs.index((ids["a"], times)) < pairs.index((ids["b"], times))
    assert {(plus, ids["a"]), (square, ids["b"]), (times, ids["f"]), (ids["z"], square)} <= set(
        pairs
    )
    assert len(pairs) == 8
    # the same expression always gives the same picture
    assert draw(e1()["f"]).source == graph.source


def test_e1_labels_show_data_and_grads_after_backward():
    v = e1()
    v["f"].backward()
    graph = draw(v["f"])
    expected = {"x": (2, 4), "y": (-3, 4), "z": (2, -4), "a": (-1, 4), "b": (4, -1), "f": (-4, 1)}
    for name, (data, grad) in expected.items():
        label = nodes(graph)[node_id(graph, name)]
        assert cells(label) == [name, "data", str(data), f"∂f/∂{name}", str(grad)]
    # gradient sign colours: z's gradient is negative (vermillion), x's positive (blue)
    assert f'color="{LIGHT.negative}">-4<' in nodes(graph)[node_id(graph, "z")]
    assert f'color="{LIGHT.positive}">4<' in nodes(graph)[node_id(graph, "x")]
    assert LIGHT.negative not in nodes(graph)[node_id(graph, "x")]


def test_forward_slide_and_no_gradients_yet():
    v = e1()
    forward = draw(v["f"], grads=False)
    assert "∂f/∂" not in forward.source and "no gradients yet" not in forward.source
    before = draw(v["f"])  # grads asked for, but backward() has not run
    assert "no gradients yet" in before.source
    assert "∂f/∂x" not in before.source  # no zeros shown as if they were gradients
    v["f"].backward()
    after = draw(v["f"])
    assert "no gradients yet" not in after.source and "∂f/∂x" in after.source


def test_gradients_summed_over_two_backward_calls_are_not_labelled_as_one_derivative():
    """After two backward() calls x.grad is 8, which is not ∂f/∂x = 4: the tag says grad."""
    v = e1()
    v["f"].backward()
    v["f"].backward()
    twice = draw(v["f"])
    assert "∂f/∂x" not in twice.source and ">grad<" in twice.source
    assert "f.grad is 2, not 1" in twice.source and "f.zero_grad()" in twice.source
    v["f"].zero_grad()
    v["f"].backward()
    once = draw(v["f"])
    assert "∂f/∂x" in once.source and "not 1" not in once.source


def test_e1_local_derivatives_on_edges():
    v = e1()
    v["f"].backward()
    graph = draw(v["f"], local_grads=True)
    labels = [re.sub(r"<[^>]*>", "", attrs) for _, _, attrs in edges(graph) if "label" in attrs]
    text = " ".join(labels)
    for expected in ["∂a/∂x = 1", "∂a/∂y = 1", "∂b/∂z = 4", "∂f/∂a = 4", "∂f/∂b = -1"]:
        assert expected in text
    assert len(labels) == 5  # one per input → op edge; op → output edges carry none
    assert "label" not in draw(v["f"]).source.split("->")[1].split("\n")[0]


def test_e3_local_derivatives_and_sum_over_paths():
    v = e3(2.0, 3.0)  # the slide of lecture 002: e = 20
    v["e"].backward()
    graph = draw(v["e"], local_grads=True)
    text = re.sub(r"<[^>]*>", "", graph.source)
    for expected in ["∂c/∂a = 1", "∂c/∂b = 1", "∂e/∂c = 4", "∂e/∂d = 5"]:
        assert expected in text
    # b + 1: the constant 1 is unlabelled, so its edge shows the bare local derivative 1
    assert "∂d/∂b = 1" in text
    b_label = nodes(graph)[node_id(graph, "b")]
    assert cells(b_label)[-1] == "9"  # ∂e/∂b = 4 + 5 over the two paths
    assert cells(nodes(graph)[node_id(graph, "e")])[:3] == ["e", "data", "20"]


def test_e2_sigmoid_neuron_rounds_to_significant_digits():
    w0, x0, w1, x1, b = (Value(2.0, "w0"), Value(-1.0, "x0"), Value(-3.0, "w1"),
                         Value(-2.0, "x1"), Value(-3.0, "b"))  # fmt: skip
    out = (w0 * x0 + w1 * x1 + b).sigmoid()
    out.label = "a"
    out.backward()
    graph = draw(out, local_grads=True)
    assert op_symbol("sigmoid") == "σ" and "label=<σ>" in graph.source
    for name, grad in {"w0": "-0.1966", "x0": "0.3932", "w1": "-0.3932", "x1": "-0.5898"}.items():
        assert cells(nodes(graph)[node_id(graph, name)])[-1] == grad
    # roles by outline: w0, w1, b are parameters (thick square), x0, x1 inputs (thin, rounded)
    for name in ("w0", "w1", "b"):
        assert outline(nodes(graph)[node_id(graph, name)]) == ("2", "")
    for name in ("x0", "x1"):
        assert outline(nodes(graph)[node_id(graph, name)]) == ("1", "rounded")
    assert outline(nodes(graph)[node_id(graph, "a")]) == ("2", "rounded")  # the output
    assert "0.1966" in re.sub(r"<[^>]*>", "", graph.source)  # σ'(z) on the σ edge


def test_e2_composed_sigmoid_draws_the_same_gradients():
    """σ built from its parts, 1 / (1 + exp(−z)): more nodes, the same gradients as one gate."""
    gate, composed = lectures.e2(), lectures.e2(composed=True)
    gate.backward()
    composed.backward()
    one, parts = draw(gate, local_grads=True), draw(composed, local_grads=True)
    for name in ["w0", "x0", "w1", "x1", "b", "z", "a"]:
        assert cells(nodes(one)[node_id(one, name)]) == cells(nodes(parts)[node_id(parts, name)])
    assert cells(nodes(parts)[node_id(parts, "x1")])[-1] == "-0.5898"
    symbols = set(re.findall(r"label=<([^<>]*)> color", parts.source))
    assert {"neg", "exp", "+", "÷"} <= symbols and "σ" not in symbols
    assert "0.3679" in re.sub(r"<[^>]*>", "", parts.source)  # ∂exp(u)/∂u = e⁻¹ on its edge


def test_one_edge_per_operand():
    a = Value(3.0, "a")
    s = a + a
    graph = draw(s)
    a_id = node_id(graph, "a")
    assert sum(1 for t, h, _ in edges(graph) if t == a_id and h.endswith("op")) == 2


def test_op_symbols():
    x, y = Value(2.0), Value(3.0)
    nodes = [x + y, x - y, x * y, x / y, functional.sum([x, y]), x.relu(), x**2, x**-1]
    assert [op_symbol(node.op) for node in nodes] == [
        "+", "−", "×", "÷", "Σ", "ReLU", "x²", "x⁻¹"
    ]  # fmt: skip
    assert op_symbol((x**0.5).op) == "x^0.5"
    assert op_symbol(functional.softmax([x, y, x])[2].op) == "softmax[2]"
    assert op_symbol(functional.log_softmax([x, y])[0].op) == "log softmax[0]"
    assert op_symbol(x.leaky_relu(0.2).op) == "LReLU 0.2"
    assert op_symbol("relu") == "ReLU"  # an op named by a string alone: its table symbol
    assert op_symbol("something_new") == "something_new"


def test_functional_ops_draw():
    xs = [Value(float(i), f"x{i}") for i in range(3)]
    total = functional.sum(xs) + functional.mean(xs) + functional.logsumexp(xs)
    total = total + functional.dot([1.0, 2.0, 3.0], xs) + functional.softmax(xs)[1]
    total.backward()
    source = draw(total).source
    for symbol in ["Σ", "mean", "LSE", "w·x", "softmax[1]"]:
        assert f"label=<{symbol}>" in source


def test_format_number_never_hides_a_nonzero_gradient():
    assert format_number(4.0) == "4"
    assert format_number(-0.19661193324148185) == "-0.1966"
    assert format_number(1.5e-7) == "1.5e-7"
    assert format_number(123456.0) == "1.235e+5"
    assert format_number(0.0) == format_number(-0.0) == "0"
    for tiny in [1e-5, -3e-9, 2.5e-300]:
        text = format_number(tiny)
        assert float(text) != 0.0 and not re.fullmatch(r"-?0\.0*", text)
        assert math.isclose(float(text), tiny, rel_tol=1e-3)
    v = Value(1e-9, "tiny")
    out = v * 1e-7
    out.backward()
    label = nodes(graph := draw(out))[node_id(graph, "tiny")]
    assert cells(label) == ["tiny", "data", "1e-9", "grad", "1e-7"]  # the root is unlabelled


# ----------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------


def test_svg_parses_and_contains_the_numbers():
    v = e1()
    v["f"].backward()
    svg = render_svg(draw(v["f"], local_grads=True))
    texts = " ".join(svg_texts(svg))
    for expected in ["x", "y", "z", "-4", "4", "-1", "∂a/∂x = 1", "∂f/∂b = -1", "×", "x²"]:
        assert expected in texts, expected
    background = ET.fromstring(svg).find(f"{SVG}g/{SVG}polygon")
    assert background.get("fill").lower() == "#ffffff"  # opaque, not transparent


def test_notebook_display_returns_svg():
    v = e1()
    bundle = draw(v["f"])._repr_mimebundle_()
    assert ET.fromstring(bundle["image/svg+xml"]).tag == f"{SVG}svg"


HOSTILE = 'a|b{c}<d>"e"&f\\g σ∂²w₁ ]]> \\n 🙂'


def test_hostile_labels_are_escaped_and_render_exactly():
    x = Value(1.5, HOSTILE)
    y = Value(2.0, "<b>not bold</b>")
    out = x * y
    out.label = "{record|shape}"
    out.backward()
    graph = draw(out, local_grads=True, title='title & <"quotes">')
    assert "<b>not bold</b></b>" not in graph.source
    assert "&lt;b&gt;not bold&lt;/b&gt;" in graph.source
    texts = " ".join(svg_texts(render_svg(graph)))
    assert HOSTILE in texts and "<b>not bold</b>" in texts and "{record|shape}" in texts
    assert 'title & <"quotes">' in texts


def test_control_characters_do_not_break_rendering():
    x = Value(1.0, "bell\x07tab\tnul\x00")
    out = x * 2
    out.backward()
    texts = " ".join(svg_texts(render_svg(draw(out))))
    assert "bell\ufffdtab\ufffdnul\ufffd" in texts


def test_dark_theme_and_bad_options():
    v = e1()
    v["f"].backward()
    dark = draw(v["f"], theme="dark", rankdir="TB")
    assert 'bgcolor="#16181D"' in dark.source and "rankdir=TB" in dark.source
    with pytest.raises(ValueError, match="unknown theme 'neon'"):
        draw(v["f"], theme="neon")
    with pytest.raises(ValueError, match="rankdir"):
        draw(v["f"], rankdir="up")
    with pytest.raises(ValueError, match="digits"):
        draw(v["f"], digits=0)
    with pytest.raises(TypeError, match="draw_network"):
        draw(nn.Neuron(2, seed=0))
    with pytest.raises(ValueError, match="group must be None or 'neuron'"):
        draw(v["f"], group="layer")
    for bad in ["600", 0, True]:
        with pytest.raises(ValueError, match="max_nodes must be a positive int"):
            draw(v["f"], max_nodes=bad)


def test_digits_and_highlight_options():
    x = Value(1 / 3, "x")
    graph = draw(x * 3, digits=2, highlight=[x], grads=False)
    assert "0.33<" in graph.source
    assert '<table border="3"' in nodes(graph)[node_id(graph, "x")]


# ----------------------------------------------------------------------
# Big graphs
# ----------------------------------------------------------------------


def moons_loss(n_examples: int = 20) -> tuple[nn.MLP, Value]:
    """micrograd's moons set-up: MLP(2, [16, 16, 1]), hinge loss plus L2 on a batch."""
    model = nn.MLP(2, [16, 16, 1], seed=0)
    xs = [[math.cos(i), math.sin(2 * i)] for i in range(n_examples)]
    ys = [1 if i % 2 else -1 for i in range(n_examples)]
    losses = [(1 + -y * model(x)).relu() for x, y in zip(xs, ys)]
    loss = functional.mean(losses) + 1e-4 * functional.sum([p * p for p in model.parameters()])
    loss.label = "loss"
    return model, loss


def test_max_nodes_guard_says_what_to_do():
    _, loss = moons_loss()
    with pytest.raises(GraphTooLargeError, match=r"group='neuron'") as error:
        draw(loss)
    assert "max_nodes=600" in str(error.value)
    assert len(draw(loss, grads=False, max_nodes=10**6).body) > 1000  # allowed when asked


def text_positions(svg: str) -> dict[str, tuple[float, float]]:
    """Where each text of a rendered SVG is drawn: text → (x, y), y growing downwards."""
    root = ET.fromstring(svg)
    return {
        "".join(t.itertext()).strip(): (float(t.get("x")), float(t.get("y")))
        for t in root.iter(f"{SVG}text")
    }


def test_group_by_neuron_draws_one_box_per_neuron():
    model, loss = moons_loss()
    loss.backward()
    graph = draw(loss, group="neuron")
    source = graph.source
    layers = [
        [f"L{k}.N{j}" for j in range(len(layer.neurons))] for k, layer in enumerate(model.layers)
    ]
    every = [name for names in layers for name in names]
    for name in every:
        assert source.count(f"<b>{name}</b>") == 1, name
    assert len(nodes(graph)) < 70  # from 6,000 nodes
    assert "ReLU(w·x + b)" in source and "17 parameters" in source
    assert "no gradients yet" not in source
    # each neuron's box shows the size of its parameters' gradient, sqrt(Σ (∂loss/∂p)²)
    neuron = model.layers[1].neurons[3]
    norm = math.sqrt(sum(p.grad**2 for p in [*neuron.w, neuron.b]))
    assert f"‖grad‖ {format_number(norm)}<" in nodes(graph)[node_id(graph, "L1.N3")]

    # the per-example parts of the batch are one op circle each, marked ×20, with no box
    assert "×20</font>>" in source and "values" not in source
    assert "parameters</b>" in source and "×337" in source  # the weight-decay branch
    # constants are boxed by where they go: the 40 inputs, the 20 targets, the 20 ones of
    # 1 + (−y)·score, and the single 1e-4 of the weight decay (shown with its value)
    assert re.search(r"<b>inputs x</b> <font[^>]*>×40<", source)
    assert re.search(r"<b>targets y</b> <font[^>]*>×20<", source)
    assert "<b>1</b> <font" in source
    assert any(cells(a)[:3] == ["data", "0.0001", "grad"] for a in nodes(graph).values())

    # every L0 neuron feeds every L1 neuron: 16 + 16 edges through one junction, not 256
    (junction,) = [k for k, attrs in nodes(graph).items() if "shape=point" in attrs]
    ids = {name: node_id(graph, name) for name in every}
    pairs = [(t, h) for t, h, _ in edges(graph)]
    assert sorted(t for t, h in pairs if h == junction) == sorted(ids[n] for n in layers[0])
    assert sorted(h for t, h in pairs if t == junction) == sorted(ids[n] for n in layers[1])
    assert not {(ids[a], ids[b]) for a in layers[0] for b in layers[1]} & set(pairs)

    # rendered: each layer a column, its neurons in order from the top, under its heading
    where = text_positions(render_svg(graph))
    for k, names in enumerate(layers):
        xs = {round(where[name][0]) for name in names}
        ys = [where[name][1] for name in names]
        assert max(xs) - min(xs) < 20 and ys == sorted(ys), (k, ys)
        assert where[f"layer {k}"][1] < ys[0]
    assert where["L0.N0"][0] < where["L1.N0"][0] < where["L2.N0"][0]


def test_group_by_neuron_on_micrograds_graph():
    """Neurons written as micrograd writes them, b + w0·x0 + w1·x1 + …, with the inputs
    wrapped anew for every product, fold into the same picture as nn's dot nodes."""
    model, folded = moons_loss(5)

    def forward(x):
        for layer in model.layers:
            outputs = []
            for neuron in layer.neurons:
                total = neuron.b
                for w, xi in zip(neuron.w, x):
                    total = total + w * xi
                outputs.append(total.relu() if neuron.activation == "relu" else total)
            x = outputs
        return x[0]

    xs = [[math.cos(i), math.sin(2 * i)] for i in range(5)]
    ys = [1 if i % 2 else -1 for i in range(5)]
    losses = [(1 + -y * forward(x)).relu() for x, y in zip(xs, ys)]
    loss = functional.mean(losses) + 1e-4 * functional.sum([p * p for p in model.parameters()])
    loss.label = "loss"
    assert len(loss.topological_order()) > 3 * len(folded.topological_order())
    before = draw(loss, group="neuron").source  # backward() has not run
    assert "no gradients yet" in before and "‖grad‖" not in before
    graph = draw(loss, group="neuron", grads=False)
    assert sorted(nodes(graph)) == sorted(nodes(draw(folded, group="neuron", grads=False)))
    # the 2 inputs × 16 neurons × 5 examples: 160 constants in one box, feeding all of L0
    (inputs,) = [k for k, attrs in nodes(graph).items() if ">×160<" in attrs]
    fed = {h for t, h, _ in edges(graph) if t == inputs}
    assert fed == {node_id(graph, f"L0.N{j}") for j in range(16)}
    assert re.findall(r"\d+ parameters", graph.source).count("17 parameters") == 17


def test_group_by_neuron_top_to_bottom_keeps_the_order_left_to_right():
    model, loss = moons_loss(4)
    where = text_positions(render_svg(draw(loss, group="neuron", rankdir="TB", grads=False)))
    for k, layer in enumerate(model.layers):
        xs = [where[f"L{k}.N{j}"][0] for j in range(len(layer.neurons))]
        assert xs == sorted(xs)
    assert where["L0.N0"][1] < where["L1.N0"][1] < where["L2.N0"][1]


def test_draw_network_colours_and_widths_follow_the_weights():
    model = nn.MLP(3, [4, 2], seed=3)
    graph = draw_network(model)
    drawn = edges(graph)
    weights = [w for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    assert len(drawn) == len(weights) == 3 * 4 + 4 * 2
    largest = max(abs(w.data) for w in weights)
    for (_, _, attrs), w in zip(drawn, weights):
        colour = re.search(r'color="(#\w+)"', attrs)[1]
        assert colour == (LIGHT.positive if w.data > 0 else LIGHT.negative)
        width = float(re.search(r"penwidth=([\d.]+)", attrs)[1])
        assert width == pytest.approx(0.4 + 3.6 * abs(w.data) / largest, abs=0.01)
    assert "layer 0 · ReLU" in graph.source and "layer 1 · linear" in graph.source
    assert ET.fromstring(render_svg(graph)).tag == f"{SVG}svg"


def test_draw_network_columns_keep_the_neurons_in_order():
    model = nn.MLP(2, [16, 16, 1], seed=1)
    graph = draw_network(model, input_labels=["x₁", "x₂"])
    assert len(edges(graph)) == 2 * 16 + 16 * 16 + 16  # one per weight
    svg = ET.fromstring(render_svg(graph))
    centre = {}  # node id → the centre of its circle
    for node in svg.iter(f"{SVG}g"):
        circle = node.find(f"{SVG}ellipse")
        if node.get("class") == "node" and circle is not None:
            centre[node.find(f"{SVG}title").text] = (
                float(circle.get("cx")),
                float(circle.get("cy")),
            )
    columns = [["in0", "in1"]] + [[f"L{k}N{j}" for j in range(16)] for k in (0, 1)] + [["L2N0"]]
    for ids in columns:
        assert len({round(centre[i][0]) for i in ids}) == 1  # one column
        heights = [centre[i][1] for i in ids]
        assert heights == sorted(heights), ids  # N0 at the top, then N1, …
    assert [centre[ids[0]][0] for ids in columns] == sorted(centre[ids[0]][0] for ids in columns)
    where = text_positions(ET.tostring(svg, encoding="unicode"))
    assert where["layer 0 · ReLU"][1] < centre["L0N0"][1]  # the heading above its column
    assert where["x₁"][1] < where["x₂"][1]


def test_draw_network_by_gradient():
    model = nn.MLP(2, [3, 1], seed=1)
    loss = (model([1.0, -2.0]) - 1) ** 2
    loss.backward()
    graph = draw_network(model, show="grad", theme="dark", input_labels=["x₁", "x₂"])
    weights = [w for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    for (_, _, attrs), w in zip(edges(graph), weights):
        expected = DARK.positive if w.grad > 0 else DARK.negative if w.grad < 0 else DARK.muted
        assert f'color="{expected}"' in attrs
    assert "x₁" in graph.source
    with pytest.raises(TypeError, match="nn model"):
        draw_network(loss)
    with pytest.raises(ValueError, match="input_labels"):
        draw_network(model, input_labels=["only one"])


def test_group_by_neuron_on_a_hand_built_neuron():
    """E2 written out by hand: w0·x0 + w1·x1 + b folds into one box, the output keeps its own."""
    w0, x0, w1, x1, b = (Value(2.0, "w0"), Value(-1.0, "x0"), Value(-3.0, "w1"),
                         Value(-2.0, "x1"), Value(-3.0, "b"))  # fmt: skip
    a = (w0 * x0 + w1 * x1 + b).sigmoid()
    a.label = "a"
    a.backward()
    graph = draw(a, group="neuron")
    boxes = nodes(graph)
    assert len(boxes) == 5  # x0, x1, the neuron, the σ circle and a
    neuron = next(k for k, attrs in boxes.items() if "<b>neuron</b>" in attrs)
    assert "3 parameters" in boxes[neuron]
    norm = math.sqrt(w0.grad**2 + w1.grad**2 + b.grad**2)
    assert f"‖grad‖ {format_number(norm)}" in boxes[neuron]
    sigma = next(k for k, attrs in boxes.items() if "label=<σ>" in attrs)
    assert (neuron, sigma) in [(t, h) for t, h, _ in edges(graph)]
    assert cells(boxes[node_id(graph, "a")]) == ["a", "data", "0.7311", "∂a/∂a", "1"]


def test_highlight_takes_one_value_or_several_of_the_graph():
    v = e1()
    one, several = draw(v["f"], highlight=v["a"]), draw(v["f"], highlight=[v["a"]])
    assert one.source == several.source != draw(v["f"]).source
    with pytest.raises(TypeError, match="highlight takes Values of the graph"):
        draw(v["f"], highlight="a")
    with pytest.raises(ValueError, match="is not a node of this graph"):
        draw(v["f"], highlight=[Value(1.0, "elsewhere")])
