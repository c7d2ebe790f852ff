"""Training benchmark: microgradx's nn + losses + optim against micrograd 0.1.0, and the digits.

Run by hand (``python bench/bench_nn.py``, or through bench/run.py), never in CI.

  (f) one training step of micrograd's moons demo — MLP(2, [16, 16, 1]), 100 points, hinge +
      1e-4·Σp², SGD — written with each library's own API: microgradx's ``nn.MLP`` +
      ``train.train_step`` + ``optim.SGD``, and micrograd's ``nn.MLP`` with its demo's loop.
      Both start from the same weights and compute the same loss (checked). ms per step with the
      garbage collector on (as users run it) and off; the engines alternate round by round and
      each cell is the median of the rounds.
  (g) the lectures' digit classifier: MLP(64, [32, 10]), cross-entropy, mini-batches of 32 on
      75% of the 1,797 UCI digits; seconds per epoch and the test accuracy after each epoch.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

import microgradx
from microgradx import data, losses, nn, optim, train

try:
    import micrograd.engine
    import micrograd.nn
except ImportError:  # the bench extra installs it: pip install -e '.[bench]'
    micrograd = None

MOONS_TARGET = 20.0  # ≥ 20× micrograd with the collector on (the engine issue's target)
ALPHA = 1e-4


def _row(name: str, cells: list[str], width: int = 13) -> str:
    return f"  {name:<44}" + "".join(f"{c:>{width}}" for c in cells)


# ----------------------------------------------------------------------
# (f) the moons step
# ----------------------------------------------------------------------


def _moons() -> tuple[np.ndarray, np.ndarray]:
    X, y = data.make_moons(100, noise=0.1, random_state=1)
    return X, 2 * y - 1


def _microgradx_setup(weights: list[float]) -> Callable[[int], float]:
    X, y = _moons()
    model = nn.MLP(2, [16, 16, 1], seed=0)
    for p, w in zip(model.parameters(), weights):
        p.data = w
    sgd = optim.SGD(model.parameters(), lr=1.0)

    def step(k: int) -> float:
        sgd.lr = 1.0 - 0.9 * k / 100
        penalty = ALPHA * sum(p.data * p.data for p in sgd.params)  # before the update
        data_loss, _ = train.train_step(model, losses.hinge, sgd, X, y, l2_penalty=ALPHA)
        return data_loss + penalty

    return step


def _micrograd_setup(weights: list[float]) -> Callable[[int], float]:
    """micrograd's demo.ipynb loop, as its users write it."""
    Value = micrograd.engine.Value
    X, y = _moons()
    model = micrograd.nn.MLP(2, [16, 16, 1])
    for p, w in zip(model.parameters(), weights):
        p.data = w

    def step(k: int) -> float:
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        hinge = [(1 + -yi * scorei).relu() for yi, scorei in zip(y.tolist(), scores)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        return total.data

    return step


def _time_steps(make: Callable[[list[float]], Callable[[int], float]], weights, steps, gc_on):
    step = make(weights)
    gc.collect()
    was_enabled = gc.isenabled()
    (gc.enable if gc_on else gc.disable)()
    try:
        start = time.perf_counter()
        for k in range(steps):
            step(k)
        elapsed = time.perf_counter() - start
    finally:
        (gc.enable if was_enabled else gc.disable)()
    del step
    gc.collect()
    return elapsed / steps * 1e3


def bench_moons(steps: int = 5, rounds: int = 3) -> dict[str, float]:
    print(
        "\n(f) micrograd's moons demo, one training step with each library's own API\n"
        "    (microgradx: nn.MLP + train.train_step + optim.SGD; micrograd: nn.MLP + demo loop);\n"
        f"    ms per step, mean of {steps} consecutive steps, median of {rounds} rounds"
    )
    weights = [p.data for p in nn.MLP(2, [16, 16, 1], seed=1337).parameters()]
    setups = {"microgradx nn + optim": _microgradx_setup}
    if micrograd is not None:
        setups["micrograd nn (demo loop)"] = _micrograd_setup
        ours, theirs = _microgradx_setup(weights), _micrograd_setup(weights)
        for k in range(3):  # the same training, step by step
            a, b = ours(k), theirs(k)
            assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), (k, a, b)
    times: dict[tuple[str, bool], list[float]] = {
        (name, gc_on): [] for name in setups for gc_on in (True, False)
    }
    for _ in range(rounds):
        for name, gc_on in times:
            times[(name, gc_on)].append(_time_steps(setups[name], weights, steps, gc_on))
    ms = {key: statistics.median(ts) for key, ts in times.items()}
    print(_row("library", ["GC on ms", "GC off ms"]))
    for name in setups:
        print(_row(name, [f"{ms[(name, True)]:.1f}", f"{ms[(name, False)]:.1f}"]))
    ratios = {}
    if micrograd is not None:
        base = "micrograd nn (demo loop)"
        for gc_on in (True, False):
            ratios[gc_on] = ms[(base, gc_on)] / ms[("microgradx nn + optim", gc_on)]
        print(
            f"  microgradx is {ratios[True]:.1f}× faster than micrograd with the collector on "
            f"(target ≥ {MOONS_TARGET:g}×: {'PASS' if ratios[True] >= MOONS_TARGET else 'FAIL'}), "
            f"{ratios[False]:.1f}× with it off"
        )
    return {"gc_on": ratios.get(True, float("nan")), "gc_off": ratios.get(False, float("nan"))}


# ----------------------------------------------------------------------
# (g) the digits classifier
# ----------------------------------------------------------------------


def bench_digits(epochs: int = 4, compiled: bool = False) -> None:
    engine = "compiled (train.fit(compiled=True))" if compiled else "the scalar engine"
    print(
        f"\n(g) Digit classifier MLP(64, [32, 10]), cross-entropy, Adam(lr=0.01), batches of 32,\n"
        f"    {epochs} epochs on 75% of the UCI digits, tested on the other 25%, on {engine}"
    )
    X, y = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, random_state=0)
    model = nn.MLP(64, [32, 10], seed=0)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    train_seconds: list[float] = []
    test_accuracy: list[float] = []
    print(_row("epoch", ["train s", "test s", "train loss", "train acc", "test acc"]))
    start = time.perf_counter()

    def report(epoch: int, h: train.History) -> None:
        nonlocal start
        train_seconds.append(time.perf_counter() - start)
        tested = time.perf_counter()
        _, accuracy = train.evaluate(model, losses.cross_entropy, X_test, y_test)
        test_accuracy.append(accuracy)
        cells = [
            f"{train_seconds[-1]:.3f}",
            f"{time.perf_counter() - tested:.1f}",
            f"{h.loss[-1]:.3f}",
            f"{h.accuracy[-1]:.1%}",
            f"{accuracy:.1%}",
        ]
        print(_row(str(epoch + 1), cells), flush=True)
        start = time.perf_counter()

    train.fit(
        model,
        losses.cross_entropy,
        optimizer,
        X_train,
        y_train,
        epochs=epochs,
        batch_size=32,
        seed=0,
        progress=False,
        callback=report,
        compiled=compiled,
    )
    print(
        f"  one training epoch ({len(X_train)} examples, {-(-len(X_train) // 32)} steps): "
        f"median {statistics.median(train_seconds):.3f} s; test accuracy after {epochs} "
        f"epochs: {test_accuracy[-1]:.1%}"
    )


def main() -> int:
    print(
        f"microgradx {microgradx.__version__}; "
        f"micrograd {'0.1.0' if micrograd is not None else 'not installed'}; "
        f"Python {sys.version.split()[0]}"
    )
    ratios = bench_moons()
    bench_digits(compiled=False)
    bench_digits(compiled=True)
    passed = micrograd is None or ratios["gc_on"] >= MOONS_TARGET
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
