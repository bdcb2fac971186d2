"""The explorer pattern: controls -> ``compute(**values)`` -> ``state`` -> ``draw(state, fig)``."""

from __future__ import annotations

import hashlib
from typing import Any


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (where the Output widget shows the figure)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class Explorer:
    """Base class for an interactive figure.

    A subclass sets ``controls`` (name -> ipywidgets control) in ``make_controls`` and implements
    ``compute(**values) -> dict`` (the numbers; no plotting) and ``draw(state, fig)`` (the figure).

    >>> class Square(Explorer):
    ...     def make_controls(self):
    ...         import ipywidgets as w
    ...         return {"a": w.FloatSlider(value=1.0, min=0, max=2)}
    ...     def compute(self, a):
    ...         return {"area": a * a}
    ...     def draw(self, state, fig):
    ...         fig.gca().set_title(f"area {state['area']:.2f}")
    >>> e = Square(); e.update(a=2.0)["area"]
    4.0
    """

    figsize = (7.5, 3.6)
    #: the static book: None renders every state of ``static_grid()`` into an image at build time;
    #: a name ("kernel") ships ``static_data()`` and draws with book/_explorers/renderers/<name>.js
    static_renderer: str | None = None
    #: the static book on a phone: None re-lays the figure out for the narrow column
    #: (static_phone.py); a size in inches (under 5 wide) draws each state again in a figure
    #: that size, for a ``draw`` that chooses its narrow drawing by the figure's width
    phone_figsize: tuple[float, float] | None = None

    def __init__(self, **initial):
        """``initial``: the controls' starting values by name, for ``make_controls`` (``self.initial``)."""
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.initial: dict[str, Any] = initial
        self.controls: dict[str, Any] = self.make_controls()
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = plt.figure(figsize=self.figsize)
        plt.close(self.figure)  # shown through the Output widget only, never twice
        FigureCanvasAgg(self.figure)  # closing detaches the canvas; keep one that can render pixels
        self.output = widgets.Output()
        self.state: dict[str, Any] = {}
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._refresh()

    # --- to implement --------------------------------------------------------------------------
    def make_controls(self) -> dict[str, Any]:
        raise NotImplementedError

    def compute(self, **values) -> dict[str, Any]:
        raise NotImplementedError

    def draw(self, state: dict[str, Any], fig) -> None:
        raise NotImplementedError

    # --- the static book (nnlib/widgets/static.py) ----------------------------------------------
    def static_grid(self) -> dict[str, list]:
        """The values each control takes in the static page, name -> list (every state is rendered).

        The default enumerates the controls: sliders at their steps, every option, [False, True].
        Override to coarsen a large grid; keep each control's current value in its list
        (``nnlib.widgets.static.thin`` does both).
        """
        from .static import default_grid

        return {name: default_grid(control) for name, control in self.controls.items()}

    def static_canonical(self, values: dict[str, Any]) -> dict[str, Any]:
        """The values whose figure is the same as that of ``values`` (default: ``values`` itself).

        Override where a control has no effect in some states (a parameter the chosen function
        ignores, a step past the last): the static build renders each figure once and shares it.
        """
        return values

    def describe(self, state: dict[str, Any]) -> str:
        """Alt text for the figure of ``state``: what it shows, with its key numbers.

        The default names the controls' values; every explorer should say more.
        """
        values = getattr(self, "_described_values", None) or self.values
        shown = ", ".join(f"{self.controls[n].description or n} = {v}" for n, v in values.items())
        return f"{type(self).__name__} figure for {shown}"

    def static_data(self) -> dict[str, Any]:
        """The JSON data a JavaScript renderer needs (only when ``static_renderer`` is set)."""
        raise NotImplementedError(
            f"{type(self).__name__}.static_data: set static_renderer and return the renderer's data"
        )

    # --- machinery -----------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        """The current control values, name -> value."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **values) -> dict[str, Any]:
        """Set controls programmatically (as a user would) and return the new state."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.update: unknown control(s) {sorted(unknown)}; "
                f"valid: {sorted(self.controls)}"
            )
        self._holding = True  # one recompute for several controls, not one each
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self._refresh()
        return self.state

    def figure_fingerprint(self) -> str:
        """A hash of the rendered pixels, so tests can assert that the figure changed."""
        self.figure.canvas.draw()
        return hashlib.sha1(bytes(self.figure.canvas.buffer_rgba())).hexdigest()

    def widget(self):
        """The controls above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox(
            [
                widgets.HBox(
                    list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap")
                ),
                self.output,
            ]
        )

    def _ipython_display_(self):
        from IPython.display import HTML, display

        from .static import cache_folder, static_html

        cache = cache_folder()  # set by the book build: the static page instead of the widget
        display(HTML(static_html(self, cache)) if cache else self.widget())

    def _on_change(self, _change):
        if not getattr(self, "_holding", False):
            self._refresh()

    def _refresh(self):
        from IPython.display import display

        self.state = self.compute(**self.values)
        self.figure.clear()
        self.draw(self.state, self.figure)
        if not _in_kernel():  # headless (tests, scripts): the state and the figure are enough
            return
        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)
