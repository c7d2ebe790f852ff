"""The table of ops: each op's forward rule and local derivatives, written once.

Backpropagation needs, for every op, two things: how to compute its output, and the
local derivatives ∂out/∂inputᵢ of that output (the numbers a lecture slide writes on the
edges of the graph). This module states them once per op, as a table — the lecture's
table of local derivatives (E7), in code:

    MUL = builtin_op("*", forward=lambda x, y: x * y,
                     local_grads=lambda x, y, out: (y, x), ...)     # ∂/∂x = y, ∂/∂y = x

Every part of microgradx reads this one table:

- the engine (``Value``) computes ``forward`` on numbers and records ``local_grads`` on
  the new node; backward multiplies along edges and sums over paths;
- forward mode (``Dual``) carries the tangent ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ with the same ``local_grads``;
- the compiler evaluates the same two rules on numpy arrays, a whole batch at once;
- derivatives of derivatives evaluate ``local_grads`` on Values, so the rule itself becomes
  part of a graph that can be differentiated again;
- formulas (``parse``), the command line, drawings and the micrograd layer take their
  names and symbols from here.

So the rules are written with functions that work on all of those kinds of number: the
elementary functions below (``exp``, ``log``, ``where``, ...) take a float, a numpy array
or a Value. An op with a parameter — the exponent of ``x**2``, the slope of
``leaky_relu``, the output index of ``softmax`` — is a *family*; ``family.bind(p)`` gives
the op for one parameter, whose rules receive ``p`` as their last argument.

``define_op`` declares an op of your own the same way: it then works everywhere a
built-in op does.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import math
import numbers
import operator
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "Op",
    "define_op",
    "describe_call",
    "find",
    "builtin_ops",
    "user_ops",
    "functions",
    "activations",
    "exp",
    "log",
    "tanh",
    "sin",
    "cos",
    "tan",
    "sqrt",
    "where",
    "number",
    "sign",
    "step",
    "add_all",
    "largest",
]

inf = math.inf


# ----------------------------------------------------------------------
# Elementary functions for writing rules: each works on a float, a numpy array
# (elementwise) or a Value (building graph nodes, so a rule can be differentiated).
# ----------------------------------------------------------------------


def _elementary(name: str, on_float: Callable[[float], float]) -> Callable[[Any], Any]:
    def function(x: Any) -> Any:
        if type(x) is float:  # the engine's case, first and fast
            return on_float(x)
        method = getattr(type(x), name, None)  # a Value (or a Dual) has the op as a method
        if method is not None:
            return method(x)
        if isinstance(x, numbers.Real):
            return on_float(float(x))
        import numpy  # an array: numpy is loaded only where arrays are in use

        return getattr(numpy, name)(x)

    function.__name__ = name
    function.__doc__ = f"{name} of a float, a numpy array (elementwise) or a Value."
    return function


exp = _elementary("exp", math.exp)
log = _elementary("log", math.log)
tanh = _elementary("tanh", math.tanh)
sin = _elementary("sin", math.sin)
cos = _elementary("cos", math.cos)
tan = _elementary("tan", math.tan)
sqrt = _elementary("sqrt", math.sqrt)


def number(x: Any) -> Any:
    """The plain number(s) behind x: a Value's data, a Dual's value; a float or a numpy
    array as it is.

    Rules use it for conditions ("1 if x > 0 else 0"): a condition picks a branch, it is
    not differentiated.
    """
    if type(x) is float or hasattr(x, "ndim"):  # a float, a numpy array or numpy scalar
        return x
    if hasattr(x, "data"):  # a Value
        return x.data
    return getattr(x, "value", x)  # a Dual


def where(condition: Any, if_true: Any, if_false: Any) -> Any:
    """``if_true`` where ``condition`` holds, else ``if_false`` (elementwise for arrays)."""
    if condition is True:  # plain numbers: the engine's case, first and fast
        return if_true
    if condition is False:
        return if_false
    import numpy

    if isinstance(condition, numpy.bool_):
        return if_true if condition else if_false
    return numpy.where(condition, if_true, if_false)


def step(x: Any) -> Any:
    """1 where x > 0, else 0 (the slope of relu), for a float, an array or a Value's number.

    A condition, not a function of x to differentiate: its derivative is 0 (at the kink
    x = 0 too, as PyTorch takes it).
    """
    if type(x) is float:
        return 1.0 if x > 0.0 else 0.0
    x = number(x)
    if getattr(x, "shape", ()):  # an array: elementwise
        return (x > 0.0).astype(float)
    return 1.0 if x > 0.0 else 0.0


def sign(x: Any) -> Any:
    """sign(x) of plain numbers: 1 for x > 0, -1 for x < 0, 0 at 0 (floats or arrays)."""
    if not getattr(x, "shape", ()):  # a number
        return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
    import numpy

    return numpy.sign(x)


def largest(xs: Sequence[Any]) -> Any:
    """max over the items of xs as plain numbers (over the first axis of an array): a shift
    for stability, softmax(x) = softmax(x - c) for any constant c."""
    if hasattr(xs, "ndim"):
        return xs.max(axis=0)
    return builtins.max([number(x) for x in xs])


def add_all(xs: Sequence[Any]) -> Any:
    """x₀ + x₁ + … + xₙ₋₁, added left to right: floats, Values (one sum node), or an
    array's rows (a running sum, whose last row is the same left-to-right total)."""
    first = xs[0]
    if type(first) is float:  # numbers: the engine's case, first and fast
        return functools.reduce(operator.add, xs)
    if _is_array(xs):
        # The same order either way; one numpy call per row is the quicker for few or long
        # rows, the running sum's one call (slow per entry of a row) for many short ones.
        if len(xs) <= 6 or xs[0].size > 8 * len(xs):
            return functools.reduce(operator.add, xs)
        import numpy

        return numpy.add.accumulate(xs, axis=0)[-1]
    is_value = not hasattr(first, "ndim") and hasattr(first, "data")
    if is_value and _graph_sum is not None:  # Values: one sum node
        return _graph_sum(xs)
    return functools.reduce(operator.add, xs)


# The engine's n-ary sum, set by ``microgradx.engine`` when it loads (this module
# comes first and imports nothing of microgradx).
_graph_sum: Callable[[Sequence[Any]], Any] | None = None


# ----------------------------------------------------------------------
# An op: one row of the table.
# ----------------------------------------------------------------------


class Op(str):
    """One op of the table. The op *is* its name — a ``str`` such as ``"*"``, ``"**2"`` or
    ``"softmax[3]"``, as ``node.op`` shows it — and carries its rules as attributes.

    Attributes:
        forward: ``forward(*xs[, param])`` → the output, from the inputs' numbers.
        local_grads: ``local_grads(*xs, out[, param])`` → (∂out/∂x₀, ∂out/∂x₁, …).
        vector: True for an op over a list, whose rules take the inputs as one list:
            ``forward(xs[, param])``, ``local_grads(xs, out[, param])``.
        arity: the number of inputs (None: any number, one or more).
        symbol: what a drawing writes in the op's circle.
        derivatives: the local derivatives as the lecture writes them, one text per input,
            in terms of the inputs ``x``, ``y`` (or ``xᵢ``), the output ``out`` and ``p``.
        refuses: ``refuses(*xs[, param])`` → true where the inputs are outside the domain
            (None: defined everywhere); ``domain_error(xs, names[, param])`` says why.
        family: the op this one was bound from (itself if it has no parameter);
        param: the bound parameter (None if none).
        method: the Value method that applies it (``"__mul__"``, ``"exp"``), if any.
        formula_names: the names a formula calls it by (``"ln"`` for ``log``).
        builtin: False for ops made with ``define_op``.
    """

    # Attributes live in the instance dict: ops are few, nodes only point to them.

    def __new__(cls, name: str, **attributes: Any) -> Op:
        op = super().__new__(cls, name)
        op.__dict__.update(attributes)
        return op

    forward: Callable[..., Any]
    local_grads: Callable[..., Sequence[Any]]
    arity: int | None
    symbol: str
    derivatives: tuple[str, ...]
    refuses: Callable[..., Any] | None
    domain_error: Callable[..., str] | None
    overflow_hint: str
    describe: Callable[..., str]
    family: Op
    param: Any
    param_name: str
    default_param: Any
    format_param: Callable[[Any], tuple[str, str]] | None
    method: str | None
    reflected: str | None
    formula_names: tuple[str, ...]
    activation: bool
    vertical: bool
    builtin: bool
    vectorised: bool | None
    vector: bool

    @property
    def name(self) -> str:
        """The op's name as a plain string."""
        return str.__str__(self)

    @property
    def doc(self) -> str:
        """The rule as a docstring: "x * y;  ∂/∂x = y, ∂/∂y = x"."""
        if self.arity == 2:
            dx, dy = self.derivatives
            return f"x {self.name} y;  ∂/∂x = {dx}, ∂/∂y = {dy}."
        if self.arity == 1 and self.derivatives:
            return f"{self.name}(x);  ∂/∂x = {self.derivatives[0]}."
        return f"{self.name}(x₀, x₁, …);  ∂/∂xᵢ = {', '.join(self.derivatives)}."

    def output(self, xs: Sequence[Any]) -> Any:
        """The forward rule on the inputs ``xs`` (with the op's parameter, if any)."""
        params = () if self.param is None else (self.param,)
        return self.forward(xs, *params) if self.vector else self.forward(*xs, *params)

    def derivatives_at(self, xs: Sequence[Any], out: Any) -> Sequence[Any]:
        """The local derivatives ∂out/∂xᵢ at the inputs ``xs`` and output ``out``."""
        params = () if self.param is None else (self.param,)
        if self.vector:
            return self.local_grads(xs, out, *params)
        return self.local_grads(*xs, out, *params)

    def bind(self, param: Any) -> Op:
        """The op of this family for one parameter: ``POWER.bind(2.0)`` is ``"**2"``."""
        return _bind(self, param)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by name: the rules are found again in the table when loaded."""
        return (_unpickle, (self.family.name, self.param))

    def __repr__(self) -> str:
        return f"Op({str.__repr__(self)})"


@functools.lru_cache(maxsize=4096)
def _bind_cached(family: Op, param: Any) -> Op:
    name, symbol = family.format_param(param)  # type: ignore[misc]
    attributes = dict(family.__dict__)
    attributes.update(param=param, symbol=symbol, family=family)
    return Op(name, **attributes)


def _bind(family: Op, param: Any) -> Op:
    if family.format_param is None:
        raise TypeError(f"the op {family.name!r} takes no parameter")
    return _bind_cached(family, param)


def _unpickle(family_name: str, param: Any) -> Op:
    family = find(family_name)
    if family is None:
        raise ValueError(
            f"the op {family_name!r} is not defined here: define it with define_op before loading"
        )
    return family if param is None else family.bind(param)


# name → op, every family: the built-ins below, then each define_op.
_TABLE: dict[str, Op] = {}


def describe_call(op: str, xs: Sequence[float], names: Sequence[str]) -> str:
    """How a message names an op applied to numbers: "exp of 800 (node 'x')"."""
    shown = ", ".join(f"{x:g} ({name})" for x, name in zip(xs[:4], names))
    if len(xs) > 4:  # a sum of thousands of terms: name the first few
        shown += f", ... ({len(xs)} operands)"
    return f"{op!s} of {shown}"


def _declare(name: str, **attributes: Any) -> Op:
    defaults: dict[str, Any] = dict(
        symbol=name,
        derivatives=(),
        refuses=None,
        domain_error=None,
        overflow_hint="; scale the inputs down",
        describe=describe_call,
        param=None,
        param_name="",
        default_param=None,
        format_param=None,
        method=None,
        reflected=None,
        formula_names=(),
        activation=False,
        vertical=False,
        builtin=True,
        vectorised=True,
        vector=False,
    )
    defaults.update(attributes)
    op = Op(name, **defaults)
    op.family = op
    _TABLE[name] = op
    return op


def find(name: str) -> Op | None:
    """The op (family) named ``name`` in the table, or None."""
    return _TABLE.get(name)


def builtin_ops() -> list[Op]:
    """Every built-in op family, in the table's order."""
    return [op for op in _TABLE.values() if op.builtin]


def user_ops() -> list[Op]:
    """Every op made with ``define_op``, in the order they were defined."""
    return [op for op in _TABLE.values() if not op.builtin]


def functions() -> dict[str, Op]:
    """The ops a formula may call by name (``exp(x)``, ``ln(x)``, and every ``define_op``)."""
    return {name: op for op in _TABLE.values() for name in op.formula_names}


def activations() -> list[Op]:
    """The ops a neuron may use as its activation (``nn``'s ``activation=`` names)."""
    return [op for op in _TABLE.values() if op.activation]


# ----------------------------------------------------------------------
# The built-in ops. Each: forward rule; local derivatives; domain; symbol.
# ----------------------------------------------------------------------


ADD = _declare(
    "+",
    arity=2,
    forward=lambda x, y: x + y,
    local_grads=lambda x, y, out: (1.0, 1.0),
    derivatives=("1", "1"),
    method="__add__",
    reflected="__radd__",
)

SUB = _declare(
    "-",
    symbol="−",
    arity=2,
    forward=lambda x, y: x - y,
    local_grads=lambda x, y, out: (1.0, -1.0),
    derivatives=("1", "−1"),
    method="__sub__",
    reflected="__rsub__",
)

MUL = _declare(
    "*",
    symbol="×",
    arity=2,
    forward=lambda x, y: x * y,
    local_grads=lambda x, y, out: (y, x),
    derivatives=("y", "x"),
    method="__mul__",
    reflected="__rmul__",
)

# -(x/y)/y rather than -x/y²: y² underflows to 0 for |y| < 1e-154.
DIV = _declare(
    "/",
    symbol="÷",
    arity=2,
    forward=lambda x, y: x / y,
    local_grads=lambda x, y, out: (1.0 / y, -out / y),
    derivatives=("1/y", "−x/y²"),
    refuses=lambda x, y: y == 0.0,
    domain_error=lambda xs, names: (
        f"division by zero: {xs[0]:g} / {xs[1]:g} ({names[0]} / {names[1]}): "
        "the divisor must be nonzero"
    ),
    method="__truediv__",
    reflected="__rtruediv__",
)

# The lecture's "identity" row: it names a value (∂f/∂x drawn as its own node).
IDENTITY = _declare(
    "identity",
    symbol="=",
    arity=1,
    forward=lambda x: x,
    local_grads=lambda x, out: (1.0,),
    derivatives=("1",),
)

NEG = _declare(
    "neg",
    arity=1,
    forward=lambda x: -x,
    local_grads=lambda x, out: (-1.0,),
    derivatives=("−1",),
    method="__neg__",
)


def _power_refuses(x: Any, n: float) -> Any:
    """No real value: 0 to a negative power, a negative base to a non-integer power."""
    return ((x == 0.0) & (n < 0.0)) | ((x < 0.0) & (not n.is_integer()))


def _power_error(x: float, n: float, where_: str) -> str:
    if x == 0.0 and n < 0.0:
        return f"power 0 ** {n:g} ({where_}) is a division by zero: zero has no negative powers"
    return (
        f"power {x:g} ** {n:g} ({where_}) is not a real number: "
        "a negative base needs an integer exponent"
    )


def _power_slope(x: Any, n: float) -> Any:
    """d/dx xⁿ = n·xⁿ⁻¹ for a constant n: 0 if n = 0; for 0 < n < 1 infinite at x = 0
    (a vertical slope, as √x has)."""
    if n == 0.0:
        return 0.0
    if n == 2.0:
        return 2.0 * x  # (x¹ is x: no extra node in a gradient graph)
    if n >= 1.0 or n < 0.0:  # (x = 0 with n < 0 is refused)
        return n * x ** (n - 1.0)
    at_zero = number(x) == 0.0
    return where(at_zero, inf, n * where(at_zero, 1.0, x) ** (n - 1.0))


def _format_exponent(n: float) -> tuple[str, str]:
    text = str(int(n)) if float(n).is_integer() else repr(float(n))
    if float(n).is_integer():
        return "**" + text, "x" + text.translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return "**" + text, "x^" + text


POWER = _declare(
    "**n",
    symbol="xⁿ",
    arity=1,
    forward=lambda x, n: x**n,
    local_grads=lambda x, out, n: (_power_slope(x, n),),
    derivatives=("p·x^(p−1)",),
    refuses=_power_refuses,
    domain_error=lambda xs, names, n: _power_error(xs[0], n, f"{names[0]} ** {n:g}"),
    describe=lambda op, xs, names: f"power {xs[0]:g} ** {op.param:g} ({names[0]} ** {op.param:g})",
    param_name="exponent",
    format_param=_format_exponent,
    method="__pow__",
    vertical=True,
)


def _base_slope(x: Any, n: Any, out: Any) -> Any:
    """∂xⁿ/∂x = n·xⁿ⁻¹ = n·xⁿ/x for x > 0; at x = 0 (n > 0): 0 if n > 1, 1 if n = 1,
    infinite if n < 1."""
    positive = number(x) > 0.0
    n_value = number(n)
    at_zero = where(n_value > 1.0, 0.0, where(n_value == 1.0, 1.0, inf))
    return where(positive, n * out / where(positive, x, 1.0), at_zero)


def _exponent_slope(x: Any, out: Any) -> Any:
    """∂xⁿ/∂n = xⁿ·ln x for x > 0 (→ 0 as x → 0⁺ with n > 0)."""
    positive = number(x) > 0.0
    return where(positive, out * log(where(positive, x, 1.0)), 0.0)


def _power_value_error(xs: Sequence[float], names: Sequence[str]) -> str:
    x, n = xs
    where_ = f"{names[0]} ** {names[1]}"
    if (x == 0.0 and n < 0.0) or (x < 0.0 and not n.is_integer()):
        return _power_error(x, n, where_)
    return (
        f"power {x:g} ** {n:g} ({where_}): the derivative with respect to the exponent, "
        "x^n·ln(x), needs a positive base; use a number as the exponent if it is a constant"
    )


POWER_VALUE = _declare(
    "**",
    symbol="xʸ",
    arity=2,
    forward=lambda x, n: x**n,
    local_grads=lambda x, n, out: (_base_slope(x, n, out), _exponent_slope(x, out)),
    derivatives=("y·x^(y−1)", "x^y·ln x"),
    # refused unless x > 0, or x = 0 with n > 0 (where xⁿ·ln x → 0)
    refuses=lambda x, n: (x < 0.0) | ((x == 0.0) & (n <= 0.0)),
    domain_error=_power_value_error,
    describe=lambda op, xs, names: f"power {xs[0]:g} ** {xs[1]:g} ({names[0]} ** {names[1]})",
    vertical=True,
)

EXP = _declare(
    "exp",
    arity=1,
    forward=exp,
    local_grads=lambda x, out: (out,),
    derivatives=("exp(x)",),
    overflow_hint=(
        " (limit: x ≤ 709.78); scale the input down, or use a numerically stable form "
        "(e.g. logsumexp)"
    ),
    method="exp",
    formula_names=("exp",),
)

LOG = _declare(
    "log",
    arity=1,
    forward=log,
    local_grads=lambda x, out: (1.0 / x,),
    derivatives=("1/x",),
    refuses=lambda x: x <= 0.0,
    domain_error=lambda xs, names: (
        f"log of {xs[0]:g} ({names[0]}) is undefined: log needs a positive input"
    ),
    method="log",
    formula_names=("log", "ln"),
)

TANH = _declare(
    "tanh",
    arity=1,
    forward=tanh,
    local_grads=lambda x, out: (1.0 - out * out,),
    derivatives=("1 − tanh²(x)",),
    method="tanh",
    formula_names=("tanh",),
    activation=True,
)


def _sigmoid(x: Any) -> Any:
    """σ(x) = 1/(1 + e⁻ˣ), computed with e^-|x| ≤ 1 so it never overflows."""
    e = exp(-abs(x))
    return where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


SIGMOID = _declare(
    "sigmoid",
    symbol="σ",
    arity=1,
    forward=_sigmoid,
    local_grads=lambda x, out: (out * (1.0 - out),),
    derivatives=("σ(x)(1 − σ(x))",),
    method="sigmoid",
    formula_names=("sigmoid", "σ"),
    activation=True,
)

# At the kink x = 0 the derivative is taken as 0, as PyTorch does; the second
# derivative of relu, leaky_relu and abs is 0 everywhere (their slopes are constants).
RELU = _declare(
    "relu",
    symbol="ReLU",
    arity=1,
    forward=lambda x: where(x > 0.0, x, 0.0),
    local_grads=lambda x, out: (step(x),),
    derivatives=("1 if x > 0 else 0",),
    method="relu",
    formula_names=("relu",),
    activation=True,
)


def _format_slope(slope: float) -> tuple[str, str]:
    if slope == 0.01:
        return "leaky_relu", "LReLU"
    return f"leaky_relu({slope!r})", f"LReLU {slope!r}"


LEAKY_RELU = _declare(
    "leaky_relu",
    symbol="LReLU",
    arity=1,
    forward=lambda x, slope: where(x > 0.0, x, slope * x),
    local_grads=lambda x, out, slope: (where(number(x) > 0.0, 1.0, slope),),
    derivatives=("1 if x > 0 else p",),
    param_name="slope",
    default_param=0.01,
    format_param=_format_slope,
    method="leaky_relu",
    formula_names=("leaky_relu",),
    activation=True,
)

SIN = _declare(
    "sin",
    arity=1,
    forward=sin,
    local_grads=lambda x, out: (cos(x),),
    derivatives=("cos(x)",),
    method="sin",
    formula_names=("sin",),
)

COS = _declare(
    "cos",
    arity=1,
    forward=cos,
    local_grads=lambda x, out: (-sin(x),),
    derivatives=("−sin(x)",),
    method="cos",
    formula_names=("cos",),
)

TAN = _declare(
    "tan",
    arity=1,
    forward=tan,
    local_grads=lambda x, out: (1.0 + out * out,),
    derivatives=("1 + tan²(x)",),
    method="tan",
    formula_names=("tan",),
)


def _sqrt_slope(out: Any) -> Any:
    """d/dx √x = 1/(2√x): infinite at x = 0 (a vertical slope)."""
    positive = number(out) > 0.0
    return where(positive, 0.5 / where(positive, out, 1.0), inf)


SQRT = _declare(
    "sqrt",
    symbol="√",
    arity=1,
    forward=sqrt,
    local_grads=lambda x, out: (_sqrt_slope(out),),
    derivatives=("1/(2√x)",),
    refuses=lambda x: x < 0.0,
    domain_error=lambda xs, names: (
        f"sqrt of {xs[0]:g} ({names[0]}) is undefined: sqrt needs a non-negative input"
    ),
    method="sqrt",
    formula_names=("sqrt",),
    vertical=True,
)

ABS = _declare(
    "abs",
    symbol="|x|",
    arity=1,
    forward=abs,
    local_grads=lambda x, out: (sign(number(x)),),
    derivatives=("sign(x)",),
    method="abs",
    formula_names=("abs",),
)

# Ops over a list of inputs (``microgradx.functional``): one node, n inputs. Their rules
# take the inputs as one list ``xs`` — a tuple of numbers or Values, or for the compiler
# one array with the inputs along its first axis — and give one local derivative per input.


def _is_array(xs: Any) -> bool:
    return type(xs) is not tuple and type(xs) is not list and hasattr(xs, "ndim")


def each(xs: Sequence[Any], f: Callable[[Any], Any]) -> Any:
    """f of every item of xs (a list), or of the whole array at once."""
    return f(xs) if _is_array(xs) else [f(x) for x in xs]


def products(ws: Sequence[Any], xs: Sequence[Any]) -> Any:
    """[w₀·x₀, w₁·x₁, …]."""
    return ws * xs if _is_array(ws) else list(map(operator.mul, ws, xs))


def sum_of_products(ws: Sequence[Any], xs: Sequence[Any]) -> Any:
    """w₀·x₀ + w₁·x₁ + …, added left to right (``add_all(products(ws, xs))``, in one pass
    for numbers)."""
    if type(ws) is list and type(ws[0]) is float:
        return functools.reduce(operator.add, map(operator.mul, ws, xs))
    return add_all(products(ws, xs))


def joined(first: Sequence[Any], second: Sequence[Any]) -> Any:
    """The items of ``first``, then those of ``second``."""
    if _is_array(first):
        import numpy

        return numpy.concatenate([first, second])
    return (*first, *second)


SUM = _declare(
    "sum",
    symbol="Σ",
    arity=None,
    vector=True,
    forward=lambda xs: add_all(xs),
    local_grads=lambda xs, out: each(xs, lambda x: 1.0),
    derivatives=("1",),
)

MEAN = _declare(
    "mean",
    arity=None,
    vector=True,
    forward=lambda xs: add_all(xs) / len(xs),
    local_grads=lambda xs, out: each(xs, lambda x: 1.0 / len(xs)),
    derivatives=("1/n",),
)

# Σᵢ wᵢ·xᵢ; the inputs are w₀ … wₙ₋₁ followed by x₀ … xₙ₋₁.
# ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ: the inputs' second half, then their first.
DOT = _declare(
    "dot",
    symbol="w·x",
    arity=None,
    vector=True,
    forward=lambda ws_xs: sum_of_products(ws_xs[: len(ws_xs) // 2], ws_xs[len(ws_xs) // 2 :]),
    local_grads=lambda ws_xs, out: joined(ws_xs[len(ws_xs) // 2 :], ws_xs[: len(ws_xs) // 2]),
    derivatives=("xᵢ", "wᵢ"),
)


def _probabilities(xs: Sequence[Any]) -> Any:
    """softmax(x)ⱼ = exp(xⱼ − c) / Σₖ exp(xₖ − c), with c = max x so exp never overflows."""
    shift = largest(xs)
    exps = each(xs, lambda x: exp(x - shift))
    total = add_all(exps)
    return each(exps, lambda e: e / total)


def _logsumexp(xs: Sequence[Any]) -> Any:
    """log Σⱼ exp(xⱼ) = c + log Σⱼ exp(xⱼ − c), c = max x."""
    shift = largest(xs)
    return shift + log(add_all(each(xs, lambda x: exp(x - shift))))


LOGSUMEXP = _declare(
    "logsumexp",
    symbol="LSE",
    arity=None,
    vector=True,
    forward=_logsumexp,
    local_grads=lambda xs, out: _probabilities(xs),
    derivatives=("softmax(x)ᵢ",),
)


def _format_index(name: str, shown: str) -> Callable[[int], tuple[str, str]]:
    return lambda i: (f"{name}[{i}]", f"{shown}[{i}]")


SOFTMAX = _declare(
    "softmax",
    arity=None,
    vector=True,
    forward=lambda xs, i: _probabilities(xs)[i],
    # ∂sᵢ/∂xⱼ = sᵢ·(δᵢⱼ − sⱼ)
    local_grads=lambda xs, out, i: [
        out * ((1.0 if j == i else 0.0) - s_j) for j, s_j in enumerate(_probabilities(xs))
    ],
    derivatives=("sᵢ(δᵢⱼ − sⱼ)",),
    param_name="index",
    format_param=_format_index("softmax", "softmax"),
)

LOG_SOFTMAX = _declare(
    "log_softmax",
    arity=None,
    vector=True,
    forward=lambda xs, i: xs[i] - _logsumexp(xs),
    # ∂ log sᵢ/∂xⱼ = δᵢⱼ − sⱼ
    local_grads=lambda xs, out, i: [
        (1.0 if j == i else 0.0) - s_j for j, s_j in enumerate(_probabilities(xs))
    ],
    derivatives=("δᵢⱼ − sⱼ",),
    param_name="index",
    format_param=_format_index("log_softmax", "log softmax"),
)


# ----------------------------------------------------------------------
# Ops of your own.
# ----------------------------------------------------------------------


def define_op(
    name: str,
    forward: Callable[..., Any],
    local_grads: Callable[..., Sequence[Any]],
    *,
    symbol: str | None = None,
) -> Callable[..., Any]:
    """Declare an op of your own; returns ``op(*args)``, which builds its node from Values
    or numbers.

    ``forward(*xs) -> float`` computes the output from the inputs' numbers;
    ``local_grads(*xs, out) -> tuple`` gives ∂out/∂xᵢ for each input. Example, softplus:

        softplus = define_op("softplus",
                             lambda x: log(1 + exp(x)),           # ln(1 + eˣ)
                             lambda x, out: (1 / (1 + exp(-x)),)) # ∂/∂x = σ(x)

    The op then backpropagates, works in ``Dual``, ``compile`` (on whole arrays when its
    rules accept numpy arrays — as they do when written with ``microgradx.ops``' functions
    such as ``exp`` and ``log`` — else one row at a time), ``draw`` (showing ``symbol``,
    default the name), ``gradcheck``, and in ``parse`` and the command line by its name.
    Written with those functions, ``local_grads`` also works on Values, and the op can be
    differentiated twice (``microgradx.grad(..., create_graph=True)``).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"define_op: the name must be a Python identifier such as 'softplus', got {name!r}"
        )
    builtin_names = {n for op in builtin_ops() for n in (op.name, *op.formula_names)}
    if name in builtin_names:
        raise ValueError(
            f"define_op: {name!r} is a built-in op; choose another name (e.g. 'my_{name}')"
        )
    for role, function in (("forward", forward), ("local_grads", local_grads)):
        if not callable(function):
            raise TypeError(f"define_op({name!r}): {role} must be a function, got {function!r}")
    arity = _arity(forward, name)
    op = _declare(
        name,
        symbol=symbol if symbol is not None else name,
        arity=arity,
        forward=forward,
        local_grads=local_grads,
        derivatives=(),
        formula_names=(name,),
        builtin=False,
        vertical=True,
        vectorised=None,  # found out by the compiler when it first meets the op
    )
    if _apply_hook is None:  # pragma: no cover - the engine is always loaded with the package
        raise RuntimeError("microgradx.engine is not loaded")

    def apply(*args: Any) -> Any:
        for arg in args:  # a Dual (or another kind of number with the table's ops) applies it
            handler = getattr(type(arg), "_apply_op", None)
            if handler is not None:
                return handler(op, args)
        return _apply_hook(op, args)  # type: ignore[misc]

    apply.__name__ = name
    apply.__qualname__ = name
    apply.__doc__ = f"The op {name!r}, defined with define_op: a node from Values or numbers."
    apply.op = op  # type: ignore[attr-defined]
    return apply


def _arity(forward: Callable[..., Any], name: str) -> int | None:
    """How many inputs ``forward`` takes (None for ``*xs``)."""
    try:
        parameters = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not positional:
        raise ValueError(f"define_op({name!r}): forward must take at least one input")
    return len(positional)


# Applying an op to Values, set by ``microgradx.engine`` when it loads.
_apply_hook: Callable[[Op, Sequence[Any]], Any] | None = None
