"""micrograd's API on microgradx's engine: bring your micrograd notebook, change the imports.

Code written against karpathy's micrograd (its ``engine`` and ``nn`` modules, and the
``trace`` / ``draw_dot`` functions from the lecture "The spelled-out intro to neural
networks and backpropagation") runs here with only its imports changed::

    from micrograd.engine import Value           # before
    from micrograd.nn import Neuron, Layer, MLP
    # ... plus trace() and draw_dot() copied from the lecture

    from microgradx.compat.micrograd import Value, Neuron, Layer, MLP, trace, draw_dot

or keep micrograd's module paths and put ``microgradx.compat.`` in front of them:
``from microgradx.compat.micrograd.engine import Value``,
``from microgradx.compat.micrograd.nn import MLP``,
``from microgradx.compat.micrograd import nn`` (then ``nn.Neuron(2)``).

What stays the same
    ``Value(data, _children=(), _op='', label='')`` with ``.data``, ``.grad``, ``._prev``
    (a set of the inputs), ``._op``, ``.label``; the operators ``+ - * / **`` (with int
    or float exponents), unary ``-`` and the reflected forms (``2 * x``, ``1 - x``, ...);
    ``.relu()`` and the lecture's ``.tanh()`` and ``.exp()``; ``.backward()``; calling
    ``node._backward()`` by hand to pass one node's gradient to its inputs, as the lecture
    does step by step. ``Neuron(nin, nonlin=True)``, ``Layer(nin, nout, **kwargs)`` and
    ``MLP(nin, nouts)`` (ReLU hidden layers, a linear last layer) with ``parameters()``
    and ``zero_grad()``, initialised exactly as micrograd does — weights from
    ``random.uniform(-1, 1)`` of Python's global ``random`` module, biases 0 — so after
    the same ``random.seed(...)`` a model starts with the same weights as micrograd's.
    A ``Layer`` of one neuron returns that neuron's Value (not a list), as in micrograd.

What gets better (micrograd's bugs, fixed by the engine underneath)
    * Calling ``backward()`` twice without zeroing: micrograd's second pass pushes the
      gradients left in the intermediates through again, so they come out wrong (for
      c = a·b, d = c + a, e = d², a second pass leaves 3 × ∂e/∂c in c and 3.75 × ∂e/∂a in
      a); here every node, leaves and intermediates, holds exactly 2 × ∂root/∂node, as in
      PyTorch.
    * Deep graphs: micrograd's recursive topological sort raises ``RecursionError`` at
      about 1,000 nodes deep; here backward is iterative (a chain a million deep works).
    * Input order: micrograd keeps a node's inputs in a ``set``, so traversal order and
      drawings change from run to run; here ``_prev`` iterates in operand order and the
      same expression always gives the same drawing.
    * A ``Layer`` of one neuron returns a bare Value, which micrograd's next layer cannot
      take (``MLP(2, [16, 1, 1])`` raises ``TypeError``); here a Neuron, Layer or MLP
      also accepts a single Value or number as a one-element input, so it works.
    * Calling a neuron with the wrong number of inputs: micrograd's ``zip`` silently
      drops the extra weights or inputs; here it is a ``ValueError`` naming both counts.
    * Errors that say what went wrong, at the op that fails, naming its operands: ``1 / 0``
      is a division by zero (micrograd: "0.0 cannot be raised to a negative power", as it
      divides by way of ``** -1``); ``(-8) ** 0.5`` is refused (micrograd: a complex number
      in ``data``); a product that overflows, or an inf or NaN given as data, is an error
      (micrograd carries inf and NaN on silently).

Differences you may notice
    * The graph has one node per operation: ``a - b`` is one ``-`` node, ``a / b`` one
      ``/`` node and ``-a`` one ``neg`` node (micrograd builds them from ``+``, ``*`` and
      ``**-1``). A Neuron's weighted sum w·x is one ``dot`` node (its inputs w0..wn-1,
      then x0..xn-1), where micrograd chains a ``*`` and a ``+`` node per input. Values
      and gradients are the same, up to rounding in the last digit.
    * ``_op`` holds microgradx's op names (``"relu"``, not ``"ReLU"``; ``"**2"`` for
      ``x ** 2.0``); ``grad`` starts as the float ``0.0``.
    * ``repr`` shows the label and six significant digits:
      ``Value(label='L', data=-8, grad=0)`` where micrograd prints
      ``Value(data=-8.0, grad=0)``; ``print(v.data)`` shows every digit, as before.
    * ``data`` must be a real number: ``Value("2")``, ``Value(None)`` or a NaN is a
      ``TypeError`` / ``ValueError`` at once, where micrograd stores it and fails later.
    * Each node records its local derivatives when it is made (``local_grads``), as the
      engine does: change a leaf's ``.data`` after building the graph and the gradients
      are those of the graph as built (micrograd's closures would read the new data).
      The lecture rebuilds the graph after changing data, which works the same in both.
    * Parameters are labelled as ``microgradx.nn`` labels them (``w0``, ``b``;
      ``L0.N3.w1`` in an MLP), so drawings name them; micrograd's have no labels.
    * ``_prev`` is a read-only set (a ``frozenset``): adding to it never changed a
      gradient in micrograd either.

Defining a new op the lecture's way
    ``out = Value(data, (a, b), 'op')`` followed by ``out._backward = function`` works: when
    the function is assigned it is called once, with ``out.grad = 1`` and the inputs'
    gradients at 0, to read off the local derivatives ∂out/∂input it adds to each input's
    ``grad`` (a micrograd ``_backward`` adds ``local derivative × out.grad`` to each input,
    so this is exact). The node then holds them in ``local_grads`` like every other node:
    backward, drawing (``local_grads=True``) and ``backward_steps`` work on it. A node made
    with children but never given a ``_backward`` cannot pass gradients on; ``backward()``
    says so instead of silently leaving zeros (assign ``out._backward = lambda: None``
    if no gradient should flow through it). Adding the op as a method works too
    (``Value.sigmoid = sigmoid``).

Not supported
    * A ``_backward`` whose effect is not proportional to ``out.grad`` (not a chain-rule
      step), or that reads data changed after it was assigned.
    * ``_prev`` as a mutable set; micrograd's int ``grad`` (it is a float here).
    * Mixing in Values from ``microgradx.Value`` works for the maths, but those nodes have
      no ``_prev`` / ``_op`` / ``_backward``; ``trace`` and ``draw_dot`` handle them anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microgradx import engine as _engine
from microgradx.compat.micrograd import engine, nn
from microgradx.compat.micrograd.engine import Value
from microgradx.compat.micrograd.nn import MLP, Layer, Module, Neuron
from microgradx.engine import topological_order as _topological_order

if TYPE_CHECKING:
    import graphviz

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP", "trace", "draw_dot", "engine", "nn"]


def trace(
    root: _engine.Value,
) -> tuple[set[_engine.Value], set[tuple[_engine.Value, _engine.Value]]]:
    """Every node of the graph that ends at ``root``, and every edge (input, node)."""
    if not isinstance(root, _engine.Value):
        raise TypeError(f"trace needs a Value, got {type(root).__name__}")
    nodes = set(_topological_order(root))
    edges = {(child, node) for node in nodes for child in node.inputs}
    return nodes, edges


def draw_dot(
    root: _engine.Value, format: str = "svg", rankdir: str = "LR", **options: Any
) -> graphviz.Digraph:
    """The lecture's ``draw_dot``, drawn by ``microgradx.draw``: a ``graphviz.Digraph``.

    Each Value is a box with its label, data and grad, each op a circle, as in the lecture.

    Args:
        root: the Value whose graph to draw.
        format: the output format of ``.render()`` / ``.pipe()`` ("svg", "png", ...).
        rankdir: "LR" (left to right) or "TB" (top to bottom).
        **options: anything ``microgradx.draw`` takes, e.g. ``local_grads=True``.
    """
    from microgradx.drawing import draw  # graphviz is imported only when drawing

    dot = draw(root, rankdir=rankdir, **options)
    dot.format = format
    return dot
