"""micrograd's ``micrograd.nn``: ``Module``, ``Neuron``, ``Layer``, ``MLP``.

Built from ``microgradx.nn``'s Module and the ``dot`` node of ``microgradx.functional``,
initialised exactly as micrograd does (``random.uniform(-1, 1)`` weights, zero biases).
"""

from __future__ import annotations

import numbers
import random
from typing import Any

import microgradx.nn
from microgradx import functional
from microgradx.compat.micrograd.engine import Value, _adopt, _wrap
from microgradx.engine import Value as EngineValue

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module(microgradx.nn.Module):
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

    def parameters(self) -> list[EngineValue]:
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

    def parameters(self) -> list[EngineValue]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs: ReLU hidden layers, a linear last one."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        if not isinstance(nouts, (list, tuple)) or not nouts:
            raise TypeError(
                f"MLP(nin, nouts): nouts is the list of layer sizes, e.g. MLP(2, [16, 16, 1]); "
                f"got {nouts!r}"
            )
        sz = [nin, *nouts]
        self.layers = [
            Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1, name=f"L{i}")
            for i in range(len(nouts))
        ]

    def __call__(self, x: Any) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[EngineValue]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _check_size(n: object, what: str, who: str) -> None:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{who}: {what} must be a whole number ≥ 1, got {n!r}")


def _input_vector(x: Any, nin: int, module: Module) -> list[EngineValue]:
    """One input vector as ``nin`` Values; a single Value or number is a vector of one."""
    if isinstance(x, EngineValue) or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
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
