"""Write the lesson notebooks in notebooks/ from the cells below.

Each lesson is a list of Markdown and code cells, written here as plain text so that a
change to a lesson is a readable diff. The notebooks are written with their outputs empty;
CI runs them top to bottom (``pytest --nbmake notebooks/``).

    python scripts/build_notebooks.py            # (re)write notebooks/*.ipynb
    python scripts/build_notebooks.py --check    # exit 1 if a notebook differs from this file
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"

Cell = tuple[str, str]  # ("markdown" | "code", text)


def md(text: str) -> Cell:
    """A Markdown cell (the text is dedented and stripped)."""
    return ("markdown", textwrap.dedent(text).strip())


def code(text: str) -> Cell:
    """A code cell (the text is dedented and stripped)."""
    return ("code", textwrap.dedent(text).strip())


LESSONS: dict[str, list[Cell]] = {}


def lesson(name: str, cells: list[Cell]) -> None:
    """Register the lesson written to notebooks/<name>.ipynb."""
    LESSONS[name] = cells


# ----------------------------------------------------------------------------------------------
# 01 — the computational graph of f = (x + y)·z², forward and backward (E1, E6)
# ----------------------------------------------------------------------------------------------
lesson(
    "01_computational_graph",
    [
        md(r"""
        # 1 · The computational graph

        A neural network is a function built from many small pieces. To train it we need the
        derivative of its loss with respect to every parameter, and **backpropagation** gets
        all of them by applying the chain rule piece by piece on the *computational graph*.

        This lesson follows the lecture's first example (E1),

        $$f(x, y, z) = (x + y)\, z^2 \quad \text{at} \quad x = 2,\; y = -3,\; z = 2,$$

        through the forward pass, the backward pass one node at a time, and a check of the
        result against numerical differences.
        """),
        code("""
        import tempfile
        from pathlib import Path

        from IPython.display import Markdown, display

        from microgradx import Value, backward_steps, draw, gradcheck, numerical_grad
        from microgradx.drawing import chain_rule_table
        """),
        md(r"""
        ## Forward pass

        Every number is a `Value`, a node of the graph. Each operation makes a new node that
        remembers its inputs. We name the intermediate results as the slide does:

        $$a = x + y, \qquad b = z^2, \qquad f = a \cdot b .$$
        """),
        code("""
        x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(2.0, "z")
        a = x + y
        a.label = "a"
        b = z**2
        b.label = "b"
        f = a * b
        f.label = "f"
        print(a, b, f, sep="\\n")
        """),
        md(r"""
        With the numbers: $a = 2 + (-3) = -1$, $b = 2^2 = 4$ and $f = -1 \cdot 4 = -4$.
        """),
        code("""
        assert a.data == -1 and b.data == 4 and f.data == -4
        """),
        md(r"""
        The graph of this computation: values in boxes (inputs blue, the output green), operations
        in circles, data flowing left to right. This is the forward-pass slide — no gradients yet.
        """),
        code("""
        draw(f, grads=False)
        """),
        md(r"""
        ## Local derivatives live on the edges

        Each operation knows the derivative of its output with respect to each of its inputs — its
        **local derivatives** — and the engine records them on the node when it is created:

        $$\frac{\partial a}{\partial x} = 1,\quad \frac{\partial a}{\partial y} = 1,\quad
          \frac{\partial b}{\partial z} = 2z = 4,\quad
          \frac{\partial f}{\partial a} = b = 4,\quad \frac{\partial f}{\partial b} = a = -1.$$
        """),
        code("""
        for node in (a, b, f):
            inputs = [child.label for child in node.inputs]
            print(f"{node.label} = {node.op!r} of {inputs}: local derivatives {node.local_grads}")

        assert a.local_grads == (1.0, 1.0)
        assert b.local_grads == (4.0,)
        assert f.local_grads == (4.0, -1.0)
        """),
        md(r"""
        ## Backward pass: the chain rule

        We want $\partial f/\partial x$, $\partial f/\partial y$, $\partial f/\partial z$.
        Start at the output with $\partial f/\partial f = 1$ and walk back; at every node multiply
        the gradient that arrives (the *upstream* gradient) by the local derivative on the edge:

        $$\frac{\partial f}{\partial a} = b = 4, \qquad \frac{\partial f}{\partial b} = a = -1,$$

        $$\frac{\partial f}{\partial x} = \frac{\partial f}{\partial a}\frac{\partial a}{\partial x}
          = 4 \cdot 1 = 4, \qquad
          \frac{\partial f}{\partial y} = 4 \cdot 1 = 4, \qquad
          \frac{\partial f}{\partial z} = \frac{\partial f}{\partial b}\frac{\partial b}{\partial z}
          = -1 \cdot 2z = -4 .$$

        `f.backward()` does exactly this and stores each result in the node's `grad`.
        """),
        code("""
        f.backward()
        print(f"df/dx = {x.grad}, df/dy = {y.grad}, df/dz = {z.grad}")

        assert f.grad == 1
        assert a.grad == 4 and b.grad == -1
        assert (x.grad, y.grad, z.grad) == (4, 4, -4)
        """),
        md(r"""
        The backward slide: every node now shows its gradient, and each edge its local derivative.
        """),
        code("""
        draw(f, local_grads=True)
        """),
        md(r"""
        ## One node at a time

        The lecture walks the backward pass node by node. `backward_steps` returns those frames:
        frame 0 is the forward pass with $\partial f/\partial f = 1$ at the output; then one frame
        per operation node, in the order reverse mode visits them ($f$'s `*`, then $b$'s `**2`,
        then $a$'s `+`); the last frame is the finished backward pass — five frames in all.
        """),
        code("""
        frames = backward_steps(f, local_grads=True)
        visited = [node.label for node in reversed(f.topological_order()) if node.op]
        assert visited == ["f", "b", "a"] and len(frames) == 1 + len(visited) + 1
        print(frames[0].caption)
        frames[0]
        """),
        md(r"""
        In each step the active node passes its gradient to its inputs: each input receives
        *local derivative × upstream gradient*, added to what it already has. The table under
        each frame lists these multiplications.
        """),
        code("""
        for frame in frames[1:-1]:
            display(Markdown(f"**{frame.caption}**"), frame, frame.table)
        """),
        code("""
        print(frames[-1].caption)
        frames[-1]
        """),
        md(r"""
        The whole backward pass as one table — every multiplication the chain rule needs, in
        the order reverse mode does them. The row for $z$ reads
        $\partial f/\partial z \mathrel{+}= \partial b/\partial z \cdot \partial f/\partial b
        = 4 \cdot (-1) = -4$.
        """),
        code("""
        table = chain_rule_table(f)
        edges = [(row.node, row.input) for row in table]
        assert edges == [("f", "a"), ("f", "b"), ("b", "z"), ("a", "x"), ("a", "y")]
        row_z = table.rows[2]
        assert (row_z.local, row_z.upstream, row_z.contribution) == (4.0, -1.0, -4.0)
        table
        """),
        md(r"""
        For a lecture, the frames can be saved as a self-contained HTML slideshow (arrow keys
        step through it) or as one image per frame:
        """),
        code("""
        from microgradx import save_slideshow

        folder = Path(tempfile.mkdtemp())
        path = save_slideshow(frames, folder / "backward.html")
        print(path.name, f"{path.stat().st_size / 1024:.0f} kB")
        assert path.read_text(encoding="utf-8").count('class="slide"') == len(frames)
        """),
        md(r"""
        ## Checking against numerical differences (E6)

        A derivative is a limit of difference quotients, so we can estimate it without any
        calculus: nudge one input by a small $\varepsilon$ and see how much $f$ moves. The central
        difference

        $$\frac{\partial f}{\partial x} \approx
          \frac{f(x+\varepsilon, y, z) - f(x-\varepsilon, y, z)}{2\varepsilon}$$

        is accurate to about $\varepsilon^2$. It is slow (two evaluations of $f$ per input) but
        completely independent of backpropagation — the perfect referee.
        """),
        code("""
        def f_of(v):
            x, y, z = v
            return (x + y) * z**2


        central = numerical_grad(f_of, [2.0, -3.0, 2.0])
        forward = numerical_grad(f_of, [2.0, -3.0, 2.0], method="forward")
        print("central differences:", central)
        print("forward differences:", forward)

        for estimate, exact in zip(central, [4.0, 4.0, -4.0]):
            assert abs(estimate - exact) < 1e-8
        for estimate, exact in zip(forward, [4.0, 4.0, -4.0]):
            assert abs(estimate - exact) < 1e-4
        """),
        md(r"""
        `gradcheck` runs that comparison for every input and reports which (if any) disagree:
        """),
        code("""
        report = gradcheck(f_of, [x, y, z])
        print(report)
        assert report
        """),
        md(r"""
        ## Try it yourself

        `explore` gives every variable a slider and redraws the graph as you move them; the
        *step* slider walks the backward pass. (It needs a live notebook with ipywidgets.)
        Which input has the largest effect on $f$ at $z = 3$? What happens to
        $\partial f/\partial z$ when $x + y = 0$?
        """),
        code("""
        from microgradx.interactive import explore

        explore("(x + y) * z**2", x=2, y=-3, z=2)
        """),
    ],
)
# ----------------------------------------------------------------------------------------------
# 02 — a sigmoid neuron, as one gate and composed; the local-derivative table (E2, E7)
# ----------------------------------------------------------------------------------------------
lesson(
    "02_neuron",
    [
        md(r"""
        # 2 · A neuron

        A neuron weighs its inputs, adds a bias and applies an activation function:

        $$a = \sigma(w_0 x_0 + w_1 x_1 + b), \qquad \sigma(z) = \frac{1}{1 + e^{-z}} .$$

        This lesson follows the lecture's example (E2) at
        $w_0 = 2,\ x_0 = -1,\ w_1 = -3,\ x_1 = -2,\ b = -3$: the neuron as a graph, its
        gradients, the same neuron built from smaller pieces, and the table of local derivatives
        that every backward pass is made of (E7).
        """),
        code("""
        import math

        from IPython.display import Markdown

        from microgradx import Value, draw, gradcheck, nn
        """),
        md(r"""
        ## Forward

        Weights, inputs and the bias are leaves; the weighted sum $z$ is built from `*` and
        `+` nodes, and the sigmoid is one more node on top.
        """),
        code("""
        w0, x0 = Value(2.0, "w0"), Value(-1.0, "x0")
        w1, x1 = Value(-3.0, "w1"), Value(-2.0, "x1")
        b = Value(-3.0, "b")
        z = w0 * x0 + w1 * x1 + b
        z.label = "z"
        a = z.sigmoid()
        a.label = "a"
        """),
        md(r"""
        $z = 2\cdot(-1) + (-3)\cdot(-2) + (-3) = 1$ and $a = \sigma(1) = 0.7310585786$.
        """),
        code("""
        assert z.data == 1.0
        assert abs(a.data - 0.7310585786) < 1e-10
        draw(a, grads=False)
        """),
        md(r"""
        ## Backward

        The sigmoid's local derivative is remarkably simple:
        $\sigma'(z) = \sigma(z)\,(1 - \sigma(z)) = a(1-a) = 0.1966119332$.
        Then, through the `+` nodes (local derivative 1) and the `*` nodes
        (local derivative: the *other* factor):

        $$\frac{\partial a}{\partial w_0} = \sigma'(z)\, x_0 = -0.1966, \quad
          \frac{\partial a}{\partial x_0} = \sigma'(z)\, w_0 = 0.3932, \quad
          \frac{\partial a}{\partial w_1} = \sigma'(z)\, x_1 = -0.3932,$$

        $$\frac{\partial a}{\partial x_1} = \sigma'(z)\, w_1 = -0.5898, \quad
          \frac{\partial a}{\partial b} = \sigma'(z) = 0.1966 .$$

        The slide rounds them to $[-0.2,\ 0.4,\ -0.4,\ -0.6,\ 0.2]$.
        """),
        code("""
        a.backward()
        leaves = [w0, x0, w1, x1, b]
        gradients = [leaf.grad for leaf in leaves]
        print([round(g, 4) for g in gradients])

        slope = a.data * (1 - a.data)
        assert abs(slope - 0.1966119332) < 1e-10
        assert abs(z.grad - slope) < 1e-15
        for got, expected in zip(gradients, [-0.1966, 0.3932, -0.3932, -0.5898, 0.1966]):
            assert abs(got - expected) < 5e-5
        assert [round(g, 1) for g in gradients] == [-0.2, 0.4, -0.4, -0.6, 0.2]
        """),
        code("""
        draw(a, local_grads=True)
        """),
        md(r"""
        ## The same neuron from smaller pieces

        Nothing forces us to treat $\sigma$ as one node. Written out,
        $\sigma(z) = 1 / (1 + e^{-z})$ is a negation, an `exp`, a `+` and a division — four nodes,
        each with its own simple local derivative. The graph is bigger, but the chain rule through
        it must give the same gradients as the single "sigmoid gate" with local
        derivative $\sigma(1-\sigma)$ (to the last digit or so: the two do their floating-point
        arithmetic in a different order).

        We hang the composed $\sigma$ on the same $z$ and run a second backward pass from it,
        after setting the first pass's gradients back to zero.
        """),
        code("""
        a.zero_grad()  # grad = 0 on a and every node it depends on: the leaves and z
        a2 = 1 / (1 + (-z).exp())
        a2.label = "a"
        a2.backward()

        composed = [leaf.grad for leaf in leaves]
        assert [node.op for node in a2.topological_order()][-4:] == ["neg", "exp", "+", "/"]
        assert abs(a2.data - a.data) < 1e-15
        for g_gate, g_composed in zip(gradients, composed):
            assert abs(g_gate - g_composed) < 1e-15
        draw(a2, local_grads=True)
        """),
        md(r"""
        The same neuron is also what `nn.Neuron(2, activation="sigmoid")` computes — a `dot`
        node for $\sum_i w_i x_i$, a `+` for the bias, then the activation. Set its parameters
        to the lecture's numbers and the gradients come out the same once more:
        """),
        code("""
        neuron = nn.Neuron(2, activation="sigmoid")
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = 2.0, -3.0, -3.0
        inputs = [Value(-1.0, "x0"), Value(-2.0, "x1")]
        out = neuron(inputs)
        out.backward()

        from_module = [neuron.w[0].grad, inputs[0].grad, neuron.w[1].grad, inputs[1].grad]
        assert all(abs(g - h) < 1e-15 for g, h in zip([*from_module, neuron.b.grad], gradients))
        draw(out, local_grads=True)
        """),
        md(r"""
        And a numerical check of the whole neuron, independent of backpropagation:
        """),
        code("""
        def neuron_output(v):
            w0, x0, w1, x1, b = v
            return (w0 * x0 + w1 * x1 + b).sigmoid()


        report = gradcheck(neuron_output, leaves)
        print(report)
        assert report
        """),
        md(r"""
        ## The table of local derivatives (E7)

        Backpropagation only ever needs the local derivative of each elementary operation. Here
        is the lecture's table, with the numbers read **from the engine** (the `local_grads` it
        records on a node) next to the formula evaluated by hand, at $x = 0.7$ (or $x_1 = 0.7$,
        $x_2 = -1.3$); the ReLUs also at $x = -0.7$.
        """),
        code("""
        u, v, w = 0.7, -1.3, -0.7
        sig = 1 / (1 + math.exp(-u))
        rows = [
            # (f, ∂f as written on the slide, engine's local derivatives, the formula by hand)
            ("x1 + x2", "1, 1", (Value(u) + Value(v)).local_grads, (1.0, 1.0)),
            ("x1 · x2", "x2, x1", (Value(u) * Value(v)).local_grads, (v, u)),
            ("tanh(x)", "1 − tanh²(x)", Value(u).tanh().local_grads, (1 - math.tanh(u) ** 2,)),
            ("exp(x)", "exp(x)", Value(u).exp().local_grads, (math.exp(u),)),
            ("ln(x)", "1/x", Value(u).log().local_grads, (1 / u,)),
            ("x1 / x2", "1/x2, −x1/x2²", (Value(u) / Value(v)).local_grads, (1 / v, -u / v**2)),
            ("σ(x)", "σ(x)(1 − σ(x))", Value(u).sigmoid().local_grads, (sig * (1 - sig),)),
            ("ReLU(x), x > 0", "1", Value(u).relu().local_grads, (1.0,)),
            ("ReLU(x), x < 0", "0", Value(w).relu().local_grads, (0.0,)),
            ("leaky ReLU(x), x > 0", "1", Value(u).leaky_relu().local_grads, (1.0,)),
            ("leaky ReLU(x), x < 0", "ε = 0.01", Value(w).leaky_relu().local_grads, (0.01,)),
        ]
        lines = ["| f | ∂f | engine | by hand |", "| --- | --- | --- | --- |"]
        for name, rule, engine, by_hand in rows:
            assert len(engine) == len(by_hand)
            assert all(abs(e - h) < 1e-15 for e, h in zip(engine, by_hand)), name
            engine_text = ", ".join(f"{g:.6g}" for g in engine)
            hand_text = ", ".join(f"{g:.6g}" for g in by_hand)
            lines.append(f"| {name} | {rule} | {engine_text} | {hand_text} |")
        Markdown("\\n".join(lines))
        """),
        md(r"""
        The last row of the slide's table, the **identity** $f(x) = x$ with
        $\partial f/\partial x = 1$, needs no node at all: a linear neuron simply has no
        activation node, and a backward pass started at a leaf gives that leaf gradient 1.
        """),
        code("""
        leaf = Value(0.7, "x")
        leaf.backward()
        assert leaf.grad == 1.0
        assert nn.Neuron(2, activation="linear")([1.0, 2.0]).op == "+"  # w·x + b, nothing after
        """),
    ],
)
# ----------------------------------------------------------------------------------------------
# 03 — several paths: sum over paths vs reverse mode; why topological order (E3)
# ----------------------------------------------------------------------------------------------
lesson(
    "03_multiple_paths",
    [
        md(r"""
        # 3 · Many paths, one gradient

        When a value is used more than once, its influence on the output travels along several
        paths, and its gradient is the **sum over all paths** of the product of the local
        derivatives along each path. This lesson works through the lecture's example (E3),

        $$e = (a + b)\cdot(b + 1), \qquad c = a + b,\quad d = b + 1,\quad e = c \cdot d,$$

        compares summing over paths by hand with reverse mode, counts what each costs as the
        graph grows, and shows why reverse mode must visit the nodes in *topological order*.
        """),
        code("""
        import matplotlib.pyplot as plt

        from microgradx import Value, backward_steps, draw
        from microgradx.drawing import chain_rule_table
        from microgradx.engine import topological_order
        """),
        code("""
        def lecture_graph(a0, b0):
            a, b = Value(a0, "a"), Value(b0, "b")
            c = a + b
            c.label = "c"
            d = b + 1
            d.label = "d"
            e = c * d
            e.label = "e"
            return a, b, c, d, e


        a, b, c, d, e = lecture_graph(2.0, 1.0)
        assert (c.data, d.data, e.data) == (3.0, 2.0, 6.0)
        """),
        md(r"""
        ## Local derivatives on the edges

        At $a = 2, b = 1$: $c = 3$, $d = 2$, $e = 6$. Each edge carries its local derivative:

        $$\frac{\partial c}{\partial a} = 1,\quad \frac{\partial c}{\partial b} = 1,\quad
          \frac{\partial d}{\partial b} = 1,\quad
          \frac{\partial e}{\partial c} = d = 2,\quad \frac{\partial e}{\partial d} = c = 3 .$$
        """),
        code("""
        assert c.local_grads == (1.0, 1.0) and d.local_grads[0] == 1.0
        assert e.local_grads == (2.0, 3.0)
        draw(e, grads=False, local_grads=True)
        """),
        md(r"""
        ## Summing over paths, by hand

        $a$ reaches $e$ along one path, $e \to c \to a$; $b$ along two, $e \to c \to b$ and
        $e \to d \to b$:

        $$\frac{\partial e}{\partial a} = \frac{\partial e}{\partial c}\frac{\partial c}{\partial a}
          = 2 \cdot 1 = 2, \qquad
          \frac{\partial e}{\partial b} = \frac{\partial e}{\partial c}\frac{\partial c}{\partial b}
          + \frac{\partial e}{\partial d}\frac{\partial d}{\partial b} = 2 + 3 = 5 .$$

        The function below does exactly that: it lists every path from the output down to a
        leaf, multiplies the local derivatives along it, and adds the products up.
        """),
        code("""
        def paths(node, target):
            \"\"\"Every path from node down to target: lists of (node, input, local) edges.\"\"\"
            if node is target:
                return [[]]
            found = []
            for child, local in zip(node.inputs, node.local_grads):
                for rest in paths(child, target):
                    found.append([(node, child, local), *rest])
            return found


        def gradient_by_paths(root, leaf, show=False):
            total = 0.0
            for path in paths(root, leaf):
                product = 1.0
                for _, _, local in path:
                    product *= local
                total += product
                if show:
                    names = " → ".join([root.label] + [child.label for _, child, _ in path])
                    factors = " × ".join(f"{local:g}" for _, _, local in path)
                    print(f"  {names}:  {factors} = {product:g}")
            return total


        print("∂e/∂a:")
        by_paths_a = gradient_by_paths(e, a, show=True)
        print("∂e/∂b:")
        by_paths_b = gradient_by_paths(e, b, show=True)
        assert (by_paths_a, by_paths_b) == (2.0, 5.0)
        """),
        md(r"""
        Reverse mode gets the same numbers from one backward pass:
        """),
        code("""
        e.backward()
        assert (a.grad, b.grad) == (2.0, 5.0) == (by_paths_a, by_paths_b)
        draw(e, local_grads=True)
        """),
        md(r"""
        ## The second point: $a = 2$, $b = 3$

        Now $c = 5$, $d = 4$, $e = 20$, and
        $\partial e/\partial a = d = 4$, $\partial e/\partial b = d + c = 4 + 5 = 9$.
        """),
        code("""
        a, b, c, d, e = lecture_graph(2.0, 3.0)
        assert (c.data, d.data, e.data) == (5.0, 4.0, 20.0)
        assert gradient_by_paths(e, a) == 4.0
        assert gradient_by_paths(e, b, show=True) == 9.0
        e.backward()
        assert (a.grad, b.grad) == (4.0, 9.0)
        draw(e, local_grads=True)
        """),
        md(r"""
        ## What each method costs as the graph grows

        Chain $n$ stages like the one above, where every stage uses its input twice:

        $$h_k = \sin(h_{k-1})\cdot\cos(h_{k-1}), \qquad k = 1, \dots, n .$$

        Each stage doubles the number of paths from $h_n$ back to $h_0$: there are $2^n$ of them,
        each $2n$ edges long, so summing over paths multiplies along $2n \cdot 2^n$ edges.
        Reverse mode passes a gradient along each of the $4n$ edges **once** (we count the rows
        of its chain-rule table, one per multiplication): it shares the common part of all
        those paths instead of walking it again and again.
        """),
        code("""
        def chain(n):
            h0 = Value(0.5, "h0")
            h = h0
            for k in range(1, n + 1):
                h = h.sin() * h.cos()
                h.label = f"h{k}"
            return h0, h


        print(" n     paths   edges (path sum)   edges (reverse mode)")
        counts = []
        for n in range(1, 13):
            h0, h = chain(n)
            all_paths = paths(h, h0)
            path_edges = sum(len(path) for path in all_paths)
            reverse_edges = len(chain_rule_table(h))  # one row per multiplication reverse mode does
            h.backward()
            assert abs(gradient_by_paths(h, h0) - h0.grad) <= 1e-12 * abs(h0.grad)
            assert len(all_paths) == 2**n
            assert path_edges == 2 * n * 2**n and reverse_edges == 4 * n
            counts.append((n, path_edges, reverse_edges))
            print(f"{n:2} {len(all_paths):9} {path_edges:18} {reverse_edges:22}")
        """),
        code("""
        ns, by_paths, by_reverse = zip(*counts)
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.semilogy(ns, by_paths, "o-", label="sum over paths")
        ax.semilogy(ns, by_reverse, "s-", label="reverse mode")
        ax.set_xlabel("stages n")
        ax.set_ylabel("edges visited")
        ax.legend()
        plt.show()
        """),
        md(r"""
        ## Why the order of the backward pass matters

        Reverse mode may pass a node's gradient on only once that gradient is **complete** —
        after every path through the node has delivered its share. Take

        ```python
        a = 1;  b = a + a;  c = b + b
        ```

        so $c = 4a$ and $\partial c/\partial a = 4$. Here is the tempting recursive backward
        pass: every node passes its gradient to its inputs and each input immediately recurses.
        """),
        code("""
        def naive_backward(node):
            for child, local in zip(node.inputs, node.local_grads):
                child.grad += local * node.grad
                naive_backward(child)


        a = Value(1.0, "a")
        b = a + a
        b.label = "b"
        c = b + b
        c.label = "c"

        c.grad = 1.0
        naive_backward(c)
        print(f"naive recursion: dc/db = {b.grad}, dc/da = {a.grad}")
        assert (b.grad, a.grad) == (2.0, 6.0)  # wrong: dc/da is 4
        """),
        md(r"""
        It gets $\partial c/\partial a = 6$ instead of $4$. Follow it: $c$ sends $1$ along its
        first edge to $b$, and $b$ — with only half of its gradient — recurses at once and sends
        $1 + 1$ to $a$. Then $c$'s second edge brings $b$ up to $2$, and $b$ recurses again,
        sending $2 + 2$: $a$ receives $2 + 4 = 6$. Part of $b$'s gradient went down twice.

        The fix: first order the nodes so that every node comes after all of its inputs
        (a **topological order**), then walk that list backwards. By the time a node's turn
        comes, every node that uses it has already passed its gradient on.
        """),
        code("""
        order = topological_order(c)
        print("topological order:", [node.label for node in order])
        assert order == [a, b, c]


        def backward_in_order(root):
            root.grad = 1.0
            for node in reversed(topological_order(root)):
                for child, local in zip(node.inputs, node.local_grads):
                    child.grad += local * node.grad


        for node in order:
            node.grad = 0.0
        backward_in_order(c)
        assert (b.grad, a.grad) == (2.0, 4.0)
        """),
        md(r"""
        That loop is the heart of `Value.backward()`. The real method adds a little around it:
        it sorts without recursion (so graphs a million nodes deep work), keeps gradients left
        by an earlier call out of this pass (so a second call adds exactly one more
        $\partial c/\partial\text{node}$ to every node), and stops with an error if a
        gradient comes out infinite:
        """),
        code("""
        c.zero_grad()
        c.backward()
        assert (c.grad, b.grad, a.grad) == (1.0, 2.0, 4.0)
        c.backward()  # a second call: every gradient once more
        assert (c.grad, b.grad, a.grad) == (2.0, 4.0, 8.0)
        """),
        md(r"""
        The backward pass of $c$ step by step: $b$ passes its gradient on once, when both
        of $c$'s edges have delivered their share and it is complete ($2$), so $a$ gets
        $1 \cdot 2 + 1 \cdot 2 = 4$.
        """),
        code("""
        frames = backward_steps(c, local_grads=True)
        for frame in frames[1:-1]:
            print(frame.caption)
        step_b = frames[2].table.rows  # b's step: one row per edge to a
        assert [(row.upstream, row.local, row.contribution) for row in step_b] == [(2, 1, 2)] * 2
        frames[-1]
        """),
    ],
)
# ----------------------------------------------------------------------------------------------
# 04 — logistic regression: the loss chain and one update (E4), then gradient descent on blobs
# ----------------------------------------------------------------------------------------------
lesson(
    "04_logistic_regression",
    [
        md(r"""
        # 4 · Learning the weights of one neuron

        A linear classifier scores an input $\mathbf{x}$ with $\mathbf{w}^\top\mathbf{x}$ and
        predicts the label $y \in \{-1, +1\}$ by the sign of the score. To *learn* $\mathbf{w}$
        from a labelled example we need a loss that is small when the score has the right sign,
        and its gradient. The lecture uses the **logistic loss** (E4)

        $$\mathcal{L}(\mathbf{w}) = -\log \sigma\big(y\, \mathbf{w}^\top \mathbf{x}\big)
          = \log\big(1 + e^{-y\,\mathbf{w}^\top\mathbf{x}}\big),$$

        computes $\partial\mathcal{L}/\partial w_1$ as a chain of local derivatives, and takes one
        gradient-descent step. Then we train a classifier on a whole data set.
        """),
        code("""
        import math

        import numpy as np

        from microgradx import Value, data, draw, losses, nn, optim, train
        from microgradx.drawing import chain_rule_table
        """),
        md(r"""
        ## The graph, with the lecture's names

        $$z_1 = w_1 x_1,\quad z_2 = w_2 x_2,\quad q = z_1 + z_2,\quad v = y\,q,\quad
          p = \sigma(v),\quad \mathcal{L} = -\log p .$$

        The slide's example has $x_1 = 2$, $y = 1$ and a score $v = -1$ (the example is on the
        wrong side). We take $w_1 = -1$, and $w_2 = 1$, $x_2 = 1$ for the other input, so that
        $q = -2 + 1 = -1$.
        """),
        code("""
        def logistic_loss_graph(w1_value):
            w1, x1 = Value(w1_value, "w1"), Value(2.0, "x1")
            w2, x2 = Value(1.0, "w2"), Value(1.0, "x2")
            y = 1.0
            z1 = w1 * x1
            z2 = w2 * x2
            q = z1 + z2
            v = y * q
            p = v.sigmoid()
            loss = -p.log()
            for node, name in [(z1, "z1"), (z2, "z2"), (q, "q"), (v, "v"), (p, "p"), (loss, "L")]:
                node.label = name
            return w1, z1, q, v, p, loss


        w1, z1, q, v, p, L = logistic_loss_graph(-1.0)
        assert v.data == -1.0
        print(f"p = σ(-1) = {p.data:.4f},  L = -log p = {L.data:.4f}")
        draw(L, grads=False)
        """),
        md(r"""
        ## The chain of local derivatives

        $$\frac{\partial \mathcal{L}}{\partial w_1}
          = \frac{\partial \mathcal{L}}{\partial p}\,
            \frac{\partial p}{\partial v}\,
            \frac{\partial v}{\partial q}\,
            \frac{\partial q}{\partial z_1}\,
            \frac{\partial z_1}{\partial w_1}
          = \Big(-\frac{1}{p}\Big)\cdot \sigma(v)(1-\sigma(v)) \cdot y \cdot 1 \cdot x_1
          = -3.718 \cdot 0.1966 \cdot 1 \cdot 1 \cdot 2 = -1.4621 .$$

        (The slide rounds the factors first: $-3.7 \cdot 0.2 \cdot 1 \cdot 1 \cdot 2 = -1.48$.)
        After `backward()`, every node holds $\partial\mathcal{L}/\partial\text{node}$, so the
        factors can be read off the graph one by one.
        """),
        code("""
        L.backward()
        dL_dp = p.grad
        dp_dv = p.local_grads[0]
        dv_dq = v.local_grads[1]  # v = y · q: the local derivative towards q is y
        dq_dz1 = q.local_grads[0]
        dz1_dw1 = z1.local_grads[0]
        print(f"{dL_dp:.4f} · {dp_dv:.4f} · {dv_dq:g} · {dq_dz1:g} · {dz1_dw1:g} = {w1.grad:.4f}")

        assert abs(dL_dp - (-3.718)) < 5e-4 and abs(dL_dp + 1 / p.data) < 1e-12
        assert abs(dp_dv - 0.1966) < 5e-5
        assert (dv_dq, dq_dz1, dz1_dw1) == (1.0, 1.0, 2.0)
        assert abs(w1.grad - (-1.4621)) < 5e-5
        assert abs(dL_dp * dp_dv * dv_dq * dq_dz1 * dz1_dw1 - w1.grad) < 1e-12
        assert round(-3.7 * 0.2 * 1 * 1 * 2, 2) == -1.48
        """),
        code("""
        draw(L, local_grads=True)
        """),
        md(r"""
        The same numbers as the rows of the chain-rule table, from $\mathcal{L}$ back to $w_1$:
        """),
        code("""
        chain_rule_table(L)
        """),
        md(r"""
        ## One step of gradient descent

        Move $w_1$ against its gradient with learning rate $\alpha = 1$:

        $$w_1 \leftarrow w_1 - \alpha\,\frac{\partial\mathcal{L}}{\partial w_1}
          = -1 - 1\cdot(-1.4621) = 0.4621$$

        (slide: $+0.48$). The score $v$ becomes positive, the example is now on the right side,
        and the loss drops.
        """),
        code("""
        learning_rate = 1.0
        new_w1 = w1.data - learning_rate * w1.grad
        print(f"w1: {w1.data} -> {new_w1:.4f}")
        assert abs(new_w1 - 0.4621) < 5e-5

        _, _, _, new_v, _, new_L = logistic_loss_graph(new_w1)
        print(f"v: {v.data} -> {new_v.data:.4f},   L: {L.data:.4f} -> {new_L.data:.4f}")
        assert new_v.data > 0 and new_L.data < L.data
        """),
        md(r"""
        ## The same loss, written another way

        Since $\sigma(t) = 1/(1 + e^{-t})$, we have
        $-\log\sigma(t) = \log(1 + e^{-t})$. `losses.logistic(score, y)` computes it in a form that
        never overflows, even for scores in the thousands. Same value, same gradient:
        """),
        code("""
        w1b, x1b, w2b, x2b = Value(-1.0, "w1"), 2.0, Value(1.0, "w2"), 1.0
        score = w1b * x1b + w2b * x2b
        loss_b = losses.logistic(score, 1)
        loss_b.backward()
        assert abs(loss_b.data - L.data) < 1e-12
        assert abs(loss_b.data - math.log(1 + math.exp(1.0))) < 1e-12
        assert abs(w1b.grad - w1.grad) < 1e-12
        """),
        md(r"""
        ## Training on a data set

        With many examples $(\mathbf{x}_i, y_i)$ the loss is the average

        $$\mathcal{L}(\mathbf{w}, b) = \frac{1}{I}\sum_{i=1}^{I}
          \log\big(1 + e^{-y_i(\mathbf{w}^\top\mathbf{x}_i + b)}\big),$$

        and gradient descent repeats the step above on it:
        $\theta \leftarrow \theta - \alpha \nabla\mathcal{L}(\theta)$.
        Two Gaussian blobs make a problem a straight line can solve.
        """),
        code("""
        X, y01 = data.make_blobs(200, centers=[[-1.5, -1.0], [1.5, 1.0]], cluster_std=0.9, seed=0)
        y = 2 * y01 - 1  # labels -1 and +1
        print(X.shape, np.bincount(y01))
        """),
        md(r"""
        The model is a single neuron without activation, $s = w_0 x_0 + w_1 x_1 + b$
        (`nn.Neuron` numbers its weights from 0). So that there is something to learn, we
        start it on the wrong foot: $\mathbf{w} = (-1, 1)$, $b = 0$ puts the boundary
        $s = 0$ across the two blobs instead of between them, and only about a third of
        the points lie on the correct side.
        """),
        code("""
        neuron = nn.Neuron(2, activation="linear")
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = -1.0, 1.0, 0.0
        start_accuracy = train.accuracy(train.predict(neuron, X), y)
        print(f"accuracy before training: {start_accuracy:.1%}")
        assert 0.3 < start_accuracy < 0.4
        train.plot_decision_boundary(neuron, X, y01, title="Before training")
        """),
        md(r"""
        `train.fit` runs the loop: average the loss over the batch — here the whole data set,
        so this is plain (full-batch) gradient descent — backpropagate, update. 40 steps with
        learning rate $\alpha = 0.5$:
        """),
        code("""
        optimizer = optim.SGD(neuron.parameters(), lr=0.5)
        history = train.fit(neuron, losses.logistic, optimizer, X, y, epochs=40, progress=False)
        print(history)
        assert history.accuracy[0] == start_accuracy  # measured before the first step
        assert history.loss[-1] < history.loss[0] / 10
        assert train.accuracy(train.predict(neuron, X), y) >= 0.95
        """),
        md(r"""
        The loss falls fastest in the first steps, where its gradient is largest, and the
        accuracy climbs from about a third to over 95%:
        """),
        code("""
        drops = [before - after for before, after in zip(history.loss, history.loss[1:])]
        assert min(drops) > 0 and drops[0] == max(drops)
        train.plot_history(history)
        """),
        md(r"""
        The learned boundary is the line $w_0 x_0 + w_1 x_1 + b = 0$, now between the blobs:
        """),
        code("""
        w, b = [p.data for p in neuron.w], neuron.b.data
        print(f"boundary: {w[0]:.3f}·x0 + {w[1]:.3f}·x1 + {b:.3f} = 0")
        train.plot_decision_boundary(neuron, X, y01, title="After 40 steps")
        """),
    ],
)
# ----------------------------------------------------------------------------------------------
# 05 — forward mode (dual numbers) vs reverse mode; numerical, symbolic, automatic (E5, E6)
# ----------------------------------------------------------------------------------------------
lesson(
    "05_forward_vs_reverse",
    [
        md(r"""
        # 5 · Forward mode vs reverse mode

        There are three ways to get a derivative out of a computer:

        * **numerically** — nudge the input and watch the output move (finite differences);
        * **symbolically** — apply the rules of calculus to the *formula* and get a new formula;
        * **automatically** — apply the rules of calculus to every *elementary operation* as the
          program runs, to numbers rather than formulas.

        Automatic differentiation itself comes in two directions. *Reverse mode* is what
        `Value.backward()` does: one backward pass gives the gradient with respect to every input.
        *Forward mode* carries a derivative along with every value, from the inputs forwards.
        This lesson builds forward mode from **dual numbers** (lecture example E5), compares the two
        directions, and ends with the three ways side by side (E6).
        """),
        code("""
        import math
        from itertools import pairwise

        import matplotlib.pyplot as plt

        import microgradx
        from microgradx import Dual, Value, gradcheck, numerical_grad
        from microgradx.dual import gradient as forward_gradient
        """),
        md(r"""
        ## Dual numbers

        A dual number is $a + b\varepsilon$ with a new symbol $\varepsilon$ that obeys
        $\varepsilon^2 = 0$ (think of an infinitesimal so small that its square vanishes).
        Arithmetic follows from that one rule:

        $$(a + b\varepsilon) + (c + d\varepsilon) = (a + c) + (b + d)\varepsilon, \qquad
          (a + b\varepsilon)(c + d\varepsilon) = ac + (ad + bc)\varepsilon + bd\,\varepsilon^2
          = ac + (ad + bc)\varepsilon.$$

        The lecture's examples: $(1+2\varepsilon) + (3+4\varepsilon) = 4 + 6\varepsilon$,
        $(1+2\varepsilon) - (3+4\varepsilon) = -2 - 2\varepsilon$ and
        $(1+2\varepsilon)(3+4\varepsilon) = 3 + 10\varepsilon$.
        """),
        code("""
        u, v = Dual(1, 2), Dual(3, 4)
        print(u + v, "|", u - v, "|", u * v)

        assert (u + v) == Dual(4, 6)
        assert (u - v) == Dual(-2, -2)
        assert (u * v) == Dual(3, 10)
        """),
        md(r"""
        ## The ε part is the derivative

        Expand any smooth $f$ around $x$ (Taylor): every term with $\varepsilon^2$ or higher
        vanishes, so

        $$f(x + \dot x\,\varepsilon) = f(x) + f'(x)\,\dot x\,\varepsilon .$$

        Seed $\dot x = 1$ and the $\varepsilon$ part of the result *is* $f'(x)$.
        For $f(x) = x^2 + 2x + 3$ we have $f'(x) = 2x + 2$, so

        $$f(3 + \varepsilon) = 18 + 8\varepsilon, \qquad f(-2 + \varepsilon) = 3 - 2\varepsilon.$$
        """),
        code("""
        def f(x):
            return x**2 + 2 * x + 3


        print(f(Dual(3, 1)), "and", f(Dual(-2, 1)))
        assert f(Dual(3, 1)) == Dual(18, 8)
        assert f(Dual(-2, 1)) == Dual(3, -2)
        """),
        md(r"""
        The same Python function also takes a `Value`: then it builds a graph, and `backward()`
        walks it in reverse. Both directions must agree wherever both apply — here at a handful
        of points, against the hand derivative $2x + 2$ as well.
        """),
        code("""
        for x0 in [-2.0, -0.5, 0.0, 1.5, 3.0]:
            x = Value(x0, "x")
            y = f(x)
            y.backward()
            forward = f(Dual(x0, 1.0))
            print(f"x = {x0:4}: f = {y.data:5}, reverse {x.grad:4}, forward {forward.derivative:4}")
            assert forward.value == y.data
            assert forward.derivative == x.grad == 2 * x0 + 2
        """),
        md(r"""
        ## Many inputs, one output: reverse mode wins

        A forward pass with duals carries the derivative with respect to **one** input direction:
        we seed $\dot x_i = 1$ for one $i$ and $0$ for the rest. For the whole gradient of
        $f:\mathbb{R}^n \to \mathbb{R}$ it needs $n$ passes.
        Reverse mode needs **one** forward pass and **one** backward pass, whatever $n$ is.

        A loss over the parameters of a network is exactly this case — millions of inputs, one
        output. Here is a small one with $n = 200$ inputs:

        $$L(x_1, \dots, x_n) = \sum_{i=1}^{n-1} \tanh(x_i\, x_{i+1}).$$

        We count how often each method has to run `L`.
        """),
        code("""
        calls = 0


        def L(xs):
            global calls
            calls += 1
            total = 0.0
            for a, b in pairwise(xs):
                total = total + (a * b).tanh()
            return total


        n = 200
        point = [math.sin(i) for i in range(n)]

        calls = 0
        grad_forward = forward_gradient(L, point)  # one pass per input
        forward_passes = calls

        calls = 0
        xs = [Value(p) for p in point]
        loss = L(xs)
        loss.backward()  # one pass back, for all inputs at once
        reverse_passes = calls

        print(f"forward mode: {forward_passes} evaluations of L;  reverse mode: {reverse_passes}")
        assert forward_passes == n and reverse_passes == 1
        assert all(abs(g - x.grad) < 1e-12 for g, x in zip(grad_forward, xs))
        """),
        md(r"""
        ## One input, many outputs: forward mode wins

        Turn it around: $g:\mathbb{R} \to \mathbb{R}^m$,
        $g(t) = (\sin t, \sin 2t, \dots, \sin mt)$, whose derivatives are
        $g_k'(t) = k\cos kt$. One forward pass with $t = t_0 + 1\varepsilon$ gives all $m$ of them.
        Reverse mode needs one backward pass *per output* (a backward pass starts from one
        output node), zeroing the gradients in between.
        """),
        code("""
        m, t0 = 50, 0.3


        def g(t):
            return [(k * t).sin() for k in range(1, m + 1)]


        forward_outputs = g(Dual(t0, 1.0))  # one forward pass
        slopes_forward = [out.derivative for out in forward_outputs]

        t = Value(t0, "t")
        outputs = g(t)
        slopes_reverse = []
        backward_passes = 0
        for out in outputs:
            t.grad = 0.0
            out.zero_grad()
            out.backward()
            backward_passes += 1
            slopes_reverse.append(t.grad)

        assert backward_passes == m
        for k, (a, b) in enumerate(zip(slopes_forward, slopes_reverse), start=1):
            assert abs(a - k * math.cos(k * t0)) < 1e-12 and abs(b - a) < 1e-12
        print(f"{m} derivatives: 1 forward pass, or {backward_passes} backward passes")
        """),
        md(r"""
        In terms of the Jacobian $J = \partial \mathbf{y} / \partial \mathbf{x}$ ($m \times n$):
        a forward pass computes one **column** $J\dot{\mathbf{x}}$, a backward pass one **row**
        $\bar{\mathbf{y}}^\top J$. For $n \gg m$ — training, where $m = 1$ — reverse mode is the
        right tool, which is why every deep-learning framework is built around it.
        """),
        md(r"""
        ## Numerical differentiation (E6)

        The definition of the derivative, with a small but finite step $\varepsilon$:

        $$\text{forward difference: } \frac{f(x+\varepsilon) - f(x)}{\varepsilon}
          \qquad \text{central difference: }
          \frac{f(x+\varepsilon) - f(x-\varepsilon)}{2\varepsilon}.$$

        By Taylor's theorem the forward difference is off by about $\tfrac{\varepsilon}{2} f''(x)$,
        the central one by only $\tfrac{\varepsilon^2}{6} f'''(x)$ — that is why the lectures prefer
        it. But $\varepsilon$ cannot shrink forever: the two values of $f$ agree in more and more
        digits, and their difference drowns in floating-point rounding.
        Let us measure both errors on $h(x) = e^x \sin x$ at $x = 1$, where
        $h'(x) = e^x(\sin x + \cos x)$ exactly.
        """),
        code("""
        def h(v):
            return v[0].exp() * v[0].sin()


        x0 = 1.0
        exact = math.exp(x0) * (math.sin(x0) + math.cos(x0))
        steps = [10.0**-k for k in range(1, 13)]
        errors = {"forward": [], "central": []}
        for eps in steps:
            for method in errors:
                (estimate,) = numerical_grad(h, [x0], eps=eps, method=method)
                errors[method].append(abs(estimate - exact))

        fig, ax = plt.subplots(figsize=(5, 3.2))
        for method, errs in errors.items():
            ax.loglog(steps, errs, "o-", label=method)
        ax.set_xlabel("step ε")
        ax.set_ylabel("|error|")
        ax.legend()
        ax.set_title("finite differences: truncation vs rounding")
        plt.show()
        """),
        md(r"""
        Read the plot from the right: with $\varepsilon = 10^{-3}$ the forward difference is off by
        about $\tfrac{\varepsilon}{2}|h''(1)| = \varepsilon\, e \cos 1 \approx 1.5\cdot10^{-3}$,
        the central one by about
        $\tfrac{\varepsilon^2}{6}|h'''(1)| = \tfrac{\varepsilon^2}{3} e\,|\cos 1 - \sin 1|
        \approx 2.7\cdot10^{-7}$. Going left, the errors fall until rounding takes over; at
        $\varepsilon = 10^{-12}$ both are worse than at $10^{-6}$.
        """),
        code("""
        i = steps.index(1e-3)
        forward_error, central_error = errors["forward"][i], errors["central"][i]
        predicted_forward = 1e-3 * math.e * math.cos(1.0)
        predicted_central = 1e-6 / 3 * math.e * abs(math.cos(1.0) - math.sin(1.0))
        print(f"eps = 1e-3: forward error {forward_error:.3g}, central error {central_error:.3g}")
        assert abs(forward_error - predicted_forward) / predicted_forward < 0.01
        assert abs(central_error - predicted_central) / predicted_central < 0.01
        j, k = steps.index(1e-6), steps.index(1e-12)
        assert errors["forward"][k] > errors["forward"][j]
        assert errors["central"][k] > errors["central"][j]
        """),
        md(r"""
        Numerical gradients are slow ($n$ or $2n$ evaluations of $f$) and approximate, but they
        need nothing except $f$ itself — which makes them the independent referee for the other
        two methods. `microgradx.gradcheck` compares backpropagation against central differences:
        """),
        code("""
        report = gradcheck(h, [x0])
        print(report)
        assert report
        """),
        md(r"""
        ## Symbolic differentiation and expression swell

        Symbolic differentiation applies the rules to the formula. For a product of $n$ factors
        $p(x) = \prod_{k=1}^{n} \sin(kx)$ the product rule gives a sum of $n$ terms, each a
        product of $n$ factors:

        $$p'(x) = \sum_{i=1}^{n} i\cos(ix) \prod_{k \ne i} \sin(kx).$$

        The formula for the derivative grows like $n^2$ while the function grows like $n$.
        Below we write that formula out as text, evaluate it with `microgradx.parse`, and compare
        both its value and its size with automatic differentiation of $p$ itself.
        """),
        code("""
        def product_text(n):
            return " * ".join(f"sin({k}*x)" for k in range(1, n + 1))


        def derivative_text(n):
            terms = []
            for i in range(1, n + 1):
                factors = [f"{i}*cos({i}*x)" if k == i else f"sin({k}*x)" for k in range(1, n + 1)]
                terms.append(" * ".join(factors))
            return " + ".join(terms)


        print("p  =", product_text(3))
        print("p' =", derivative_text(3))
        """),
        code("""
        x0 = 0.4
        print(" n   nodes of p   nodes of p' (symbolic)")
        for n in [2, 4, 8, 16]:
            x = Value(x0, "x")
            p = microgradx.parse(product_text(n), x=x)
            p.backward()
            automatic = x.grad
            symbolic = microgradx.parse(derivative_text(n), x=x0)
            assert abs(symbolic.data - automatic) <= 1e-12 * max(1.0, abs(automatic))
            size_p, size_symbolic = len(p.topological_order()), len(symbolic.topological_order())
            print(f"{n:2}   {size_p:10}   {size_symbolic:10}")
            assert size_p == 4 * n  # x, n constants, n products k·x, n sines, n - 1 products
            assert size_symbolic > n * n
        """),
        md(r"""
        Same number, but the symbolic derivative needs a graph that grows quadratically, while
        reverse mode gets it from $p$'s own graph with one more pass over its edges.

        ## Summary

        | method | cost for $\nabla f$, $f:\mathbb{R}^n\to\mathbb{R}$ | accuracy |
        | --- | --- | --- |
        | numerical (central) | $2n$ evaluations of $f$ | $\approx\varepsilon^2$, then rounding |
        | symbolic | a formula that can swell | exact |
        | forward mode (dual numbers) | $n$ forward passes | exact (to rounding) |
        | reverse mode (`backward()`) | one forward + one backward pass | exact (to rounding) |
        """),
    ],
)
# ----------------------------------------------------------------------------------------------
# 06 — training an MLP on moons: GD vs mini-batch SGD vs momentum (E8)
# ----------------------------------------------------------------------------------------------
lesson(
    "06_training_an_mlp",
    [
        md(r"""
        # 6 · Training a multi-layer perceptron

        Everything so far, put to work: a network with two hidden layers of 16 ReLU neurons,
        `MLP(2, [16, 16, 1])`, learns to separate the two interleaved half-moons — the classic
        micrograd demo. Training is the loop from the lectures (E8):

        $$\mathcal{L}(\theta) = \frac{1}{I}\sum_{i=1}^{I} \ell\big(f(\theta, \mathbf{x}_i), y_i\big)
          + \lambda\,\lVert\theta\rVert^2, \qquad
          \theta \leftarrow \theta - \alpha\, \nabla_\theta \mathcal{L}(\theta),$$

        with the max-margin (hinge) loss $\ell(s, y) = \max(0,\ 1 - y\,s)$ for labels
        $y \in \{-1, +1\}$. We then compare full-batch gradient descent, mini-batch SGD and
        SGD with momentum, and look inside the trained network.
        """),
        code("""
        import matplotlib.pyplot as plt
        import numpy as np

        from microgradx import data, draw, draw_network, functional, losses, nn, optim, train
        from microgradx.compiler import compile_loss
        """),
        code("""
        X, y01 = data.make_moons(100, noise=0.1, seed=0)
        y = 2 * y01 - 1  # labels -1 and +1 for the hinge loss

        fig, ax = plt.subplots(figsize=(4.5, 3.5))
        ax.scatter(X[:, 0], X[:, 1], c=y01, cmap="coolwarm", s=20, edgecolors="k", linewidths=0.5)
        ax.set_title("make_moons(100, noise=0.1)")
        plt.show()
        """),
        md(r"""
        ## The network, and one example's graph

        Two inputs, 16 + 16 hidden ReLU neurons, one linear output: $(2\cdot16 + 16) +
        (16\cdot16 + 16) + (16 + 1) = 337$ parameters.
        """),
        code("""
        model = nn.MLP(2, [16, 16, 1], seed=0)
        print(model)
        assert len(model.parameters()) == 337
        """),
        md(r"""
        The loss of a *single* example is already a graph of several hundred nodes — far too
        many to read one by one. Drawn **grouped by neuron**, each neuron's
        $\mathrm{ReLU}(\mathbf{w}\cdot\mathbf{x} + b)$ becomes one box, showing the size of the
        gradient $\lVert\nabla\rVert$ that backpropagation delivered to its parameters.
        Neurons whose ReLU is off for this input ($\mathbf{w}\cdot\mathbf{x}+b < 0$) pass no
        gradient back: their $\lVert\nabla\rVert$ is 0.
        """),
        code("""
        example_loss = losses.hinge(model(X[0]), int(y[0]))
        example_loss.backward()
        print(len(example_loss.topological_order()), "nodes in one example's loss graph")
        assert len(example_loss.topological_order()) > 337
        draw(example_loss, group="neuron")
        """),
        code("""
        inputs, switched_off = list(X[0]), 0
        for layer in model.layers[:-1]:  # the hidden layers, one at a time
            outputs = layer(inputs)
            for neuron, out in zip(layer.neurons, outputs):
                if out.data == 0.0:  # ReLU off: w·x + b ≤ 0
                    switched_off += 1
                    assert all(p.grad == 0.0 for p in neuron.parameters())
            inputs = [out.data for out in outputs]
        print(switched_off, "of 32 hidden neurons are off for this input, and get no gradient")
        """),
        md(r"""
        ## The graph is the program: run it over the whole batch at once

        On the scalar engine every example of a batch builds its own graph of several hundred
        `Value` objects, and that is slow. But every example builds *the same* graph, only with
        other numbers in it. `compile_loss` traces one example's graph
        $\ell(f(\theta, \mathbf{x}), y)$ **once** and turns it into a short program: each
        line is one numpy operation that computes a node (or a whole layer of nodes) for every
        row of the batch at once — a layer's 16 dot products become one matrix product. Here
        is the program of our network with the hinge loss and the L2 penalty:
        """),
        code("""
        penalty = 1e-4 * functional.sum([p * p for p in model.parameters()])
        compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1], penalty=penalty)
        print(compiled.loss_graph.program())
        """),
        md(r"""
        `rows` holds per-example values (one column per example), `scalars` the parameters and
        everything computed from parameters alone, such as the penalty. The loss is traced
        once for each label $y = -1$ and $y = +1$; the last line lets each row pick its own.
        Running the program backwards gives the batch-mean gradients, added to each
        parameter's `grad` — exactly what the scalar engine gives:
        """),
        code("""

        model.zero_grad()
        compiled_loss = compiled.step(X, y)
        compiled_grads = [p.grad for p in model.parameters()]

        model.zero_grad()
        scalar_loss = losses.hinge([model(x) for x in X], y.tolist())
        (scalar_loss + 1e-4 * functional.sum([p * p for p in model.parameters()])).backward()
        scalar_grads = [p.grad for p in model.parameters()]

        assert abs(compiled_loss - scalar_loss.data) < 1e-12
        assert np.allclose(compiled_grads, scalar_grads, rtol=1e-9, atol=1e-12)
        """),
        md(r"""
        ## Training

        `train.fit` runs the training loop of lesson 4 — zero the gradients, forward, backward,
        update — and with `compiled=True` each step is one run of that program over the batch.
        (Without the option it does the same whenever the model and loss can be compiled;
        `compiled=False` runs the scalar engine example by example, with the same results.)
        Here: 100 steps of full-batch gradient descent with the L2 penalty and a learning rate
        decaying from 1.0 to 0.1, as in micrograd's demo. The history records, for each step,
        the loss and the accuracy measured just before it.
        """),
        code("""
        optimizer = optim.SGD(model.parameters(), lr=1.0)
        history = train.fit(
            model, losses.hinge, optimizer, X, y, epochs=100, l2=1e-4,
            schedule=lambda k: 1.0 - 0.9 * k / 100, compiled=True, progress=False,
        )  # fmt: skip
        accuracy = train.accuracy(train.predict(model, X), y)
        print(f"final loss {history.loss[-1]:.4f}, accuracy {accuracy:.0%}")
        assert history.compiled and accuracy == 1.0
        assert history.loss[-1] < 0.05 < history.loss[0]
        """),
        md(r"""
        The network classifies all 100 training points correctly.
        """),
        code("""
        train.plot_history(history)
        """),
        code("""
        train.plot_decision_boundary(model, X, y01)
        """),
        md(r"""
        ## Full batch, mini-batches, momentum

        A full-batch step averages the gradient over all $I$ examples. **Mini-batch SGD** takes a
        step after each batch of $B$ examples, drawn without replacement, so one pass over the data
        (an *epoch*) costs the same gradient computations but makes $I/B$ steps, each with a noisier
        gradient. **Momentum** keeps a running direction,
        $\mathbf{v} \leftarrow \mu\mathbf{v} + \nabla\mathcal{L}$,
        $\theta \leftarrow \theta - \alpha\mathbf{v}$, which smooths the noise and speeds up
        progress along consistent directions. **Nesterov momentum** looks one step ahead: after
        updating $\mathbf{v}$ it steps along $\nabla\mathcal{L} + \mu\mathbf{v}$, the
        direction momentum is about to take,
        $\theta \leftarrow \theta - \alpha(\nabla\mathcal{L} + \mu\mathbf{v})$,
        which often corrects an overshoot a step earlier.

        Same network, same start, same learning rate $\alpha = 0.1$, 40 epochs each:
        """),
        code("""
        def train_moons(batch_size, momentum, nesterov=False, epochs=40, lr=0.1):
            net = nn.MLP(2, [16, 16, 1], seed=0)
            sgd = optim.SGD(net.parameters(), lr=lr, momentum=momentum, nesterov=nesterov)
            history = train.fit(
                net, losses.hinge, sgd, X, y, epochs=epochs, batch_size=batch_size,
                compiled=True, progress=False,
            )  # fmt: skip
            return net, history.loss, train.accuracy(train.predict(net, X), y)


        runs = {
            "full-batch GD": train_moons(batch_size=None, momentum=0.0),
            "mini-batch SGD (B = 10)": train_moons(batch_size=10, momentum=0.0),
            "SGD + momentum 0.9 (B = 10)": train_moons(batch_size=10, momentum=0.9),
            "SGD + Nesterov 0.9 (B = 10)": train_moons(batch_size=10, momentum=0.9, nesterov=True),
        }
        for name, (_, curve, accuracy) in runs.items():
            late = np.mean(curve[-10:])
            print(f"{name:28} loss over the last 10 epochs {late:.4f}   accuracy {accuracy:.0%}")
        """),
        code("""
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for name, (_, curve, _) in runs.items():
            ax.plot(range(1, len(curve) + 1), curve, label=name)
        ax.set(xlabel="epoch", ylabel="mean hinge loss", title="40 epochs each")
        ax.set_yscale("symlog", linthresh=1e-2)  # linear near 0, where momentum's loss ends
        ax.legend()
        plt.show()
        """),
        md(r"""
        With the same 40 epochs — the same number of example gradients — full-batch gradient
        descent has made only 40 small steps and still misclassifies some points, mini-batch SGD
        (400 steps) classifies every training point, and both kinds of momentum drive the loss
        lower still (compared over the last ten epochs, as the mini-batch curves are noisy).
        """),
        code("""
        # in the order of runs: full batch, mini-batch, momentum, Nesterov
        gd, sgd, momentum, nesterov = [np.mean(curve[-10:]) for _, curve, _ in runs.values()]
        accuracies = [accuracy for _, _, accuracy in runs.values()]
        assert accuracies[0] < 1.0 and accuracies[1:] == [1.0, 1.0, 1.0]
        assert max(momentum, nesterov) < sgd < gd
        assert 40 * len(list(data.batches(X, y, batch_size=10))) == 400  # mini-batch steps
        """),
        code("""
        fig, axes = plt.subplots(1, 4, figsize=(14, 3.3))
        for ax, (name, (net, _, _)) in zip(axes, runs.items()):
            train.plot_decision_boundary(net, X, y01, ax=ax)
            ax.set_title(name, fontsize=9)
        fig.tight_layout()
        plt.show()
        """),
        md(r"""
        ## Inside the trained network

        The familiar diagram of layers of neurons, drawn from the trained `model`: each edge's
        colour is the sign of its weight and its width the size; each neuron shows its bias.
        (Hover over an edge in the SVG to read its exact weight.)
        """),
        code("""
        draw_network(model)
        """),
    ],
)
# ----------------------------------------------------------------------------------------------
# 07 — handwritten digits: softmax, cross-entropy, test accuracy, confusion matrix (E8)
# ----------------------------------------------------------------------------------------------
lesson(
    "07_digits",
    [
        md(r"""
        # 7 · Recognising handwritten digits

        The lectures' running example: a network that reads a handwritten digit. microgradx ships
        the UCI optical digits — 1,797 images of $8 \times 8$ pixels — so we can train one on the
        same scalar engine we have drawn node by node, check it on digits it has never seen, and
        look at its mistakes.
        """),
        code("""
        import matplotlib.pyplot as plt
        import numpy as np

        from microgradx import data, functional, losses, nn, optim, train
        """),
        code("""
        X, y = data.load_digits()  # pixels scaled to [0, 1]
        print(X.shape, y.shape, "digits:", np.bincount(y))
        assert X.shape == (1797, 64) and X.min() == 0.0 and X.max() == 1.0

        fig, axes = plt.subplots(1, 10, figsize=(8, 1.2))
        for digit, ax in enumerate(axes):
            ax.imshow(X[np.flatnonzero(y == digit)[0]].reshape(8, 8), cmap="gray_r")
            ax.set_title(str(digit))
            ax.axis("off")
        plt.show()
        """),
        md(r"""
        We hold out a quarter of the images as a **test set**: the network never trains on them,
        so its accuracy there estimates how it does on new handwriting.
        """),
        code("""
        X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=0.25, seed=0)
        print(len(X_train), "training images,", len(X_test), "test images")
        assert (len(X_train), len(X_test)) == (1348, 449)
        """),
        md(r"""
        ## Ten outputs, and a loss to compare them with the label

        The lecture's first loss compares the network's ten outputs with the label written as a
        *one-hot* vector — a 1 at the correct digit, 0 elsewhere — by the squared distance
        $\lVert\text{output} - \text{label}\rVert^2$, averaged over the examples:

        $$\mathcal{L}(\theta) = \frac{1}{I}\sum_{i=1}^{I}
          \lVert f(\theta, \mathbf{x}_i) - \mathbf{y}_i\rVert^2 .$$

        For the slide's output $(0.2, 0, 0.3, 0.2, 0.2, 0.9, 0, \dots)$ on an image of a 5,
        taking the entries the slide hides behind the dots as 0, that is
        $0.2^2 + 0.3^2 + 0.2^2 + 0.2^2 + 0.1^2 = 0.22$.
        """),
        code("""
        slide_output = [0.2, 0.0, 0.3, 0.2, 0.2, 0.9, 0.0, 0.0, 0.0, 0.0]
        one_hot_5 = [1.0 if k == 5 else 0.0 for k in range(10)]
        squared_error = losses.mse([slide_output], [one_hot_5], reduction="sum")  # one example
        print(f"||output - label||² = {squared_error.data:.2f}")
        assert abs(squared_error.data - 0.22) < 1e-12
        """),
        md(r"""
        ## Softmax and cross-entropy

        For classification, networks are usually trained with a different loss. Our network
        maps the 64 pixels to 32 hidden ReLU neurons and then to 10 scores $s_0, \dots, s_9$
        (the *logits*), one per digit. Softmax turns scores into probabilities, and the loss is
        the negative log-probability of the correct digit $c$ (the **cross-entropy**):

        $$p_k = \frac{e^{s_k}}{\sum_j e^{s_j}}, \qquad
          \ell(\mathbf{s}, c) = -\log p_c = -s_c + \log\sum_j e^{s_j} .$$

        Its gradient is as simple as it gets: $\partial\ell/\partial s_k = p_k - [k = c]$ —
        push the correct score up and every other score down, in proportion to its probability.
        """),
        code("""
        model = nn.MLP(64, [32, 10], seed=0)
        print(model)
        assert len(model.parameters()) == (64 * 32 + 32) + (32 * 10 + 10) == 2410

        logits = model(X_train[0])
        loss = losses.cross_entropy(logits, int(y_train[0]))
        loss.backward()
        probabilities = [p.data for p in functional.softmax([s.data for s in logits])]
        for k, s in enumerate(logits):
            assert abs(s.grad - (probabilities[k] - (k == y_train[0]))) < 1e-12
        print(f"loss of one untrained example: {loss.data:.3f} (log 10 = {np.log(10):.3f})")
        """),
        md(r"""
        ## Training

        Mini-batches of 32 images, the Adam optimizer, 10 epochs. As in lesson 6,
        `compiled=True` traces the loss graph of one example once and runs it over a whole
        mini-batch at a time (for a classifier it traces one loss per possible label and lets
        each row pick its own). After every epoch `fit` also measures the loss and accuracy on
        the test images, passed as `validation`; the network never trains on them.
        """),
        code("""
        optimizer = optim.Adam(model.parameters(), lr=5e-3)
        history = train.fit(
            model, losses.cross_entropy, optimizer, X_train, y_train, epochs=10, batch_size=32,
            validation=(X_test, y_test), compiled=True, progress=False,
        )  # fmt: skip
        for epoch, (loss, test) in enumerate(zip(history.loss, history.val_accuracy), start=1):
            print(f"epoch {epoch:2}: train loss {loss:.4f}, test {test:.1%}")
        print(f"{history.seconds:.1f} s")
        """),
        code("""
        train.plot_history(history)
        """),
        md(r"""
        On the 449 test images the network gets **more than 95%** of the digits right, after
        seconds of training on a scalar autodiff engine's graph (a guess would get 10%).
        """),
        code("""
        predicted = train.predict(model, X_test).argmax(axis=1)
        accuracy = float(np.mean(predicted == y_test))
        mistakes = int(np.sum(predicted != y_test))
        print(f"test accuracy: {accuracy:.1%}  ({mistakes} of {len(y_test)} wrong)")
        assert accuracy > 0.95 and accuracy == history.val_accuracy[-1]
        assert history.loss[-1] < history.loss[0] / 5
        """),
        md(r"""
        ## The confusion matrix

        Row $i$, column $j$ counts the test images of digit $i$ that the network read as $j$: the
        diagonal holds the correct answers, everything off it is a mistake. The rows add up to the
        number of test images of each digit.
        """),
        code("""
        confusion = np.zeros((10, 10), dtype=int)
        np.add.at(confusion, (y_test, predicted), 1)
        assert confusion.sum() == len(y_test) and np.trace(confusion) == np.sum(predicted == y_test)
        assert np.array_equal(confusion.sum(axis=1), np.bincount(y_test, minlength=10))

        fig, ax = plt.subplots(figsize=(4.2, 3.8))
        ax.imshow(confusion, cmap="Blues")
        for i in range(10):
            for j in range(10):
                if confusion[i, j]:
                    colour = "white" if i == j else "black"
                    ax.text(j, i, confusion[i, j], ha="center", va="center", color=colour, size=8)
        ax.set(xlabel="predicted digit", ylabel="true digit", xticks=range(10), yticks=range(10))
        plt.show()
        """),
        md(r"""
        ## The mistakes

        Every misclassified test image, with what the network said and what it was. Many are
        hard to read for a person too, at $8 \times 8$ pixels.
        """),
        code("""
        wrong = np.flatnonzero(predicted != y_test)
        columns = 8
        rows = (len(wrong) + columns - 1) // columns
        fig, axes = plt.subplots(rows, columns, figsize=(8, 1.25 * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, i in zip(axes.flat, wrong):
            ax.imshow(X_test[i].reshape(8, 8), cmap="gray_r")
            ax.set_title(f"said {predicted[i]}, was {y_test[i]}", fontsize=8)
        fig.tight_layout()
        plt.show()
        """),
    ],
)


# ----------------------------------------------------------------------------------------------
# Writing the files.
# ----------------------------------------------------------------------------------------------
def build(name: str, cells: list[Cell]) -> nbformat.NotebookNode:
    """The notebook ``name``: empty outputs, stable cell ids (rebuilding changes nothing)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, (kind, text) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(text)
        cell.id = f"{name[:2]}-{index:02d}"
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the notebooks are current")
    parser.add_argument("names", nargs="*", help="lessons to write (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(LESSONS))
    if unknown:
        parser.error(f"no lesson named {', '.join(unknown)}; choose from {', '.join(LESSONS)}")
    stale = []
    for name in args.names or LESSONS:
        path = NOTEBOOK_DIR / f"{name}.ipynb"
        text = nbformat.writes(build(name, LESSONS[name])) + "\n"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(NOTEBOOK_DIR.parent)}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/build_notebooks.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
