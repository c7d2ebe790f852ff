"""Derivatives of derivatives: gradients as graphs, and function transforms.

Backpropagation is a computation too. ``grad(f, [x], create_graph=True)`` runs it with
Values instead of floats: each node's local derivatives come from the table of ops
(``microgradx.ops``) evaluated *on the nodes themselves*, so ∂f/∂x is the root of a
new graph — which can be drawn, compiled, and differentiated again:

    x = Value(2.0, "x")
    f = x**3
    (df,) = grad(f, [x], create_graph=True)     # 3x² = 12, a node
    (d2f,) = grad(df, [x])                      # 6x  = 12

The transforms below work on Python functions of Values, with plain floats in and out,
and nest as in JAX and ``torch.func``: ``grad(grad(f))(x)`` is f''(x).

    grad(f)(x)                f'(x)                 reverse mode
    value_and_grad(f)(x)      (f(x), f'(x))
    hessian(f)(x, y)          [[f_xx, f_xy], [f_yx, f_yy]]
    jvp(f, (x,), (v,))        (f(x), f'(x)·v)       forward mode, with Dual numbers
    hvp(f, (x, y), (u, v))    H·(u, v)              reverse over reverse

Conventions at the kinks, as PyTorch: relu, leaky_relu and abs have derivative 0 (relu),
the slope (leaky_relu) or 0 (abs) exactly at 0, and second derivative 0 everywhere.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from microgradx import ops
from microgradx.dual import Dual
from microgradx.engine import Value, apply, describe, topological_order
from microgradx.functional import sum as sum_all

__all__ = ["grad", "value_and_grad", "hessian", "jvp", "hvp", "gradient_of"]


# ----------------------------------------------------------------------
# The gradient of one output with respect to some inputs.
# ----------------------------------------------------------------------


def gradient_of(
    output: Value, inputs: Sequence[Value], *, create_graph: bool = False
) -> tuple[Value, ...]:
    """∂output/∂inputᵢ for each input, as Values; no node's ``grad`` is touched.

    ``microgradx.grad`` is this function. Like ``torch.autograd.grad``:

    - ``create_graph=False``: reverse mode on floats; each result is a constant leaf.
    - ``create_graph=True``: reverse mode on Values — every local derivative is the op's
      rule evaluated on the graph's nodes, and every product and sum of the chain rule is
      a node — so each result is the root of a graph that computes it (labelled
      ``∂f/∂x``), to draw, compile or differentiate again.

    An input that ``output`` does not depend on gets 0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad needs a Value as its output, got {output!r}")
    inputs = _as_inputs(inputs)
    root = output.label or "f"
    forward: set[Value] = set()
    grads: dict[Value, Any]
    if not create_graph:
        # Numbers read off the graph, as a rule's condition reads them (``ops.number``): a
        # compiled trace that kept them would keep the traced example's (compiler/tracing.py).
        ops.number(output)
    grads = _graph_backward(output, root, forward) if create_graph else _float_backward(output)
    results = []
    for x in inputs:
        name = f"∂{root}/∂{x.label}" if x.label else f"∂{root}/∂x"
        g = grads.get(x)
        if not create_graph or g is None:
            number = 0.0 if g is None else (g if isinstance(g, float) else g.data)
            results.append(Value(number, name))
        elif isinstance(g, Value):
            results.append(_named(g, name, forward))
        else:  # a constant gradient, such as 1 for f = x + y
            results.append(Value(g, name))
    return tuple(results)


def _as_inputs(inputs: Sequence[Value]) -> list[Value]:
    if isinstance(inputs, Value):
        return [inputs]
    try:
        values = list(inputs)
    except TypeError:
        raise TypeError(f"grad's inputs must be a list of Values, got {inputs!r}") from None
    for x in values:
        if not isinstance(x, Value):
            raise TypeError(f"grad's inputs must be Values, got {x!r} of type {type(x).__name__}")
    return values


def _float_backward(output: Value) -> dict[Value, float]:
    """Value.backward's loop, into a dict of its own instead of the nodes' ``grad``."""
    grads: dict[Value, float] = {output: 1.0}
    for node in reversed(topological_order(output)):
        upstream = grads.get(node, 0.0)
        if upstream == 0.0:
            continue
        if upstream - upstream != 0.0:
            raise ValueError(_not_finite(node, upstream))
        for child, local in zip(node.inputs, node.local_grads):
            grads[child] = grads.get(child, 0.0) + local * upstream
    return grads


def _graph_backward(output: Value, root: str, forward: set[Value]) -> dict[Value, Value | float]:
    """Reverse mode with Values: ∂output/∂node for every node, each a node of a new graph.

    The chain rule, node by node from the output back: a node's gradient is the sum of
    what its consumers passed it; it passes ``local · gradient`` to each input, where
    ``local`` is the op's rule evaluated on the node's inputs and the node itself.
    ``forward`` receives the nodes of the output's own graph.
    """
    order = topological_order(output)
    forward.update(order)
    incoming: dict[Value, list[Value | float]] = {output: [1.0]}
    grads: dict[Value, Value | float] = {}
    for node in reversed(order):
        parts = incoming.pop(node, None)
        if parts is None:
            continue
        upstream = parts[0] if len(parts) == 1 else sum_all(parts)
        if isinstance(upstream, Value) and node.label and _fresh(upstream, forward):
            upstream.label = f"∂{root}/∂{node.label}"  # named as the slide names it
        grads[node] = upstream
        if not node.inputs:
            continue
        for child, local in zip(node.inputs, _local_grads_as_values(node)):
            if isinstance(local, Value) and node.label and child.label and _fresh(local, forward):
                local.label = f"∂{node.label}/∂{child.label}"  # a local derivative, named
            term = _times(local, upstream)
            if term is not None:
                incoming.setdefault(child, []).append(term)
    return grads


def _rule_of(node: Value) -> ops.Op:
    """The node's op as a row of the table, whose rules can be evaluated again."""
    if not isinstance(node.op, ops.Op):
        raise ValueError(
            f"{describe(node)} was made by hand (op {str(node.op)!r}, not an op of the table), "
            "so its local derivatives are numbers only and cannot be differentiated again: "
            "make the op with microgradx.define_op"
        )
    return node.op


def _numbers_only(op: ops.Op, error: Exception, kind: str) -> ValueError:
    """An op made with define_op whose local_grads does not work on Values or Duals."""
    return ValueError(
        f"the op {op.name!r} cannot be differentiated twice: its local_grads works on "
        f"numbers only ({type(error).__name__}: {error}); write it with microgradx.ops' "
        f"functions (exp, log, tanh, where, ...) so that it also works on {kind}"
    )


def _vertical(node: Value) -> ValueError:
    return ValueError(
        f"the derivative of {describe(node)} ({node.op}) is infinite at "
        f"{', '.join(f'{x.data:g}' for x in node.inputs)} (a vertical slope), so the "
        "gradient graph cannot hold it: move the inputs away from that point"
    )


def _local_grads_as_values(node: Value) -> Sequence[Value | float]:
    """The node's local derivatives as functions of its inputs: the op's rule on Values."""
    op = _rule_of(node)
    try:
        local_grads = op.derivatives_at(node.inputs, node)
    except (TypeError, ValueError, ArithmeticError) as error:
        if any(math.isinf(local) for local in node.local_grads):
            raise _vertical(node) from None
        if op.builtin:
            raise
        raise _numbers_only(op, error, "Values") from None
    for local in local_grads:
        if not isinstance(local, Value) and not math.isfinite(local):
            raise _vertical(node)
    return local_grads


def _times(local: Value | float, upstream: Value | float) -> Value | float | None:
    """local · upstream, without nodes for the trivial products (× 0, × 1, × −1)."""
    if (
        type(local) is not float
        and not isinstance(local, Value)
        and isinstance(local, numbers.Real)
    ):
        local = float(local)
    if type(local) is float:
        if local == 0.0:
            return None
        if local == 1.0:
            return upstream
        if local == -1.0:
            return -upstream
    if isinstance(upstream, float) and upstream == 1.0:
        return local
    return local * upstream


def _fresh(node: Value, forward: set[Value]) -> bool:
    """A node this gradient computation made, not yet named."""
    return not node.label and bool(node.op) and node not in forward


def _named(g: Value, name: str, forward: set[Value]) -> Value:
    """The gradient node under its name: a fresh unnamed node takes the name; a node of the
    forward graph (∂(a·b)/∂a is b itself) or one already named is shown through an
    identity node, so no existing label is changed."""
    if g.label == name:
        return g
    if _fresh(g, forward):
        g.label = name
        return g
    out = apply(ops.IDENTITY, (g,))
    out.label = name
    return out


# ----------------------------------------------------------------------
# Function transforms: plain floats in and out.
# ----------------------------------------------------------------------


def _arguments(args: Sequence[Any], where: str) -> tuple[list[Value], bool]:
    """The arguments as Values: a Value (from an enclosing transform) as it is, a number as
    a fresh leaf. Also whether any came as a Value (then results stay Values)."""
    values, traced = [], False
    for i, a in enumerate(args):
        if type(a) is float:  # the common case first
            values.append(Value(a, f"x{i}" if len(args) > 1 else "x"))
        elif isinstance(a, Value):
            values.append(a)
            traced = True
        elif isinstance(a, bool) or not isinstance(a, numbers.Real):
            raise TypeError(
                f"{where}: argument {i} must be a number (or a Value), got {a!r} of type "
                f"{type(a).__name__}; for a vector, pass its entries as separate arguments"
            )
        else:
            values.append(Value(a, f"x{i}" if len(args) > 1 else "x"))
    return values, traced


def _output(fn: Callable[..., Any], values: list[Value], where: str) -> Value:
    out = fn(*values)
    if isinstance(out, numbers.Real) and not isinstance(out, bool):
        return Value(out)  # a constant function
    if not isinstance(out, Value):
        raise TypeError(
            f"{where}: the function must return one Value (a scalar), got {out!r} of type "
            f"{type(out).__name__}"
        )
    return out


def _argnums(argnums: int | Sequence[int], n: int, where: str) -> tuple[list[int], bool]:
    single = isinstance(argnums, int)
    chosen = [argnums] if single else list(argnums)  # type: ignore[list-item]
    for i in chosen:
        if isinstance(i, bool) or not isinstance(i, int) or not -n <= i < n:
            raise ValueError(f"{where}: argnums {argnums!r} does not fit {n} argument(s)")
    return [i % n for i in chosen], single


def value_and_grad(
    fn: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """A function that returns ``(fn(*args), ∂fn/∂args[argnums])``.

    ``argnums`` is an index (the gradient is a float) or a tuple of them (a tuple of floats).
    Called with Values (inside another transform), it returns Values, so transforms nest.
    """

    def transformed(*args: Any) -> tuple[Any, Any]:
        values, traced = _arguments(args, "value_and_grad")
        chosen, single = _argnums(argnums, len(values), "grad")
        out = _output(fn, values, "grad")
        grads = gradient_of(out, [values[i] for i in chosen], create_graph=traced)
        if traced:
            return out, grads[0] if single else grads
        numbers_ = tuple(g.data for g in grads)
        return out.data, numbers_[0] if single else numbers_

    transformed.__name__ = f"value_and_grad({getattr(fn, '__name__', 'fn')})"
    return transformed


def grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The derivative of ``fn`` as a function: ``grad(f)(x)`` is f'(x).

    ``argnums`` picks the argument(s) to differentiate; ``grad(grad(f))(x)`` is f''(x).
    """
    both = value_and_grad(fn, argnums)

    def transformed(*args: Any) -> Any:
        return both(*args)[1]

    transformed.__name__ = f"grad({getattr(fn, '__name__', 'fn')})"
    return transformed


def hessian(fn: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """The matrix of second derivatives: ``hessian(f)(*args)[i][j]`` = ∂²f/∂argᵢ∂argⱼ.

    The gradient graph is built once (create_graph); then one backward pass per row.
    """

    def transformed(*args: Any) -> list[list[float]]:
        values, _ = _arguments(args, "hessian")
        out = _output(fn, values, "hessian")
        first = gradient_of(out, values, create_graph=True)
        return [[g.data for g in gradient_of(row, values)] for row in first]

    transformed.__name__ = f"hessian({getattr(fn, '__name__', 'fn')})"
    return transformed


def jvp(
    fn: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float]
) -> tuple[float, float]:
    """Forward mode: ``(fn(*primals), Σᵢ ∂fn/∂xᵢ · tangentsᵢ)`` from one pass with dual
    numbers xᵢ + tangentᵢ·ε (``microgradx.Dual``)."""
    primals, tangents = list(primals), list(tangents)
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp needs one tangent per primal, got {len(primals)} primals and "
            f"{len(tangents)} tangents"
        )
    out = fn(*[Dual(x, t) for x, t in zip(primals, tangents)])
    if not isinstance(out, Dual):
        raise TypeError(f"jvp: the function must return one Dual (a scalar), got {out!r}")
    return out.value, out.derivative


def hvp(fn: Callable[..., Any], primals: Sequence[float], vector: Sequence[float]) -> list[float]:
    """The Hessian times a vector, H·v, without forming H: forward over reverse.

    H·v is the derivative of the gradient along v, d/dε ∇f(x + εv). One forward pass
    carries the tangents ẋ = v through the graph (ẏ = Σᵢ ∂y/∂xᵢ·ẋᵢ, as ``Dual`` does); the
    backward pass then carries, beside each adjoint g = ∂f/∂node, its tangent ġ:

        g_input += local · g            ġ_input += local̇ · g + local · ġ

    where local̇, the change of a local derivative along v, is the op's rule evaluated on
    dual numbers. Two passes over the graph, whatever the number of inputs.
    """
    values, _ = _arguments(list(primals), "hvp")
    v = list(vector)
    if len(v) != len(values):
        raise ValueError(f"hvp needs a vector of {len(values)} entries, got {len(v)}")
    out = _output(fn, values, "hvp")
    order = topological_order(out)
    tangent: dict[Value, float] = {}
    for x, vi in zip(values, v):
        tangent[x] = tangent.get(x, 0.0) + float(vi)
    for node in order:  # forward: the tangent of every node, ẏ = Σᵢ ∂y/∂xᵢ·ẋᵢ
        if node.inputs:
            total = 0.0
            for child, local in zip(node.inputs, node.local_grads):
                child_tangent = tangent.get(child, 0.0)
                if child_tangent != 0.0:  # (a constant adds nothing, even at a vertical slope)
                    total += local * child_tangent
            tangent[node] = total
    adjoint: dict[Value, float] = {out: 1.0}
    adjoint_tangent: dict[Value, float] = {}
    for node in reversed(order):  # backward: adjoints and their tangents
        g, g_dot = adjoint.get(node, 0.0), adjoint_tangent.get(node, 0.0)
        if not node.inputs or (g == 0.0 and g_dot == 0.0):
            continue
        local_dots = _local_grads_along(node, tangent)
        for child, local, local_dot in zip(node.inputs, node.local_grads, local_dots):
            if g != 0.0:
                adjoint[child] = adjoint.get(child, 0.0) + local * g
            change = (local_dot * g if local_dot != 0.0 else 0.0) + (
                local * g_dot if g_dot != 0.0 else 0.0
            )
            adjoint_tangent[child] = adjoint_tangent.get(child, 0.0) + change
    result = [adjoint_tangent.get(x, 0.0) for x in values]
    for number in result:
        if not math.isfinite(number):
            raise ValueError(
                f"hvp: H·v is {number}, not a finite number: a second derivative on the way "
                "is infinite (a vertical slope); move the inputs away from that point"
            )
    return result


def _local_grads_along(node: Value, tangent: dict[Value, float]) -> list[float]:
    """How each local derivative of the node changes along the tangents: the op's rule on
    dual numbers (input + ẋ·ε), its ε parts."""
    op = _rule_of(node)
    duals = [Dual._make(x.data, tangent.get(x, 0.0)) for x in node.inputs]
    try:
        locals_ = op.derivatives_at(duals, Dual._make(node.data, tangent.get(node, 0.0)))
    except (TypeError, ValueError, ArithmeticError) as error:
        if op.builtin:
            raise
        raise _numbers_only(op, error, "dual numbers") from None
    return [local.derivative if isinstance(local, Dual) else 0.0 for local in locals_]


def _not_finite(node: Value, upstream: float) -> str:
    return (
        f"backward: the gradient reaching {describe(node)} is {upstream}, not a finite "
        "number: a local derivative on the way is infinite (the vertical slope of sqrt or "
        "a fractional power at 0) or the product overflowed; move the inputs away from that "
        "point"
    )
