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
    LESSONS[name] = cells


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
