"""Notebook widgets: move a slider, watch the computational graph and its gradients change.

    from microgradx.interactive import explore
    explore("(x+y)*z**2", x=2, y=-3, z=2)        # last expression of a Jupyter cell

shows one slider per variable, a forward/backward toggle, a "step" slider that walks the
backward pass one node at a time (the frames of ``backward_steps``), and the graph itself.
Every change re-parses the formula at the sliders' values, runs ``backward()`` and redraws.

The widgets need ``ipywidgets`` (``pip install microgradx[notebooks]``). The ``Explorer``
returned can also be driven from code, which is how it is tested: set ``slider.value``,
then read ``root``, ``gradients``, ``drawing()`` or ``svg()``.
"""

from __future__ import annotations

import html
import math
from typing import Any

from microgradx.domain import check_number
from microgradx.engine import Value
from microgradx.expr import parse

__all__ = ["explore", "Explorer", "slider_range"]

MODES = ("forward", "backward")

_INSTALL_HELP = (
    "microgradx.interactive needs ipywidgets, an optional extra: "
    "pip install 'microgradx[notebooks]' (or pip install ipywidgets)"
)


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError:
        raise ImportError(_INSTALL_HELP) from None
    return ipywidgets


_LARGEST_START = 1e307  # value ± 2·|value| must stay a finite float


def slider_range(value: float) -> tuple[float, float, float]:
    """(min, max, step) of a variable's slider: value ± max(2, 2·|value|), about 100 steps."""
    if not abs(value) <= _LARGEST_START:
        raise ValueError(
            f"a slider cannot start at {value:g}: give a starting value within ±{_LARGEST_START:g}"
        )
    half_width = max(2.0, 2.0 * abs(value))
    step = 10.0 ** math.floor(math.log10(half_width)) / 20.0
    return value - half_width, value + half_width, step


class Explorer:
    """The widgets of ``explore``, and the graph they currently show.

    Attributes:
        text: the formula.
        sliders: one ``FloatSlider`` per variable, by name.
        mode: a ``ToggleButtons`` choosing "forward" (values only) or "backward" (gradients).
        step: an ``IntSlider`` over the backward frames: 0 is the forward pass with ∂f/∂f = 1,
            the last is the finished backward pass (only active in backward mode).
        status: an ``HTML`` line with f and every ∂f/∂variable (or the error, if any).
        view: an ``HTML`` widget holding the SVG of the graph and the step's chain-rule table.
        widget: the ``VBox`` holding all of them (what a notebook displays).
        error: why the sliders' current values give no graph ("" when they do).
    """

    def __init__(
        self,
        text: str,
        values: dict[str, float | Value],
        *,
        local_grads: bool = True,
        rankdir: str = "LR",
        theme: str = "light",
    ) -> None:
        widgets = _ipywidgets()
        numbers = {
            name: value.data
            if isinstance(value, Value)
            else check_number(value, f"the value for {name!r}")
            for name, value in values.items()
        }
        self.text = text
        self._style = {"local_grads": local_grads, "rankdir": rankdir, "theme": theme}
        self.error = ""
        self._build(numbers)  # a formula that does not parse fails here, before any widget exists

        self.sliders: dict[str, Any] = {}
        for name, value in self._values.items():
            try:
                low, high, step = slider_range(value)
            except ValueError as error:
                raise ValueError(f"the value for {name!r}: {error}") from None
            self.sliders[name] = widgets.FloatSlider(
                value=value,
                min=low,
                max=high,
                step=step,
                description=name,
                continuous_update=False,
                readout_format=".3g",
            )
        self.mode = widgets.ToggleButtons(options=list(MODES), value="backward", description="pass")
        last = len(self._frames) - 1
        self.step = widgets.IntSlider(
            value=last, min=0, max=last, description="step", continuous_update=True
        )
        self.status = widgets.HTML()
        self.view = widgets.HTML()
        self.widget = widgets.VBox(
            [
                widgets.HBox(list(self.sliders.values()), layout=widgets.Layout(flex_flow="wrap")),
                widgets.HBox([self.mode, self.step]),
                self.status,
                self.view,
            ]
        )
        for slider in self.sliders.values():
            slider.observe(self._on_value, names="value")
        self.mode.observe(self._on_view, names="value")
        self.step.observe(self._on_view, names="value")
        self._show()

    # ------------------------------------------------------------------
    # What is shown.
    # ------------------------------------------------------------------

    @property
    def root(self) -> Value:
        """The graph's output at the sliders' values, after ``backward()``."""
        return self._root

    @property
    def values(self) -> dict[str, float]:
        """The value of each variable the current graph was built with."""
        return dict(self._values)

    @property
    def gradients(self) -> dict[str, float]:
        """∂f/∂variable for each variable, at the sliders' values."""
        return {name: leaf.grad for name, leaf in self._leaves.items()}

    @property
    def frames(self) -> list[Any]:
        """The backward-pass frames (``microgradx.backward_steps``) at the sliders' values."""
        return list(self._frames)

    def drawing(self) -> Any:
        """The graph shown now: the forward slide, or the backward frame chosen by ``step``."""
        from microgradx.drawing import draw

        if self.mode.value == "forward":
            return draw(self._root, grads=False, **self._style)
        return self._frames[self.step.value]

    def svg(self) -> str:
        """The SVG text of ``drawing()``."""
        return self.drawing().pipe(format="svg", encoding="utf-8")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------
    # Reacting to the widgets.
    # ------------------------------------------------------------------

    def _build(self, numbers: dict[str, float]) -> None:
        """Parse the formula at ``numbers``, backpropagate, and make the backward frames."""
        from microgradx.drawing import backward_steps

        leaves = {name: Value(value, name) for name, value in numbers.items()}
        root = parse(self.text, **leaves)
        root.backward()
        frames = backward_steps(root, **self._style)
        self._values, self._leaves, self._root, self._frames = dict(numbers), leaves, root, frames

    def _on_value(self, change: Any) -> None:
        numbers = {name: slider.value for name, slider in self.sliders.items()}
        try:
            self._build(numbers)
        except (ValueError, OverflowError) as error:  # e.g. log of a negative: keep the last graph
            self.error = str(error)
        else:
            self.error = ""
            last = len(self._frames) - 1
            at_end = self.step.value == self.step.max
            self.step.max = last
            self.step.value = last if at_end else min(self.step.value, last)
        self._show()

    def _on_view(self, change: Any) -> None:
        self._show()

    def _show(self) -> None:
        backward = self.mode.value == "backward"
        self.step.disabled = not backward
        if self.error:
            self.status.value = (
                f'<pre style="color:#A04000">{html.escape(self.error)}</pre>'
                "<p>Showing the graph at the last values that worked.</p>"
            )
        else:
            self.status.value = html.escape(self._summary(backward))
        drawing = self.drawing()
        parts = [drawing.pipe(format="svg", encoding="utf-8")]
        if backward:
            parts.insert(0, f"<p>{html.escape(getattr(drawing, 'caption', ''))}</p>")
            table = getattr(drawing, "table", None)
            if table is not None and len(table):
                parts.append(table._repr_html_())
        self.view.value = "\n".join(parts)

    def _summary(self, backward: bool) -> str:
        name = self._root.label or "f"
        text = f"{name} = {self._root.data:.6g}"
        if backward:
            text += "".join(f",   ∂{name}/∂{v} = {g:.6g}" for v, g in self.gradients.items())
        return text


def explore(text: str, /, **values: float | Value) -> Explorer:
    """Sliders for every variable of the formula ``text``, and its graph redrawn as they move.

    Shows one slider per variable, a forward/backward toggle and a "step" slider over the
    backward-pass frames (``microgradx.backward_steps``), then f and every ∂f/∂variable and
    the graph itself, with each edge's local derivative. Whenever a slider moves, the
    formula is parsed again at the new values, ``backward()`` runs and the graph is redrawn.
    Values where the formula is undefined (``log`` of a negative number, say) show the error
    and keep the last graph.

    Drawing uses the system Graphviz if installed, else graphviz-pure (installed with
    microgradx), so nothing else needs installing.

    Args:
        text: a formula for ``microgradx.parse``, e.g. ``"(x+y)*z**2"``, or one that names
            its parts as the slides do: ``"a = x + y; b = z**2; f = a * b"``.
        values: the starting value of every variable (``x=2``; a Value gives its ``data``);
            each slider spans value ± max(2, 2·|value|).

    Returns:
        An ``Explorer``. As the last expression of a notebook cell it displays its widgets.
        Without a notebook it can be driven from code: set ``explorer.sliders["x"].value``,
        ``explorer.mode.value`` ("forward" or "backward") or ``explorer.step.value``, then
        read ``explorer.root``, ``explorer.gradients``, ``explorer.drawing()``,
        ``explorer.svg()`` or ``explorer.error``.

    Raises:
        ImportError: ipywidgets is not installed (``pip install 'microgradx[notebooks]'``).
        ExpressionError: the formula is not valid, a variable has no value (or a value is
            given for a name the formula does not use), or the formula is undefined at
            the starting values.
        TypeError, ValueError: a value is not a finite real number, or a gradient is
            infinite at the starting values (``sqrt(x)`` at 0).
    """
    return Explorer(text, values)
