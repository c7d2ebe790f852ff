"""Neural networks built from Values: ``Neuron``, ``Layer``, ``MLP``.

A neuron computes  act(w · x + b)  as three nodes: one ``dot`` node (Σᵢ wᵢ·xᵢ),
one ``+`` node (adding the bias) and the activation node (none for ``"linear"``).
Every weight and bias is a labelled leaf Value, so a drawing of the graph shows
which neuron each parameter belongs to:

    standalone Neuron      w0, w1, …, b
    neuron j of a Layer    N{j}.w{i}, N{j}.b
    layer l of an MLP      L{l}.N{j}.w{i}, L{l}.N{j}.b      (all indices from 0)

    >>> model = MLP(2, [16, 16, 1], seed=0)   # micrograd's moons classifier
    >>> score = model([0.5, -1.0])            # a single Value: the last layer has one neuron
    >>> score.backward()                      # ∂score/∂p in p.grad for every parameter p

Initialisation (seeded: the same seed gives the same weights): each weight is drawn
from the uniform distribution U(−a, a) with a = gain·√(3/nin), so Var(w) = gain²/nin
keeps the size of the signal steady from layer to layer — gain = √2 for ``relu`` and
``leaky_relu`` (He initialisation), gain = 1 for ``tanh``, ``sigmoid`` and ``linear``
(LeCun initialisation). Biases start at 0.

To start from another engine's weights, give ``init=``: a ``random.Random`` (or the
``random`` module) draws micrograd's initialisation from it — every weight from
U(−1, 1), neuron by neuron, biases 0 — so ``MLP(2, [16, 16, 1], init=random.Random(1337))``
is micrograd's ``MLP(2, [16, 16, 1])`` after ``random.seed(1337)``; a function
``init(nin, nout)`` returns one layer's weights (nout rows of nin numbers) and its nout
biases, e.g. copied from a ``torch.nn.Linear(nin, nout)``.

Your own model is a ``Module`` that stores its parameters as attributes and defines
``forward``; calling the module runs ``forward`` (PyTorch's convention):

    >>> class TwoLayers(Module):
    ...     def __init__(self) -> None:
    ...         self.hidden = Layer(2, 8, "tanh", seed=0)
    ...         self.out = Neuron(8, "linear", seed=1)
    ...     def forward(self, x: Inputs) -> Value:
    ...         return self.out(self.hidden(x))
    >>> TwoLayers()([1.0, 2.0]).data != 0.0
    True
"""

from __future__ import annotations

import math
import numbers
import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Literal,
    NamedTuple,
    TypeAlias,
    TypeVar,
    cast,
    overload,
)

from microgradx import functional, ops
from microgradx.domain import check_number
from microgradx.engine import Value, apply_to_values, as_value

__all__ = [
    "ACTIVATIONS",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "ParameterLabel",
    "parse_parameter_label",
]

# The table's activation ops (relu, tanh, sigmoid, leaky_relu), and "linear" for none.
ACTIVATIONS = (*(op.name for op in ops.activations()), "linear")

_GAIN = {"relu": math.sqrt(2.0), "leaky_relu": math.sqrt(2.0)}  # others: 1.0

# One input vector: a list of numbers or Values, or a 1-D numpy array.
Inputs: TypeAlias = "Sequence[Value | float] | NDArray[Any]"
# init(nin, nout) → (weights: nout rows of nin numbers, biases: nout numbers)
InitFunction = Callable[[int, int], tuple[Sequence[Sequence[float]] | Any, Sequence[float] | Any]]
Init = InitFunction | random.Random | ModuleType | None
# What an MLP returns: Value for one output (nouts given as a tuple ending in 1, or an
# annotation ``MLP[Value]``), list[Value] for several; Any when the type checker cannot tell.
if TYPE_CHECKING:
    from numpy.typing import NDArray

if TYPE_CHECKING:  # a default needs Python 3.13's typing at run time
    from typing_extensions import TypeVar as TypeVarWithDefault

    Out = TypeVarWithDefault("Out", default=Any)
else:
    Out = TypeVar("Out")


class Module:
    """Anything with parameters: a Neuron, a Layer, an MLP, or a model of your own.

    A subclass stores its parameters as attributes — a Value, a list of Values, a
    Module or a list of Modules — and ``named_parameters()`` finds them, in the order
    the attributes were set, named by the path to them (``layers.0.neurons.3.w.1``).
    It defines ``forward(x)``, what the module computes; ``module(x)`` runs it.
    """

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What the module computes; define it in your subclass (``module(x)`` calls it)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, x)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``module(x)`` is ``module.forward(x)``, as in PyTorch."""
        return self.forward(*args, **kwargs)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs, e.g. ``("layers.0.neurons.3.w.1", Value(...))``.

        A parameter stored in two places (tied weights) is listed once, under the first
        name, as PyTorch does.
        """
        seen: set[int] = set()
        named = []
        for name, p in _named(self, ""):
            if id(p) not in seen:
                seen.add(id(p))
                named.append((name, p))
        return named

    def parameters(self) -> list[Value]:
        """Every parameter (a leaf Value the optimizer updates), each once, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0, before the next backward pass."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self.parameters())

    def state_dict(self) -> dict[str, list[float]]:
        """The parameters' values as plain lists of floats (JSON-serialisable).

        Keys group the parameters that share a name up to their index:
        ``"layers.0.neurons.3.w"`` holds that neuron's weights, ``"layers.0.neurons.3.b"``
        its bias (a list of one number). ``json.dumps(model.state_dict())`` saves a model.
        A parameter stored in two places (tied weights) appears under both names.
        """
        state: dict[str, list[float]] = {}
        for name, p in _named(self, ""):
            state.setdefault(_group(name), []).append(p.data)
        return state

    def load_state_dict(self, state: Mapping[str, Sequence[float]]) -> None:
        """Set the parameters from a ``state_dict()`` (for example one read back from JSON).

        The state must have exactly this module's keys, each with the same number of
        values; otherwise nothing is changed and a ``ValueError`` says what differs.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict needs a dict like the one state_dict() returns, "
                f"got {type(state).__name__}"
            )
        groups: dict[str, list[Value]] = {}
        for name, p in _named(self, ""):
            groups.setdefault(_group(name), []).append(p)
        missing = [key for key in groups if key not in state]
        unexpected = [key for key in state if key not in groups]
        if missing or unexpected:
            raise ValueError(
                f"the state does not fit {self!r} (was it saved from a model of another "
                f"shape?): keys missing: {_some(missing)}; keys this model does not have: "
                f"{_some(unexpected)}"
            )
        new_values: list[tuple[Value, float]] = []
        for key, params in groups.items():
            values = state[key]
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise ValueError(f"state[{key!r}] must be a list of numbers, got {values!r}")
            if len(values) != len(params):
                raise ValueError(
                    f"state[{key!r}] has {len(values)} numbers but {self!r} expects "
                    f"{len(params)} there: the state was saved from a model of another shape"
                )
            for i, (p, value) in enumerate(zip(params, values)):
                new_values.append((p, check_number(value, f"state[{key!r}][{i}]")))
        for p, value in new_values:
            p.data = value
            p.grad = 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_parameters()} parameters)"


class Neuron(Module):
    """One neuron: act(w · x + b) with ``nin`` weights and a bias.

    Args:
        nin: the number of inputs (≥ 1).
        activation: one of ``"relu" "tanh" "sigmoid" "leaky_relu" "linear"``.
        seed: an int for reproducible weights (or a ``random.Random``); None for fresh ones.
        name: prefix for the parameters' labels (a Layer passes ``"N3"``, an MLP ``"L0.N3"``).
        init: another engine's initialisation instead of the seeded one (see the module's
            docstring): a ``random.Random`` for micrograd's, or a function
            ``init(nin, 1)`` giving ``([weights], [bias])``.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        seed: int | random.Random | None = None,
        *,
        name: str = "",
        init: Init = None,
    ) -> None:
        _check_count(nin, "nin", "Neuron")
        _check_activation(activation)
        weights, biases = _initial_weights(nin, 1, activation, seed, init, "Neuron")
        prefix = f"{name}." if name else ""
        self.w = [Value(w, f"{prefix}w{i}") for i, w in enumerate(weights[0])]
        self.b = Value(biases[0], f"{prefix}b")
        self.activation = activation

    @property
    def nin(self) -> int:
        return len(self.w)

    def __call__(self, x: Inputs) -> Value:
        return self.forward(x)

    def forward(self, x: Inputs) -> Value:
        """act(Σᵢ wᵢ·xᵢ + b) for one input vector x (numbers, Values or a 1-D numpy array)."""
        xs = _inputs(x, self.nin, self)
        try:
            z = functional.dot(self.w, xs)
        except (TypeError, ValueError):
            _check_entries(xs, self)  # names the bad input, if that was the trouble
            raise
        return _activate(z + self.b, self.activation)

    def _on_values(self, xs: tuple[Value, ...]) -> Value:
        """``forward`` for inputs a layer has already checked and made Values."""
        try:
            z = apply_to_values(ops.DOT, (*self.w, *xs))
        except AttributeError:  # a weight replaced by a plain number: the general path
            return self.forward(list(xs))
        return _activate(z + self.b, self.activation)

    def __repr__(self) -> str:
        return f"Neuron({self.nin} inputs, {self.activation})"


class Layer(Module):
    """``nout`` neurons that all see the same inputs; returns a list of ``nout`` Values.

    The list is returned even when ``nout`` is 1, so layers always chain. ``seed`` and
    ``init`` as for ``Neuron``; a function ``init(nin, nout)`` gives the layer's nout rows
    of weights and its nout biases.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        seed: int | random.Random | None = None,
        *,
        name: str = "",
        init: Init = None,
    ) -> None:
        _check_count(nin, "nin", "Layer")
        _check_count(nout, "nout", "Layer")
        _check_activation(activation)
        weights, biases = _initial_weights(nin, nout, activation, seed, init, "Layer")
        prefix = f"{name}." if name else ""
        self.neurons = [
            Neuron(nin, activation, name=f"{prefix}N{j}", init=_given(weights[j], biases[j]))
            for j in range(nout)
        ]

    @property
    def nin(self) -> int:
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    @property
    def activation(self) -> str:
        return self.neurons[0].activation

    def __call__(self, x: Inputs) -> list[Value]:
        return self.forward(x)

    def forward(self, x: Inputs) -> list[Value]:
        """[neuron(x) for each neuron]; the inputs become Values once, shared by all neurons."""
        xs = tuple(_input_values(x, self.nin, self))
        return [
            neuron._on_values(xs) if type(neuron) is Neuron else neuron(list(xs))
            for neuron in self.neurons
        ]

    def __repr__(self) -> str:
        return f"Layer({self.nin} → {self.nout}, {self.activation})"


class MLP(Module, Generic[Out]):
    """A multi-layer perceptron: layers of sizes ``nouts`` after ``nin`` inputs.

    Hidden layers use ``activation``; the last layer is linear (its outputs are scores
    or logits for a loss to judge). ``MLP(2, [16, 16, 1])`` is micrograd's moons
    classifier, ``MLP(64, [32, 10])`` a digit classifier. Calling the MLP returns a
    single Value when the last layer has one neuron, else a list of Values. ``seed``
    and ``init`` as for ``Layer`` (``init(nin, nout)`` is called once per layer).

    For a type checker: sizes written as a tuple that ends in 1, ``MLP(2, (16, 16, 1))``,
    make ``model(x)`` a ``Value``; ``model: MLP[Value] = MLP(2, [16, 16, 1])`` says so
    for a list (``MLP[list[Value]]`` for several outputs). Otherwise it is ``Any``.
    """

    @overload
    def __init__(
        self: MLP[Value],
        nin: int,
        nouts: tuple[Literal[1]]
        | tuple[int, Literal[1]]
        | tuple[int, int, Literal[1]]
        | tuple[int, int, int, Literal[1]]
        | tuple[int, int, int, int, Literal[1]],
        activation: str = "relu",
        seed: int | random.Random | None = None,
        *,
        init: Init = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: int | random.Random | None = None,
        *,
        init: Init = None,
    ) -> None: ...

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: int | random.Random | None = None,
        *,
        init: Init = None,
    ) -> None:
        _check_count(nin, "nin", "MLP")
        if hasattr(nouts, "ndim") and hasattr(nouts, "tolist"):  # a numpy array of sizes
            nouts = nouts.tolist()
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(
                f"MLP needs nouts, a non-empty list of layer sizes such as [16, 16, 1], "
                f"got {nouts!r}"
            )
        for size in nouts:
            _check_count(size, "every layer size in nouts", "MLP")
        _check_activation(activation)
        rng = _rng(seed) if init is None else None
        layer_init = None if init is None else _check_init(init, seed, "MLP")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[k],
                sizes[k + 1],
                "linear" if k == last else activation,
                rng,
                name=f"L{k}",
                init=layer_init,
            )
            for k in range(len(nouts))
        ]

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nout(self) -> int:
        return self.layers[-1].nout

    def __call__(self, x: Inputs) -> Out:
        return self.forward(x)

    def forward(self, x: Inputs) -> Out:
        """The last layer's outputs: one Value if it has one neuron, else a list."""
        out = _input_values(x, self.nin, self)
        for layer in self.layers:
            out = layer(out)
        return cast(Out, out[0] if len(out) == 1 else out)

    def __repr__(self) -> str:
        shape = " → ".join(
            [str(self.nin)] + [f"{layer.nout} {layer.activation}" for layer in self.layers]
        )
        return f"MLP({shape}; {self.num_parameters()} parameters)"


# ----------------------------------------------------------------------
# Helpers.
class ParameterLabel(NamedTuple):
    """What a parameter's label says: ``"L1.N3.w0"`` is weight 0 of neuron ``"L1.N3"`` in layer
    ``"L1"``. ``layer`` and ``neuron`` are "" when the label does not name them (``"w0"``);
    ``index`` is None for a bias."""

    layer: str
    neuron: str
    kind: str  # "w" (a weight) or "b" (the bias)
    index: int | None


_PARAMETER_LABEL = re.compile(r"^(?:(?P<neuron>.+)\.)?(?:w(?P<index>\d+)|b)$")


def parse_parameter_label(label: str) -> ParameterLabel | None:
    """Read a label the way ``Neuron`` writes it: "w{i}" or "b", after an optional "N{j}." or
    "L{l}.N{j}." prefix; None for any other label ("x", "loss")."""
    match = _PARAMETER_LABEL.match(label)
    if match is None:
        return None
    neuron, index = match["neuron"] or "", match["index"]
    layer = neuron.split(".", 1)[0] if "." in neuron else ""
    return ParameterLabel(layer, neuron, "b" if index is None else "w", index and int(index))


# ----------------------------------------------------------------------


def _named(obj: object, prefix: str) -> Iterator[tuple[str, Value]]:
    """Walk a module's attributes (in the order they were set) and yield its parameters."""
    if isinstance(obj, Value):
        yield prefix, obj
    elif isinstance(obj, Module):
        for attribute, item in vars(obj).items():
            if not attribute.startswith("_"):
                yield from _named(item, f"{prefix}.{attribute}" if prefix else attribute)
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            if isinstance(item, (Value, Module, list, tuple)):
                yield from _named(item, f"{prefix}.{i}")


_INDEX = re.compile(r"\.\d+$")


def _group(name: str) -> str:
    """'layers.0.neurons.3.w.1' → 'layers.0.neurons.3.w' (a state_dict key)."""
    return _INDEX.sub("", name)


def _some(keys: list[str]) -> str:
    """A short readable list of state_dict keys for an error message."""
    if not keys:
        return "none"
    shown = ", ".join(repr(key) for key in keys[:3])
    more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
    return f"{shown}{more}"


def _check_count(n: object, what: str, who: str) -> None:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{who}: {what} must be a whole number ≥ 1, got {n!r}")


def _check_activation(activation: object) -> None:
    if activation not in ACTIVATIONS:
        known = ", ".join(repr(a) for a in ACTIVATIONS)
        raise ValueError(f"unknown activation {activation!r}: use one of {known}")


def _rng(seed: int | random.Random | None) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        return random.Random(None if seed is None else int(seed))
    raise TypeError(f"seed must be an int, a random.Random or None, got {seed!r}")


def _check_init(init: Init, seed: object, who: str) -> Init:
    """``init`` is a random.Random, the random module or a function; never with a seed."""
    if seed is not None:
        raise ValueError(f"{who}: give seed= or init=, not both (init decides the weights)")
    if not (isinstance(init, random.Random) or init is random or callable(init)):
        raise TypeError(
            f"{who}: init must be a random.Random (micrograd's initialisation drawn from it) "
            f"or a function init(nin, nout) -> (weights, biases), got {init!r}"
        )
    return init


def _initial_weights(
    nin: int, nout: int, activation: str, seed: int | random.Random | None, init: Init, who: str
) -> tuple[list[list[float]], list[float]]:
    """A layer's starting weights (nout rows of nin) and biases (nout), neuron by neuron."""
    if init is None:  # He / LeCun uniform, seeded
        rng = _rng(seed)
        bound = _GAIN.get(activation, 1.0) * math.sqrt(3.0 / nin)
        return [[rng.uniform(-bound, bound) for _ in range(nin)] for _ in range(nout)], [0.0] * nout
    init = _check_init(init, seed, who)
    if isinstance(init, (random.Random, ModuleType)):  # micrograd's: U(−1, 1) weights, biases 0
        return [[init.uniform(-1.0, 1.0) for _ in range(nin)] for _ in range(nout)], [0.0] * nout
    assert callable(init)
    given = init(nin, nout)
    if not (isinstance(given, (tuple, list)) and len(given) == 2):
        raise TypeError(f"{who}: init({nin}, {nout}) must return (weights, biases), got {given!r}")
    weights, biases = (_as_list(part) for part in given)
    rows_ok = len(weights) == nout and all(len(_as_list(row)) == nin for row in weights)
    if not rows_ok or len(biases) != nout:
        raise ValueError(
            f"{who}: init({nin}, {nout}) must return {nout} rows of {nin} weights and "
            f"{nout} biases (a torch.nn.Linear({nin}, {nout})'s weight and bias have those "
            "shapes)"
        )
    where = f"{who}: init({nin}, {nout})"
    return (
        [
            [check_number(w, f"{where}: weight [{j}][{i}]") for i, w in enumerate(_as_list(row))]
            for j, row in enumerate(weights)
        ],
        [check_number(b, f"{where}: bias [{j}]") for j, b in enumerate(biases)],
    )


def _as_list(values: Any) -> list[Any]:
    """A list, tuple or array (numpy's or torch's, via tolist) as a list."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"expected a list of numbers, got {values!r}")
    return list(values)


def _given(weights: list[float], bias: float) -> InitFunction:
    """An init that gives exactly these weights and this bias (one neuron of a layer)."""
    return lambda nin, nout: ([weights], [bias])


def _activate(z: Value, activation: str) -> Value:
    if activation == "linear":
        return z
    return getattr(z, activation)()  # z.relu(), z.tanh(), ... (leaky_relu: slope 0.01)


def _check_entries(xs: Sequence[Any], module: Module) -> None:
    """Each input must be a Value or a finite real number; the error names the first that is not.

    Called after an op refused an input: the error replaces that op's (``from None``).
    """
    for i, xi in enumerate(xs):
        if not isinstance(xi, Value):
            try:
                check_number(xi, f"{module!r}: input {i}")
            except (TypeError, ValueError) as error:
                raise error from None


def _input_values(x: object, nin: int, module: Module) -> list[Value]:
    """One input vector as a list of Values (numbers become constant leaves)."""
    xs = _inputs(x, nin, module)
    try:
        return [as_value(xi) for xi in xs]
    except (TypeError, ValueError):
        _check_entries(xs, module)  # names the bad input
        raise


def _inputs(x: Any, nin: int, module: Module) -> Sequence[Value | float]:
    """One input vector as a sequence of numbers or Values, checked against ``nin``."""
    if isinstance(x, Value) or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        xs: Sequence[Any] = [x]
    elif hasattr(x, "ndim") and hasattr(x, "tolist"):  # a numpy array, without importing numpy
        if x.ndim != 1:
            raise ValueError(
                f"{module!r} takes one input vector (a 1-D array of {nin}), got an array of "
                f"shape {x.shape}: call it on one row at a time, e.g. [model(row) for row in X]"
            )
        xs = x.tolist()
    elif isinstance(x, (list, tuple)):
        xs = x
    else:
        raise TypeError(
            f"{module!r} takes a list of {nin} numbers or Values, got {type(x).__name__}"
        )
    if len(xs) != nin:
        raise ValueError(f"{module!r} expects {nin} inputs, got {len(xs)}")
    return xs
