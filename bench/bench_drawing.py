"""Drawing speed targets, with each renderer available (python bench/bench_drawing.py).

- a 2,000-node graph renders to SVG in under 10 s;
- lecture E1's whole backward slideshow is produced in under 3 s;
- and, for reference, the grouped drawing of the moons MLP's loss over a 100-example batch.

Prints each time and its ratio to the target (below 1.0 meets it).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from pathlib import Path

from microgradx import Value, functional, nn
from microgradx.drawing import (
    ENV_VAR,
    backward_steps,
    draw,
    render,
    render_svg,
    renderer,
    save_slideshow,
)
from microgradx.lectures import e1


def chain_graph(n_nodes: int) -> Value:
    """A graph of about ``n_nodes`` Values: a running sum of tanh(w·x) terms, 2,000 nodes."""
    total = Value(0.0, "s0")
    count = 1
    i = 0
    while count < n_nodes:
        w, x = Value(math.sin(i), f"w{i}"), Value(math.cos(i), f"x{i}")
        total = total + (w * x).tanh()
        count += 5
        i += 1
    total.label = "loss"
    return total


def moons_loss(n_examples: int = 100) -> Value:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    xs = [[math.cos(i), math.sin(2 * i)] for i in range(n_examples)]
    ys = [1 if i % 2 else -1 for i in range(n_examples)]
    losses = [(1 + -y * model(x)).relu() for x, y in zip(xs, ys)]
    loss = functional.mean(losses) + 1e-4 * functional.sum([p * p for p in model.parameters()])
    loss.label = "loss"
    return loss


def timed(what, target: float, run) -> float:
    start = time.perf_counter()
    detail = run()
    seconds = time.perf_counter() - start
    print(f"  {what:<52} {seconds:7.3f} s  (target {target:g} s, ratio {seconds / target:.3f})")
    if detail:
        print(f"      {detail}")
    return seconds


def bench_with_current_renderer() -> None:
    program = renderer()
    print(f"renderer: {program.kind} ({program.path})")

    big = chain_graph(2000)
    big.backward()
    n = len(big.topological_order())

    def render_big():
        svg = render_svg(draw(big, max_nodes=5000))
        return f"{n} nodes, {len(svg) / 1e6:.1f} MB of SVG"

    timed("2,000-node graph → SVG", 10.0, render_big)

    with tempfile.TemporaryDirectory() as directory:

        def slideshow():
            frames = backward_steps(e1())
            path = save_slideshow(frames, Path(directory) / "e1.html")
            return f"{len(frames)} frames, {path.stat().st_size / 1e3:.0f} kB of HTML"

        timed("E1 backward slideshow (frames + HTML)", 3.0, slideshow)

    loss = moons_loss()
    loss.backward()
    size = len(loss.topological_order())

    def grouped():
        svg = render_svg(draw(loss, group="neuron"))
        return f"{size:,} nodes grouped by neuron, {len(svg) / 1e3:.0f} kB of SVG"

    timed("moons MLP loss, group='neuron' → SVG", 10.0, grouped)


def main() -> int:
    saved = os.environ.get(ENV_VAR)
    try:
        if shutil.which("dot"):
            os.environ[ENV_VAR] = shutil.which("dot")
            render._find.cache_clear()
            bench_with_current_renderer()
        pure = render._graphviz_pure_path()
        if pure:
            os.environ[ENV_VAR] = pure
            render._find.cache_clear()
            bench_with_current_renderer()
    finally:
        if saved is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = saved
        render._find.cache_clear()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
