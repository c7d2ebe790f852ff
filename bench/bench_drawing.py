"""Drawing speed targets, with each renderer available (python bench/bench_drawing.py).

- a 2,000-node graph renders to SVG in under 10 s;
- lecture E1's whole backward slideshow is produced in under 1 s;
- a 40-node formula's ``microgradx draw --steps`` (22 frames and the slideshow) in under 10 s;
- and, for reference, the grouped drawing of the moons MLP's loss over a 100-example batch,
  built with n-ary ``dot`` nodes (nn.MLP, ~11,000 nodes) and as micrograd builds it, one ``*``
  and one ``+`` per weight (~65,000 nodes).

Prints each time, its ratio to the target (below 1.0 meets it) and PASS or FAIL; exits with 0
only when every target is met with every renderer.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

from microgradx import Value, cli, functional, nn
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


def micrograd_style(model: nn.MLP, x: list[float]) -> Value:
    """The MLP's output with each neuron written as micrograd writes it: b + Σᵢ wᵢ·xᵢ."""
    for layer in model.layers:
        outputs = []
        for neuron in layer.neurons:
            total = neuron.b
            for w, xi in zip(neuron.w, x):
                total = total + w * xi
            outputs.append(total.relu() if neuron.activation == "relu" else total)
        x = outputs
    return x[0]


def moons_loss(n_examples: int = 100, *, as_micrograd: bool = False) -> Value:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    forward = (lambda x: micrograd_style(model, x)) if as_micrograd else model
    xs = [[math.cos(i), math.sin(2 * i)] for i in range(n_examples)]
    ys = [1 if i % 2 else -1 for i in range(n_examples)]
    losses = [(1 + -y * forward(x)).relu() for x, y in zip(xs, ys)]
    loss = functional.mean(losses) + 1e-4 * functional.sum([p * p for p in model.parameters()])
    loss.label = "loss"
    return loss


def timed(what, target: float, run) -> bool:
    """Time ``run()`` once, print the time against ``target`` seconds; True if it is met."""
    start = time.perf_counter()
    detail = run()
    seconds = time.perf_counter() - start
    verdict = "PASS" if seconds < target else "FAIL"
    print(
        f"  {what:<54} {seconds:7.3f} s  (target < {target:g} s, "
        f"ratio {seconds / target:.3f}: {verdict})"
    )
    if detail:
        print(f"      {detail}")
    return seconds < target


def bench_with_current_renderer() -> bool:
    """Every target with the renderer chosen now; True if all are met."""
    program = renderer()
    print(f"renderer: {program.kind} ({program.path})")

    big = chain_graph(2000)
    big.backward()
    n = len(big.topological_order())

    def render_big():
        svg = render_svg(draw(big, max_nodes=5000))
        return f"{n} nodes, {len(svg) / 1e6:.1f} MB of SVG"

    passed = timed("2,000-node graph → SVG", 10.0, render_big)

    with tempfile.TemporaryDirectory() as directory:

        def slideshow():
            frames = backward_steps(e1())
            path = save_slideshow(frames, Path(directory) / "e1.html")
            return f"{len(frames)} frames, {path.stat().st_size / 1e3:.0f} kB of HTML"

        passed &= timed("E1 backward slideshow (frames + HTML)", 1.0, slideshow)

        def steps_of_40_nodes():
            terms = " + ".join(f"w{i}*x{i}" for i in range(10))
            values = [f"w{i}={0.5 + i}" for i in range(10)] + [
                f"x{i}={i / 10 - 1}" for i in range(10)
            ]
            folder = Path(directory) / "steps40"
            with contextlib.redirect_stdout(io.StringIO()):
                status = cli.main(["draw", f"tanh({terms})", *values, "--steps", str(folder)])
            frames = len(list(folder.glob("frame_*.svg")))
            return f"status {status}, {frames} frames of a 40-node graph"

        passed &= timed(
            "40-node formula: draw --steps (frames + slideshow)", 10.0, steps_of_40_nodes
        )

    for as_micrograd in (False, True):
        loss = moons_loss(as_micrograd=as_micrograd)
        loss.backward()
        size = len(loss.topological_order())

        def grouped(loss: Value = loss, size: int = size) -> str:
            svg = render_svg(draw(loss, group="neuron"))
            return f"{size:,} nodes grouped by neuron, {len(svg) / 1e3:.0f} kB of SVG"

        how = "micrograd's graph" if as_micrograd else "nn.MLP"
        passed &= timed(f"moons loss ({how}), group='neuron' → SVG", 10.0, grouped)
    return passed


def main() -> int:
    saved = os.environ.get(ENV_VAR)
    passed = True
    try:
        for program in (shutil.which("dot"), render._graphviz_pure_path()):
            if program:
                os.environ[ENV_VAR] = program
                render._find.cache_clear()
                passed &= bench_with_current_renderer()
    finally:
        if saved is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = saved
        render._find.cache_clear()
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
