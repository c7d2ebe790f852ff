"""Typical user code — the README's examples and the PyTorch / scikit-learn conventions.

Checked with ``mypy --strict`` in CI (``tests/typing/check_types.py``): it must pass with no
casts and no ``# type: ignore``. It is type-checked, not run.
"""

from __future__ import annotations

import random

import numpy as np
from typing_extensions import assert_type

import microgradx
from microgradx import Value, backward_steps, data, draw, losses, nn, optim, save_slideshow, train
from microgradx.drawing import chain_rule_table


def first_graph() -> None:
    x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(2.0, "z")
    f = (x + y) * z**2  # f = -4
    f.backward()
    print(x.grad, y.grad, z.grad)  # 4.0 4.0 -4.0
    print(f.op, f.inputs, f.local_grads)


def slides() -> None:
    x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(2.0, "z")
    a = x + y
    a.label = "a"
    b = z**2
    b.label = "b"
    f = a * b
    f.label = "f"
    draw(f, grads=False)  # the forward slide
    f.backward()
    draw(f)  # the backward slide
    draw(f, local_grads=True)  # ∂out/∂in on every edge: the chain-rule slide
    chain_rule_table(f)  # the same multiplications as a table
    save_slideshow(backward_steps(f), "backward.html")  # the backward pass, node by node


def training() -> train.History:
    X, y = data.make_moons(100, noise=0.1, random_state=0)  # 100 points, labels 0/1
    model = nn.MLP(2, [16, 16, 1], seed=0)  # micrograd's moons classifier
    sgd = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = train.fit(model, losses.hinge, sgd, X, 2 * y - 1, epochs=100, l2_penalty=1e-4)
    train.plot_decision_boundary(model, X, y, path="moons.png")
    return history


def batched() -> None:
    X, y = data.make_moons(100, noise=0.1, random_state=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    x1, x2, target = Value(0.0, "x1"), Value(0.0, "x2"), Value(0.0, "y")
    loss = (1 - target * model([x1, x2])).relu()  # one example's hinge loss
    step = microgradx.compile(loss, inputs=[x1, x2, target])
    batch = np.column_stack([X, 2 * y - 1])  # one row per example: x1, x2, y
    mean_loss = step(batch)  # the batch mean; its gradient is added to every parameter's .grad
    print(mean_loss, step.program())  # the instructions it runs


# ----------------------------------------------------------------------
# PyTorch's shapes.
# ----------------------------------------------------------------------


class TwoLayerNet(nn.Module):
    """A model of one's own: parameters as attributes, and forward."""

    def __init__(self) -> None:
        self.hidden = nn.Layer(2, 8, "tanh", seed=0)
        self.out = nn.Neuron(8, "linear", seed=1)

    def forward(self, x: list[float]) -> Value:
        return self.out(self.hidden(x))


def one_output_is_a_value() -> Value:
    model = nn.MLP(2, (16, 16, 1), seed=0)  # sizes as a tuple ending in 1: model(x) is a Value
    score = model([0.5, -1.0])
    assert_type(score, Value)
    score.backward()
    neuron_out = nn.Neuron(3)([1.0, 2.0, 3.0])
    assert_type(neuron_out, Value)
    layer_out = nn.Layer(3, 4)([1.0, 2.0, 3.0])
    assert_type(layer_out, list[Value])
    digits: nn.MLP[list[Value]] = nn.MLP(64, [32, 10], seed=0)  # several outputs, annotated
    logits = digits([0.0] * 64)
    assert_type(logits, list[Value])
    return losses.cross_entropy(logits, 3) + score


def plain_annotation(model: nn.MLP) -> float:
    """``nn.MLP`` needs no type argument; its outputs are then not checked."""
    return float(model([1.0, 2.0]).data)


def optimizers_and_schedules() -> list[float]:
    net = TwoLayerNet()
    adamw = optim.AdamW(
        [
            {"params": net.hidden.parameters()},
            {"params": net.out.parameters(), "lr": 1e-2, "weight_decay": 0.0},
        ],
        lr=1e-3,
    )
    warmup = optim.LinearLR(adamw, start_factor=0.1, end_factor=1.0, total_iters=5)
    for _ in range(3):
        adamw.zero_grad()
        loss = losses.mse(net([1.0, 2.0]), 0.5)
        loss.backward()
        adamw.step()
        warmup.step()
    decay = optim.LambdaLR(optim.SGD(net, lr=0.1), lambda epoch: 0.95**epoch)
    decay.step()
    return warmup.get_last_lr() + decay.get_last_lr()


def scikit_learn_names() -> float:
    digits = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=0
    )
    X_blobs, y_blobs = data.make_blobs(200, 2, centers=3, cluster_std=0.5, random_state=1)
    X, _ = data.load_digits(return_X_y=True)
    model = nn.MLP(64, [32, 10], init=random.Random(1337))
    history = train.fit(
        model,
        losses.cross_entropy,
        optim.Adam(model.parameters(), lr=5e-3),
        X_train,
        y_train,
        epochs=2,
        batch_size=32,
        validation=(X_test, y_test),
        schedule=optim.StepLR(optim.SGD(model, lr=0.1), step_size=1),
    )
    outputs = train.predict(model, X[:5])
    return history.loss[-1] + float(outputs.sum()) + float(X_blobs.sum() + y_blobs.sum())


def regression_loss() -> float:
    preds = [Value(1.0), Value(2.0)]
    mean = losses.mse(preds, [0.0, 1.0])
    total = losses.mse(preds, [0.0, 1.0], reduction="sum")
    return mean.data + total.data


def second_derivative() -> float:
    x = Value(3.0, "x")
    y = x**3
    (dy_dx,) = microgradx.grad(y, [x], create_graph=True)  # 3x², a graph of its own
    (d2y_dx2,) = microgradx.grad(dy_dx, [x])  # 6x
    return d2y_dx2.data
