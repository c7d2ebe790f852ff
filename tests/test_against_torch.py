"""microgradx against PyTorch (skipped when torch is not installed).

The first two tests are micrograd's own test_engine.py cases, with only the import changed.
"""

from __future__ import annotations

import math
import random

import pytest

from microgradx import Value
from microgradx import functional as F

torch = pytest.importorskip("torch")


def test_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.data.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()


def test_more_ops():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    tol = 1e-6
    # forward pass went well
    assert abs(gmg.data - gpt.data.item()) < tol
    # backward pass went well
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol


# ----------------------------------------------------------------------
# Every op, and random compositions of them, against torch's float64 autograd
# ----------------------------------------------------------------------

# name: (microgradx, torch, domain of the first input)
OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, "any"),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, "any"),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, "any"),
    "div": (lambda a, b: a / b, lambda a, b: a / b, "any"),
    "pow_number": (lambda a, b: a**3, lambda a, b: a**3, "any"),
    "pow_fraction": (lambda a, b: a**-0.5, lambda a, b: a**-0.5, "positive"),
    "pow_value": (lambda a, b: a**b, lambda a, b: a**b, "positive"),
    "rpow": (lambda a, b: 2.5**a, lambda a, b: 2.5**a, "any"),
    "neg": (lambda a, b: -a, lambda a, b: -a, "any"),
    "exp": (lambda a, b: a.exp(), lambda a, b: a.exp(), "any"),
    "log": (lambda a, b: a.log(), lambda a, b: a.log(), "positive"),
    "tanh": (lambda a, b: a.tanh(), lambda a, b: a.tanh(), "any"),
    "sigmoid": (lambda a, b: a.sigmoid(), lambda a, b: a.sigmoid(), "any"),
    "relu": (lambda a, b: a.relu(), lambda a, b: a.relu(), "any"),
    "leaky_relu": (
        lambda a, b: a.leaky_relu(0.2),
        lambda a, b: torch.nn.functional.leaky_relu(a, 0.2),
        "any",
    ),
    "sin": (lambda a, b: a.sin(), lambda a, b: a.sin(), "any"),
    "cos": (lambda a, b: a.cos(), lambda a, b: a.cos(), "any"),
    "sqrt": (lambda a, b: a.sqrt(), lambda a, b: a.sqrt(), "positive"),
    "abs": (lambda a, b: abs(a), lambda a, b: a.abs(), "any"),
}


def _torch_leaf(x: float):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def _compare(ours, theirs, a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    out = ours(x, y) * 1.0 + x * 0.0 + y * 0.0  # every leaf in the graph, as in torch below
    out.backward()
    tx, ty = _torch_leaf(a), _torch_leaf(b)
    t_out = theirs(tx, ty) * 1.0 + tx * 0.0 + ty * 0.0
    t_out.backward()
    # Sums may cancel in a different order than torch's: allow rounding at the scale of the terms.
    assert out.data == pytest.approx(t_out.item(), rel=1e-10, abs=1e-12)
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-10, abs=1e-12)
    assert y.grad == pytest.approx(ty.grad.item(), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_op_matches_torch_at_random_points(name):
    ours, theirs, domain = OPS[name]
    rng = random.Random(name)
    for _ in range(50):
        a = rng.uniform(0.05, 3.0) if domain == "positive" else rng.uniform(-3.0, 3.0)
        b = rng.uniform(-3.0, 3.0)
        if name == "div" and abs(b) < 0.05:
            continue
        _compare(ours, theirs, a, b)


def test_random_compositions_match_torch():
    rng = random.Random(0)
    names = [n for n in sorted(OPS) if OPS[n][2] == "any" and n != "exp"]
    for _ in range(200):
        chosen = [rng.choice(names) for _ in range(4)]
        a, b = rng.uniform(-2, 2), rng.uniform(-2, 2)

        def build(x, y, ops, chosen=chosen):
            h = x
            for name in chosen:
                h = ops[name](h, y)
                if name in ("div", "pow_number", "rpow", "mul"):
                    h = h.tanh()  # keep values in range
            return h

        _compare(
            lambda x, y: build(x, y, {n: OPS[n][0] for n in names}),
            lambda x, y: build(x, y, {n: OPS[n][1] for n in names}),
            a,
            b if abs(b) > 0.05 else 0.5,
        )


def test_functional_ops_match_torch():
    data = [0.3, -1.2, 2.0, 0.7]
    weights = [0.5, -0.25, 1.5, 2.0]
    xs = [Value(x) for x in data]
    loss = (
        F.sum(xs) * F.mean(xs)
        + F.dot(weights, xs).tanh()
        + F.logsumexp(xs)
        + F.softmax(xs)[1] * 3
        - F.log_softmax(xs)[2]
    )
    loss.backward()
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(weights, dtype=torch.float64)
    t_loss = (
        t.sum() * t.mean()
        + (w * t).sum().tanh()
        + t.logsumexp(0)
        + t.softmax(0)[1] * 3
        - t.log_softmax(0)[2]
    )
    t_loss.backward()
    assert loss.data == pytest.approx(t_loss.item(), rel=1e-12)
    assert [x.grad for x in xs] == pytest.approx(t.grad.tolist(), rel=1e-12)


def test_stable_softmax_at_1000_matches_torch():
    xs = [Value(1000.0), Value(1000.0), Value(999.0)]
    loss = -F.log_softmax(xs)[2]
    loss.backward()
    t = torch.tensor([1000.0, 1000.0, 999.0], dtype=torch.float64, requires_grad=True)
    t_loss = -t.log_softmax(0)[2]
    t_loss.backward()
    assert loss.data == pytest.approx(t_loss.item(), rel=1e-14)
    assert [x.grad for x in xs] == pytest.approx(t.grad.tolist(), rel=1e-12)
    assert not math.isnan(loss.data)


def test_gradients_accumulate_like_torch_intermediates_included():
    x = Value(0.7)
    h = (x * x).tanh()
    out = h * 3 + h.exp()
    tx = _torch_leaf(0.7)
    th = (tx * tx).tanh()
    th.retain_grad()
    t_out = th * 3 + th.exp()
    for _ in range(3):
        out.backward()
        t_out.backward(retain_graph=True)
        assert h.grad == pytest.approx(th.grad.item(), rel=1e-12)
        assert x.grad == pytest.approx(tx.grad.item(), rel=1e-12)
