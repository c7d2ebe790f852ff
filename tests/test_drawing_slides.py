"""Drawings a lecturer can project as they are: frames that hold still, the lecture's names and
rules on the edges, projector resolution, readable contrast, outlines for roles and colours for
signs, a legend, labels drawn verbatim."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import pytest

from microgradx import Value, lectures, nn
from microgradx.drawing import backward_steps, draw, format_number, render_svg
from microgradx.drawing.boxes import GROUPED_MAX_SOURCE_NODES, derivative_name
from microgradx.drawing.render import ENV_VAR, _graphviz_pure_path
from microgradx.drawing.style import THEMES, contrast_ratio
from microgradx.nn import ParameterLabel, parse_parameter_label

SVG = "{http://www.w3.org/2000/svg}"


def layout(svg: str) -> dict[str, object]:
    """The canvas size and every node's outline (its last polygon, path or ellipse) by id."""
    root = ET.fromstring(svg)
    found: dict[str, object] = {"canvas": (root.get("width"), root.get("height"))}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        shapes = [
            element.get("points") or element.get("d") or (element.get("cx"), element.get("cy"))
            for element in group
            if element.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse")
        ]
        found[group.find(f"{SVG}title").text] = shapes[-1]
    return found


def renderers() -> list[str]:
    """The layout programs to test with: the system Graphviz and graphviz-pure, if present."""
    import shutil

    found = [path for path in (shutil.which("dot"), _graphviz_pure_path()) if path]
    if not found:
        pytest.skip("no Graphviz renderer installed (dot or graphviz-pure)")
    return found


EXAMPLES = {
    "E1": lectures.e1,
    "E2 composed": lambda: lectures.e2(composed=True),
    "E3": lectures.e3,
}


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_frame_has_the_same_node_positions_and_canvas(example, monkeypatch):
    for program in renderers():
        monkeypatch.setenv(ENV_VAR, program)
        frames = backward_steps(EXAMPLES[example](), legend=True)
        layouts = [layout(render_svg(frame)) for frame in frames]
        first = layouts[0]
        assert len(first) > 5  # the canvas and the nodes were found
        for number, other in enumerate(layouts[1:], start=1):
            assert other == first, f"{example}, frame {number}, {program}"
        # and the frames do differ: colours and text change, only the layout holds
        assert render_svg(frames[0]) != render_svg(frames[1])


def test_reserved_room_fits_the_widest_text():
    """x's grad cell is reserved as wide as "1 × 4 = 4" (its widest text) in every frame."""
    frames = backward_steps(lectures.e1())
    widths = set()
    for frame in frames:
        line = next(line for line in frame.body if "<b>x</b>" in line)
        widths.add(re.search(r'align="left" width="(\d+)"', line)[1])
    assert len(widths) == 1 and int(widths.pop()) >= 40


# ----------------------------------------------------------------------
# Edge labels: the lecture's names, rules and numbers
# ----------------------------------------------------------------------


def edge_texts(graph) -> list[str]:
    return [
        re.sub(r"<[^>]*>", "", match).strip()
        for match in re.findall(r"label=<(.*?)>\]", "\n".join(graph.body))
        if "∂" in match
    ]


def test_rules_write_the_symbolic_and_numeric_local_derivative():
    f = lectures.e1()
    f.backward()
    texts = edge_texts(draw(f, rules=True))
    for expected in ("∂f/∂a = b = 4", "∂f/∂b = a = -1", "∂b/∂z = 2z = 4", "∂a/∂x = 1"):
        assert any(text.startswith(expected) for text in texts), (expected, texts)


def test_sigmoid_rule_and_power_rules():
    a = lectures.e2()
    a.backward()
    texts = edge_texts(draw(a, rules=True))
    assert any(text.startswith("∂a/∂z = σ(z)(1 − σ(z)) = 0.1966") for text in texts), texts
    x = Value(3.0, "x")
    cube = x**3
    cube.label = "c"
    inverse = x**-1
    inverse.label = "i"
    assert edge_texts(draw(cube, rules=True)) == ["∂c/∂x = 3x² = 27"]
    assert edge_texts(draw(inverse, rules=True)) == ["∂i/∂x = −x⁻² = -0.1111"]


def test_rules_come_from_the_op_table_and_user_ops_show_the_number_alone(monkeypatch):
    import math

    from microgradx import define_op, ops

    monkeypatch.setattr(ops, "_TABLE", dict(ops._TABLE))  # the op defined here is forgotten after

    x = Value(0.5, "x")
    leaky = x.leaky_relu(0.2)
    leaky.label = "y"
    # the table's rule, "1 if x > 0 else p", with the input's name and the slope in place
    assert edge_texts(draw(leaky, rules=True)) == ["∂y/∂x = 1 if x &gt; 0 else 0.2 = 1"]
    softplus = define_op(
        "softplus_in_slides",
        lambda v: math.log1p(math.exp(v)),
        lambda v, out: (1 / (1 + math.exp(-v)),),
    )
    s = softplus(x)
    s.label = "s"
    assert edge_texts(draw(s, rules=True)) == ["∂s/∂x = 0.6225"]


def test_compound_labels_are_bracketed():
    x1, w1, x2, w2 = Value(1.0, "x1"), Value(2.0, "w1"), Value(3.0, "x2"), Value(4.0, "w2")
    product = x1 * w1
    product.label = "x1*w1"
    other = x2 * w2
    other.label = "x2*w2"
    total = product + other
    total.label = "x1*w1 + x2*w2"
    total.backward()
    graph = draw(total, local_grads=True)
    assert "∂(x1*w1 + x2*w2)/∂(x1*w1) = 1" in edge_texts(graph)
    assert derivative_name("+₁") == "+₁" and derivative_name("−x") == "−x"
    assert derivative_name("a·b") == "(a·b)"


# ----------------------------------------------------------------------
# Projector-ready: resolution and contrast
# ----------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_defaults_to_192_dpi_and_takes_dpi():
    renderers()
    f = lectures.e1()
    f.backward()
    graph = draw(f)
    svg = ET.fromstring(render_svg(graph))
    width_pt = float(svg.get("width").removesuffix("pt"))
    default = png_size(graph.pipe(format="png"))
    assert default[0] == pytest.approx(width_pt * 192 / 72, rel=0.03)
    sharper = png_size(graph.pipe(format="png", dpi=288))
    assert sharper[0] == pytest.approx(width_pt * 288 / 72, rel=0.03)
    assert png_size(draw(f, dpi=96).pipe(format="png"))[0] == pytest.approx(
        width_pt * 96 / 72, rel=0.03
    )
    with pytest.raises(ValueError, match="dpi must be a number from 10 to 1200"):
        draw(f, dpi=5)


def test_render_writes_png_at_192_dpi(tmp_path):
    renderers()
    f = lectures.e1()
    graph = draw(f, grads=False)
    path = graph.render(outfile=tmp_path / "e1.png")
    svg = ET.fromstring(render_svg(graph))
    width_pt = float(svg.get("width").removesuffix("pt"))
    with open(path, "rb") as file:
        assert png_size(file.read())[0] == pytest.approx(width_pt * 192 / 72, rel=0.03)


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name", THEMES)
def test_every_text_has_aa_contrast(name):
    theme = THEMES[name]
    weak = [
        (what, round(contrast_ratio(text, fill), 2))
        for what, text, fill in theme.text_pairs()
        if contrast_ratio(text, fill) < 4.5
    ]
    assert not weak


def test_no_text_below_11_points():
    f = lectures.e1()
    f.backward()
    sizes = {int(size) for size in re.findall(r'point-size="(\d+)"', draw(f, legend=True).source)}
    assert sizes and min(sizes) >= 11


# ----------------------------------------------------------------------
# One meaning per colour, and a legend
# ----------------------------------------------------------------------


def test_roles_are_outlines_and_signs_are_colours():
    a = lectures.e2()
    a.backward()
    theme = THEMES["light"]
    source = draw(a).source
    # no role is drawn in a gradient's colour any more
    for node_line in (line for line in source.splitlines() if "<b>" in line):
        name_cell = re.search(r"<td bgcolor=\"(#\w+)\" align=\"left\"><b>", node_line)[1]
        assert name_cell not in (theme.positive_fill, theme.negative_fill)
    assert theme.positive_fill in source and theme.negative_fill in source


def test_legend_explains_outlines_and_colours():
    f = lectures.e1()
    f.backward()
    with_legend = draw(f, legend=True)
    texts = " ".join(
        "".join(t.itertext()) for t in ET.fromstring(render_svg(with_legend)).iter(f"{SVG}text")
    )
    for word in ("input", "parameter", "constant", "output", "gradient > 0", "gradient < 0"):
        assert word in texts
    assert "parameter" not in draw(f).source


# ----------------------------------------------------------------------
# Labels drawn verbatim; nn's label convention in one place; huge grouped graphs refused
# ----------------------------------------------------------------------


def test_backslashes_in_labels_are_drawn_verbatim(monkeypatch):
    label = r"\Gamma C:\Temp\Example \N \l"
    for program in renderers():
        monkeypatch.setenv(ENV_VAR, program)
        x = Value(1.0, label)
        y = x * 2
        y.label = "y"
        y.backward()
        texts = [
            "".join(t.itertext()) for t in ET.fromstring(render_svg(draw(y))).iter(f"{SVG}text")
        ]
        assert any(text.strip() == label for text in texts), texts


def test_parse_parameter_label():
    assert parse_parameter_label("L0.N3.w1") == ParameterLabel("L0", "L0.N3", "w", 1)
    assert parse_parameter_label("N2.b") == ParameterLabel("", "N2", "b", None)
    assert parse_parameter_label("w0") == ParameterLabel("", "", "w", 0)
    assert parse_parameter_label("x") is None and parse_parameter_label("bw1") is None
    model = nn.MLP(2, [3, 1], seed=0)
    for p in model.parameters():
        parsed = parse_parameter_label(p.label)
        assert parsed is not None and parsed.layer in ("L0", "L1")


def test_grouping_refuses_a_huge_graph_before_folding_it():
    x = Value(1.0, "x")
    total = x
    for _ in range(GROUPED_MAX_SOURCE_NODES // 2 + 10):  # two nodes per step
        total = total + 1.0
    from microgradx.drawing import GraphTooLargeError

    with pytest.raises(GraphTooLargeError, match="more than 300,000 nodes"):
        draw(total, group="neuron")


# ----------------------------------------------------------------------
# The grouped MLP for teaching backprop
# ----------------------------------------------------------------------


def test_grouped_neurons_show_activation_and_delta():
    from microgradx import losses

    model = nn.MLP(2, [2, 1], seed=0)
    x = [1.0, -2.0]
    out = model(x)
    loss = losses.mse(out, 0.5)
    loss.label = "L"
    loss.backward()
    source = re.sub(r"\s+", " ", draw(loss, group="neuron").source)
    for neuron in model.layers[0].neurons:
        z = sum((w.data * xi for w, xi in zip(neuron.w, x)), neuron.b.data)
        a = max(z, 0.0)
        # δ = ∂L/∂z: the gradient reaching the pre-activation, 0 through a dead ReLU
        delta = (
            0.0
            if z <= 0
            else sum(
                nxt.w[model.layers[0].neurons.index(neuron)].data * 2 * (out.data - 0.5)
                for nxt in model.layers[1].neurons
            )
        )
        expected = f"a = {format_number(a)}, δ = {format_number(delta)}"
        assert expected in source, expected
    assert f"a = {format_number(out.data)}, δ = {format_number(2 * (out.data - 0.5))}" in source


def test_grouped_moons_names_inputs_and_targets():
    from microgradx import data, losses

    X, y = data.make_moons(8, noise=0.1, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    scores = [model(list(row)) for row in X]
    loss = losses.hinge(scores, list(2 * y - 1))
    loss.backward()
    source = draw(loss, group="neuron").source
    assert "<b>inputs x</b>" in source and "×16" in source  # 8 examples × 2 features
    assert "<b>targets y</b>" in source
    assert "mean over 8 examples: a = " in source


# ----------------------------------------------------------------------
# Constants folded into their gates
# ----------------------------------------------------------------------


def op_labels(graph) -> list[str]:
    return re.findall(r"\tv\d+op \[(?:pos=\"[^\"]*\" )?label=<([^>]*)>", graph.source)


def test_fold_constants_draws_numbers_inside_their_gates():
    from microgradx import parse

    e = parse("d = b + 1; s = 1/(2*d) - 3", b=1)
    e.backward()
    plain = draw(e)
    folded = draw(e, fold_constants=True)
    assert op_labels(plain) == ["+", "×", "÷", "−"]
    assert op_labels(folded) == ["+1", "×2", "1/x", "−3"]
    boxes = re.findall(r"\tv\d+ \[label", folded.source)
    assert len(boxes) == 5  # b, d and three unnamed results: no box for 1, 2, 1 or 3
    assert len(re.findall(r"\tv\d+ \[label", plain.source)) == 9
    two_numbers = parse("2 * 3")  # a gate of numbers only keeps its boxes
    assert op_labels(draw(two_numbers, grads=False, fold_constants=True)) == ["×"]


def test_folded_frames_pass_gradients_to_variables_only():
    from microgradx import parse

    e = parse("c = a + b; d = b + 1; e = c * d", a=2, b=1)
    frames = backward_steps(e, fold_constants=True)
    step = next(frame for frame in frames if frame.caption.startswith("Step 2"))
    assert step.caption.startswith("Step 2 of 3: d = b + 1 passes ∂e/∂d = 3 back to b (")
    assert [(row.input, row.contribution) for row in step.table] == [("b", 3.0)]
    assert "+1" in op_labels(step)


def text_positions(svg: str) -> dict[str, tuple[float, float]]:
    """Each text of the SVG (first occurrence) → where it is drawn."""
    found: dict[str, tuple[float, float]] = {}
    for element in ET.fromstring(svg).iter(f"{SVG}text"):
        text = "".join(element.itertext()).strip()
        found.setdefault(text, (float(element.get("x")), float(element.get("y"))))
    return found


def test_frames_are_laid_out_once_and_drawn_where_the_layout_put_them(monkeypatch):
    """backward_steps runs the layout once (-Tjson of the first frame); every frame is drawn
    at those positions, labels included, just where the layout program puts them itself."""
    from microgradx.drawing import render, steps

    renderers()
    formats = []
    real = render.render_image

    def counting(graph, format, **kwargs):
        formats.append(format)
        return real(graph, format, **kwargs)

    monkeypatch.setattr(render, "render_image", counting)
    frames = backward_steps(lectures.e3(), rules=True)
    assert formats.count("json") == 1 and all(frame.pinned for frame in frames)
    monkeypatch.setattr(steps, "pin_layout", lambda frames: False)
    unpinned = backward_steps(lectures.e3(), rules=True)
    assert not unpinned[0].pinned
    for pinned_frame, free_frame in zip(frames, unpinned):
        pinned_at = text_positions(render_svg(pinned_frame))
        free_at = text_positions(render_svg(free_frame))
        labels = [text for text in free_at if text.startswith("∂") and "=" in text]
        assert len(labels) >= 5  # ∂c/∂a = 1, ..., ∂e/∂c = d = 2, ∂e/∂d = c = 3
        for text in labels:
            assert pinned_at[text][0] == pytest.approx(free_at[text][0], abs=2), text
            # the pinned canvas may be a few points shorter: compare heights from the bottom
        heights = {text: (pinned_at[text][1] - free_at[text][1]) for text in labels}
        assert max(heights.values()) - min(heights.values()) < 2


def test_grouped_ops_keep_their_operands_in_order():
    """1 − y·score: the 1 is drawn above y·score, the first operand first, as written."""
    from microgradx import data, losses

    renderers()
    X, y = data.make_moons(8, noise=0.1, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    loss = losses.hinge([model(list(row)) for row in X], list(2 * y - 1))
    loss.backward()
    graph = draw(loss, group="neuron")
    source = graph.source
    minus = re.search(r"\t(g\d+op) \[label=<−<br/>", source)[1]
    assert re.search(rf"\t{minus} \[[^\]]*ordering=in", source)
    one = re.search(r"\t(g\d+) \[label=<<table[^\n]*<b>1</b>", source)[1]
    product = re.search(r"\t(g\d+op) \[label=<×<br/>", source)[1]
    root = ET.fromstring(render_svg(graph))
    tops = {}
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") == "node" and title.text in (one, product):
            points = [e for e in group if e.tag in (f"{SVG}polygon", f"{SVG}ellipse")][-1]
            y_text = points.get("cy") or points.get("points").split()[0].split(",")[1]
            tops[title.text] = float(y_text)
    assert tops[one] < tops[product]  # SVG y grows downwards: the first operand is on top
