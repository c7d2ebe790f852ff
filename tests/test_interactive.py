"""explore(), driven headless: set the widgets' values, check what the callbacks recompute.

Gradients are checked against the lecture's numbers (E1) and against hand derivatives of
f = (x + y)·z²: ∂f/∂x = ∂f/∂y = z², ∂f/∂z = 2z(x + y); other formulas against central
differences, which do not use backpropagation.
"""

from __future__ import annotations

import html
import math
import sys

import pytest

from microgradx import Value
from microgradx.expr import ExpressionError
from microgradx.gradcheck import numerical_grad
from microgradx.interactive import Explorer, explore, slider_range

pytest.importorskip("ipywidgets")

E1 = "(x+y)*z**2"


@pytest.fixture
def e1() -> Explorer:
    return explore(E1, x=2, y=-3, z=2)


def test_e1_starts_at_the_lecture_numbers(e1):
    assert e1.root.data == -4.0
    assert e1.gradients == {"x": 4.0, "y": 4.0, "z": -4.0}
    assert e1.values == {"x": 2.0, "y": -3.0, "z": 2.0}
    assert e1.mode.value == "backward"
    assert "∂f/∂z = -4" in e1.status.value


def test_one_slider_per_variable_around_its_value(e1):
    assert list(e1.sliders) == ["x", "y", "z"]
    for name, start in [("x", 2.0), ("y", -3.0), ("z", 2.0)]:
        slider = e1.sliders[name]
        assert slider.description == name
        assert slider.min < start == slider.value < slider.max
        assert slider.continuous_update is False


def test_moving_sliders_recomputes_value_and_gradients(e1):
    for x, y, z in [(3.0, -3.0, 2.0), (3.0, -1.5, 2.0), (0.5, -1.5, -1.25)]:
        e1.sliders["x"].value = x
        e1.sliders["y"].value = y
        e1.sliders["z"].value = z
        assert e1.values == {"x": x, "y": y, "z": z}
        assert e1.root.data == pytest.approx((x + y) * z**2, abs=1e-12)
        expected = {"x": z**2, "y": z**2, "z": 2 * z * (x + y)}
        assert e1.gradients == pytest.approx(expected, abs=1e-12)
        assert e1.error == ""


def test_gradients_agree_with_central_differences():
    text = "tanh(a*b) + exp(-c) / (1 + a**2)"
    explorer = explore(text, a=0.5, b=-1.0, c=0.25)
    explorer.sliders["a"].value = 1.2
    explorer.sliders["c"].value = -0.7
    point = explorer.values
    numeric = numerical_grad(_formula, [point[n] for n in "abc"])
    assert [explorer.gradients[n] for n in "abc"] == pytest.approx(numeric, abs=1e-7)


def _formula(v: list[Value]) -> Value:
    a, b, c = v
    return (a * b).tanh() + (-c).exp() / (1 + a**2)


def test_the_drawing_follows_the_sliders(e1):
    before = html.unescape(e1.svg())  # graphviz writes "-" as "&#45;"
    assert before.lstrip().startswith(("<?xml", "<svg"))
    e1.sliders["z"].value = 3.0  # f = (2 - 3)·9 = -9, ∂f/∂z = 2·3·(-1) = -6
    after = html.unescape(e1.svg())
    assert ">-9<" in after and ">-9<" not in before
    assert ">-6<" in after and ">-6<" not in before
    shown = html.unescape(e1.view.value)
    assert shown.count("<svg") == 1
    assert ">-9<" in shown


def test_the_step_slider_walks_the_backward_frames(e1):
    from microgradx.drawing import backward_steps

    # frame 0: the forward pass; then one frame per op node (+, **2, *); then the finished pass
    assert len(e1.frames) == 5
    assert (e1.step.min, e1.step.max, e1.step.value) == (0, 4, 4)
    sources = [frame.source for frame in backward_steps(e1.root, local_grads=True)]
    shown = set()
    for k in range(5):
        e1.step.value = k
        assert e1.drawing().source == sources[k]
        assert e1.frames[k].caption in html.unescape(e1.view.value)
        shown.add(e1.svg())
    assert len(shown) == 5  # every step looks different


def test_the_step_is_kept_when_a_slider_moves(e1):
    e1.step.value = 2
    e1.sliders["x"].value = 1.0
    assert e1.step.value == 2
    e1.step.value = e1.step.max
    e1.sliders["x"].value = 0.0
    assert e1.step.value == e1.step.max  # at the end it stays at the end


def test_forward_mode_shows_values_only(e1):
    from microgradx.drawing import draw

    e1.mode.value = "forward"
    assert e1.step.disabled
    assert e1.drawing().source == draw(e1.root, grads=False, local_grads=True).source
    assert "∂f" not in e1.status.value
    assert "f = -4" in e1.status.value
    forward_svg = e1.svg()
    e1.mode.value = "backward"
    assert not e1.step.disabled
    assert e1.svg() != forward_svg


def test_an_undefined_value_is_reported_and_the_last_graph_kept():
    explorer = explore("log(x) * y", x=1.0, y=2.0)
    explorer.sliders["x"].value = 2.0
    explorer.sliders["x"].value = -1.0
    assert "log of -1" in explorer.error
    assert "log of -1" in explorer.status.value
    assert explorer.values["x"] == 2.0  # the graph shown is still the one at x = 2
    assert explorer.gradients["x"] == pytest.approx(2.0 / 2.0)
    explorer.sliders["x"].value = 3.0  # the slider spans [-1, 3]
    assert explorer.error == ""
    assert explorer.gradients == pytest.approx({"x": 2.0 / 3.0, "y": math.log(3.0)})


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        ("(x + * y", {"x": 1, "y": 2}, "invalid syntax"),
        ("__import__('os').system('echo hi')", {}, "attribute access"),
        ("x * y", {"x": 1}, "y"),
        ("x + 1", {"x": 1, "z": 2}, "z"),
    ],
)
def test_an_invalid_formula_is_a_clear_error(text, values, message):
    with pytest.raises(ExpressionError, match=message):
        explore(text, **values)


def test_a_value_can_be_given_as_a_value():
    explorer = explore("x * x", x=Value(3.0, "x"))
    assert explorer.gradients == {"x": 6.0}  # one leaf, two paths: 3 + 3


def test_the_widget_displays_in_a_notebook(e1):
    import ipywidgets

    assert isinstance(e1.widget, ipywidgets.VBox)
    bundle = e1._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_without_ipywidgets_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    with pytest.raises(ImportError, match=r"microgradx\[notebooks\]"):
        explore(E1, x=2, y=-3, z=2)


@pytest.mark.parametrize("value", [-3.0, 0.0, 0.001, 2.0, 150.0])
def test_slider_range_spans_the_value(value):
    low, high, step = slider_range(value)
    assert low < value < high
    assert high - value == pytest.approx(value - low)
    assert high - low >= 4.0
    assert 40 <= (high - low) / step <= 400


def test_bad_starting_values_name_the_variable():
    with pytest.raises(ValueError, match="the value for 'y' is NaN"):
        explore(E1, x=2, y=float("nan"), z=2)
    with pytest.raises(TypeError, match="the value for 'z' must be a real number"):
        explore(E1, x=2, y=-3, z="2")
    with pytest.raises(ValueError, match="the value for 'x': a slider cannot start at 1e"):
        explore("x - y", x=1e308, y=0)  # x ± 2|x| is beyond the largest float


def test_explore_draws_without_the_system_graphviz(tmp_path, monkeypatch):
    from microgradx.drawing import renderer

    monkeypatch.delenv("MICROGRADX_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on PATH: graphviz-pure draws
    assert renderer().kind == "graphviz-pure"
    explorer = explore(E1, x=2, y=-3, z=2)
    explorer.sliders["z"].value = 3.0  # f = (2 - 3)·9 = -9, ∂f/∂z = 2·3·(-1) = -6
    shown = html.unescape(explorer.view.value)
    assert shown.count("<svg") == 1 and ">-9<" in shown and ">-6<" in shown
    explorer.mode.value = "forward"
    assert ">-6<" not in html.unescape(explorer.svg())


def test_a_named_formula_explores_with_the_slides_names():
    explorer = explore("a = x + y; b = z**2; f = a * b", x=2, y=-3, z=2)
    assert set(explorer.sliders) == {"x", "y", "z"}  # a and b are named parts, not variables
    assert explorer.root.label == "f" and explorer.root.data == -4.0
    assert explorer.gradients == {"x": 4.0, "y": 4.0, "z": -4.0}
    explorer.sliders["z"].value = 3.0
    assert explorer.root.data == -9.0 and explorer.gradients["z"] == -6.0  # ∂f/∂z = a·2z
    explorer.mode.value = "backward"
    explorer.step.value = 1
    assert explorer.drawing().caption.startswith("Step 1 of 3: f = a × b passes ∂f/∂f = 1")
