"""micrograd's ``micrograd.engine``: its ``Value`` on microgradx's engine.

Every op, its local derivatives and backward come from ``microgradx.engine``; this
module adds micrograd's names (``_prev``, ``_op``, ``_backward``) and the
``Value(data, _children, _op)`` constructor. See ``microgradx.compat.micrograd``
for what stays the same and what differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from microgradx import ops
from microgradx.domain import check_number
from microgradx.engine import Value as EngineValue
from microgradx.engine import apply as engine_apply
from microgradx.engine import topological_order

__all__ = ["Value", "DivisionByZeroError"]


class DivisionByZeroError(ZeroDivisionError, ValueError):
    """Division by zero (or 0 to a negative power) in a micrograd Value.

    Both a ``ZeroDivisionError``, which micrograd code catches (micrograd's arithmetic is
    Python's), and a ``ValueError``, which microgradx's engine raises for it.
    """


def _operator(method: Callable[..., EngineValue]) -> Callable[..., Value]:
    """The engine's ``x ∘ y``, a number ``y`` made a micrograd Value, the result one too."""

    def op(self: Value, other: Value | float) -> Value:
        return _adopt(method(self, _wrap(other)))

    op.__name__, op.__doc__ = method.__name__, method.__doc__
    return op


def _division(method: Callable[..., EngineValue], divisor_is_self: bool) -> Callable[..., Value]:
    """``_operator`` for ``/``: dividing by zero raises ``DivisionByZeroError``."""

    def op(self: Value, other: Value | float) -> Value:
        other = _wrap(other)
        divisor = self if divisor_is_self else other
        try:
            return _adopt(method(self, other))
        except ValueError as error:
            if divisor.data == 0.0:
                raise DivisionByZeroError(str(error)) from None
            raise

    op.__name__, op.__doc__ = method.__name__, method.__doc__
    return op


def _power(self: Value, exponent: Value | float) -> Value:
    try:
        return _adopt(EngineValue.__pow__(self, exponent))
    except ValueError as error:
        n = exponent.data if isinstance(exponent, EngineValue) else exponent
        if self.data == 0.0 and isinstance(n, (int, float)) and n < 0:
            raise DivisionByZeroError(str(error)) from None
        raise


_power.__name__, _power.__doc__ = "__pow__", EngineValue.__pow__.__doc__


def _function(method: Callable[..., EngineValue]) -> Callable[..., Value]:
    """The engine's ``f(x, *numbers)`` (``exp``, ``x ** 2``, ...), the result a micrograd Value."""

    def op(self: Value, *args: Any) -> Value:
        return _adopt(method(self, *args))

    op.__name__, op.__doc__ = method.__name__, method.__doc__
    return op


class Value(EngineValue):
    """micrograd's Value: a scalar, its gradient and the op that made it.

    A ``microgradx.Value`` (every op, its local derivatives and backward come from the
    engine) that also answers to micrograd's names: ``_prev`` (the inputs, as a set),
    ``_op`` and ``_backward``. The result of every operation is again this Value. As in
    micrograd, any other attribute may be set on it (``p.m = 0.0`` for an optimizer's
    state, ``v._vis_color`` for a drawing); ``Value(True)`` is the number 1; dividing by
    zero raises ``DivisionByZeroError``, both a ZeroDivisionError and a ValueError.

    Args:
        data: a real number.
        _children: the Values this one was computed from (for ops defined the lecture's
            way; then assign ``_backward``).
        _op: the name of the op that made it.
        label: a name for drawings.
    """

    # No __slots__: a __dict__ holds the attributes micrograd code sets on its Values.

    # How many nodes were made as Value(data, _children, _op) and not yet given a _backward:
    # while there are none, backward() need not look for them. (A node dropped unfinished
    # keeps the count up: backward then looks every time, which is slower but never wrong.)
    _unfinished: ClassVar[int] = 0

    def __init__(
        self, data: float, _children: Iterable[EngineValue] = (), _op: str = "", label: str = ""
    ) -> None:
        super().__init__(int(data) if isinstance(data, bool) else data, label)
        if not isinstance(_op, str):
            raise TypeError(f"_op must be a str naming the op, got {_op!r}")
        if isinstance(_children, str):
            raise TypeError(
                f"Value(data, {_children!r}): micrograd's second argument is _children, a tuple "
                f"of Values; give the label by name: Value(data, label={_children!r})"
            )
        try:
            children = tuple(_children)
        except TypeError:
            raise TypeError(f"_children must be a tuple of Values, got {_children!r}") from None
        for child in children:
            if not isinstance(child, EngineValue):
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
    def _prev(self) -> frozenset[EngineValue]:
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


def _install_ops() -> None:
    """Every op of the table is the engine's; only the class of the result changes."""
    for op in ops.builtin_ops():
        for name in (op.method, op.reflected):
            if name is None:
                continue
            method = getattr(EngineValue, name)
            wrap = _operator if op.arity == 2 and name != "__pow__" else _function
            setattr(Value, name, wrap(method))
    Value.__rpow__ = _operator(EngineValue.__rpow__)  # type: ignore[method-assign]
    Value.__abs__ = Value.abs  # type: ignore[method-assign]
    # Dividing by zero is also the ZeroDivisionError micrograd code catches.
    Value.__truediv__ = _division(EngineValue.__truediv__, divisor_is_self=False)  # type: ignore[method-assign]
    Value.__rtruediv__ = _division(EngineValue.__rtruediv__, divisor_is_self=True)  # type: ignore[method-assign]
    Value.__pow__ = _power  # type: ignore[method-assign,assignment]


_install_ops()
# An op made with define_op, applied to micrograd Values, gives one too.
Value._apply_op = staticmethod(lambda op, args: _adopt(engine_apply(op, args)))  # type: ignore[attr-defined]


class _Inputs(frozenset):
    """micrograd's ``_prev``: the set of a node's inputs, iterated in operand order."""

    __slots__ = ("_order",)

    def __new__(cls, inputs: tuple[EngineValue, ...]) -> _Inputs:
        self = super().__new__(cls, inputs)
        self._order = tuple(dict.fromkeys(inputs))
        return self

    def __iter__(self) -> Any:
        return iter(self._order)

    def __repr__(self) -> str:
        return "{" + ", ".join(map(repr, self._order)) + "}" if self._order else "set()"


_new_value = object.__new__


def _adopt(node: EngineValue) -> Value:
    """The engine's fresh result node, as a micrograd Value: the same node, copied into a
    Value that has a ``__dict__`` (the engine's Value has slots only)."""
    out = _new_value(Value)
    out.data = node.data
    out.grad = node.grad
    out.label = node.label
    out.op = node.op
    out.inputs = node.inputs
    out.local_grads = node.local_grads
    return out


def _wrap(x: EngineValue | float) -> EngineValue:
    """A Value as it is; a plain number as a constant micrograd Value."""
    return x if isinstance(x, EngineValue) else Value(x)


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
