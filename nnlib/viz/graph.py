"""Draw a small ``nnlib.autograd.Value`` graph with matplotlib (book chapter 6).

Nodes are placed in columns by depth (leaves on the left, the root on the right); each box shows
the node's name or operation, its value and, in red, its gradient ``d root / d node``. It is the
matplotlib twin of :func:`nnlib.autograd.to_dot`, so the book needs no Graphviz.
"""

from __future__ import annotations

from ..autograd import Value, trace
from . import new_axes

__all__ = ["graph_layout", "plot_graph"]


def graph_layout(root: Value, row_gap: float = 1.0) -> dict[Value, tuple[float, float]]:
    """Position ``(column, row)`` of every node.

    The column is set by the longest path to the root, so every input sits just left of the
    operation that uses it; within a column, nodes are sorted by the mean height of the nodes
    that use them (fewer crossing arrows) and spaced ``row_gap`` apart.

    >>> from nnlib.autograd import Value
    >>> a = Value(1.0, "a"); pos = graph_layout(a * 2)
    >>> pos[a][0]
    0.0
    """
    nodes, edges = trace(root)
    users: dict[Value, list[Value]] = {node: [] for node in nodes}
    for child, parent in edges:
        users[child].append(parent)
    dist = {root: 0}
    for node in reversed(nodes):  # parents before children
        for child in node._prev:
            dist[child] = max(dist.get(child, 0), dist[node] + 1)
    deepest = max(dist.values())
    columns: dict[int, list[Value]] = {}
    for node in nodes:
        columns.setdefault(dist[node], []).append(node)
    pos: dict[Value, tuple[float, float]] = {}
    for d in sorted(columns):  # from the root leftwards, so the users are already placed
        column = columns[d]
        if d > 0:
            column.sort(
                key=lambda n: sum(pos[u][1] for u in users[n]) / len(users[n]), reverse=True
            )
        for k, node in enumerate(column):
            pos[node] = (float(deepest - d), ((len(column) - 1) / 2.0 - k) * row_gap)
    return pos


def plot_graph(
    root: Value, ax=None, show_grad: bool = True, fontsize: float = 8, title: str | None = None
):
    """Draw the graph that produced ``root``: one box per node, one arrow per edge (child -> parent).

    Each box reads ``name or op`` / ``value`` / ``grad`` (after ``root.backward()``). Returns ``ax``.

    >>> from nnlib.autograd import Value
    >>> x = Value(2.0, "x"); y = x * x; y.backward(); ax = plot_graph(y)
    """
    nodes, edges = trace(root)
    pos = graph_layout(root, row_gap=1.2)
    ax = new_axes(ax, figsize=(7, 3.5))
    for child, parent in edges:
        ax.annotate(
            "",
            xy=pos[parent],
            xytext=pos[child],
            arrowprops=dict(arrowstyle="-|>", color="0.5", lw=0.9, shrinkA=15, shrinkB=17),
            zorder=1,
        )
    for node in nodes:
        name = node.label or node._op
        if node.label and node._op:
            name = f"{node.label} = {node._op}"
        text = (
            f"{name}\n{node.data:.4g}" if name else f"{node.data:.4g}"
        )  # an unnamed leaf is a constant
        is_leaf = not node._prev
        ax.text(
            *pos[node],
            text,
            ha="center",
            va="center",
            fontsize=fontsize,
            bbox=dict(boxstyle="round,pad=0.3", fc="#e8eef7" if is_leaf else "#fdf1e3", ec="0.4"),
            zorder=3,
        )
        if show_grad:
            ax.text(
                pos[node][0],
                pos[node][1] - 0.38,
                f"grad {node.grad:+.4g}",
                ha="center",
                va="top",
                fontsize=fontsize - 1,
                color="#b2182b",
            )
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.75, max(ys) + 0.45)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
