"""Explorers in the static book: every state of a grid rendered at build time, shown by a script.

A live explorer recomputes its figure in the kernel. A built book has no kernel, so the build
enumerates the values each control can take (:meth:`Explorer.static_grid`), renders each state
with the explorer's own ``compute`` + ``draw`` into a small image, and writes a manifest beside
them. The page ships the manifest; ``book/_explorers/explorer.js`` builds the controls from it and
swaps the image when a control moves (only the state on screen is loaded).

An explorer whose state space is too large to enumerate sets ``static_renderer`` to the name of a
JavaScript renderer (``book/_explorers/renderers/<name>.js``); the page then ships
``static_data()`` once and the renderer draws every state in the browser.

The book build sets ``NNLIB_STATIC_EXPLORERS`` (the Makefile's ``BOOK_ENV``) to the cache folder;
with it set, displaying an explorer emits the static view. The cache is content-addressed: the
key hashes the explorer's code, class, parameters and grid, so a rebuild reuses rendered states.

>>> grid = {"a": [1, 2], "b": ["x", "y", "z"]}
>>> [key for key, _ in grid_states(grid)][:4]
['0-0', '0-1', '0-2', '1-0']
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import inspect
import io
import itertools
import json
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..viz.phone import MIN_TEXT_PX, PHONE_COLUMN_PX, PHONE_MEDIA
from . import scripted, static_phone

__all__ = [
    "ENV_VAR",
    "MAX_STATES",
    "StaticGridError",
    "default_grid",
    "thin",
    "grid_states",
    "manifest",
    "explorer_key",
    "render_states",
    "static_html",
    "figure_data_url",
]

#: the environment variable the book build sets to the cache folder of rendered states
ENV_VAR = "NNLIB_STATIC_EXPLORERS"
#: the most states one explorer may render (each is an image on the site and ~0.1-1 s of build)
MAX_STATES = 400
#: a state's image: PNG with a palette of 64 colours. For these line plots it is smaller than
#: WebP at quality 80 (20 KB against 23 KB for a 1600 x 680 figure) and 10x faster to encode, and
#: the browser decodes it exactly, so tests can compare its pixels with Python's rendering.
IMAGE_FORMAT = "png"
IMAGE_COLOURS = 64
#: rendered at twice the displayed size, so figures stay sharp on HiDPI screens
PIXEL_RATIO = 2
#: the token the Sphinx extension replaces with the page's relative path to the site root
ROOT_TOKEN = "%NN_EXPLORER_ROOT%"
#: where the rendered states live in the built site, under the root
SITE_FOLDER = "_static/nn-explorers"
NOTE = "Precomputed: move the controls; run the notebook for every value."


class StaticGridError(ValueError):
    """An explorer's static grid is empty, too large, or misses a control's current value."""


# --- the grid ----------------------------------------------------------------------------------
def control_kind(control) -> str:
    """'slider', 'dropdown', 'toggle' or 'checkbox': how the static page draws the control."""
    import ipywidgets as w

    if isinstance(control, w.Checkbox):
        return "checkbox"
    if isinstance(control, (w.ToggleButtons, w.RadioButtons)):
        return "toggle"
    if isinstance(control, (w.SelectionSlider, w.IntSlider, w.FloatSlider, w.FloatLogSlider)):
        return "slider"
    if isinstance(control, (w.Dropdown, w.Select)):
        return "dropdown"
    raise TypeError(f"static explorers: no static form for a {type(control).__name__} control")


def _snap(value: float, step: float) -> float:
    """Round away the float noise of ``min + k * step`` (0.30000000000000004 -> 0.3)."""
    decimals = max(0, -math.floor(math.log10(abs(step)))) + 6 if step else 12
    return round(float(value), decimals)


def default_grid(control) -> list:
    """Every value a control can take: slider steps (min to max), every option, [False, True].

    >>> import ipywidgets as w
    >>> default_grid(w.FloatSlider(min=0, max=1, step=0.25))
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> default_grid(w.Dropdown(options=[("one", 1), ("two", 2)]))
    [1, 2]
    """
    import ipywidgets as w

    if isinstance(control, w.Checkbox):
        return [False, True]
    if hasattr(control, "_options_values"):  # dropdowns, toggles, selection sliders
        return list(control._options_values)
    if isinstance(control, w.FloatLogSlider):
        count = int(round((control.max - control.min) / control.step)) + 1
        exponents = [_snap(control.min + k * control.step, control.step) for k in range(count)]
        return [_snap(control.base**e, control.step * 1e-3) for e in exponents]
    if isinstance(control, w.IntSlider):
        return list(range(control.min, control.max + 1, control.step))
    if isinstance(control, w.FloatSlider):
        count = int(round((control.max - control.min) / control.step)) + 1
        return [_snap(control.min + k * control.step, control.step) for k in range(count)]
    raise TypeError(f"static explorers: cannot enumerate a {type(control).__name__} control")


def thin(values: list, every: int, keep=()) -> list:
    """Every ``every``-th value, the last one, and each value of ``keep``, in order.

    A subclass's ``static_grid`` coarsens a slider with it while keeping the initial value; a
    kept value that is not in ``values`` (a log slider's initial value off its steps) is added.

    >>> thin(list(range(10)), 4, keep=[5])
    [0, 4, 5, 8, 9]
    >>> thin([1.0, 10.0, 100.0], 2, keep=[30.0])
    [1.0, 30.0, 100.0]
    """
    chosen = [values[i] for i in sorted(set(range(0, len(values), every)) | {len(values) - 1})]
    for value in keep:
        try:
            chosen.append(values[_index_of(values, value)])
        except ValueError:
            chosen.append(value)
    unique = []
    for value in chosen:
        if not any(_same(u, value) for u in unique):
            unique.append(value)
    return sorted(unique)


def _same(a, b) -> bool:
    try:
        return _index_of([a], b) == 0
    except ValueError:
        return False


def _index_of(values: list, value) -> int:
    """The position of ``value`` in ``values``; floats match to a relative 1e-9."""
    for i, candidate in enumerate(values):
        if candidate == value:
            return i
        if isinstance(value, (float, np.floating)) and isinstance(candidate, (int, float)):
            if math.isclose(candidate, value, rel_tol=1e-9, abs_tol=1e-12):
                return i
    raise ValueError(f"{value!r} is not among {values!r}")


def grid_states(grid: dict[str, list]):
    """Yield ``(key, values)`` for every combination; the key joins the values' indices with '-'."""
    names = list(grid)
    for indices in itertools.product(*(range(len(grid[n])) for n in names)):
        key = "-".join(map(str, indices))
        yield key, {n: grid[n][i] for n, i in zip(names, indices)}


def checked_grid(explorer) -> dict[str, list]:
    """``explorer.static_grid()``, checked: one list per control, holding the control's value."""
    name = type(explorer).__name__
    grid = explorer.static_grid()
    if set(grid) != set(explorer.controls):
        raise StaticGridError(
            f"{name}.static_grid: expected one list per control {sorted(explorer.controls)}, "
            f"got {sorted(grid)}"
        )
    grid = {n: list(grid[n]) for n in explorer.controls}  # the controls' order
    for control_name, values in grid.items():
        current = explorer.controls[control_name].value
        if not values:
            raise StaticGridError(f"{name}.static_grid: no values for {control_name!r}")
        try:
            _index_of(values, current)
        except ValueError:
            raise StaticGridError(
                f"{name}.static_grid: {control_name!r} must include its current value "
                f"{current!r}; got {values!r}"
            ) from None
    count = math.prod(len(v) for v in grid.values())
    if explorer.static_renderer is None and count > MAX_STATES:
        sizes = " x ".join(f"{len(v)} {n}" for n, v in grid.items())
        raise StaticGridError(
            f"{name}.static_grid has {count} states ({sizes}); the static book renders at most "
            f"MAX_STATES = {MAX_STATES} per explorer: coarsen the grid in {name}.static_grid "
            "or compute in JavaScript (static_renderer)"
        )
    return grid


# --- the manifest ------------------------------------------------------------------------------
def _json_value(value, label: str):
    """The value as the page's JavaScript sees it: the value if JSON can hold it, else its label."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str) or value is None:
        return value
    return label


def _label(control, value) -> str:
    """The value as the live control shows it (option label, or slider readout)."""
    if hasattr(control, "_options_values"):
        return str(control._options_labels[_index_of(list(control._options_values), value)])
    if isinstance(value, bool):
        return str(value)
    fmt = getattr(control, "readout_format", "")
    try:
        return format(value, fmt)
    except (ValueError, TypeError):
        return str(value)


def control_manifest(explorer, grid: dict[str, list]) -> list[dict]:
    """For each control: name, label, kind, values (JSON), labels (readouts) and initial index."""
    entries = []
    for name, values in grid.items():
        control = explorer.controls[name]
        labels = [_label(control, v) for v in values]
        entries.append(
            {
                "name": name,
                "label": control.description or name,
                "kind": control_kind(control),
                "values": [_json_value(v, lab) for v, lab in zip(values, labels)],
                "labels": labels,
                "initial": _index_of(values, control.value),
            }
        )
    return entries


def manifest(explorer, grid: dict[str, list], key: str) -> dict:
    """What the page needs: the controls, the figure's size, and the states (or renderer data)."""
    width, height = explorer.figsize
    dpi = explorer.figure.dpi
    entry = {
        "explorer": type(explorer).__name__,
        "key": key,
        "controls": control_manifest(explorer, grid),
        "width": round(width * dpi),
        "height": round(height * dpi),
        "renderer": explorer.static_renderer,
        "note": NOTE,
    }
    if explorer.static_renderer is None:
        entry["states"] = {}  # filled by render_states: key -> {"file", "alt", "bytes"}
    else:
        entry["data"] = explorer.static_data()
        # Phones: the same data drawn at the phone layout of the initial figure (scripted.py)
        initial = {n: explorer.controls[n].value for n in grid}
        layout = phone_layout_of(explorer, initial)
        if layout is not None:
            with scripted.phone_pass(layout):
                changes = scripted.phone_changes(entry["data"], explorer.static_data())
            if changes:
                # the renderers' own text (ticks, legends, titles) no smaller than the figure's
                # pixels that a 358 px column shows at MIN_TEXT_PX (_plot.js: figure(minFont))
                width = changes.get("size", entry["data"]["size"])[0]
                changes["min_font"] = round(MIN_TEXT_PX * width / PHONE_COLUMN_PX, 2)
                entry["data"]["phone"] = changes
                entry["phone"] = {"text_px": layout.text_px}
    return entry


# --- the cache key -----------------------------------------------------------------------------
_VIEW_ATTRIBUTES = {"controls", "figure", "output", "state", "_holding", "_described_values"}


def _fingerprint(obj, digest, depth: int = 0, seen: set | None = None) -> None:
    """Feed a stable description of ``obj`` (arrays by bytes, objects by their attributes) to ``digest``."""
    update, seen = digest.update, set() if seen is None else seen
    if depth > 12:
        update(b"<deep>")
    elif obj is None or isinstance(obj, (bool, int, float, str, bytes, np.generic)):
        update(repr(obj).encode())
    elif isinstance(obj, np.ndarray):
        update(f"ndarray{obj.shape}{obj.dtype}".encode())
        update(np.ascontiguousarray(obj).tobytes())
    elif id(obj) in seen:  # a cycle, or an object met before: its first visit described it
        update(b"<seen>")
    elif isinstance(obj, dict):
        seen.add(id(obj))
        update(b"{")
        for key in sorted(obj, key=repr):
            update(repr(key).encode())
            _fingerprint(obj[key], digest, depth + 1, seen)
        update(b"}")
    elif isinstance(obj, (list, tuple, set, frozenset)):
        seen.add(id(obj))
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        update(f"{type(obj).__name__}[".encode())
        for item in items:
            _fingerprint(item, digest, depth + 1, seen)
        update(b"]")
    elif isinstance(obj, np.random.Generator):
        update(repr(obj.bit_generator.state).encode())
    elif callable(obj) and hasattr(obj, "__qualname__"):
        update(f"{getattr(obj, '__module__', '')}.{obj.__qualname__}".encode())
    elif hasattr(obj, "__dict__"):
        seen.add(id(obj))
        update(type(obj).__qualname__.encode())
        # public attributes only: private ones are caches and buffers (a model's flat gradient
        # buffer is keyed by id(layer)), which differ between two runs of the same notebook
        attributes = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
        _fingerprint(attributes, digest, depth + 1, seen)
    else:  # no stable description (its repr may hold an address): its type stands for it
        update(type(obj).__qualname__.encode())


def explorer_key(explorer, grid: dict[str, list]) -> str:
    """A hash of the code (the explorer's module, the nnlib.widgets modules it uses, base.py,
    static.py), the figure style (matplotlib's rcParams), class, parameters and grid."""
    import matplotlib

    from . import base

    digest = hashlib.sha256()
    modules = {inspect.getmodule(cls) for cls in type(explorer).__mro__} | {base}
    modules.add(inspect.getmodule(explorer_key))
    modules.add(sys.modules[static_phone.phone_edition.__module__])  # the phone layout's code
    for module in list(filter(None, modules)):  # helpers it imports, e.g. widgets/scripted.py
        for value in vars(module).values():
            name = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", "")
            if isinstance(name, str) and name.startswith(__package__ + "."):
                modules.add(sys.modules.get(name))
    digest.update(repr(sorted(matplotlib.rcParams.items())).encode())
    for module in sorted(filter(None, modules), key=lambda m: m.__name__):
        if module.__name__ == "builtins" or not getattr(module, "__file__", None):
            continue
        digest.update(module.__name__.encode())
        digest.update(Path(module.__file__).read_bytes())
    digest.update(f"{type(explorer).__module__}.{type(explorer).__qualname__}".encode())
    digest.update(f"{IMAGE_FORMAT}{IMAGE_COLOURS}{PIXEL_RATIO}".encode())
    _fingerprint(grid, digest)
    _fingerprint(explorer.values, digest)
    _fingerprint({k: v for k, v in vars(explorer).items() if k not in _VIEW_ATTRIBUTES}, digest)
    return digest.hexdigest()[:20]


# --- rendering ---------------------------------------------------------------------------------
@contextlib.contextmanager
def _widgets_silent():
    """Keep ``draw``'s touches on controls (e.g. ``disabled``) from reaching a front end."""
    import ipywidgets as w

    original = w.Widget.send_state
    w.Widget.send_state = lambda self, key=None: None
    try:
        yield
    finally:
        w.Widget.send_state = original


def _new_figure(explorer):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=explorer.figsize, dpi=PIXEL_RATIO * explorer.figure.dpi)
    FigureCanvasAgg(figure)
    return figure


def figure_image(figure) -> bytes:
    """The figure's pixels as a 64-colour PNG (the Agg canvas, drawn at the figure's dpi)."""
    from PIL import Image

    figure.canvas.draw()
    size = figure.canvas.get_width_height(physical=True)
    rgb = Image.frombuffer("RGBA", size, figure.canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    rgb.quantize(IMAGE_COLOURS, method=Image.Quantize.FASTOCTREE).save(buffer, format="png")
    return buffer.getvalue()


def render_state(explorer, figure, values: dict) -> tuple[bytes, str]:
    """One state: ``compute(**values)``, ``draw`` into ``figure``, the image bytes and alt text."""
    state = explorer.compute(**values)
    figure.clear()
    explorer.draw(state, figure)
    image = figure_image(figure)
    explorer._described_values = values  # for the default describe(), which names the values
    try:
        alt = explorer.describe(state)
    finally:
        explorer._described_values = None
    return image, alt


_WORKER: dict[str, Any] = {}  # the explorer a forked worker renders (inherited, never pickled)


def _render_both(explorer, figure, values: dict, layout) -> tuple[bytes, str, bytes | None]:
    """One state's desktop image, alt text and phone image (None: the state has no phone edition)."""
    image, alt = render_state(explorer, figure, values)
    if layout is not None and layout.redraw:  # the explorer draws its phone figure itself
        phone_figure = _WORKER.setdefault(
            "phone_figure", static_phone.phone_figure(explorer.phone_figsize)
        )
        return image, alt, render_state(explorer, phone_figure, values)[0]
    return image, alt, static_phone.render_phone(figure, layout, figure_image)


def _render_many(jobs: list[tuple[str, dict]]) -> tuple[list[tuple], float]:
    """Render ``jobs`` in this process; return (key, image, alt, phone) each and the CPU seconds."""
    start = time.process_time()
    explorer, layout = _WORKER["explorer"], _WORKER["phone"]
    figure = _WORKER.setdefault("figure", _new_figure(explorer))
    with _widgets_silent():
        done = [(key, *_render_both(explorer, figure, v, layout)) for key, v in jobs]
    return done, time.process_time() - start


def phone_layout_of(explorer, values: dict):
    """The phone layout found on one state's figure (:mod:`static_phone`), or None."""
    if explorer.phone_figsize is not None:  # it draws its phone figure itself
        figure = static_phone.phone_figure(explorer.phone_figsize)
        with _widgets_silent():
            render_state(explorer, figure, values)
        return static_phone.drawn_layout(figure)
    figure = _new_figure(explorer)
    with _widgets_silent():
        render_state(explorer, figure, values)
    return static_phone.phone_layout(figure)


def _processes() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def render_states(explorer, grid: dict[str, list], folder: Path, processes: int | None = None):
    """Render every state of ``grid`` into ``folder``; return key -> {file, alt, bytes, and
    phone, phone_bytes when the state has a phone edition}, the CPU seconds and the phone layout.

    States with the same ``explorer.static_canonical(values)`` are rendered once. With more than
    one process (and a platform that forks), the renders are split between forked workers, which
    inherit the explorer (its data and trained models) instead of pickling it.
    """
    same: dict[str, list[str]] = {}  # a rendered state's key -> the keys that show its figure
    jobs = []
    for key, values in grid_states(grid):
        canonical = explorer.static_canonical(dict(values))
        try:
            first = "-".join(str(_index_of(grid[n], canonical[n])) for n in grid)
        except ValueError:
            raise StaticGridError(
                f"{type(explorer).__name__}.static_canonical({values}) returned {canonical}, "
                "which is not a state of its static_grid"
            ) from None
        if first not in same:
            same[first] = []
            jobs.append((first, canonical))
        same[first].append(key)
    processes = _processes() if processes is None else processes
    fork = "fork" in multiprocessing.get_all_start_methods()
    _WORKER.clear()
    _WORKER["explorer"] = explorer
    _WORKER["phone"] = layout = phone_layout_of(explorer, jobs[0][1])
    try:
        if processes > 1 and fork and len(jobs) >= 8:
            chunks = [jobs[i::processes] for i in range(processes)]
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                parts = pool.map(_render_many, chunks)
        else:
            parts = [_render_many(jobs)]
    finally:
        _WORKER.clear()
    results = [r for done, _ in parts for r in done]
    cpu_seconds = sum(cpu for _, cpu in parts)
    states = {}
    for first, data, alt, phone in results:
        entry = {"file": _save(folder, data), "alt": alt, "bytes": len(data)}
        if phone is not None:
            entry["phone"] = _save(folder, phone)
            entry["phone_bytes"] = len(phone)
        for key in same[first]:
            states[key] = entry
    states = dict(sorted(states.items(), key=lambda kv: [int(i) for i in kv[0].split("-")]))
    return states, cpu_seconds, layout


def _save(folder: Path, data: bytes) -> str:
    """Write an image named by its content; states that look the same (a parameter the chosen
    function ignores, a step past the last update) share one file."""
    name = f"{hashlib.sha256(data).hexdigest()[:16]}.{IMAGE_FORMAT}"
    if not (folder / name).exists():
        (folder / name).write_bytes(data)
    return name


def cache_folder() -> Path | None:
    """The cache folder the build set in ``NNLIB_STATIC_EXPLORERS`` (None: show the live widget)."""
    value = os.environ.get(ENV_VAR)
    return Path(value) if value else None


def build(explorer, cache: Path, processes: int | None = None) -> dict:
    """The explorer's manifest, rendering its states into ``cache/<key>/`` unless already there."""
    grid = checked_grid(explorer)
    key = explorer_key(explorer, grid)
    target = cache / key
    saved = target / "manifest.json"
    if saved.exists():
        return json.loads(saved.read_text(encoding="utf-8"))
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache))
    scratch.chmod(0o755)  # mkdtemp's 0700 would follow the states onto a web server
    try:
        entry = manifest(explorer, grid, key)
        start = time.perf_counter()
        if explorer.static_renderer is None:
            entry["states"], cpu, layout = render_states(explorer, grid, scratch, processes)
            if layout is not None:  # the phone images' size, for the page's <source>
                width, height = layout.pixels()
                entry["phone"] = {"width": width, "height": height, "text_px": layout.text_px}
            entry["render_cpu_seconds"] = round(cpu, 2)  # the cost on an idle machine
        else:  # the initial figure, shown until the renderer draws (and in print without script)
            initial = {n: explorer.controls[n].value for n in grid}
            with _widgets_silent():
                data, alt = render_state(explorer, _new_figure(explorer), initial)
            (scratch / f"initial.{IMAGE_FORMAT}").write_bytes(data)
            entry["initial"] = {"file": f"initial.{IMAGE_FORMAT}", "alt": alt}
        entry["render_seconds"] = round(time.perf_counter() - start, 2)  # for benchmarks/
        (scratch / "manifest.json").write_text(json.dumps(entry), encoding="utf-8")
        try:
            scratch.rename(target)  # atomic: a folder with a manifest is complete
        except OSError:  # another build rendered the same key meanwhile
            if not saved.exists():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return entry


# --- the page ----------------------------------------------------------------------------------
def static_html(explorer, cache: Path) -> str:
    """The static view: a manifest for ``explorer.js``, the initial figure and the note."""
    entry = build(explorer, cache)
    initial = "-".join(str(c["initial"]) for c in entry["controls"])
    page_entry = {k: v for k, v in entry.items() if not k.startswith("render_")}
    if "states" in page_entry:  # the page needs files and alt text per state, not sizes
        page_entry["states"] = {
            k: {n: s[n] for n in ("file", "alt", "phone") if n in s}
            for k, s in entry["states"].items()
        }
    if "phone" in entry:  # the page switches to the phone edition on a narrow screen
        page_entry["phone_media"] = PHONE_MEDIA
    # "</" would end the <script> early; JSON reads "<\/" back as "</"
    data = json.dumps(page_entry, separators=(",", ":")).replace("</", "<\\/")
    base = f"{ROOT_TOKEN}{SITE_FOLDER}/{entry['key']}/"
    size = f'width="{entry["width"]}" height="{entry["height"]}"'
    if entry["renderer"] is None:
        state = entry["states"][initial]
        figure = (
            f'<img class="nn-explorer-image" src="{base}{state["file"]}" {size} '
            f'alt="{html.escape(state["alt"])}">'
        )
        if "phone" in state:  # narrow screens load the phone edition instead (static_phone.py)
            phone = entry["phone"]
            figure = (
                f'<picture class="nn-explorer-picture"><source media="{PHONE_MEDIA}" '
                f'srcset="{base}{state["phone"]}" width="{phone["width"]}" '
                f'height="{phone["height"]}">{figure}</picture>'
            )
    else:  # the renderer replaces the initial figure rendered by Python
        state = entry["initial"]
        figure = (
            f'<div class="nn-explorer-canvas" data-nn-renderer="{entry["renderer"]}">'
            f'<img class="nn-explorer-fallback" src="{base}{state["file"]}" {size} '
            f'alt="{html.escape(state["alt"])}"></div>'
        )
    return (
        f'<div class="nn-explorer" data-nn-explorer="{entry["key"]}" data-nn-base="{base}">'
        f'<script type="application/json" class="nn-explorer-manifest">{data}</script>'
        f'<div class="nn-explorer-controls"></div>'
        f'<div class="nn-explorer-figure">{figure}</div>'
        f'<p class="nn-explorer-note">{html.escape(NOTE)}</p></div>'
    )


def figure_data_url(fig, fmt: str = "png") -> str:
    """A matplotlib figure as a ``data:`` URL (a scripted explorer's background image), at 2x.

    >>> from matplotlib.figure import Figure
    >>> figure_data_url(Figure(figsize=(1, 1))).startswith("data:image/png;base64,")
    True
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=PIXEL_RATIO * fig.dpi)
    mime = {"png": "image/png", "webp": "image/webp", "svg": "image/svg+xml"}[fmt]
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode()}"
