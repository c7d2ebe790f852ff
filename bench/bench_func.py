"""Derivatives of derivatives: ``func.hessian`` and ``func.hvp`` against PyTorch's ``torch.func``.

Run by hand (``python bench/bench_func.py``), never in CI. Each cell is the median over rounds.

  (a) the Hessian of one example's squared loss through ``MLP(2, [4, 1])`` (17 parameters),
      microgradx ``func.hessian`` and PyTorch's ``torch.func.hessian`` on scalar tensors
      (one 0-d tensor per parameter, the same graph as the scalar engine's);
  (b) a Hessian-vector product for the moons demo's MLP(2, [16, 16, 1]) (337 parameters) on
      one example, against the first-order step on the same graph (forward + backward),
      and PyTorch's ``torch.func.hvp`` on scalar tensors.

Target: hvp no slower than 2 × the first-order step on the same graph. PyTorch runs in a
process of its own (importing torch slows every later garbage collection) and only when it
is installed; the two engines' numbers are checked to agree first.
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

TARGET_HVP = 2.0
ROUNDS = 7
EXAMPLE = ([0.5, -1.2], 0.8)


def mlp_weights(sizes: Sequence[int], nin: int) -> list[list[tuple[list[float], float]]]:
    """Deterministic weights, layer by layer: (w, b) per neuron."""
    layers, k = [], 0
    for nout in sizes:
        layer = []
        for _ in range(nout):
            w = [math.sin(1.7 * (k + i) + 0.3) / math.sqrt(nin) for i in range(nin)]
            layer.append((w, 0.1 * math.cos(k)))
            k += nin + 1
        layers.append(layer)
        nin = nout
    return layers


def flat(layers: list[list[tuple[list[float], float]]]) -> list[float]:
    return [v for layer in layers for w, b in layer for v in (*w, b)]


def loss_of(params: Sequence[Any], sizes: Sequence[int], nin: int, tanh: Callable, dot) -> Any:
    """(MLP(x) − y)² with tanh hidden layers, the parameters in MLP.parameters() order."""
    values = iter(params)
    x, y = EXAMPLE
    layer_input: list[Any] = list(x)
    for k, nout in enumerate(sizes):
        outputs = []
        for _ in range(nout):
            ws = [next(values) for _ in range(nin)]
            z = dot(ws, layer_input) + next(values)
            outputs.append(tanh(z) if k < len(sizes) - 1 else z)
        layer_input, nin = outputs, nout
    return (layer_input[0] - y) ** 2


def _median(run: Callable[[], Any], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def microgradx_results() -> dict[str, Any]:
    from microgradx import Value, func, functional, grad

    def loss(sizes: Sequence[int]) -> Callable[..., Value]:
        return lambda *p: loss_of(p, sizes, 2, Value.tanh, functional.dot)

    small = flat(mlp_weights([4, 1], 2))
    big = flat(mlp_weights([16, 16, 1], 2))
    vector = [math.cos(i) for i in range(len(big))]

    def first_order() -> list[float]:
        params = [Value(p) for p in big]
        out = loss([16, 16, 1])(*params)
        out.backward()
        return [p.grad for p in params]

    def hvp() -> list[float]:
        return func.hvp(loss([16, 16, 1]), big, vector)

    hessian = func.hessian(loss([4, 1]))(*small)
    params = [Value(p) for p in big]
    check = grad(loss([16, 16, 1])(*params), params)
    return {
        "hessian_s": _median(lambda: func.hessian(loss([4, 1]))(*small)),
        "first_order_s": _median(first_order),
        "hvp_s": _median(hvp),
        "hessian": hessian,
        "hvp": hvp(),
        "gradient": [g.data for g in check],
    }


def torch_results() -> dict[str, Any]:
    import torch
    from torch.func import grad, hessian, jvp

    torch.set_num_threads(1)

    def loss(sizes: Sequence[int]) -> Callable[..., Any]:
        def dot(ws, xs):
            return sum(w * x for w, x in zip(ws, xs))

        return lambda *p: loss_of(p, sizes, 2, torch.tanh, dot)

    def tensors(values: Sequence[float]) -> tuple[Any, ...]:
        return tuple(torch.tensor(v, dtype=torch.float64) for v in values)

    small = tensors(flat(mlp_weights([4, 1], 2)))
    big = tensors(flat(mlp_weights([16, 16, 1], 2)))
    vector = tensors([math.cos(i) for i in range(len(big))])
    n_small = len(small)

    def torch_hessian() -> list[list[float]]:
        h = hessian(loss([4, 1]), argnums=tuple(range(n_small)))(*small)
        return [[float(h[i][j]) for j in range(n_small)] for i in range(n_small)]

    def torch_hvp() -> list[float]:  # forward over reverse: the jvp of the gradient
        gradient = grad(loss([16, 16, 1]), argnums=tuple(range(len(big))))
        _, result = jvp(gradient, big, vector)
        return [float(r) for r in result]

    return {
        "hessian_s": _median(torch_hessian, 3),
        "hvp_s": _median(torch_hvp, 3),
        "hessian": torch_hessian(),
        "hvp": torch_hvp(),
    }


def main() -> int:
    ours = microgradx_results()
    theirs = None
    run = subprocess.run([sys.executable, __file__, "--torch"], capture_output=True, text=True)
    if run.returncode == 0:
        theirs = json.loads(run.stdout)
    else:
        print("(PyTorch not installed or failed: its column is skipped)")

    if theirs is not None:
        close = all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
            for row_a, row_b in zip(ours["hessian"], theirs["hessian"])
            for a, b in zip(row_a, row_b)
        ) and all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
            for a, b in zip(ours["hvp"], theirs["hvp"])
        )
        print(f"microgradx and PyTorch agree on the Hessian and H·v (to 1e-9): {close}")
        if not close:
            return 1

    print("\n(a) Hessian of one example's loss through MLP(2, [4, 1]), 17 parameters")
    print(f"  microgradx func.hessian          {ours['hessian_s'] * 1e3:9.2f} ms")
    if theirs is not None:
        ratio = ours["hessian_s"] / theirs["hessian_s"]
        print(f"  torch.func.hessian (scalars)     {theirs['hessian_s'] * 1e3:9.2f} ms")
        print(f"  microgradx / PyTorch             {ratio:9.2f}×")

    print("\n(b) H·v on the moons MLP(2, [16, 16, 1]), 337 parameters, one example")
    print(f"  first-order step (fwd + bwd)     {ours['first_order_s'] * 1e3:9.2f} ms")
    print(f"  microgradx func.hvp              {ours['hvp_s'] * 1e3:9.2f} ms")
    if theirs is not None:
        print(f"  torch.func.hvp (scalars)         {theirs['hvp_s'] * 1e3:9.2f} ms")
        print(f"  microgradx / PyTorch             {ours['hvp_s'] / theirs['hvp_s']:9.2f}×")
    ratio = ours["hvp_s"] / ours["first_order_s"]
    ok = ratio <= TARGET_HVP
    print("\nTargets")
    print(
        f"  {'PASS' if ok else 'FAIL'}  hvp takes {ratio:.2f}× the first-order step "
        f"(target ≤ {TARGET_HVP:g}×)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--torch"]:
        print(json.dumps(torch_results()))
    else:
        raise SystemExit(main())
