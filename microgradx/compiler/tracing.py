"""What one traced example can stand for: the rule that decides whether a model compiles.

``compile`` traces a model on one example and replays that graph for every row. That is
only right if the model builds the same graph whatever the data: a model that looks at a
number while it is traced (``if x.data > 0: ...``) may build another graph for another row,
and the replay would then compute a different function without a word.

So while a model is traced, ``watch_data_reads`` notes every Value whose ``.data`` is read
by code outside microgradx (the model's own code: microgradx's ops read ``.data`` to
compute, which is what the graph records), and every Value whose number an op's rule takes
as a condition (``ops.number``): a gradient built as a graph (``create_graph=True``) holds
relu's slope "1 if x > 0 else 0" as the constant of the traced example. A Value whose
``.data`` the code sets while it is traced counts too. After the trace,
``DataReads.check`` refuses the model with ``CannotCompile`` if any of those Values is part
of the traced graph or depends on a traced input. The rule is decided by what the code did,
never by trying a sample of rows: a branch that one sample never takes is still seen.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any

from microgradx.engine import Value, describe
from microgradx.ops import number

__all__ = ["CannotCompile", "DataReads", "watch_data_reads"]


class CannotCompile(TypeError, ValueError):
    """This model or loss cannot run as one compiled graph; the scalar engine can run it.

    The message says why. ``fit`` and ``plot_decision_boundary`` catch this error alone and
    fall back to the scalar engine; any other error raised while compiling is a real one.
    (It is a TypeError and a ValueError too, the errors ``compile_loss`` raised for these
    cases before.)
    """


# Engine methods that hand a Value's number to the code that called them: a read made by
# one of these counts as a read by its caller.
_HANDING_OUT = frozenset(
    {"item", "__float__", "__int__", "__index__", "__bool__", "__round__", "__format__"}
    | {"__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"}
)

_current: contextvars.ContextVar[DataReads | None] = contextvars.ContextVar(
    "microgradx_data_reads", default=None
)
_install_lock = threading.Lock()
_watchers = 0
_slot: Any = None  # Value's own ``data`` attribute while the watching one stands in for it


class DataReads:
    """The Values whose ``.data`` code outside microgradx read during one trace."""

    def __init__(self) -> None:
        self.values: list[Value] = []  # kept alive, so no id is reused before ``check``

    def check(self, roots: Sequence[Value], inputs: Sequence[Value], what: str = "model") -> None:
        """Raise ``CannotCompile`` if a read Value is in the graph below ``roots`` or depends
        on one of ``inputs``: then the number read could differ from row to row (or from
        step to step, for a parameter), and so could the graph."""
        if not self.values:
            return
        in_graph = {id(node) for root in roots for node in root.topological_order()}
        in_graph.update(id(x) for x in inputs)
        dependent = _depending_on(self.values, in_graph)
        for value in self.values:
            if id(value) in in_graph or id(value) in dependent:
                raise CannotCompile(
                    f"the {what} reads the .data of {describe(value)} while it is traced, so its "
                    "graph may differ from one example to the next (compile traces one)"
                )


def _depending_on(values: list[Value], sources: set[int]) -> set[int]:
    """The ids of those ``values`` computed (through any number of ops) from ``sources``."""
    known: dict[int, bool] = {}
    for value in values:
        stack: list[tuple[Value, bool]] = [(value, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in known:
                continue
            if id(node) in sources:
                known[id(node)] = True
            elif expanded or not node.inputs:
                known[id(node)] = any(known.get(id(child), False) for child in node.inputs)
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in node.inputs if id(child) not in known)
    return {id(value) for value in values if known.get(id(value))}


def _outside_microgradx(frame: FrameType | None) -> bool:
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != "microgradx" and not module.startswith("microgradx."):
            return True
        if frame.f_code.co_name not in _HANDING_OUT:
            return False
        frame = frame.f_back
    return False


def _get_data(value: Value) -> Any:
    data = _slot.__get__(value, Value)
    reads = _current.get()
    if reads is not None:
        reader = sys._getframe(1)
        if reader.f_code is _A_CONDITION or _outside_microgradx(reader):
            reads.values.append(value)
    return data


# The rules' way to read a Value's number for a condition, which the graph keeps as a constant.
_A_CONDITION = number.__code__


def _set_data(value: Value, data: Any) -> None:
    _slot.__set__(value, data)
    reads = _current.get()
    if reads is not None and _outside_microgradx(sys._getframe(1)):
        reads.values.append(value)  # a number the code chose while tracing: as a read


@contextlib.contextmanager
def watch_data_reads(reads: DataReads | None = None) -> Iterator[DataReads]:
    """Within this block (in this thread, or this asyncio context), note the Values whose
    ``.data`` code outside microgradx reads — into ``reads`` if given, else a new
    ``DataReads`` — and call its ``check`` after the trace.

    While any block is open, ``Value.data`` is a property that does this bookkeeping (for
    every thread: only the block's own thread or context is recorded); afterwards it is the
    plain attribute again.
    """
    global _watchers, _slot
    reads = DataReads() if reads is None else reads
    with _install_lock:
        if _watchers == 0:
            _slot = Value.__dict__["data"]
            Value.data = property(_get_data, _set_data)  # type: ignore[assignment,method-assign]
        _watchers += 1
    token = _current.set(reads)
    try:
        yield reads
    finally:
        _current.reset(token)
        with _install_lock:
            _watchers -= 1
            if _watchers == 0:
                Value.data = _slot  # type: ignore[method-assign]
                _slot = None
