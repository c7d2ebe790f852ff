"""micrograd's API on microgradx's engine: bring your micrograd notebook, change the imports.

Code written against karpathy's micrograd (its ``engine`` and ``nn`` modules, and the
``trace`` / ``draw_dot`` functions from the lecture "The spelled-out intro to neural
networks and backpropagation") runs here with only its imports changed::

    from micrograd.engine import Value           # before
    from micrograd.nn import Neuron, Layer, MLP
    # ... plus trace() and draw_dot() copied from the lecture

    from microgradx.compat.micrograd import Value, Neuron, Layer, MLP, trace, draw_dot

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
    * Errors at the op that fails (log of 0, 0 ** -1, overflow), naming the operands,
      instead of a NaN or a ``ZeroDivisionError`` far downstream.

Differences you may notice
    * The graph has one node per operation: ``a - b`` is one ``-`` node, ``a / b`` one
      ``/`` node and ``-a`` one ``neg`` node (micrograd builds them from ``+``, ``*`` and
      ``**-1``). Values and gradients are the same.
    * ``_op`` holds microgradx's op names (``"relu"``, not ``"ReLU"``; ``"**2"`` for
      ``x ** 2.0``); ``grad`` starts as the float ``0.0``; a Value's ``repr`` shows its label.
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

import numbers
import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from microgradx import engine, functional, nn
from microgradx.domain import check_number
from microgradx.engine import topological_order

if TYPE_CHECKING:
    import graphviz

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP", "trace", "draw_dot"]


def _operator(method: Callable[..., engine.Value]) -> Callable[..., Value]:
    """The engine's ``x ∘ y``, a number ``y`` made a micrograd Value, the result one too."""

    def op(self: Value, other: Value | float) -> Value:
        return _adopt(method(self, _wrap(other)))

    op.__name__, op.__doc__ = method.__name__, method.__doc__
    return op


def _function(method: Callable[..., engine.Value]) -> Callable[..., Value]:
    """The engine's ``f(x, *numbers)`` (``exp``, ``x ** 2``, ...), the result a micrograd Value."""

    def op(self: Value, *args: Any) -> Value:
        return _adopt(method(self, *args))

    op.__name__, op.__doc__ = method.__name__, method.__doc__
    return op


class Value(engine.Value):
    """micrograd's Value: a scalar, its gradient and the op that made it.

    A ``microgradx.Value`` (every op, its local derivatives and backward come from the
    engine) that also answers to micrograd's names: ``_prev`` (the inputs, as a set),
    ``_op`` and ``_backward``. The result of every operation is again this Value.

    Args:
        data: a real number.
        _children: the Values this one was computed from (for ops defined the lecture's
            way; then assign ``_backward``).
        _op: the name of the op that made it.
        label: a name for drawings.
    """

    __slots__ = ()  # the engine's slots only, so the engine's results can become this class

    # How many nodes were made as Value(data, _children, _op) and not yet given a _backward:
    # while there are none, backward() need not look for them. (A node dropped unfinished
    # keeps the count up: backward then looks every time, which is slower but never wrong.)
    _unfinished: ClassVar[int] = 0

    def __init__(
        self, data: float, _children: Iterable[engine.Value] = (), _op: str = "", label: str = ""
    ) -> None:
        super().__init__(data, label)
        if not isinstance(_op, str):
            raise TypeError(f"_op must be a str naming the op, got {_op!r}")
        if isinstance(_children, str):
            raise TypeError(
                f"Value(data, {_children!r}): micrograd's second argument is _children, a tuple "
                f"of Values; give the label by name: Value(data, label={_children!r})"
            )
        children = tuple(_children)
        for child in children:
            if not isinstance(child, engine.Value):
                raise TypeError(
                    f"_children must be Values, got {child!r} of type {type(child).__name__}"
                )
        children = tuple(dict.fromkeys(children))  # each input once, as micrograd's set
        self.op = _op
        self.inputs = children
        if children:  # no local derivatives until a _backward function is assigned
            Value._unfinished += 1

    # micrograd's names for the engine's attributes.

    @property
    def _prev(self) -> frozenset[engine.Value]:
        """The Values this one was computed from: a set that iterates in operand order."""
        return _Inputs(self.inputs)

    @property
    def _op(self) -> str:
        """The op that made this Value ("" for a leaf)."""
        return self.op

    @_op.setter
    def _op(self, op: str) -> None:
        self.op = op

    @property
    def _backward(self) -> Callable[[], None]:
        """One step of the backward pass: input.grad += local_grad · self.grad for each input."""

        def _backward() -> None:
            for child, local in zip(self.inputs, self.local_grads):
                child.grad += local * self.grad

        return _backward

    @_backward.setter
    def _backward(self, function: Callable[[], None]) -> None:
        if not callable(function):
            raise TypeError(f"_backward must be a function of no arguments, got {function!r}")
        unfinished = len(self.local_grads) != len(self.inputs)
        self.local_grads = _local_grads_of(self, function)
        if unfinished:
            Value._unfinished -= 1

    # Every op is the engine's; only the class of the result changes.
    __add__ = _operator(engine.Value.__add__)
    __radd__ = _operator(engine.Value.__radd__)
    __sub__ = _operator(engine.Value.__sub__)
    __rsub__ = _operator(engine.Value.__rsub__)
    __mul__ = _operator(engine.Value.__mul__)
    __rmul__ = _operator(engine.Value.__rmul__)
    __truediv__ = _operator(engine.Value.__truediv__)
    __rtruediv__ = _operator(engine.Value.__rtruediv__)
    __rpow__ = _operator(engine.Value.__rpow__)
    __pow__ = _function(engine.Value.__pow__)
    __neg__ = _function(engine.Value.__neg__)
    exp = _function(engine.Value.exp)
    log = _function(engine.Value.log)
    tanh = _function(engine.Value.tanh)
    sigmoid = _function(engine.Value.sigmoid)
    relu = _function(engine.Value.relu)
    leaky_relu = _function(engine.Value.leaky_relu)
    sin = _function(engine.Value.sin)
    cos = _function(engine.Value.cos)
    sqrt = _function(engine.Value.sqrt)
    abs = _function(engine.Value.abs)
    __abs__ = abs

    def backward(self, grad: float = 1.0) -> None:
        """∂self/∂node into every node's ``grad`` (accumulating, as the engine's backward).

        Refuses a graph with a node made as ``Value(data, children, op)`` that was never
        given a ``_backward``: micrograd would silently pass no gradient through it.
        """
        if Value._unfinished:
            for node in topological_order(self):
                if len(node.local_grads) != len(node.inputs):
                    raise ValueError(
                        f"{node!r} was made as Value(data, _children, {node.op!r}) but has no "
                        "_backward function, so no gradient can pass through it: assign one "
                        "(out._backward = _backward, as the lecture does), or "
                        "out._backward = lambda: None if no gradient should flow"
                    )
        super().backward(grad)


class _Inputs(frozenset):
    """micrograd's ``_prev``: the set of a node's inputs, iterated in operand order."""

    __slots__ = ("_order",)

    def __new__(cls, inputs: tuple[engine.Value, ...]) -> _Inputs:
        self = super().__new__(cls, inputs)
        self._order = tuple(dict.fromkeys(inputs))
        return self

    def __iter__(self) -> Any:
        return iter(self._order)

    def __repr__(self) -> str:
        return "{" + ", ".join(map(repr, self._order)) + "}" if self._order else "set()"


def _adopt(node: engine.Value) -> Value:
    """The engine's fresh result node, as a micrograd Value (same slots: only the class changes)."""
    node.__class__ = Value
    return node


def _wrap(x: engine.Value | float) -> engine.Value:
    """A Value as it is; a plain number as a constant micrograd Value."""
    return x if isinstance(x, engine.Value) else Value(x)


def _local_grads_of(node: Value, function: Callable[[], None]) -> tuple[float, ...]:
    """The local derivatives a micrograd ``_backward`` closure applies, read off by calling it.

    The closure adds ∂node/∂input × node.grad to each input's grad; called once with
    node.grad = 1 and the inputs' grads at 0, those grads are the local derivatives.
    Every gradient it touches is put back as it was.
    """
    inputs = node.inputs
    saved = [child.grad for child in inputs], node.grad
    try:
        for child in inputs:
            child.grad = 0.0
        node.grad = 1.0
        function()
        local_grads = tuple(child.grad for child in inputs)
    finally:
        for child, grad in zip(inputs, saved[0]):
            child.grad = grad
        node.grad = saved[1]
    for child, local in zip(inputs, local_grads):
        check_number(local, f"the local derivative of {node.op!r} for input {child!r}")
    return tuple(float(local) for local in local_grads)


# ----------------------------------------------------------------------
# micrograd.nn
# ----------------------------------------------------------------------


class Module(nn.Module):
    """micrograd's Module: ``parameters()`` and ``zero_grad()`` (microgradx.nn's Module)."""


class Neuron(Module):
    """relu(w · x + b), or w · x + b with ``nonlin=False``: micrograd's Neuron.

    Weights start at ``random.uniform(-1, 1)`` (Python's global ``random``), the bias at 0.
    """

    def __init__(self, nin: int, nonlin: bool = True, *, name: str = "") -> None:
        _check_size(nin, "nin", "Neuron")
        prefix = f"{name}." if name else ""
        self.w = [Value(random.uniform(-1, 1), label=f"{prefix}w{i}") for i in range(nin)]
        self.b = Value(0, label=f"{prefix}b")
        self.nonlin = nonlin

    @property
    def activation(self) -> str:
        """The activation by microgradx.nn's name: "relu" or "linear"."""
        return "relu" if self.nonlin else "linear"

    def __call__(self, x: Any) -> Value:
        """One node for w · x, one for + b, then ReLU (unless ``nonlin=False``)."""
        xs = _input_vector(x, len(self.w), self)
        act = _adopt(functional.dot(self.w, xs)) + self.b
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[engine.Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` Neurons on the same inputs; a list of their outputs, or the Value if one."""

    def __init__(self, nin: int, nout: int, *, name: str = "", **kwargs: Any) -> None:
        _check_size(nout, "nout", "Layer")
        prefix = f"{name}." if name else ""
        self.neurons = [Neuron(nin, name=f"{prefix}N{j}", **kwargs) for j in range(nout)]

    def __call__(self, x: Any) -> Value | list[Value]:
        xs = _input_vector(x, len(self.neurons[0].w), self)  # made Values once, for all neurons
        out = [n(xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[engine.Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs: ReLU hidden layers, a linear last one."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sz = [nin, *nouts]
        self.layers = [
            Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1, name=f"L{i}")
            for i in range(len(nouts))
        ]

    def __call__(self, x: Any) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[engine.Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _check_size(n: object, what: str, who: str) -> None:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{who}: {what} must be a whole number ≥ 1, got {n!r}")


def _input_vector(x: Any, nin: int, module: Module) -> list[engine.Value]:
    """One input vector as ``nin`` Values; a single Value or number is a vector of one."""
    if isinstance(x, engine.Value) or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        xs = [x]
    else:
        try:
            xs = list(x)
        except TypeError:
            raise TypeError(
                f"{module!r} takes a list of {nin} numbers or Values, got {type(x).__name__}"
            ) from None
    if len(xs) != nin:
        raise ValueError(f"{module!r} expects {nin} inputs, got {len(xs)}")
    return [_wrap(xi) for xi in xs]


# ----------------------------------------------------------------------
# The lecture's trace and draw_dot
# ----------------------------------------------------------------------


def trace(root: engine.Value) -> tuple[set[engine.Value], set[tuple[engine.Value, engine.Value]]]:
    """Every node of the graph that ends at ``root``, and every edge (input, node)."""
    if not isinstance(root, engine.Value):
        raise TypeError(f"trace needs a Value, got {type(root).__name__}")
    nodes = set(topological_order(root))
    edges = {(child, node) for node in nodes for child in node.inputs}
    return nodes, edges


def draw_dot(
    root: engine.Value, format: str = "svg", rankdir: str = "LR", **options: Any
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
