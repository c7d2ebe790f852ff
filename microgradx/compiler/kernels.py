"""The engine's local-derivative table, vectorised: each op over a whole batch at once.

``engine.py`` computes one op on one number and records ∂out/∂input on the node.
Here the same rules run on numpy arrays of shape (k, B) — k nodes that share an op,
B rows of a batch — so that one numpy call does the work of k·B scalar ops. Each
entry has the forward rule, the backward rule (the upstream gradient ``g`` times the
local derivative, as ``input.grad += local · node.grad`` in the engine) and, for
ops with a restricted domain, a test that marks the entries the engine would reject.

A scalar operand (a parameter or constant, the same for every row) has shape (k, 1)
and broadcasts against the (k, B) ones. Every backward rule takes ``need``, which
operands want a gradient, and skips the others (inputs are data: no gradient).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

Array = np.ndarray
Grads = tuple[Array | None, ...]


class Kernel(NamedTuple):
    """One op of the table.

    forward(out, param, *operands) writes the op's value into ``out`` and returns what
    backward needs besides the operands and ``out`` (or None).
    backward(g, out, saved, param, need, *operands) returns ∂/∂operand · g per operand.
    domain(param, *operands) marks entries outside the op's domain (None: defined everywhere).
    """

    forward: Callable[..., Any]
    backward: Callable[..., Grads]
    domain: Callable[..., Array] | None = None


def _times_local(g: Array, local: Array) -> Array:
    """g · local, but 0 where g = 0: the engine passes nothing on from a zero gradient,
    which keeps a vertical slope (local = ∞, e.g. √x at 0) from turning 0·∞ into NaN."""
    return np.where(g == 0.0, 0.0, g * local)


# ----------------------------------------------------------------------
# Binary ops: x ∘ y.
# ----------------------------------------------------------------------


def _add(out, p, x, y):
    np.add(x, y, out=out)


def _add_back(g, out, s, p, need, x, y):
    """∂(x + y)/∂x = 1, ∂/∂y = 1."""
    return g, g


def _sub(out, p, x, y):
    np.subtract(x, y, out=out)


def _sub_back(g, out, s, p, need, x, y):
    """∂(x − y)/∂x = 1, ∂/∂y = −1."""
    return g, (-g if need[1] else None)


def _mul(out, p, x, y):
    np.multiply(x, y, out=out)


def _mul_back(g, out, s, p, need, x, y):
    """∂(x·y)/∂x = y, ∂/∂y = x."""
    return (g * y if need[0] else None), (g * x if need[1] else None)


def _div_domain(p, x, y):
    return y == 0.0


def _div(out, p, x, y):
    np.divide(x, y, out=out)


def _div_back(g, out, s, p, need, x, y):
    """∂(x/y)/∂x = 1/y, ∂/∂y = −x/y² = −(x/y)/y  (y² would underflow to 0 for |y| < 1e-154)."""
    return (g / y if need[0] else None), (g * (-out / y) if need[1] else None)


def _pow_domain(p, x, n):
    """With a Value exponent n, ∂xⁿ/∂n = xⁿ·ln x needs x > 0, or x = 0 with n > 0 (this also
    rules out 0 to a negative power and a negative base to a non-integer power)."""
    return ~((x > 0.0) | ((x == 0.0) & (n > 0.0)))


def _pow(out, p, x, n):
    np.power(x, n, out=out)


def _base_slope(x, n):
    """∂xⁿ/∂x = n·xⁿ⁻¹ (0 when n = 0, ∞ at x = 0 when n < 1), as the engine records it."""
    slope = n * np.power(x, n - 1.0)
    return np.where(n == 0.0, 0.0, np.where((x == 0.0) & (n < 1.0), np.inf, slope))


def _pow_back(g, out, s, p, need, x, n):
    """∂xⁿ/∂x = n·xⁿ⁻¹,  ∂xⁿ/∂n = xⁿ·ln x  (0 at x = 0)."""
    dx = _times_local(g, _base_slope(x, n)) if need[0] else None
    dn = g * np.where(x > 0.0, out * np.log(np.where(x > 0.0, x, 1.0)), 0.0) if need[1] else None
    return dx, dn


BINARY: dict[str, Kernel] = {
    "+": Kernel(_add, _add_back),
    "-": Kernel(_sub, _sub_back),
    "*": Kernel(_mul, _mul_back),
    "/": Kernel(_div, _div_back, _div_domain),
    "**": Kernel(_pow, _pow_back, _pow_domain),
}


# ----------------------------------------------------------------------
# Unary ops: f(x); ``p`` is the op's constant (the exponent of "**n", the slope of
# leaky_relu) as a (k, 1) column, one per node.
# ----------------------------------------------------------------------


def _neg(out, p, x):
    np.negative(x, out=out)


def _neg_back(g, out, s, p, need, x):
    """∂(−x)/∂x = −1."""
    return (-g,)


def _pow_const_domain(n, x):
    return ((x == 0.0) & (n < 0.0)) | ((x < 0.0) & (n != np.floor(n)))


def _pow_const(out, n, x):
    np.power(x, n, out=out)


def _pow_const_back(g, out, s, n, need, x):
    """∂xⁿ/∂x = n·xⁿ⁻¹."""
    return (_times_local(g, _base_slope(x, n)),)


def _exp(out, p, x):
    np.exp(x, out=out)


def _exp_back(g, out, s, p, need, x):
    """∂eˣ/∂x = eˣ."""
    return (g * out,)


def _log_domain(p, x):
    return x <= 0.0


def _log(out, p, x):
    np.log(x, out=out)


def _log_back(g, out, s, p, need, x):
    """∂ln x/∂x = 1/x."""
    return (g / x,)


def _tanh(out, p, x):
    np.tanh(x, out=out)


def _tanh_back(g, out, s, p, need, x):
    """∂tanh x/∂x = 1 − tanh²x."""
    return (g * (1.0 - out * out),)


def _sigmoid(out, p, x):
    e = np.exp(-np.abs(x))  # e^-|x| ≤ 1: never overflows, on either side of 0
    np.copyto(out, np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e)))


def _sigmoid_back(g, out, s, p, need, x):
    """∂σ(x)/∂x = σ(x)·(1 − σ(x))."""
    return (g * (out * (1.0 - out)),)


def _relu(out, p, x):
    np.maximum(x, 0.0, out=out)


def _relu_back(g, out, s, p, need, x):
    """∂max(0, x)/∂x = 1 if x > 0 else 0."""
    return (g * (x > 0.0),)


def _leaky_relu(out, slope, x):
    np.copyto(out, np.where(x > 0.0, x, slope * x))


def _leaky_relu_back(g, out, s, slope, need, x):
    """∂/∂x = 1 if x > 0 else slope."""
    return (g * np.where(x > 0.0, 1.0, slope),)


def _sin(out, p, x):
    np.sin(x, out=out)


def _sin_back(g, out, s, p, need, x):
    """∂sin x/∂x = cos x."""
    return (g * np.cos(x),)


def _cos(out, p, x):
    np.cos(x, out=out)


def _cos_back(g, out, s, p, need, x):
    """∂cos x/∂x = −sin x."""
    return (g * -np.sin(x),)


def _sqrt_domain(p, x):
    return x < 0.0


def _sqrt(out, p, x):
    np.sqrt(x, out=out)


def _sqrt_back(g, out, s, p, need, x):
    """∂√x/∂x = 1/(2√x)  (∞ at 0)."""
    return (_times_local(g, 0.5 / out),)


def _abs(out, p, x):
    np.abs(x, out=out)


def _abs_back(g, out, s, p, need, x):
    """∂|x|/∂x = sign x  (0 at 0)."""
    return (g * np.sign(x),)


UNARY: dict[str, Kernel] = {
    "neg": Kernel(_neg, _neg_back),
    "**n": Kernel(_pow_const, _pow_const_back, _pow_const_domain),
    "exp": Kernel(_exp, _exp_back),
    "log": Kernel(_log, _log_back, _log_domain),
    "tanh": Kernel(_tanh, _tanh_back),
    "sigmoid": Kernel(_sigmoid, _sigmoid_back),
    "relu": Kernel(_relu, _relu_back),
    "leaky_relu": Kernel(_leaky_relu, _leaky_relu_back),
    "sin": Kernel(_sin, _sin_back),
    "cos": Kernel(_cos, _cos_back),
    "sqrt": Kernel(_sqrt, _sqrt_back, _sqrt_domain),
    "abs": Kernel(_abs, _abs_back),
}


# ----------------------------------------------------------------------
# n-ary ops: one node over n inputs; the operand X has shape (k, n, B).
# For "softmax" and "log_softmax", ``p`` holds each node's output index i, shape (k,).
# ----------------------------------------------------------------------


def _sum(out, p, xs):
    np.sum(xs, axis=1, out=out)


def _sum_back(g, out, s, p, need, xs):
    """∂(Σⱼ xⱼ)/∂xᵢ = 1."""
    return (np.broadcast_to(g[:, None, :], xs.shape),)


def _mean(out, p, xs):
    np.divide(np.sum(xs, axis=1), xs.shape[1], out=out)


def _mean_back(g, out, s, p, need, xs):
    """∂((1/n) Σⱼ xⱼ)/∂xᵢ = 1/n."""
    return (np.broadcast_to(g[:, None, :] / xs.shape[1], xs.shape),)


def _softmax_parts(xs: Array) -> tuple[Array, Array]:
    """softmax over axis 1 and logsumexp, shifted by the max so that exp never overflows."""
    shift = np.max(xs, axis=1, keepdims=True)
    exps = np.exp(xs - shift)
    total = np.sum(exps, axis=1, keepdims=True)
    return exps / total, (shift + np.log(total))[:, 0, :]


def _logsumexp(out, p, xs):
    probabilities, lse = _softmax_parts(xs)
    out[...] = lse
    return probabilities


def _logsumexp_back(g, out, probabilities, p, need, xs):
    """∂ log Σⱼ exp xⱼ / ∂xᵢ = softmax(x)ᵢ."""
    return (g[:, None, :] * probabilities,)


def _pick(xs: Array, index: Array) -> Array:
    """Row ``index[k]`` of ``xs[k]`` for each k: shape (k, B)."""
    return xs[np.arange(xs.shape[0]), index]


def _one_hot(index: Array, n: int) -> Array:
    """δᵢⱼ as a (k, n, 1) array: 1 at j = index[k]."""
    return (np.arange(n)[None, :] == index[:, None]).astype(float)[:, :, None]


def _softmax(out, index, xs):
    probabilities, _ = _softmax_parts(xs)
    out[...] = _pick(probabilities, index)
    return probabilities


def _softmax_back(g, out, probabilities, index, need, xs):
    """∂sᵢ/∂xⱼ = sᵢ·(δᵢⱼ − sⱼ)."""
    delta = _one_hot(index, xs.shape[1])
    return ((g * out)[:, None, :] * (delta - probabilities),)


def _log_softmax(out, index, xs):
    probabilities, lse = _softmax_parts(xs)
    np.subtract(_pick(xs, index), lse, out=out)
    return probabilities


def _log_softmax_back(g, out, probabilities, index, need, xs):
    """∂ log sᵢ/∂xⱼ = δᵢⱼ − sⱼ."""
    delta = _one_hot(index, xs.shape[1])
    return (g[:, None, :] * (delta - probabilities),)


NARY: dict[str, Kernel] = {
    "sum": Kernel(_sum, _sum_back),
    "mean": Kernel(_mean, _mean_back),
    "logsumexp": Kernel(_logsumexp, _logsumexp_back),
    "softmax": Kernel(_softmax, _softmax_back),
    "log_softmax": Kernel(_log_softmax, _log_softmax_back),
}


# "dot" (Σᵢ wᵢ·xᵢ) has two operands, W and X, each (k, n, B).


def _dot(out, p, ws, xs):
    np.sum(ws * xs, axis=1, out=out)


def _dot_back(g, out, s, p, need, ws, xs):
    """∂(Σⱼ wⱼ·xⱼ)/∂wᵢ = xᵢ,  ∂/∂xᵢ = wᵢ."""
    g = g[:, None, :]
    return (g * xs if need[0] else None), (g * ws if need[1] else None)


DOT = Kernel(_dot, _dot_back)


# A layer of k neurons over the same n inputs, Σᵢ Wⱼᵢ·xᵢ for every j: W (k, n) @ X (n, B).


def _matmul(out, p, w, x):
    np.matmul(w, x, out=out)


def _matmul_back(g, out, s, p, need, w, x):
    """∂/∂Wⱼᵢ = xᵢ, summed over rows: G @ Xᵀ;  ∂/∂xᵢ = Wⱼᵢ, summed over neurons: Wᵀ @ G."""
    return (g @ x.T if need[0] else None), (w.T @ g if need[1] else None)


MATMUL = Kernel(_matmul, _matmul_back)
