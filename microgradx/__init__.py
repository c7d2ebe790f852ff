"""microgradx: a scalar reverse-mode autodiff engine whose every node can be seen.

    >>> from microgradx import Value
    >>> x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(2.0, "z")
    >>> f = (x + y) * z**2
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (4.0, 4.0, -4.0)

The engine is imported at once; everything that needs numpy, graphviz or
matplotlib (networks, drawing, batched execution, ...) is imported on first use,
so ``import microgradx`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from microgradx import ops
from microgradx.engine import Value, is_grad_enabled, no_grad

# Imported at once: they need nothing beyond the engine, and the submodule `gradcheck`
# would otherwise shadow the function of the same name once imported.
from microgradx.gradcheck import gradcheck, numerical_grad
from microgradx.ops import define_op

__version__ = "0.1.0"

# Public names imported on first use: name -> (module, attribute or None for the module itself).
_LAZY: dict[str, tuple[str, str | None]] = {
    "functional": ("microgradx.functional", None),
    "Dual": ("microgradx.dual", "Dual"),
    "nn": ("microgradx.nn", None),
    "losses": ("microgradx.losses", None),
    "optim": ("microgradx.optim", None),
    "data": ("microgradx.data", None),
    "train": ("microgradx.train", None),
    "lectures": ("microgradx.lectures", None),
    "parse": ("microgradx.expr", "parse"),
    "ExpressionError": ("microgradx.expr", "ExpressionError"),
    "compile": ("microgradx.compiler", "compile"),
    "draw": ("microgradx.drawing", "draw"),
    "backward_steps": ("microgradx.drawing", "backward_steps"),
    "save_slideshow": ("microgradx.drawing", "save_slideshow"),
    "draw_network": ("microgradx.drawing", "draw_network"),
    "interactive": ("microgradx.interactive", None),
    "compat": ("microgradx.compat", None),
    "func": ("microgradx.func", None),
    "grad": ("microgradx.func", "gradient_of"),
}

# `from microgradx import *` leaves out `compile`, which would hide Python's built-in
# compile(); `microgradx.compile(...)` and `from microgradx import compile` still work.
__all__ = [
    "Value",
    "define_op",
    "ops",
    "no_grad",
    "is_grad_enabled",
    "gradcheck",
    "numerical_grad",
    "__version__",
    *(name for name in _LAZY if name != "compile"),
]

if TYPE_CHECKING:  # what the lazy names are, for type checkers (mypy, pyright, editors)
    from microgradx import compat as compat
    from microgradx import data as data
    from microgradx import func as func
    from microgradx import functional as functional
    from microgradx import interactive as interactive
    from microgradx import lectures as lectures
    from microgradx import losses as losses
    from microgradx import nn as nn
    from microgradx import optim as optim
    from microgradx import train as train
    from microgradx.compiler import compile as compile
    from microgradx.drawing import backward_steps as backward_steps
    from microgradx.drawing import draw as draw
    from microgradx.drawing import draw_network as draw_network
    from microgradx.drawing import save_slideshow as save_slideshow
    from microgradx.dual import Dual as Dual
    from microgradx.expr import ExpressionError as ExpressionError
    from microgradx.expr import parse as parse
    from microgradx.func import gradient_of

    grad = gradient_of


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'microgradx' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *_LAZY])
