"""The lectures' worked examples, built by microgradx.lectures, give the slides' numbers."""

from __future__ import annotations

import pytest

from microgradx import lectures, numerical_grad


def test_e1_forward_and_backward():
    f = lectures.e1()
    node = lectures.by_label(f)
    assert (node["a"].data, node["b"].data, f.data) == (-1.0, 4.0, -4.0)
    f.backward()
    assert (node["a"].grad, node["b"].grad) == (4.0, -1.0)
    assert (node["x"].grad, node["y"].grad, node["z"].grad) == (4.0, 4.0, -4.0)


@pytest.mark.parametrize("composed", [False, True])
def test_e2_sigmoid_neuron_as_one_gate_or_composed(composed):
    a = lectures.e2(composed=composed)
    node = lectures.by_label(a)
    assert node["z"].data == 1.0
    assert a.data == pytest.approx(0.7310585786, abs=1e-10)
    a.backward()
    grads = [node[name].grad for name in ("w0", "x0", "w1", "x1", "b")]
    s = 0.1966119332  # σ'(1) = σ(1)(1 - σ(1))
    assert grads == pytest.approx([-s, 2 * s, -2 * s, -3 * s, s], abs=1e-9)  # s to 10 digits
    assert [round(g, 1) for g in grads] == [-0.2, 0.4, -0.4, -0.6, 0.2]  # the slide


@pytest.mark.parametrize(("a", "b", "e", "de_da", "de_db"), [(2, 1, 6, 2, 5), (2, 3, 20, 4, 9)])
def test_e3_sums_over_paths(a, b, e, de_da, de_db):
    root = lectures.e3(a, b)
    assert root.data == e
    root.backward()
    node = lectures.by_label(root)
    assert (node["a"].grad, node["b"].grad) == (de_da, de_db)
    central = numerical_grad(lambda v: (v[0] + v[1]) * (v[1] + 1), [a, b])
    assert central == pytest.approx([de_da, de_db], rel=1e-8)


def test_each_call_builds_a_fresh_graph():
    first, second = lectures.e1(), lectures.e1()
    first.backward()
    assert lectures.by_label(second)["x"].grad == 0.0
    assert lectures.e1(x=1.0, y=1.0, z=3.0).data == 18.0
