"""Mistakes that ``mypy --strict`` must catch before the code runs.

Every line that ends in ``# error: <code>`` must get that mypy error (one comment per
expected error, codes separated by spaces), and no other line may get one: see
``check_types.py``. It is type-checked, not run.
"""

from __future__ import annotations

import microgradx
from microgradx import Value, data, draw, losses, nn, optim, train


def engine() -> None:
    x = Value("2.0")  # error: arg-type
    y = Value(2.0) + "a"  # error: operator
    y.tanh(3)  # error: call-arg
    x.grad = "zero"  # error: assignment


def drawing() -> None:
    draw("x", grads="yes")  # error: arg-type arg-type
    draw(Value(1.0), theme=2)  # error: arg-type


def models() -> None:
    score = nn.MLP(2, (16, 16, 1), seed=0)([0.5, -1.0])  # a Value: one output
    score.append(1.0)  # error: attr-defined
    nn.Neuron(2)([1.0, 2.0]).data.upper()  # error: attr-defined
    nn.MLP(2, [16, 1], activation=3)  # error: call-overload
    nn.Layer(2, 3, seed="zero")  # error: arg-type
    for out in nn.Layer(2, 3)([1.0, 2.0]):
        out.backward(grad="1")  # error: arg-type


def optimizers(model: nn.MLP[Value]) -> None:
    sgd = optim.SGD(model.parameters(), lr="fast")  # error: arg-type
    optim.SGD(model.parameters, lr=0.1)  # error: arg-type
    optim.Adam(5)  # error: arg-type
    optim.SGD([{"params": model.parameters(), "learning_rate": 0.1}], lr=0.1)  # error: list-item
    sgd.lr = "slow"  # error: assignment
    optim.LinearLR(sgd, start_factor=0.1, end_factor=1.0, total_iters=2.5)  # error: arg-type
    optim.AdamW(model.parameters(), betas=0.9)  # error: arg-type


def losses_and_training(model: nn.MLP[Value]) -> None:
    losses.mse(1.0, 0.0, reduction="none")  # error: arg-type
    X, y = data.make_moons(100, noise="high")  # error: arg-type
    _ = data.load_digits(return_X_y=True).images  # error: attr-defined
    data.train_test_split(X, y, test_size="quarter")  # error: arg-type
    sgd = optim.SGD(model.parameters(), lr=0.1)
    train.fit(model, losses.hinge, sgd, X, y)  # error: call-arg
    train.fit(model, losses.hinge, sgd, X, y, epochs=3, schedule_every="batch")  # error: arg-type
    history = train.fit(model, losses.hinge, sgd, X, y, epochs=3)
    _ = history.losses  # error: attr-defined


def compiling(loss: Value) -> None:
    microgradx.compile(loss)  # error: call-arg
