"""Regenerate the pictures in docs/images/ from the code, so they stay in step with it.

    python scripts/make_images.py            # writes docs/images/*.svg

The images are rendered with graphviz-pure, which writes the same bytes on every machine,
so regenerating them changes a file only when the drawing itself changed.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

import microgradx
from microgradx import Value, cli, data, functional, losses, nn
from microgradx.drawing import (
    ENV_VAR,
    backward_steps,
    draw,
    draw_network,
    render,
    render_svg,
    renderer,
)
from microgradx.lectures import e1, e3

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def moons_loss() -> Value:
    """micrograd's demo loss: MLP(2, [16, 16, 1]) on 20 moons, hinge loss + 1e-4·Σp², after
    backward."""
    X, y = data.make_moons(20, noise=0.1, random_state=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    scores = [model(list(x)) for x in X]
    penalty = 1e-4 * functional.sum([p * p for p in model.parameters()])
    loss = losses.hinge(scores, list(2 * y - 1)) + penalty
    loss.label = "loss"
    loss.backward()
    return loss


def images() -> dict[str, str]:
    """file name → SVG text."""
    f = e1()
    pictures = {"e1_forward.svg": draw(f, grads=False)}
    frames = backward_steps(f, rules=True, legend=True)
    pictures["e1_step_1.svg"] = frames[1]
    pictures["e1_step_3.svg"] = frames[3]
    f.backward()
    pictures["e1_backward.svg"] = draw(f)
    pictures["e1_local_grads.svg"] = draw(f, rules=True, legend=True)
    pictures["e1_dark.svg"] = draw(f, rules=True, theme="dark")
    e = e3()
    e.backward()
    pictures["e3_paths.svg"] = draw(e, rules=True)
    f = e1()
    z = next(node for node in f.topological_order() if node.label == "z")
    dz = microgradx.grad(f, [z], create_graph=True)[0]
    pictures["e1_gradient_graph.svg"] = draw(dz, grads=False)
    pictures["network.svg"] = draw_network(nn.MLP(2, [8, 8, 1], seed=1))
    pictures["moons_by_neuron.svg"] = draw(moons_loss(), group="neuron")
    svgs = {name: render_svg(graph) for name, graph in pictures.items()}
    svgs["e1_cli.svg"] = cli_picture()
    return svgs


CLI_EXAMPLE = [
    "draw",
    "a = x + y; b = z**2; f = a * b",
    "x=2",
    "y=-3",
    "z=2",
    "--rules",
    "-o",
    "e1.svg",
]


def cli_picture() -> str:
    """What the README's `microgradx draw` example writes, run in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / CLI_EXAMPLE[-1]
        with contextlib.redirect_stdout(io.StringIO()):
            status = cli.main([*CLI_EXAMPLE[:-1], str(out)])
        if status != 0:
            raise RuntimeError(f"microgradx {' '.join(CLI_EXAMPLE)} failed with status {status}")
        return out.read_text(encoding="utf-8")


def main() -> int:
    pure = render._graphviz_pure_path()
    if pure is None:
        print("graphviz-pure is not installed: pip install graphviz-pure", file=sys.stderr)
        return 1
    os.environ[ENV_VAR] = pure
    print(f"rendering with {renderer().kind} ({renderer().path})")
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, svg in images().items():
        (IMAGES / name).write_text(svg, encoding="utf-8")
        print(f"wrote {IMAGES / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
