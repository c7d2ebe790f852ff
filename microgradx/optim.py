"""Optimizers: turn the gradients in ``p.grad`` into a step for every parameter p.

    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(100):
        optimizer.zero_grad()          # gradients accumulate, so clear them first
        loss = ...                     # forward pass
        loss.backward()                # ∂loss/∂p into p.grad
        optimizer.step()               # p ← p − lr · (direction from the gradients)

The update rules are PyTorch's (``torch.optim.SGD`` and ``torch.optim.Adam``), so the
same settings give the same trajectory. ``optimizer.lr`` may be changed between steps,
by hand or by a learning-rate schedule (``StepLR``, ``LinearLR``, ``CosineLR``, ``LambdaLR``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from microgradx.engine import Value

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "LRScheduler",
    "StepLR",
    "LinearLR",
    "CosineLR",
    "LambdaLR",
]


class Optimizer:
    """What every optimizer has: the parameters, a learning rate, ``zero_grad()`` and ``step()``."""

    def __init__(self, params: Iterable[Value] | Any, lr: float) -> None:
        if hasattr(params, "parameters"):  # a Module: take its parameters
            params = params.parameters()
        if callable(params):
            raise TypeError(
                f"{type(self).__name__} needs the list of parameters: call the method, "
                "model.parameters() (with the parentheses)"
            )
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got no parameters to optimize")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__}: parameter {i} is {p!r}, not a Value; "
                    "pass model.parameters()"
                )
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(
                f"{type(self).__name__}: a parameter appears twice in the list, "
                "so it would be updated twice per step"
            )
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate λ of the next ``step()``; set it between steps to change it."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _non_negative(value, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (gradients accumulate across backward passes)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define step()")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    For each parameter p with gradient g (PyTorch's rule, dampening d):

        g ← g + weight_decay · p
        v ← g on the first step, then v ← momentum · v + (1 − d) · g
        g ← g + momentum · v   (Nesterov)   or   g ← v   (classical momentum)
        p ← p − lr · g

    With momentum = 0 this is plain gradient descent, p ← p − lr · ∂L/∂p.
    """

    def __init__(
        self,
        params: Iterable[Value] | Any,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative(momentum, "momentum")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.dampening = _non_negative(dampening, "dampening")
        if nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        self.nesterov = bool(nesterov)
        self.velocity: list[float] | None = None  # v for each parameter, after the first step

    def step(self) -> None:
        """Update every parameter once from its current ``grad``."""
        lr, mu, decay = self.lr, self.momentum, self.weight_decay
        if mu == 0.0 and decay == 0.0:  # plain gradient descent: the same update, less work
            for p in self.params:
                p.data -= lr * p.grad
            return
        first = self.velocity is None
        if mu != 0.0 and first:
            self.velocity = [0.0] * len(self.params)
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data
            if mu != 0.0:
                v = g if first else mu * self.velocity[i] + (1.0 - self.dampening) * g
                self.velocity[i] = v
                g = g + mu * v if self.nesterov else v
            p.data -= lr * g


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square.

    For each parameter p with gradient g, at step t = 1, 2, … (PyTorch's rule):

        g ← g + weight_decay · p
        m ← β₁ · m + (1 − β₁) · g           (first moment, the mean direction)
        v ← β₂ · v + (1 − β₂) · g²          (second moment, the size)
        p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)

    The factors 1 − βᵗ undo the bias of m and v towards their starting value 0.
    """

    def __init__(
        self,
        params: Iterable[Value] | Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        pair = isinstance(betas, (tuple, list)) and len(betas) == 2
        if not pair or not all(0.0 <= _non_negative(b, "beta") < 1.0 for b in betas):
            raise ValueError(f"Adam needs betas = (β₁, β₂), each in [0, 1), got {betas!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _non_negative(eps, "eps")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its current ``grad``."""
        beta1, beta2 = self.betas
        self.t += 1
        step_size = self.lr / (1.0 - beta1**self.t)
        root_correction = math.sqrt(1.0 - beta2**self.t)
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / root_correction + self.eps)


# ----------------------------------------------------------------------
# Learning-rate schedules.
# ----------------------------------------------------------------------


class LRScheduler:
    """Sets ``optimizer.lr = base_lr · factor(k)`` after k calls of ``step()``.

    Call ``scheduler.step()`` once after each ``optimizer.step()``. ``base_lr`` is the
    optimizer's learning rate when the scheduler is made; subclasses choose ``factor``.
    """

    def __init__(self, optimizer: Optimizer, factor: Callable[[int], float]) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a scheduler needs an optimizer such as SGD, got {optimizer!r}")
        if not callable(factor):
            raise TypeError(f"the schedule's factor must be a function of k, got {factor!r}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.factor = factor
        self.steps_done = 0
        optimizer.lr = self.base_lr * factor(0)

    def step(self) -> None:
        """Advance one step and set the optimizer's learning rate for the next one."""
        self.steps_done += 1
        self.optimizer.lr = self.base_lr * self.factor(self.steps_done)

    @property
    def lr(self) -> float:
        """The learning rate the optimizer will use next."""
        return self.optimizer.lr


class LambdaLR(LRScheduler):
    """lr_k = base_lr · factor(k) for a function of your own, e.g. ``lambda k: 0.95**k``."""


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
    """Linear change: the factor goes from ``start_factor`` to ``end_factor`` over
    ``total_steps`` steps, then stays there:

        lr_k = base_lr · (start + (end − start) · min(k, total_steps) / total_steps)

    micrograd's demo, lr = 1.0 − 0.9·k/100, is ``LinearLR(SGD(..., lr=1.0), 0.1, 100)``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        end_factor: float,
        total_steps: int,
        start_factor: float = 1.0,
    ) -> None:
        total = _total_steps(total_steps, "LinearLR")
        start = _non_negative(start_factor, "start_factor")
        end = _non_negative(end_factor, "end_factor")
        super().__init__(optimizer, lambda k: start + (end - start) * min(k, total) / total)


class CosineLR(LRScheduler):
    """Cosine annealing from base_lr down to ``min_lr`` over T = ``total_steps`` steps:

    lr_k = min_lr + (base_lr − min_lr) · (1 + cos(π · min(k, T) / T)) / 2
    """

    def __init__(self, optimizer: Optimizer, total_steps: int, min_lr: float = 0.0) -> None:
        total = _total_steps(total_steps, "CosineLR")
        self.min_lr = _non_negative(min_lr, "min_lr")
        base = optimizer.lr if isinstance(optimizer, Optimizer) else 1.0
        floor = self.min_lr / base if base > 0.0 else 0.0

        def factor(k: int) -> float:
            return floor + (1.0 - floor) * (1.0 + math.cos(math.pi * min(k, total) / total)) / 2

        super().__init__(optimizer, factor)


def _non_negative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0.0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    return number


def _total_steps(total: object, who: str) -> int:
    if isinstance(total, bool) or not isinstance(total, numbers.Integral) or total < 1:
        raise ValueError(f"{who}: total_steps must be a whole number ≥ 1, got {total!r}")
    return int(total)
