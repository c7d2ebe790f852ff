"""``History``: what happened in each epoch of ``fit``."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["History"]


@dataclass
class History:
    """What happened in each epoch of ``fit``: lists with one entry per finished epoch.

    ``loss`` is the mean data loss over the epoch's examples, measured on each batch just
    before its update (without the L2 penalty); ``accuracy`` the fraction classified
    correctly in those same forward passes (None for regression targets); ``lr`` the
    learning rate of the epoch's last step. ``val_loss``/``val_accuracy`` are filled when
    ``fit`` gets ``validation=(X_val, y_val)``. ``interrupted`` is True if Ctrl-C stopped it;
    ``compiled`` is True if the steps ran on the compiled graph.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    compiled: bool = False

    @property
    def epochs(self) -> int:
        """The number of finished epochs."""
        return len(self.loss)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no epochs finished)"
        last = f"loss {self.loss[-1]:.4g}"
        if self.accuracy[-1] is not None:
            last += f", accuracy {self.accuracy[-1]:.1%}"
        if self.val_loss:
            last += f", val_loss {self.val_loss[-1]:.4g}"
        if self.val_accuracy and self.val_accuracy[-1] is not None:
            last += f", val_accuracy {self.val_accuracy[-1]:.1%}"
        stopped = ", interrupted" if self.interrupted else ""
        return f"History({self.epochs} epochs in {self.seconds:.1f} s{stopped}; last: {last})"

    def trim(self) -> None:
        """After an interrupt, keep only the epochs whose every list was filled."""
        lists = [self.loss, self.accuracy, self.lr]
        if self.val_loss or self.val_accuracy:
            lists += [self.val_loss, self.val_accuracy]
        finished = min(len(values) for values in lists)
        for values in lists:
            del values[finished:]
