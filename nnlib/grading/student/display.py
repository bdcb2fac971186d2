"""How ``check()`` and ``compare()`` show their results in a notebook: once, as HTML, with no repr line.

The function shows its result itself (HTML with a plain-text alternative in IPython, printed text
elsewhere), so a call inside a loop or an assignment is seen too; the same result as the cell's
value then adds nothing (IPython asks ``_ipython_display_`` first, and it stays silent in the cell
that already showed it).
"""

from __future__ import annotations

import html
import sys
from typing import Any


def _ipython():
    """The running IPython shell, or ``None`` (plain Python, a script, pytest)."""
    shell = sys.modules.get("IPython")
    try:
        return shell.get_ipython() if shell is not None else None
    except Exception:
        return None


class ShownOnce:
    """A result that ``show()`` displays once (no second table, no ``<CheckResult ...>`` line).
    Subclasses give ``text()`` and ``_repr_html_()``."""

    _shown_in: Any = None

    def text(self) -> str:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text())}</pre>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text())

    def _ipython_display_(self) -> None:
        ip = _ipython()
        if ip is not None and self._shown_in == ip.execution_count:
            return
        self.show()

    def show(self) -> None:
        """HTML (with a plain-text alternative) in IPython; printed text elsewhere."""
        ip = _ipython()
        if ip is None:
            print(self.text())
            return
        from IPython.display import display

        display({"text/html": self._repr_html_(), "text/plain": self.text()}, raw=True)
        self._shown_in = ip.execution_count

    def __repr__(self) -> str:
        return self.text()
