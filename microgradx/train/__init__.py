"""The training loop: epochs of mini-batches, a progress bar, a history, and plots.

    from microgradx import data, losses, nn, optim, train
    X, y = data.make_moons(100, noise=0.1, random_state=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    sgd = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = train.fit(model, losses.hinge, sgd, X, 2 * y - 1, epochs=100, l2_penalty=1e-4)
    train.plot_decision_boundary(model, X, y, path="moons.png")

Each step is the one from the lectures (E8): zero the gradients, run the model on a
mini-batch, average the loss over its examples, backpropagate, update the parameters.
``fit`` runs it on the compiled graph when it can (``microgradx.compile``: one example's
graph traced once, then run over every row of a batch with numpy), else on the scalar
engine; both give the same numbers.
Press Ctrl-C (or interrupt the notebook kernel) to stop early: ``fit`` returns the history
of the epochs finished so far (the model keeps the updates of every step it completed).

The parts: ``loop`` (``fit`` and its steps), ``history``, ``metrics`` (outputs, accuracy,
loss), ``plots``, ``checks`` (what fit checks first); whether a model compiles is decided
in ``microgradx.compiler.fallback``.
"""

from microgradx.train.history import History
from microgradx.train.loop import compiled_step, fit, train_step
from microgradx.train.metrics import accuracy, evaluate, predict
from microgradx.train.plots import plot_decision_boundary, plot_history

__all__ = [
    "History",
    "fit",
    "train_step",
    "compiled_step",
    "predict",
    "accuracy",
    "evaluate",
    "plot_history",
    "plot_decision_boundary",
]
