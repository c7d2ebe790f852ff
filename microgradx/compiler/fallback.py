"""Compile a model (and its loss) when one traced example can stand for every row; else say why.

``fit`` and ``plot_decision_boundary`` run a model on the compiled graph when they can and
on the scalar engine when they cannot. The decision is made here, once, while the model is
traced — never by comparing a sample of rows — and it is ``CannotCompile`` when:

- the model or the loss fails on the traced example (the scalar engine then runs it on the
  real data, and raises its error if it has one);
- the model reads the ``.data`` of a traced Value (see ``tracing``): its graph may depend
  on the data;
- the graph holds an op the compiler does not know (e.g. one made with micrograd's
  ``Value(data, children, op)``), or the model returns something other than Values, or the
  loss uses the target as a plain number (``compile_loss`` says so).

Any other error raised while compiling is a fault of the compiler and is raised as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from microgradx.compiler.compiled import Compiled, CompiledLoss, compile_loss
from microgradx.compiler.compiled import compile as compile_graph
from microgradx.compiler.program import table_op
from microgradx.compiler.tracing import CannotCompile, DataReads, watch_data_reads
from microgradx.engine import Value

__all__ = ["CannotCompile", "compile_for_training", "compile_forward"]


def compile_for_training(
    model: Callable[[list[Value]], Any],
    loss: Callable[[Any, Any], Value],
    n_features: int,
    *,
    targets: Sequence[float] | None = None,
    penalty: Value | None = None,
) -> CompiledLoss:
    """``compile_loss(model, loss, n_features, ...)``, or ``CannotCompile`` saying why the
    traced example cannot stand for every row."""
    reads = DataReads()
    program = compile_loss(
        _traced(model, "model", reads),
        _traced(loss, "loss", reads),
        n_features,
        targets=targets,
        penalty=penalty,
    )
    reads.check(program.loss_graph.roots, program.loss_graph.inputs, "model or loss")
    return program


def compile_forward(model: Callable[[list[Value]], Any], n_features: int) -> Compiled:
    """The model's outputs as a compiled graph of ``n_features`` inputs (``forward(X)`` gives
    them per row), or ``CannotCompile`` saying why the traced example cannot stand for every
    row."""
    reads = DataReads()
    xs = [Value(0.0, f"x{i}") for i in range(n_features)]
    outputs = _traced(model, "model", reads)(xs)
    roots = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    if not roots or not all(isinstance(root, Value) for root in roots):
        raise CannotCompile(f"the model must return a Value or a list of Values, got {outputs!r}")
    reads.check(roots, xs)
    return compile_graph(outputs, inputs=xs)


def _traced(function: Callable[..., Any], what: str, reads: DataReads) -> Callable[..., Any]:
    """``function`` as compile traces it: its reads of ``.data`` noted in ``reads``, its
    failure on the traced example and an op the compiler cannot run made ``CannotCompile``."""
    checked: set[int] = set()  # nodes whose op was checked (the model's, once for every label)

    def traced(*args: Any) -> Any:
        try:
            with watch_data_reads(reads):
                result = function(*args)
        except Exception as error:  # the user's code failed on the traced example
            raise CannotCompile(
                f"the {what} fails on the traced example ({type(error).__name__}: {error})"
            ) from error
        results = result if isinstance(result, (list, tuple)) else [result]
        _check_ops([value for value in results if isinstance(value, Value)], checked)
        return result

    return traced


def _check_ops(roots: list[Value], checked: set[int]) -> None:
    """``CannotCompile`` if the graph below ``roots`` holds an op the compiler cannot run;
    nodes in ``checked`` (ids) are skipped, and every node visited is added to it."""
    known: set[tuple[str, int]] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in checked:
            continue
        checked.add(id(node))
        if not node.inputs:
            continue
        stack.extend(node.inputs)
        key = (node.op, len(node.inputs))
        if key in known:
            continue
        known.add(key)
        try:
            table_op(node)
        except ValueError as error:  # the compiler's own answer: it cannot run this op
            raise CannotCompile(str(error)) from None
