"""ipywidgets explorers used by the chapters, one sub-module per topic.

Each explorer keeps the computation (:meth:`Explorer.compute`, pure, testable without a browser)
apart from the view (:meth:`Explorer.draw`, matplotlib). In a live kernel the sliders re-run
``compute`` and redraw; in the built book the widget and its first figure are a static snapshot.
Tests drive explorers headless with :meth:`Explorer.update`.
"""

from .base import Explorer

__all__ = ["Explorer"]
