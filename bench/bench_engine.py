"""Engine benchmark: microgradx against micrograd 0.1.0 and PyTorch scalar tensors.

Run by hand (``make bench``), never in CI. microgradx and micrograd are timed in one process,
alternating round by round so that a noisy machine slows them alike; each cell is the median
of the rounds. PyTorch runs the same workloads in a process of its own: importing torch adds
~150,000 Python objects that every full garbage collection would then walk, which would slow
the other engines' "GC on" timings in a way their users never see. Workloads (bench/README.md):

  (a) lecture example E1, build + backward, µs per iteration
  (b) one training step of micrograd's moons demo: MLP(2, [16, 16, 1]), 100 points,
      hinge loss + 1e-4·L2, forward + backward + SGD, ms per step, garbage collector on and off
  (c) a chain y = y + x, 10³ … 10⁶ nodes deep: does backward complete, and how long it takes
  (d) bytes per node of a live graph
  (e) what ``import microgradx`` adds to a bare interpreter start
"""

from __future__ import annotations

import gc
import importlib.util
import itertools
import json
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from bare_engine import Bare

import microgradx
from microgradx import Value
from microgradx import functional as F
from microgradx.engine import topological_order

SIZES = [2, 16, 16, 1]  # micrograd's demo: MLP(2, [16, 16, 1])
ALPHA = 1e-4  # L2 regularisation, as in the demo
ROUNDS = 5  # (b): rounds of alternating engines
STEPS = 4  # (b): consecutive training steps per round
TARGETS = {"e1_time": 0.8, "bytes_per_node": 300.0, "import_ms": 20.0}
# (b): how many times faster than micrograd each variant's step must be, collector on / off
MOONS_TARGETS = {
    ("microgradx (same graph as micrograd)", True): 20.0,
    ("microgradx (same graph as micrograd)", False): 3.0,
    ("microgradx nn.MLP (n-ary dot nodes)", True): 50.0,
}
HAVE_MICROGRAD = importlib.util.find_spec("micrograd") is not None
HAVE_TORCH = importlib.util.find_spec("torch") is not None

results: list[tuple[str, bool, str]] = []  # (target, passed, measured)


def record(target: str, passed: bool, measured: str) -> None:
    results.append((target, passed, measured))


# ----------------------------------------------------------------------
# The engines, behind one small interface
# ----------------------------------------------------------------------


@dataclass
class Kit:
    """What a workload needs from an engine: leaves, gradients, zeroing and an SGD step."""

    name: str
    leaf: Callable[[float], Any]  # a parameter or input that receives a gradient
    constant: Callable[[float], Any]  # a data point (micrograd's demo wraps them as Values)
    grad: Callable[[Any], float]
    zero_grad: Callable[[list], None]
    sgd: Callable[[list, float], None]


def _zero(params: list) -> None:
    for p in params:
        p.grad = 0.0


def _sgd(params: list, lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


def _grad(v: Any) -> float:
    return v.grad


def microgradx_kit() -> Kit:
    return Kit("microgradx", Value, Value, _grad, _zero, _sgd)


def micrograd_kit() -> Kit:
    from micrograd.engine import Value as MicrogradValue

    return Kit("micrograd", MicrogradValue, MicrogradValue, _grad, _zero, _sgd)


def bare_kit() -> Kit:
    return Kit("bare", Bare, Bare, _grad, _zero, _sgd)


def torch_kit() -> Kit:
    import torch

    def leaf(x: float) -> Any:
        return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)

    def constant(x: float) -> Any:
        return torch.tensor(float(x), dtype=torch.float64)

    def zero_grad(params: list) -> None:
        for p in params:
            p.grad = None

    def sgd(params: list, lr: float) -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    return Kit("torch", leaf, constant, lambda t: t.grad.item(), zero_grad, sgd)


def _median_of_rounds(rounds: int, workloads: dict[Any, Callable[[], float]]) -> dict[Any, float]:
    """Run each workload once per round, in turn; the median of its results."""
    times: dict[Any, list[float]] = {key: [] for key in workloads}
    for _ in range(rounds):
        for key, run in workloads.items():
            times[key].append(run())
    return {key: statistics.median(ts) for key, ts in times.items()}


def _row(name: str, cells: list[str], width: int = 14) -> str:
    return f"  {name:<44}" + "".join(f"{c:>{width}}" for c in cells)


# ----------------------------------------------------------------------
# (a) E1
# ----------------------------------------------------------------------

E1_ITERATIONS = {"microgradx": 20_000, "micrograd": 20_000, "torch": 2_000}


def e1_us(kit: Kit) -> float:
    """µs per build + backward of (x + y)·z² at (2, -3, 2)."""
    iterations = E1_ITERATIONS[kit.name]
    start = time.perf_counter()
    for _ in range(iterations):
        x, y, z = kit.leaf(2.0), kit.leaf(-3.0), kit.leaf(2.0)
        f = (x + y) * z**2
        f.backward()
    elapsed = time.perf_counter() - start
    assert kit.grad(z) == -4.0
    return elapsed / iterations * 1e6


# ----------------------------------------------------------------------
# (b) one step of micrograd's moons demo
# ----------------------------------------------------------------------


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """sklearn's two moons (the demo's data), labels -1 / +1."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t_out, t_in = np.linspace(0, np.pi, half), np.linspace(0, np.pi, n - half)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
        ]
    )
    X += rng.normal(scale=noise, size=X.shape)
    y = np.hstack([-np.ones(half), np.ones(n - half)])
    return X, y


def initial_weights(seed: int = 1337) -> list[list[list[float]]]:
    """weights[layer][neuron] = [w0, ..., w_{nin-1}, b]: uniform(-1, 1) as micrograd, b = 0."""
    rng = random.Random(seed)
    return [
        [[rng.uniform(-1, 1) for _ in range(nin)] + [0.0] for _ in range(nout)]
        for nin, nout in itertools.pairwise(SIZES)
    ]


def _micrograd_neuron(w: list, b: Any, x: list, relu: bool) -> Any:
    """micrograd's Neuron.__call__, verbatim: a chain of * and + nodes."""
    act = sum((wi * xi for wi, xi in zip(w, x)), b)
    return act.relu() if relu else act


def _dot_neuron(w: list, b: Any, x: list, relu: bool) -> Any:
    """nn.Neuron's graph: one dot node, one + node."""
    act = F.dot(w, x) + b
    return act.relu() if relu else act


class HandMLP:
    """MLP(2, [16, 16, 1]) built by hand from an engine's scalars.

    ``nary=False`` builds micrograd's graph exactly; ``nary=True`` microgradx's own (as nn.Neuron).
    """

    def __init__(self, kit: Kit, weights: list, nary: bool = False) -> None:
        self.layers = [[[kit.leaf(v) for v in neuron] for neuron in layer] for layer in weights]
        self.params = [p for layer in self.layers for neuron in layer for p in neuron]
        self.neuron = _dot_neuron if nary else _micrograd_neuron

    def __call__(self, x: list) -> Any:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = [self.neuron(w, b, x, relu=i != last) for *w, b in layer]
        return x[0]


def moons_loss(model: Any, params: list, kit: Kit, X: np.ndarray, y: np.ndarray, nary: bool):
    """The demo's loss: mean hinge loss + 1e-4·Σ p² (n-ary: one mean node, one sum node)."""
    inputs = [[kit.constant(float(a)), kit.constant(float(b))] for a, b in X]
    scores = [model(x) for x in inputs]
    scores = [s[0] if isinstance(s, list) else s for s in scores]
    losses = [(1 + -float(yi) * si).relu() for yi, si in zip(y, scores)]
    if nary:
        return F.mean(losses) + ALPHA * F.sum([p * p for p in params])
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)
    return data_loss + reg_loss


# variant: (engine, n-ary graph?)
MOONS_VARIANTS = {"microgradx (same graph as micrograd)": ("microgradx", False)}
MOONS_VARIANTS["microgradx (n-ary dot nodes)"] = ("microgradx", True)
if importlib.util.find_spec("microgradx.nn") is not None:
    MOONS_VARIANTS["microgradx nn.MLP (n-ary dot nodes)"] = ("nn", True)
MICROGRAD_MOONS = "micrograd (micrograd.nn.MLP)"
# The yardstick (bare_engine.py): the least a pure-Python engine can do on micrograd's graph.
BARE_MOONS = "yardstick: a bare engine (same graph)"
TORCH_MOONS = "torch scalar tensors (same graph)*"


def make_model(engine: str, nary: bool) -> tuple[Kit, Any, list, bool]:
    weights = initial_weights()
    flat = [v for layer in weights for neuron in layer for v in neuron]
    if engine == "micrograd":
        import micrograd.nn

        model = micrograd.nn.MLP(2, SIZES[1:])
        params = model.parameters()
        kit = micrograd_kit()
    elif engine == "nn":
        import microgradx.nn

        model = microgradx.nn.MLP(2, SIZES[1:], activation="relu", seed=0)
        params = model.parameters()
        kit = microgradx_kit()
    else:
        kits = {"torch": torch_kit, "bare": bare_kit}
        kit = kits.get(engine, microgradx_kit)()
        model = HandMLP(kit, weights, nary)
        return kit, model, model.params, nary
    assert len(params) == len(flat)
    for p, v in zip(params, flat):
        p.data = v
    return kit, model, params, nary


def moons_ms(engine: str, nary: bool, steps: int, gc_on: bool) -> float:
    """Mean ms per step over ``steps`` consecutive training steps from the same start weights."""
    kit, model, params, nary = make_model(engine, nary)
    X, y = make_moons()
    gc.collect()
    was_enabled = gc.isenabled()
    (gc.enable if gc_on else gc.disable)()
    try:
        start = time.perf_counter()
        for k in range(steps):  # the demo's loop: the last step's graph lives until reassigned
            total = moons_loss(model, params, kit, X, y, nary)
            kit.zero_grad(params)
            total.backward()
            kit.sgd(params, 1.0 - 0.9 * k / 100)
        elapsed = time.perf_counter() - start
    finally:
        (gc.enable if was_enabled else gc.disable)()
    del total, model, params
    gc.collect()  # this run's cycles are not the next engine's burden
    return elapsed / steps * 1e3


def moons_loss_and_grads(engine: str, nary: bool) -> tuple[float, list[float]]:
    kit, model, params, nary = make_model(engine, nary)
    X, y = make_moons()
    total = moons_loss(model, params, kit, X, y, nary)
    total.backward()
    loss = total.item() if hasattr(total, "item") else total.data
    return float(loss), [kit.grad(p) for p in params]


# ----------------------------------------------------------------------
# (c) deep chains
# ----------------------------------------------------------------------

DEPTHS = [10**3, 10**4, 10**5, 10**6]


def chain_cell(kit: Kit, depth: int) -> str:
    """Build y = (((x + x) + x) + ...) ``depth`` nodes deep and backpropagate."""
    gc.collect()
    x = kit.leaf(1e-6)
    start = time.perf_counter()
    y = x
    for _ in range(depth):
        y = y + x
    built = time.perf_counter()
    try:
        y.backward()
    except RecursionError:
        return "RecursionError"
    done = time.perf_counter()
    assert kit.grad(x) == depth + 1
    return f"{built - start:.2f}+{done - built:.2f} s"


def chain_cells(kit: Kit) -> dict[int, str]:
    cells: dict[int, str] = {}
    for depth in DEPTHS:
        if "RecursionError" in cells.values():
            cells[depth] = "(fails)"  # deeper recursion fails too
        else:
            cells[depth] = chain_cell(kit, depth)
    gc.collect()
    return cells


# ----------------------------------------------------------------------
# (d) bytes per node
# ----------------------------------------------------------------------


def count_micrograd(root: Any) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def count_microgradx(root: Value) -> int:
    return len(topological_order(root))


def heap_bytes_per_node(build: Callable[[], Any], count: Callable[[Any], int]) -> tuple[float, int]:
    """Bytes of Python heap held per node by a live graph after backward (tracemalloc)."""
    gc.collect()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10**6)  # micrograd's recursive backward: memory here, depth in (c)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        root = build()
        root.backward()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        sys.setrecursionlimit(limit)
    nodes = count(root)
    del root
    gc.collect()
    return held / nodes, nodes


def chain_graph(kit: Kit, n: int = 20_000) -> Callable[[], Any]:
    """y = (y·w + x).relu() repeated n times: 3 nodes a step, no constants."""

    def build() -> Any:
        x, w = kit.leaf(0.5), kit.leaf(0.9)
        y = x
        for _ in range(n):
            y = (y * w + x).relu()
        return y

    return build


def moons_graph(kit: Kit, nary: bool, points: int = 20) -> Callable[[], Any]:
    """The moons demo's loss graph over ``points`` points, model included."""
    X, y = make_moons(n=points)

    def build() -> Any:
        model = HandMLP(kit, initial_weights(), nary)
        return moons_loss(model, model.params, kit, X, y, nary)

    return build


def rss_bytes_per_node(engine: str, n: int = 100_000) -> float:
    """Growth of the process's resident memory per node of the chain graph, in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss", engine, str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def _rss_child(engine: str, n: int) -> None:
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    kit = {"microgradx": microgradx_kit, "micrograd": micrograd_kit, "torch": torch_kit}[engine]()
    sys.setrecursionlimit(10**7)  # micrograd's recursive backward: memory here, depth in (c)
    chain_graph(kit, 1000)().backward()  # warm up allocators
    gc.collect()
    before = rss()
    root = chain_graph(kit, n)()
    root.backward()
    print((rss() - before) / (3 * n))


# ----------------------------------------------------------------------
# (e) import time
# ----------------------------------------------------------------------


def importtime_ms() -> float:
    """Cumulative time of `import microgradx` as ``python -X importtime`` reports it."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import microgradx"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in out.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "microgradx":
            return int(parts[1]) / 1e3
    raise RuntimeError(f"no microgradx line in -X importtime output:\n{out.stderr}")


def start_ms(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter() - start) * 1e3


# ----------------------------------------------------------------------
# PyTorch, in a process of its own
# ----------------------------------------------------------------------


def _torch_child() -> None:
    """Every torch workload; JSON on stdout."""
    kit = torch_kit()
    e1 = statistics.median(e1_us(kit) for _ in range(3))
    moons = {
        gc_on: statistics.median(moons_ms("torch", False, 1, gc_on) for _ in range(2))
        for gc_on in (True, False)
    }
    loss, grads = moons_loss_and_grads("torch", False)
    chains = chain_cells(kit)
    print(
        json.dumps(
            {
                "e1": e1,
                "moons_on": moons[True],
                "moons_off": moons[False],
                "loss": loss,
                "grads": grads,
                "chains": {str(k): v for k, v in chains.items()},
                "rss": rss_bytes_per_node("torch"),
            }
        )
    )


def torch_results() -> dict | None:
    if not HAVE_TORCH:
        return None
    print("  (running the PyTorch workloads in their own process ...)", flush=True)
    out = subprocess.run(
        [sys.executable, __file__, "--torch"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


# ----------------------------------------------------------------------
# The report
# ----------------------------------------------------------------------


def report_e1(kits: list[Kit], torch: dict | None) -> None:
    print("\n(a) Lecture example E1, (x + y)·z² at (2, -3, 2): build + backward, µs per iteration")
    us = _median_of_rounds(5, {kit.name: (lambda kit=kit: e1_us(kit)) for kit in kits})
    if torch:
        us["torch*"] = torch["e1"]
    print(_row("engine", ["µs/iter", "÷ microgradx"]))
    for name, t in us.items():
        print(_row(name, [f"{t:.2f}", f"{t / us['microgradx']:.1f}×"]))
    if "micrograd" in us:
        share, limit = us["microgradx"] / us["micrograd"], TARGETS["e1_time"]
        record(
            f"(a) E1 build + backward: ≤{limit:g}× micrograd's time",
            share <= limit,
            f"{share:.2f}×",
        )


def report_moons(torch: dict | None) -> None:
    print(
        "\n(b) One training step of micrograd's moons demo: MLP(2, [16, 16, 1]), 100 points,\n"
        f"    hinge + 1e-4·L2, forward + backward + SGD. ms per step: mean of {STEPS} consecutive\n"
        f"    steps (garbage piles up across them as in a training loop), median of {ROUNDS} rounds"
    )
    variants = dict(MOONS_VARIANTS)
    variants[BARE_MOONS] = ("bare", False)
    if HAVE_MICROGRAD:
        variants[MICROGRAD_MOONS] = ("micrograd", False)
    reference = moons_loss_and_grads("micrograd" if HAVE_MICROGRAD else "microgradx", False)
    for engine, nary in variants.values():  # all compute the same numbers: like for like
        loss, grads = moons_loss_and_grads(engine, nary)
        assert abs(loss - reference[0]) < 1e-9 and np.allclose(grads, reference[1], atol=1e-12)
    if torch:
        assert abs(torch["loss"] - reference[0]) < 1e-9
        assert np.allclose(torch["grads"], reference[1], atol=1e-12)
    ms = _median_of_rounds(
        ROUNDS,
        {
            (variant, gc_on): (
                lambda engine=engine, nary=nary, gc_on=gc_on: moons_ms(engine, nary, STEPS, gc_on)
            )
            for variant, (engine, nary) in variants.items()
            for gc_on in (True, False)
        },
    )
    if torch:
        variants[TORCH_MOONS] = ("torch", False)
        ms[(TORCH_MOONS, True)], ms[(TORCH_MOONS, False)] = torch["moons_on"], torch["moons_off"]

    print(_row("engine", ["GC on ms", "GC off ms", "micrograd ÷", "micrograd ÷"]))
    print(_row("", ["", "", "(GC on)", "(GC off)"]))
    for variant in variants:
        on, off = ms[(variant, True)], ms[(variant, False)]
        ratios = ["-", "-"]
        if HAVE_MICROGRAD:
            ratios = [f"{ms[(MICROGRAD_MOONS, True)] / on:.1f}×"]
            ratios.append(f"{ms[(MICROGRAD_MOONS, False)] / off:.1f}×")
        print(_row(variant, [f"{on:.1f}", f"{off:.1f}", *ratios]))
    if not HAVE_MICROGRAD:
        print("  (micrograd not installed: pip install -e '.[bench]' for the ratios)")
        return
    for variant, (_, nary) in MOONS_VARIANTS.items():
        for gc_on in (True, False):
            speedup = ms[(MICROGRAD_MOONS, gc_on)] / ms[(variant, gc_on)]
            target = MOONS_TARGETS.get((variant, gc_on))
            collector = "GC on" if gc_on else "GC off"
            if target is None:  # for reference, not a target
                print(f"  reference: {variant}, {collector}: {speedup:.1f}× micrograd")
                continue
            text = f"(b) {variant}, {collector}: ≥{target:g}× micrograd"
            measured = f"{speedup:.1f}×"
            if not nary:  # micrograd's graph: what the bare engine reaches on it
                floor = ms[(MICROGRAD_MOONS, gc_on)] / ms[(BARE_MOONS, gc_on)]
                measured += f" (bare engine: {floor:.1f}×)"
            record(text, speedup >= target, measured)


def report_chains(kits: list[Kit], torch: dict | None) -> None:
    print("\n(c) A chain y = y + x, n nodes deep: build + backward seconds (or how it fails)")
    columns = {kit.name: chain_cells(kit) for kit in kits}
    if torch:
        columns["torch*"] = {int(k): v for k, v in torch["chains"].items()}
    print(_row("depth", list(columns), width=18))
    for depth in DEPTHS:
        print(_row(f"{depth:,}", [cells[depth] for cells in columns.values()], width=18))
    deepest = columns["microgradx"][DEPTHS[-1]]
    record("(c) a 10⁶-deep chain: backward completes", deepest.endswith(" s"), deepest)


def report_memory(torch: dict | None) -> None:
    print(
        "\n(d) Bytes per node of a live graph after backward: Python heap (tracemalloc), and the\n"
        "    process's resident memory for a 300,000-node chain (torch allocates in C++, which\n"
        "    tracemalloc cannot see)"
    )
    mgx = microgradx_kit()
    rows = [
        ("microgradx: chain (y·w + x).relu()", chain_graph(mgx), count_microgradx, "microgradx"),
        ("microgradx: moons, same graph as micrograd", moons_graph(mgx, False), count_microgradx),
        ("microgradx: moons, n-ary dot nodes", moons_graph(mgx, True), count_microgradx),
    ]
    if HAVE_MICROGRAD:
        mg = micrograd_kit()
        rows.append(
            ("micrograd: chain (y·w + x).relu()", chain_graph(mg), count_micrograd, "micrograd")
        )
        rows.append(("micrograd: moons", moons_graph(mg, False), count_micrograd))
    print(_row("graph", ["nodes", "B/node heap", "B/node RSS"]))
    worst = 0.0
    for name, build, count, *rss_engine in rows:
        per_node, nodes = heap_bytes_per_node(build, count)
        rss = f"{rss_bytes_per_node(rss_engine[0]):.0f}" if rss_engine else "-"
        print(_row(name, [f"{nodes:,}", f"{per_node:.0f}", rss]))
        if name.startswith("microgradx"):
            worst = max(worst, per_node)
    if torch:
        print(_row("torch*: chain (y·w + x).relu()", ["300,002", "-", f"{torch['rss']:.0f}"]))
    limit = TARGETS["bytes_per_node"]
    record(
        f"(d) ≤{limit:g} bytes per node (worst microgradx graph)", worst <= limit, f"{worst:.0f} B"
    )


def report_import(runs: int = 15) -> None:
    print(f"\n(e) `import microgradx` on top of a bare interpreter start (median of {runs} runs)")
    cumulative = statistics.median(importtime_ms() for _ in range(runs))
    bare, with_import = [], []
    for _ in range(runs):
        bare.append(start_ms("pass"))
        with_import.append(start_ms("import microgradx"))
    added = statistics.median(with_import) - statistics.median(bare)
    print(_row("python -X importtime: microgradx, cumulative", [f"{cumulative:.1f} ms"]))
    print(_row("wall clock: python -c 'pass'", [f"{statistics.median(bare):.1f} ms"]))
    print(
        _row(
            "wall clock: python -c 'import microgradx'",
            [f"{statistics.median(with_import):.1f} ms"],
        )
    )
    limit = TARGETS["import_ms"]
    record(
        f"(e) import adds ≤{limit:g} ms",
        cumulative <= limit,
        f"{cumulative:.1f} ms (wall-clock difference {added:.1f} ms)",
    )


def main() -> int:
    start = time.perf_counter()
    print(
        f"microgradx {microgradx.__version__}, micrograd "
        f"{'0.1.0' if HAVE_MICROGRAD else 'not installed'}, torch "
        f"{'installed' if HAVE_TORCH else 'not installed'}, Python {sys.version.split()[0]}"
    )
    kits = [microgradx_kit()] + ([micrograd_kit()] if HAVE_MICROGRAD else [])
    torch = torch_results()
    if torch:
        print("  * torch: measured in its own process, with its own repetitions")
    report_e1(kits, torch)
    report_moons(torch)
    report_chains(kits, torch)
    report_memory(torch)
    report_import()
    print("\nTargets")
    for target, passed, measured in results:
        print(f"  {'PASS' if passed else 'FAIL'}  {target:<64} {measured}")
    print(f"\n(benchmark ran in {time.perf_counter() - start:.0f} s)")
    return 0 if all(passed for _, passed, _ in results) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--torch"]:
        _torch_child()
    elif sys.argv[1:2] == ["--rss"]:
        _rss_child(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(main())
