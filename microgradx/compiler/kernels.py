"""The table's rules on numpy arrays: each op over a whole batch at once.

``engine.py`` applies an op of the table (``microgradx.ops``) to one number and records
∂out/∂input on the node. Here the *same* two rules — the op's ``forward`` and its
``local_grads`` — run on numpy arrays of shape (k, B): k nodes that share the op, B rows
of a batch, so one numpy call does the work of k·B scalar ops. Backward is the engine's
``input.grad += local · node.grad``, with arrays:

    dxᵢ = g · ∂out/∂xᵢ        (g: the gradient reaching the k output nodes)

A scalar operand (a parameter or constant, the same for every row) has shape (k, 1)
and broadcasts against the (k, B) ones. An op over a list (sum, dot, logsumexp, ...)
gets its n inputs as n arrays of shape (k, B).

An op made with ``define_op`` whose rules do not accept arrays (written with ``math``
rather than ``microgradx.ops``' functions) runs one element at a time instead
(``numpy.vectorize``): slower, and the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from microgradx.ops import Op

Array = np.ndarray
Grads = tuple[Array | None, ...]


class Kernel(NamedTuple):
    """One op of the table, on arrays.

    forward(*xs) returns the op's value for every entry.
    local_grads(*xs, out), for a one- or two-input op, returns ∂out/∂xᵢ per operand (arrays,
    or numbers such as 1.0): its instruction multiplies g by each itself.
    backward(g, out, need, *xs), for an op over a list or a matrix product, returns
    g · ∂out/∂xᵢ per operand (None where not needed).
    domain(*xs) marks entries outside the op's domain (None: defined everywhere).
    vectorised: False when the rules run element by element.
    """

    forward: Callable[..., Array]
    local_grads: Callable[..., Sequence[Any]] | None
    backward: Callable[..., Grads] | None
    domain: Callable[..., Array] | None
    vectorised: bool


def times_local(g: Array, local: Any, vertical: bool) -> Array:
    """g · local; where the slope may be vertical (local = ∞, as √x at 0), 0 where g = 0:
    the engine passes nothing on from a zero gradient, so 0·∞ never becomes NaN."""
    if type(local) is float and local == 1.0:  # (the slope of +, sum, ...): g itself
        return g
    product = g * local
    if vertical:
        return np.where(g == 0.0, 0.0, product)
    return product


def list_kernel(op: Op) -> Kernel:
    """The kernel of an op over a list of n inputs: its rules get the k nodes' inputs as one
    array ``xs`` of shape (n, k, width), and backward returns g · ∂out/∂xⱼ as one array of
    that shape, or of shape (1, k, width) when it is the same for all n inputs."""
    params = () if op.param is None else (op.param,)
    if op.vector:
        forward_rule, local_rule = op.forward, op.local_grads
    else:  # an op of the user's over *xs: its inputs one by one
        forward_rule = lambda xs, *p: op.forward(*xs, *p)  # noqa: E731
        local_rule = lambda xs, out, *p: op.local_grads(*xs, out, *p)  # noqa: E731

    def forward(xs: Array) -> Array:
        return forward_rule(xs, *params)

    def backward(g: Array, out: Array, need: Sequence[bool], xs: Array) -> Grads:
        local = local_rule(xs, out, *params)
        if isinstance(local, (list, tuple)):  # one array (or number) per input
            local = np.stack(np.broadcast_arrays(*local, xs[0])[:-1])
        product = times_local(g, local, op.vertical)
        if product.ndim < xs.ndim:  # one number for every input (sum's 1, mean's 1/n)
            return (product[None],)
        return (product if product.shape == xs.shape else np.broadcast_to(product, xs.shape),)

    return Kernel(forward, None, backward, None, True)


def kernel(op: Op) -> Kernel:
    """The kernel of one op (with its parameter bound, e.g. ``"**2"``)."""
    params = () if op.param is None else (op.param,)
    forward_rule, local_rule = op.forward, op.local_grads
    vectorised = op.vectorised is not False
    if not vectorised:  # the rules take numbers only: apply them element by element
        forward_rule, local_rule = _elementwise(op)

    forward: Callable[..., Array] = forward_rule  # without a parameter: the rules themselves
    local_grads: Callable[..., Sequence[Any]] = local_rule
    if params:

        def forward(*xs: Array) -> Array:
            return forward_rule(*xs, *params)

        def local_grads(*xs_out: Array) -> Sequence[Any]:
            return local_rule(*xs_out, *params)

    domain = None
    if op.refuses is not None:

        def domain(*xs: Array) -> Array:
            return np.asarray(op.refuses(*xs, *params), dtype=bool)

    return Kernel(forward, local_grads, None, domain, vectorised)


def _elementwise(op: Op) -> tuple[Callable[..., Array], Callable[..., tuple[Array, ...]]]:
    """An op's rules applied to each entry of the arrays in turn (numpy.vectorize)."""
    forward = np.vectorize(op.forward, otypes=[float])

    def local_grads(*xs_out: Array) -> tuple[Array, ...]:
        n = len(xs_out) - 1
        if n == 1:
            rule = np.vectorize(lambda *numbers: op.local_grads(*numbers)[0], otypes=[float])
            return (rule(*xs_out),)
        rule = np.vectorize(lambda *numbers: tuple(op.local_grads(*numbers)), otypes=[float] * n)
        return tuple(rule(*xs_out))

    return forward, local_grads


def accepts_arrays(op: Op, numbers: Sequence[float]) -> bool:
    """Whether an op made with ``define_op`` computes on arrays as on numbers: its rules,
    tried on arrays holding ``numbers`` (one node's inputs), give the same values."""
    try:
        arrays = [np.full((1, 2), x) for x in numbers]
        out = op.forward(*arrays)
        local = op.local_grads(*arrays, out)
        expected_out = op.forward(*numbers)
        expected_local = op.local_grads(*numbers, expected_out)
        if not isinstance(out, np.ndarray) or out.shape != (1, 2):
            return False
        if len(local) != len(numbers):
            return False
        same = np.allclose(out, expected_out, rtol=1e-12, atol=0.0, equal_nan=True)
        for got, want in zip(local, expected_local):
            got_array = np.broadcast_to(np.asarray(got, dtype=float), (1, 2))
            same = same and np.allclose(got_array, want, rtol=1e-12, atol=0.0, equal_nan=True)
        return bool(same)
    except Exception:  # any failure on arrays: the rules are for numbers only
        return False


# A layer of k neurons over the same n inputs, Σᵢ Wⱼᵢ·xᵢ for every j: W (k, n) @ X (n, B).
# The op is the table's "dot", ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ; as a matrix product, the
# gradient of a weight sums over the batch's rows and that of an input over the neurons.


def matmul_forward(w: Array, x: Array, out: Array) -> None:
    np.matmul(w, x, out=out)


def matmul_backward(g: Array, need: Sequence[bool], w: Array, x: Array) -> Grads:
    """∂/∂Wⱼᵢ = xᵢ, summed over rows: G @ Xᵀ;  ∂/∂xᵢ = Wⱼᵢ, summed over neurons: Wᵀ @ G."""
    return (g @ x.T if need[0] else None), (w.T @ g if need[1] else None)
