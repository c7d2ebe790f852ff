"""Batched execution benchmark: ``microgradx.compile`` against micrograd and PyTorch.

Run by hand (``python bench/bench_compile.py``), never in CI. Contenders alternate round by
round in one run and each cell is the median over rounds; the garbage collector stays on,
as users run them. Everything computes in float64. PyTorch runs on one thread, its fastest
setting for tensors this small (its thread pool only adds overhead here, more so on a busy
machine).

  (a) one step of micrograd's moons demo — MLP(2, [16, 16, 1]), 100 points, hinge + 1e-4·Σp²,
      SGD — on micrograd 0.1.0, the microgradx scalar engine, microgradx compiled, PyTorch on
      scalars (one 0-d tensor per number, as micrograd's README compares) and PyTorch batched
      (nn.Linear on a [100, 2] tensor). Every contender starts from the same weights and
      computes the same loss (checked before timing).
  (b) one epoch of the digits classifier — MLP(64, [32, 10]), cross-entropy, mini-batches of
      32 over all 1,797 digits, SGD — microgradx scalar (a few batches, scaled to an epoch),
      microgradx compiled and PyTorch batched. micrograd has no exp/log, so no cross-entropy.
  (c) the time to trace and compile the moons loss graph.

Targets: (a) compiled ≥ 200× faster than micrograd and at most 0.33× PyTorch batched's time;
(b) compiled at most PyTorch batched's time; (c) compiling under 1 s. Without micrograd or
torch installed, their columns and targets are skipped.

micrograd runs in the same process as torch here, and torch's many Python objects make each
full garbage collection a little slower; the 200× target has a margin far beyond that.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from microgradx import data, functional, losses, nn, optim
from microgradx.compiler import compile_loss

try:
    import micrograd.engine
    import micrograd.nn
except ImportError:  # the bench extra installs it: pip install -e '.[bench]'
    micrograd = None
try:
    import torch
except ImportError:  # pip install torch (CPU); the PyTorch columns are skipped without it
    torch = None

ALPHA = 1e-4
TARGET_MICROGRAD = 200.0
# compiled ÷ PyTorch batched, time per moons step and per digits epoch: at most
TARGET_TORCH = {"moons": 0.33, "digits": 1.0}
TARGET_COMPILE_SECONDS = 1.0

Step = Callable[[int], float]


def _moons() -> tuple[np.ndarray, np.ndarray]:
    X, y = data.make_moons(100, noise=0.1, random_state=1)
    return X, (2 * y - 1).astype(float)


def _lr(k: int) -> float:
    return 1.0 - 0.9 * (k % 100) / 100  # micrograd's demo schedule


# ----------------------------------------------------------------------
# (a) the moons step, five ways
# ----------------------------------------------------------------------


def _microgradx_model(weights: list[float], sizes: list[int], nin: int) -> nn.MLP:
    model = nn.MLP(nin, sizes, seed=0)
    for p, w in zip(model.parameters(), weights):
        p.data = w
    return model


def moons_scalar(weights: list[float]) -> Step:
    X, y = _moons()
    model = _microgradx_model(weights, [16, 16, 1], 2)
    sgd = optim.SGD(model.parameters(), lr=1.0)

    def step(k: int) -> float:
        sgd.lr = _lr(k)
        sgd.zero_grad()
        scores = [model(row) for row in X.tolist()]
        data_loss = losses.hinge(scores, y.tolist())
        total = data_loss + ALPHA * functional.sum([p * p for p in model.parameters()])
        total.backward()
        sgd.step()
        return total.data

    return step


def moons_compiled(weights: list[float], in_arrays: bool = True) -> Step:
    """The compiled step; ``in_arrays``: inside ``compiled.training(sgd)`` (as ``train.fit``
    runs it), else through the Values (``zero_grad``, ``step``, ``sgd.step()``)."""
    X, y = _moons()
    model = _microgradx_model(weights, [16, 16, 1], 2)
    penalty = ALPHA * functional.sum([p * p for p in model.parameters()])
    compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1], penalty=penalty)
    sgd = optim.SGD(model.parameters(), lr=1.0)
    graph = compiled.loss_graph  # compiled.step(X, y) without the penalty's value: the same

    def step(k: int) -> float:
        sgd.lr = _lr(k)
        sgd.zero_grad()
        data_loss, reg = graph.step(compiled.batch(X, y))
        sgd.step()
        return data_loss + reg

    if not in_arrays:
        return step
    run = compiled.training(sgd).__enter__()  # open for as long as the benchmark runs

    def step_in_arrays(k: int) -> float:
        sgd.lr = _lr(k)
        data_loss = run.step(X, y)
        return data_loss + run.penalty

    return step_in_arrays


def moons_compiled_label_as_number(weights: list[float]) -> Step:
    """The compiled step with the label a per-row input that the loss multiplies by, as
    micrograd's demo and the PyTorch contenders use it: no ``targets``, so nothing checks
    that every label is -1 or +1 (for reference: what the one-hot labels cost)."""
    X, y = _moons()
    model = _microgradx_model(weights, [16, 16, 1], 2)
    penalty = ALPHA * functional.sum([p * p for p in model.parameters()])
    compiled = compile_loss(model, lambda s, label: (1 - label * s).relu(), 2, penalty=penalty)
    sgd = optim.SGD(model.parameters(), lr=1.0)
    run = compiled.training(sgd).__enter__()

    def step(k: int) -> float:
        sgd.lr = _lr(k)
        return run.step(X, y) + run.penalty

    return step


def moons_numpy(weights: list[float]) -> Step:
    """The yardstick: the same step written by hand in numpy for this one model, forward and
    backward (whole layers at once, no checks): about the least numpy work the step needs."""
    X, y = _moons()
    shapes = _torch_layers(weights, [16, 16, 1], 2)
    layers = [(np.array(W), np.array(b)[:, None]) for W, b in shapes]
    columns, labels = np.ascontiguousarray(X.T), y[None, :]
    rows = X.shape[0]

    def step(k: int) -> float:
        (W1, b1), (W2, b2), (W3, b3) = layers
        z1 = W1 @ columns + b1
        h1 = np.maximum(z1, 0.0)
        z2 = W2 @ h1 + b2
        h2 = np.maximum(z2, 0.0)
        margin = 1.0 - labels * (W3 @ h2 + b3)
        loss = np.maximum(margin, 0.0).mean()
        loss += ALPHA * sum(float((W * W).sum() + (b * b).sum()) for W, b in layers)
        ds = (margin > 0.0) * (-labels / rows)  # ∂loss/∂score per row
        dz2 = (W3.T @ ds) * (z2 > 0.0)
        dz1 = (W2.T @ dz2) * (z1 > 0.0)
        grads = [(dz1 @ columns.T, dz1), (dz2 @ h1.T, dz2), (ds @ h2.T, ds)]
        for (W, b), (dW, dz) in zip(layers, grads):
            W -= _lr(k) * (dW + 2 * ALPHA * W)
            b -= _lr(k) * (dz.sum(axis=1, keepdims=True) + 2 * ALPHA * b)
        return loss

    return step


def moons_micrograd(weights: list[float]) -> Step:
    X, y = _moons()
    model = micrograd.nn.MLP(2, [16, 16, 1])
    for p, w in zip(model.parameters(), weights):
        p.data = w
    Value_ = micrograd.engine.Value

    def step(k: int) -> float:  # micrograd's demo.ipynb loop, full batch
        inputs = [list(map(Value_, row)) for row in X.tolist()]
        scores = list(map(model, inputs))
        hinge = [(1 + -yi * si).relu() for yi, si in zip(y.tolist(), scores)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        total = data_loss + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= _lr(k) * p.grad
        return total.data

    return step


def _torch_layers(weights: list[float], sizes: list[int], nin: int) -> list[tuple[list, list]]:
    """microgradx's parameter order (per neuron: its weights, then its bias) as nested lists."""
    layers, i, fan_in = [], 0, nin
    for size in sizes:
        W, b = [], []
        for _ in range(size):
            W.append(weights[i : i + fan_in])
            b.append(weights[i + fan_in])
            i += fan_in + 1
        layers.append((W, b))
        fan_in = size
    return layers


def moons_torch_batched(weights: list[float]) -> Step:
    X, y = _moons()
    layers = _torch_layers(weights, [16, 16, 1], 2)
    linears = [torch.nn.Linear(len(W[0]), len(W), dtype=torch.float64) for W, _ in layers]
    with torch.no_grad():
        for linear, (W, b) in zip(linears, layers):
            linear.weight.copy_(torch.tensor(W))
            linear.bias.copy_(torch.tensor(b))
    model = torch.nn.Sequential(
        linears[0], torch.nn.ReLU(), linears[1], torch.nn.ReLU(), linears[2]
    )
    sgd = torch.optim.SGD(model.parameters(), lr=1.0)
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def step(k: int) -> float:
        for group in sgd.param_groups:
            group["lr"] = _lr(k)
        sgd.zero_grad()
        scores = model(Xt)[:, 0]
        data_loss = torch.relu(1 - yt * scores).mean()
        total = data_loss + ALPHA * sum((p * p).sum() for p in model.parameters())
        total.backward()
        sgd.step()
        return total.item()

    return step


def moons_torch_scalar(weights: list[float]) -> Step:
    X, y = _moons()
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    layers, i, fan_in = [], 0, 2
    for size in (16, 16, 1):
        neurons = []
        for _ in range(size):
            neurons.append((params[i : i + fan_in], params[i + fan_in]))
            i += fan_in + 1
        layers.append(neurons)
        fan_in = size

    def forward(row: list[float]) -> torch.Tensor:
        h = [torch.tensor(v, dtype=torch.float64) for v in row]
        for depth, neurons in enumerate(layers):
            out = [sum((wi * xi for wi, xi in zip(w, h)), b) for w, b in neurons]
            h = out if depth == len(layers) - 1 else [o.relu() for o in out]
        return h[0]

    def step(k: int) -> float:
        for p in params:
            p.grad = None
        hinge = [(1 - yi * forward(row)).relu() for row, yi in zip(X.tolist(), y.tolist())]
        total = sum(hinge) / len(hinge) + ALPHA * sum(p * p for p in params)
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= _lr(k) * p.grad
        return total.item()

    return step


# ----------------------------------------------------------------------
# (b) the digits epoch
# ----------------------------------------------------------------------

BATCH = 32


def _digit_batches() -> list[tuple[np.ndarray, np.ndarray]]:
    X, y = data.load_digits()
    order = np.random.default_rng(0).permutation(len(X))
    return [(X[order[i : i + BATCH]], y[order[i : i + BATCH]]) for i in range(0, len(X), BATCH)]


def digits_scalar(weights: list[float], batches_per_call: int = 2) -> Callable[[int], float]:
    """Only a few batches per call (a full epoch takes tens of seconds); scaled by the caller."""
    batches = _digit_batches()
    model = _microgradx_model(weights, [32, 10], 64)
    sgd = optim.SGD(model.parameters(), lr=0.1)

    def epoch_part(k: int) -> float:
        for X, y in batches[:batches_per_call]:
            sgd.zero_grad()
            loss = losses.cross_entropy([model(row) for row in X.tolist()], y.tolist())
            loss.backward()
            sgd.step()
        return loss.data

    return epoch_part


def digits_compiled(
    weights: list[float], optimizer: bool = True, in_arrays: bool = True
) -> Callable[[int], float]:
    """A training epoch, inside ``compiled.training(sgd)`` as ``train.fit`` runs it (or with
    ``in_arrays=False`` through the Values); with ``optimizer=False`` only the gradients."""
    batches = _digit_batches()
    model = _microgradx_model(weights, [32, 10], 64)
    compiled = compile_loss(model, losses.cross_entropy, 64, targets=range(10))
    sgd = optim.SGD(model.parameters(), lr=0.1)

    def epoch(k: int) -> float:
        for X, y in batches:
            sgd.zero_grad()
            loss = compiled.step(X, y)
            if optimizer:
                sgd.step()
        return loss

    def epoch_in_arrays(k: int) -> float:
        with compiled.training(sgd) as run:
            for X, y in batches:
                loss = run.step(X, y)
        return loss

    return epoch_in_arrays if in_arrays and optimizer else epoch


def digits_torch_batched(weights: list[float]) -> Callable[[int], float]:
    batches = [(torch.tensor(X), torch.tensor(y)) for X, y in _digit_batches()]
    layers = _torch_layers(weights, [32, 10], 64)
    linears = [torch.nn.Linear(len(W[0]), len(W), dtype=torch.float64) for W, _ in layers]
    with torch.no_grad():
        for linear, (W, b) in zip(linears, layers):
            linear.weight.copy_(torch.tensor(W))
            linear.bias.copy_(torch.tensor(b))
    model = torch.nn.Sequential(linears[0], torch.nn.ReLU(), linears[1])
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)

    def epoch(k: int) -> float:
        for X, y in batches:
            sgd.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X), y)
            loss.backward()
            sgd.step()
        return loss.item()

    return epoch


# ----------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------


def _time(step: Step, calls: int, start: int) -> float:
    """Seconds per call, over ``calls`` calls."""
    begin = time.perf_counter()
    for k in range(start, start + calls):
        step(k)
    return (time.perf_counter() - begin) / calls


def race(contenders: dict[str, tuple[Step, int]], rounds: int) -> dict[str, float]:
    """Median seconds per call; contenders alternate within each round."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    done = dict.fromkeys(contenders, 0)
    for _ in range(rounds):
        for name, (step, calls) in contenders.items():
            samples[name].append(_time(step, calls, done[name]))
            done[name] += calls
    return {name: statistics.median(times) for name, times in samples.items()}


def _print_table(title: str, times: dict[str, float], reference: str, unit: str) -> None:
    print(f"\n{title}")
    print(f"  {'':<28}{unit:>12}{'× ' + reference:>22}")
    base = times[reference]
    for name, seconds in times.items():
        scale = 1e3 if unit == "ms" else 1.0
        print(f"  {name:<28}{seconds * scale:>12.3f}{base / seconds:>22.1f}")


def _same_start(steps: dict[str, Step]) -> None:
    """Every contender computes the same first loss from the same weights."""
    values = {name: step(0) for name, step in steps.items()}
    first = next(iter(values.values()))
    for name, value in values.items():
        if not np.isclose(value, first, rtol=1e-6):
            raise AssertionError(f"{name} starts at loss {value}, not {first}: not the same task")


def _target(text: str, ok: bool | None, target: str) -> bool:
    verdict = "SKIP" if ok is None else "PASS" if ok else "FAIL"
    print(f"  {verdict}  {text}  (target {target})")
    return ok is not False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of alternation")
    parser.add_argument("--quick", action="store_true", help="fewer calls per round")
    args = parser.parse_args(argv)
    many = 50 if args.quick else 300
    few = 1 if args.quick else 3
    if torch is not None:
        torch.set_num_threads(1)
    for name, module in (("micrograd==0.1.0", micrograd), ("torch==2.13.0", torch)):
        if module is None:
            print(f"({name} is not installed: its columns and targets are skipped)")

    # (c) compile time of the moons loss graph (trace included)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    begin = time.perf_counter()
    penalty = ALPHA * functional.sum([p * p for p in model.parameters()])
    compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1], penalty=penalty)
    compile_seconds = time.perf_counter() - begin
    weights = [p.data for p in model.parameters()]

    # (a) moons
    builders = {
        "microgradx scalar": (moons_scalar, 2),
        "microgradx compiled": (moons_compiled, many),
        "  through the Values": (functools.partial(moons_compiled, in_arrays=False), many),
    }
    if micrograd is not None:
        builders = {"micrograd 0.1.0": (moons_micrograd, 1), **builders}
    builders["  label as a number"] = (moons_compiled_label_as_number, many)
    if torch is not None:
        builders["PyTorch scalar"] = (moons_torch_scalar, 1)
        builders["PyTorch batched"] = (moons_torch_batched, many)
    builders["yardstick: numpy by hand"] = (moons_numpy, many)
    _same_start({name: build(weights) for name, (build, _) in builders.items()})
    contenders = {name: (build(weights), calls) for name, (build, calls) in builders.items()}
    moons = race(contenders, args.rounds)
    reference = "micrograd 0.1.0" if micrograd is not None else "microgradx scalar"
    title = "(a) moons step: MLP(2, [16, 16, 1]), 100 rows, hinge + L2, SGD"
    _print_table(title, moons, reference, "ms")

    # (b) digits
    digit_model = nn.MLP(64, [32, 10], seed=0)
    digit_weights = [p.data for p in digit_model.parameters()]
    n_batches = len(_digit_batches())
    partial = 2
    epochs = {
        "microgradx scalar": (digits_scalar(digit_weights, partial), 1),
        "microgradx compiled": (digits_compiled(digit_weights), few),
        "  through the Values": (digits_compiled(digit_weights, in_arrays=False), few),
        "  through the Values, no SGD": (digits_compiled(digit_weights, False), few),
    }
    if torch is not None:
        epochs["PyTorch batched"] = (digits_torch_batched(digit_weights), few)
    digits = race(epochs, args.rounds)
    digits["microgradx scalar"] *= n_batches / partial  # a few batches, scaled to the epoch
    title = f"(b) digits epoch: MLP(64, [32, 10]), cross-entropy, {n_batches} batches of {BATCH}"
    _print_table(title, digits, "microgradx scalar", "s")

    print("\nTargets")
    compiled_moons = moons["microgradx compiled"]
    ok = True
    if micrograd is not None:
        ratio = moons["micrograd 0.1.0"] / compiled_moons
        text = f"moons: compiled {ratio:.0f}× faster than micrograd"
        ok &= _target(text, ratio >= TARGET_MICROGRAD, f"≥ {TARGET_MICROGRAD:.0f}×")
    else:
        ok &= _target("moons: compiled against micrograd", None, f"≥ {TARGET_MICROGRAD:.0f}×")
    for task, times in (("moons", moons), ("digits", digits)):
        limit = f"≤ {TARGET_TORCH[task]:g}×"
        if torch is None:
            ok &= _target(f"{task}: compiled against PyTorch batched", None, limit)
            continue
        ratio = times["microgradx compiled"] / times["PyTorch batched"]
        text = f"{task}: compiled takes {ratio:.2f}× PyTorch batched's time"
        if "yardstick: numpy by hand" in times:
            floor = times["yardstick: numpy by hand"] / times["PyTorch batched"]
            text += f" (numpy by hand: {floor:.2f}×)"
        ok &= _target(text, ratio <= TARGET_TORCH[task], limit)
    text = f"compiling the moons loss graph takes {compile_seconds * 1e3:.1f} ms"
    ok &= _target(text, compile_seconds < TARGET_COMPILE_SECONDS, "< 1 s")
    graph = compiled.loss_graph
    print(f"\n  the moons loss graph runs as {len(graph.instructions)} instructions:")
    print("    " + graph.program().replace("\n", "\n    "))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
