"""Optimizers: turn the gradients in ``p.grad`` into a step for every parameter p.

    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(100):
        optimizer.zero_grad()          # gradients accumulate, so clear them first
        loss = ...                     # forward pass
        loss.backward()                # ∂loss/∂p into p.grad
        optimizer.step()               # p ← p − lr · (direction from the gradients)

The update rules are PyTorch's (``torch.optim.SGD``, ``Adam`` and ``AdamW``), so the same
settings give the same trajectory. As in PyTorch, the parameters may come in groups with
settings of their own,

    SGD([{"params": body.parameters()}, {"params": head.parameters(), "lr": 0.01}], lr=0.1)

and ``optimizer.param_groups`` is that list of dicts, each with every setting filled in.
``optimizer.lr`` (and ``momentum``, ``weight_decay``, …) reads the setting shared by all
groups and sets it in every group. It may be changed between steps, by hand or by a
learning-rate schedule (``StepLR``, ``LinearLR``, ``CosineAnnealingLR``, ``LambdaLR``).

Ctrl-C (or a notebook's interrupt) arriving during ``step()`` lets the step finish, so
no parameter is left half updated, and is raised as ``KeyboardInterrupt`` right after.
"""

from __future__ import annotations

import math
import numbers
import signal
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypedDict, TypeVar, overload

import numpy as np

from microgradx.engine import Value

if TYPE_CHECKING:
    from microgradx.nn import Module

__all__ = [
    "Optimizer",
    "GroupSettings",
    "SGD",
    "Adam",
    "AdamW",
    "LRScheduler",
    "StepLR",
    "LinearLR",
    "CosineLR",
    "CosineAnnealingLR",
    "LambdaLR",
]

ParamGroup = dict[str, Any]
# What an optimizer takes: a list of parameters, a Module, or a list of groups (dicts).


class GroupSettings(TypedDict, total=False):
    """One parameter group as given to an optimizer: its parameters and any of its settings."""

    params: Iterable[Value] | Module
    lr: float
    momentum: float
    nesterov: bool
    weight_decay: float
    dampening: float
    betas: tuple[float, float]
    eps: float


Params: TypeAlias = "Iterable[Value | GroupSettings] | Module"


Setting = TypeVar("Setting")


class _GroupSetting(Generic[Setting]):
    """An optimizer setting kept in every parameter group: reading it gives the value all
    groups share (the first group's if they differ), setting it sets it in every group."""

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, optimizer: None, owner: type) -> _GroupSetting[Setting]: ...

    @overload
    def __get__(self, optimizer: Optimizer, owner: type) -> Setting: ...

    def __get__(self, optimizer: Optimizer | None, owner: type) -> Setting | _GroupSetting[Setting]:
        if optimizer is None:
            return self
        value: Setting = optimizer.param_groups[0][self.name]
        return value

    def __set__(self, optimizer: Optimizer, value: Setting) -> None:
        for group in optimizer.param_groups:
            checked = dict(group, **{self.name: value})
            optimizer._check_settings(checked)
            group[self.name] = checked[self.name]


class Optimizer:
    """What every optimizer has: parameter groups with their settings, ``zero_grad()`` and
    ``step()``.

    A subclass gives its default settings to ``__init__`` and states its update rule once,
    on arrays, in ``update(group, state, data, grad)``: ``data`` holds the group's
    parameters, ``grad`` their gradients, and the rule changes ``data`` in place
    (``state``: that group's running buffers, such as momentum, one array entry per
    parameter). ``step()`` gathers the Values' numbers into arrays for it and writes the
    result back; a compiled training run (``CompiledLoss.training``) calls the same rule on
    the arrays it holds. ``_check_settings`` validates a group's settings.
    """

    lr: _GroupSetting[float] = _GroupSetting("lr")

    def __init__(self, params: Params, lr: float, **defaults: Any) -> None:
        self.defaults: dict[str, Any] = {"lr": lr, **defaults}
        self.param_groups: list[ParamGroup] = []
        self.group_state: list[dict[str, Any]] = []  # per group: buffers such as momentum
        groups = _as_groups(params, type(self).__name__)
        if not groups:
            raise ValueError(f"{type(self).__name__} got no parameters to optimize")
        for group in groups:
            self.add_param_group(group)

    @property
    def params(self) -> list[Value]:
        """Every parameter, group after group."""
        return [p for group in self.param_groups for p in group["params"]]

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group: ``{"params": [...], "lr": ...}``; settings not given take the defaults."""
        who = type(self).__name__
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError(
                f"{who}: a parameter group is a dict with a 'params' list, got {group!r}"
            )
        unknown = [key for key in group if key != "params" and key not in self.defaults]
        if unknown:
            known = ", ".join(repr(key) for key in self.defaults)
            raise ValueError(f"{who}: unknown setting {unknown[0]!r} in a group; use {known}")
        params = _parameter_list(group["params"], who)
        if not params:
            raise ValueError(f"{who} got no parameters to optimize")
        seen = {id(p) for p in self.params}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{who}: a parameter appears in more than one parameter group")
        new_group: ParamGroup = {**self.defaults, **group, "params": params}
        self._check_settings(new_group)
        self.param_groups.append(new_group)
        self.group_state.append({})

    def _check_settings(self, group: ParamGroup) -> None:
        """Validate (and normalise, in place) a group's settings."""
        group["lr"] = _non_negative(group["lr"], "lr")

    # An open training run that holds this optimizer's parameters in arrays, if any.
    held_by: object | None = None

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (gradients accumulate across backward passes)."""
        self._check_not_held("zero_grad()")
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its current ``grad`` (Ctrl-C waits for the end)."""
        self._check_not_held("step()")
        with FinishBeforeInterrupt():
            for group, state in zip(self.param_groups, self.group_state):
                self._update(group, state)

    def _update(self, group: ParamGroup, state: dict[str, Any]) -> None:
        """One group's step on its Values: their numbers into arrays, ``update``, and back."""
        params = group["params"]
        data = np.fromiter([p.data for p in params], float, len(params))
        grad = np.fromiter([p.grad for p in params], float, len(params))
        self.update(group, state, data, grad)
        for p, new in zip(params, data.tolist()):
            p.data = new

    def _check_not_held(self, what: str) -> None:
        if self.held_by is not None:
            raise RuntimeError(
                f"{type(self).__name__}.{what} inside a training run on its parameters (they "
                "are held in arrays until its with block ends): step with run.step(X, y) "
                "inside the block, or after it"
            )

    def update(
        self, group: ParamGroup, state: dict[str, Any], data: np.ndarray, grad: np.ndarray
    ) -> None:
        """The update rule: change ``data`` (the group's parameters) in place, given ``grad``.

        Change it in place (``data -= lr * grad``; ``data = data - lr * grad`` would change
        a new array that nobody reads), and keep a copy of anything kept in ``state``
        (``state["previous"] = grad.copy()``): a training run passes the same ``data``
        array at every step."""
        raise NotImplementedError(
            f"{type(self).__name__} must define its rule, update(group, state, data, grad)"
        )

    @property
    def updates_in_arrays(self) -> bool:
        """Whether a step is exactly ``update`` on arrays (no ``step``, ``_update`` or
        ``zero_grad`` of its own), so a compiled training run may hold the parameters in
        arrays and call it directly."""
        kind = type(self)
        return all(
            getattr(kind, name) is getattr(Optimizer, name)
            for name in ("step", "_update", "zero_grad")
        )

    def __repr__(self) -> str:
        settings = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        shown = ", ".join(f"{k}={v!r}" for k, v in settings.items())
        groups = len(self.param_groups)
        count = f"{groups} groups" if groups > 1 else f"{len(self.params)} parameters"
        return f"{type(self).__name__}({count}; {shown})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    For each parameter p with gradient g (PyTorch's rule, dampening d):

        g ← g + weight_decay · p
        v ← g on the first step, then v ← momentum · v + (1 − d) · g
        g ← g + momentum · v   (Nesterov)   or   g ← v   (classical momentum)
        p ← p − lr · g

    With momentum = 0 this is plain gradient descent, p ← p − lr · ∂L/∂p.
    """

    momentum: _GroupSetting[float] = _GroupSetting("momentum")
    nesterov: _GroupSetting[bool] = _GroupSetting("nesterov")
    weight_decay: _GroupSetting[float] = _GroupSetting("weight_decay")
    dampening: _GroupSetting[float] = _GroupSetting("dampening")

    def __init__(
        self,
        params: Params,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            lr,
            momentum=momentum,
            nesterov=nesterov,
            weight_decay=weight_decay,
            dampening=dampening,
        )

    def _check_settings(self, group: ParamGroup) -> None:
        super()._check_settings(group)
        for name in ("momentum", "weight_decay", "dampening"):
            group[name] = _non_negative(group[name], name)
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and (group["momentum"] == 0.0 or group["dampening"] != 0.0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")

    @property
    def velocity(self) -> list[float] | None:
        """The momentum buffer v of every parameter, once a step with momentum was taken."""
        if not any("momentum_buffer" in state for state in self.group_state):
            return None
        return [
            float(v)
            for group, state in zip(self.param_groups, self.group_state)
            for v in state.get("momentum_buffer", np.zeros(len(group["params"])))
        ]

    def update(
        self, group: ParamGroup, state: dict[str, Any], data: np.ndarray, grad: np.ndarray
    ) -> None:
        lr, mu, decay = group["lr"], group["momentum"], group["weight_decay"]
        if mu == 0.0 and decay == 0.0:  # plain gradient descent: the same update, less work
            data -= lr * grad
            return
        g = grad + decay * data
        if mu != 0.0:
            v = state.get("momentum_buffer")
            if v is None:  # the first step: v ← g
                v = state["momentum_buffer"] = g.copy()
            else:  # v ← momentum · v + (1 − dampening) · g
                v *= mu
                v += (1.0 - group["dampening"]) * g
            g = g + mu * v if group["nesterov"] else v
        data -= lr * g


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square.

    For each parameter p with gradient g, at step t = 1, 2, … (PyTorch's rule):

        g ← g + weight_decay · p            (L2 regularisation, added to the gradient)
        m ← β₁ · m + (1 − β₁) · g           (first moment, the mean direction)
        v ← β₂ · v + (1 − β₂) · g²          (second moment, the size)
        p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)

    The factors 1 − βᵗ undo the bias of m and v towards their starting value 0.
    """

    betas: _GroupSetting[tuple[float, float]] = _GroupSetting("betas")
    eps: _GroupSetting[float] = _GroupSetting("eps")
    weight_decay: _GroupSetting[float] = _GroupSetting("weight_decay")

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _check_settings(self, group: ParamGroup) -> None:
        super()._check_settings(group)
        betas = group["betas"]
        pair = isinstance(betas, (tuple, list)) and len(betas) == 2
        if not pair or not all(0.0 <= _non_negative(b, "beta") < 1.0 for b in betas):
            raise ValueError(
                f"{type(self).__name__} needs betas = (β₁, β₂), each in [0, 1), got {betas!r}"
            )
        group["betas"] = (float(betas[0]), float(betas[1]))
        group["eps"] = _non_negative(group["eps"], "eps")
        group["weight_decay"] = _non_negative(group["weight_decay"], "weight_decay")

    def update(
        self, group: ParamGroup, state: dict[str, Any], data: np.ndarray, grad: np.ndarray
    ) -> None:
        self._adam(group, state, data, grad, group["weight_decay"], decoupled_decay=0.0)

    def _adam(
        self,
        group: ParamGroup,
        state: dict[str, Any],
        data: np.ndarray,
        grad: np.ndarray,
        coupled_decay: float,
        decoupled_decay: float,
    ) -> None:
        """The Adam step, with weight decay added to g (Adam) or to p directly (AdamW)."""
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        t = state["step"] = state.get("step", 0) + 1
        m = state.setdefault("exp_avg", np.zeros(len(data)))
        v = state.setdefault("exp_avg_sq", np.zeros(len(data)))
        step_size = lr / (1.0 - beta1**t)
        root_correction = math.sqrt(1.0 - beta2**t)
        g = grad + coupled_decay * data
        if decoupled_decay:
            data *= 1.0 - lr * decoupled_decay
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * g * g
        data -= step_size * m / (np.sqrt(v) / root_correction + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter; PyTorch's ``AdamW``).

    The decay shrinks the parameter itself instead of joining the gradient, so it is not
    rescaled by Adam's step size: at step t = 1, 2, …

        p ← p − lr · weight_decay · p
        m ← β₁ · m + (1 − β₁) · g,   v ← β₂ · v + (1 − β₂) · g²
        p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def update(
        self, group: ParamGroup, state: dict[str, Any], data: np.ndarray, grad: np.ndarray
    ) -> None:
        self._adam(group, state, data, grad, 0.0, decoupled_decay=group["weight_decay"])


# ----------------------------------------------------------------------
# Learning-rate schedules.
# ----------------------------------------------------------------------


class LRScheduler:
    """Sets each group's ``lr = base_lr · factor(k)`` after k calls of ``step()``.

    ``base_lr`` is a group's learning rate when the scheduler is made; subclasses choose
    ``factor``. As in PyTorch, k counts calls of ``scheduler.step()``, usually one per
    epoch (``train.fit`` does that, unless told ``schedule_every="step"``); in a loop of
    your own call it once after each epoch's ``optimizer.step()`` calls.
    """

    def __init__(self, optimizer: Optimizer, factor: Callable[[int], float]) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a scheduler needs an optimizer such as SGD, got {optimizer!r}")
        if not callable(factor):
            raise TypeError(f"the schedule's factor must be a function of k, got {factor!r}")
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.factor = factor
        self.steps_done = 0
        self._set_lrs()

    @property
    def base_lr(self) -> float:
        """The first group's learning rate when the scheduler was made."""
        return float(self.base_lrs[0])

    @property
    def last_epoch(self) -> int:
        """How many times ``step()`` was called (PyTorch's name for k)."""
        return self.steps_done

    def step(self) -> None:
        """Advance one step (an epoch, usually) and set the learning rate for the next one."""
        self.steps_done += 1
        self._set_lrs()

    def lr_at(self, base_lr: float, k: int, group: int = 0) -> float:
        """The learning rate after k steps, for group number ``group`` that started at
        ``base_lr``."""
        return base_lr * self.factor(k)

    def _set_lrs(self) -> None:
        for i, (group, base_lr) in enumerate(zip(self.optimizer.param_groups, self.base_lrs)):
            group["lr"] = _non_negative(self.lr_at(base_lr, self.steps_done, i), "lr")

    @property
    def lr(self) -> float:
        """The learning rate the optimizer will use next (the first group's)."""
        return float(self.optimizer.lr)

    def get_last_lr(self) -> list[float]:
        """Every group's current learning rate (PyTorch's name)."""
        return [group["lr"] for group in self.optimizer.param_groups]


class LambdaLR(LRScheduler):
    """lr_k = base_lr · lr_lambda(k) for a function of your own, e.g. ``lambda k: 0.95**k``
    (PyTorch's ``LambdaLR``); a list of functions gives each parameter group its own."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    ) -> None:
        self.lr_lambdas: list[Callable[[int], float]] = []
        if callable(lr_lambda):
            super().__init__(optimizer, lr_lambda)
            return
        groups = len(getattr(optimizer, "param_groups", []))
        if not isinstance(lr_lambda, (list, tuple)):
            raise TypeError(f"the schedule's factor must be a function of k, got {lr_lambda!r}")
        if len(lr_lambda) != groups or not all(callable(f) for f in lr_lambda):
            raise ValueError(
                f"LambdaLR: a list of lr_lambda needs one function per parameter group "
                f"({groups}), got {lr_lambda!r}"
            )
        self.lr_lambdas = list(lr_lambda)
        super().__init__(optimizer, self.lr_lambdas[0])

    def lr_at(self, base_lr: float, k: int, group: int = 0) -> float:
        factor = self.lr_lambdas[group] if self.lr_lambdas else self.factor
        return base_lr * factor(k)


class StepLR(LRScheduler):
    """Step decay: lr_k = base_lr · γ^⌊k / step_size⌋ (multiply by γ every step_size steps)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral):
            raise TypeError(f"StepLR: step_size must be a whole number, got {step_size!r}")
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be ≥ 1, got {step_size}")
        gamma = _non_negative(gamma, "gamma")
        self.step_size, self.gamma = int(step_size), gamma
        super().__init__(optimizer, lambda k: gamma ** (k // self.step_size))


class LinearLR(LRScheduler):
    """Linear change (PyTorch's ``LinearLR``): the factor goes from ``start_factor`` (default
    1/3) to ``end_factor`` (default 1) over ``total_iters`` steps (default 5), then stays there:

        lr_k = base_lr · (start + (end − start) · min(k, total_iters) / total_iters)

    micrograd's demo, lr = 1.0 − 0.9·k/100, is
    ``LinearLR(SGD(..., lr=1.0), start_factor=1.0, end_factor=0.1, total_iters=100)``.
    (``total_steps=`` and the order ``LinearLR(optimizer, end_factor, total_steps)`` of
    microgradx 0.1 still work, with a ``DeprecationWarning``.)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float | None = None,
        end_factor: float = 1.0,
        total_iters: int | None = None,
        *,
        total_steps: int | None = None,
    ) -> None:
        if total_steps is not None or (total_iters is None and _is_count(end_factor)):
            # microgradx 0.1: LinearLR(optimizer, end_factor, total_steps, start_factor=1.0)
            if total_steps is None:  # the old positional order: (end_factor, total_steps)
                start_factor, end_factor, total_steps = None, start_factor or 0.0, int(end_factor)
            start_factor = 1.0 if start_factor is None else start_factor
            warnings.warn(
                "LinearLR(optimizer, end_factor, total_steps) is PyTorch's "
                "LinearLR(optimizer, start_factor, end_factor, total_iters) now: "
                f"write LinearLR(optimizer, start_factor={start_factor!r}, "
                f"end_factor={end_factor!r}, total_iters={total_steps!r})",
                DeprecationWarning,
                stacklevel=2,
            )
            total_iters = total_steps
        total = _total_steps(5 if total_iters is None else total_iters, "LinearLR", "total_iters")
        start = _non_negative(1.0 / 3.0 if start_factor is None else start_factor, "start_factor")
        end = _non_negative(end_factor, "end_factor")
        self.start_factor, self.end_factor, self.total_iters = start, end, total
        super().__init__(optimizer, lambda k: start + (end - start) * min(k, total) / total)


class CosineLR(LRScheduler):
    """Cosine annealing from each group's base_lr down to ``min_lr`` over T = ``total_steps``:

    lr_k = min_lr + (base_lr − min_lr) · (1 + cos(π · min(k, T) / T)) / 2
    """

    def __init__(self, optimizer: Optimizer, total_steps: int, min_lr: float = 0.0) -> None:
        self.total_steps = _total_steps(total_steps, type(self).__name__, "total_steps")
        self.min_lr = _non_negative(min_lr, "min_lr")
        super().__init__(optimizer, self._cosine)

    def _cosine(self, k: int) -> float:
        """The share of the way from min_lr to base_lr still left after k steps."""
        return (1.0 + math.cos(math.pi * min(k, self.total_steps) / self.total_steps)) / 2

    def lr_at(self, base_lr: float, k: int, group: int = 0) -> float:
        return self.min_lr + (base_lr - self.min_lr) * self._cosine(k)


class CosineAnnealingLR(CosineLR):
    """PyTorch's ``CosineAnnealingLR(optimizer, T_max, eta_min=0.0)``: the cosine of ``CosineLR``,
    but it does not stop at T_max — it rises back to base_lr by 2·T_max, and so on:

    lr_k = eta_min + (base_lr − eta_min) · (1 + cos(π · k / T_max)) / 2
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer, total_steps=T_max, min_lr=eta_min)

    def _cosine(self, k: int) -> float:
        return (1.0 + math.cos(math.pi * k / self.total_steps)) / 2


# ----------------------------------------------------------------------
# Helpers.
# ----------------------------------------------------------------------


class FinishBeforeInterrupt:
    """Hold back Ctrl-C (SIGINT) while a step runs, then deliver it.

    A step cut short would leave some parameters updated and others not. As a ``with``
    block it guards one step. For a run of many steps, install it once (``install()`` …
    ``uninstall()``) and mark each step with ``holding = True`` … ``release()``: a Ctrl-C
    between steps is delivered at once, one during a step right after it. Only the main
    thread receives signals in Python, so elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self.holding = False
        self.received: tuple[int, FrameType | None] | None = None
        self.installed = False
        self.previous: Any = None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        try:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        except (ValueError, OSError):  # no signals here (an embedded interpreter, say)
            return
        self.installed = True

    def uninstall(self) -> None:
        if self.installed:
            # None: a handler installed outside Python; it cannot be put back from here, so
            # Python's own (which raises KeyboardInterrupt) takes its place.
            if self.previous is None:
                self.previous = signal.default_int_handler
            signal.signal(signal.SIGINT, self.previous)
            self.installed = False

    def release(self) -> None:
        """The step is over: deliver a Ctrl-C that arrived during it."""
        self.holding = False
        received, self.received = self.received, None
        if received is not None:
            self._deliver(received)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.holding:
            self.received = (signum, frame)
        else:
            self._deliver((signum, frame))

    def _deliver(self, received: tuple[int, FrameType | None]) -> None:
        previous = signal.default_int_handler if self.previous is None else self.previous
        if callable(previous):  # Python's own handler raises KeyboardInterrupt
            previous(*received)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    def __enter__(self) -> None:
        self.install()
        self.holding = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.uninstall()
        if kind is None:
            self.release()


def _as_groups(params: Any, who: str) -> list[dict[str, Any]]:
    """The optimizer's argument as a list of groups: dicts with a 'params' entry."""
    if hasattr(params, "parameters") and not isinstance(params, Mapping):  # a Module
        params = params.parameters()
    if callable(params):
        raise TypeError(
            f"{who} needs the list of parameters: call the method, "
            "model.parameters() (with the parentheses)"
        )
    if isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{who} needs a list of parameters, e.g. model.parameters(), got {params!r}"
        )
    items = list(params)
    if items and all(isinstance(item, Mapping) for item in items):
        return [dict(item) for item in items]
    return [{"params": items}]


def _parameter_list(params: Any, who: str) -> list[Value]:
    """A group's parameters as a list of Values, each once."""
    if hasattr(params, "parameters"):  # a Module
        params = params.parameters()
    if callable(params):
        raise TypeError(
            f"{who} needs the list of parameters: call the method, "
            "model.parameters() (with the parentheses)"
        )
    if isinstance(params, Value):
        params = [params]
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{who} needs a list of parameters, e.g. model.parameters(), got {params!r}"
        )
    params = list(params)
    checked: list[Value] = []
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: parameter {i} is {p!r}, not a Value; pass model.parameters()")
        checked.append(p)
    if len({id(p) for p in checked}) != len(checked):
        raise ValueError(
            f"{who}: a parameter appears twice in the list, so it would be updated twice per "
            "step (model.parameters() lists a parameter shared by two layers once)"
        )
    return checked


def _is_count(value: object) -> bool:
    """A whole number above 1: a step count, never a learning-rate factor."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) > 1


def _non_negative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0.0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    return number


def _total_steps(total: object, who: str, name: str) -> int:
    if isinstance(total, bool) or not isinstance(total, numbers.Integral) or total < 1:
        raise ValueError(f"{who}: {name} must be a whole number ≥ 1, got {total!r}")
    return int(total)
