"""Scalar reverse-mode automatic differentiation: the ``Value`` of the backpropagation chapter.

Each operation returns a new ``Value`` that records its children and a ``_backward`` closure with
the *local* derivatives d out / d child. ``backward()`` sweeps the graph once, parents before
children, applying the chain rule ``child.grad += (d out / d child) * out.grad`` on every edge; a
node used twice (``a * a``) gets one contribution per edge. One sweep over N nodes yields all P
gradients: about N + P steps, where perturbing one input at a time costs N x P.

Differences from PyTorch (deliberate, tested): ``backward()`` first resets every grad of the graph,
so calling it twice gives the same gradients (``accumulate=True`` adds into the leaves' grads like
PyTorch). Domain errors raise instead of giving inf/nan: ``exp`` overflow -> OverflowError,
``log`` of x <= 0 -> ValueError, x / 0 and 0 ** (negative) -> ZeroDivisionError. ``+ - *`` follow
IEEE floats.

>>> a, b = Value(2.0, "a"), Value(-3.0, "b")
>>> L = a * b + a
>>> L.backward()
>>> a.grad, b.grad  # dL/da = b + 1, dL/db = a
(-2.0, 2.0)
"""

from __future__ import annotations

import math
import numbers
import re


def _lift(other, op: str) -> Value:
    """Numbers become constant leaves; anything else is a TypeError naming the operation."""
    if isinstance(other, Value):
        return other
    if isinstance(other, numbers.Real):
        return Value(other)
    raise TypeError(f"Value {op}: expected a Value or a real number, got {type(other).__name__}")


class Value:
    """A scalar node: ``data`` (float), ``grad`` (d root / d self after ``root.backward()``),
    ``label`` (a name for drawings), ``_prev`` (children) and ``_op`` (the operation that made it).

    >>> Value(3, "x")
    Value(data=3.0, grad=0.0, label='x')
    """

    def __init__(self, data, label: str = "", _children=(), _op: str = ""):
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)
        self._op = _op
        self._backward = lambda: None  # a leaf has nothing to propagate

    def _result(self, data: float, op: str, *local) -> Value:
        """New node ``out`` made by ``op``; ``local`` holds one (child, d out / d child) pair per edge."""
        out = Value(data, _children=[child for child, _ in local], _op=op)

        def _backward():
            for child, d in local:  # chain rule on every edge; += sums over paths
                child.grad += d * out.grad

        out._backward = _backward
        return out

    def __add__(self, other):
        """a + b; d/da = 1, d/db = 1."""
        other = _lift(other, "+")
        return self._result(self.data + other.data, "+", (self, 1.0), (other, 1.0))

    def __sub__(self, other):
        """a - b; d/da = 1, d/db = -1."""
        other = _lift(other, "-")
        return self._result(self.data - other.data, "-", (self, 1.0), (other, -1.0))

    def __mul__(self, other):
        """a * b; d/da = b, d/db = a."""
        other = _lift(other, "*")
        return self._result(self.data * other.data, "*", (self, other.data), (other, self.data))

    def __truediv__(self, other):
        """a / b; d/da = 1/b, d/db = -a/b^2. Raises ZeroDivisionError for b = 0 (PyTorch: inf)."""
        other = _lift(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value /: division by zero ({self.data!r} / 0.0)")
        q = self.data / other.data
        return self._result(q, "/", (self, 1.0 / other.data), (other, -q / other.data))

    def __neg__(self):
        """-a; d/da = -1."""
        return self._result(-self.data, "neg", (self, -1.0))

    def __pow__(self, n):
        """x ** n for a constant real n; d/dx = n x^(n-1) (taken as inf at x = 0 for 0 < n < 1, as PyTorch).

        >>> y = Value(3.0) ** 2; y.data
        9.0
        """
        if not isinstance(n, numbers.Real):
            raise TypeError(
                f"Value **: the exponent must be a constant int or float, got {type(n).__name__}"
                " (for a variable exponent use (y * x.log()).exp())"
            )
        x = self.data
        if x < 0 and not float(n).is_integer():
            raise ValueError(
                f"Value **: {x!r} ** {n!r} is not real (negative base, fractional exponent)"
            )
        if x == 0 and n < 0:
            raise ZeroDivisionError(f"Value **: 0.0 ** {n!r} divides by zero")
        try:
            d = n * x ** (n - 1) if x != 0 or n >= 1 else (0.0 if n == 0 else math.inf)
            return self._result(x**n, f"**{n}", (self, d))
        except OverflowError:
            raise OverflowError(f"Value **: {x!r} ** {n!r} overflows float64") from None

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return _lift(other, "-") - self

    def __rtruediv__(self, other):
        return _lift(other, "/") / self

    def exp(self):
        """e^x; d/dx = e^x. Raises OverflowError for x > ~709.78 (PyTorch returns inf)."""
        try:
            y = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"Value.exp: exp({self.data!r}) overflows float64 (largest is exp(709.78))"
            ) from None
        return self._result(y, "exp", (self, y))

    def log(self):
        """Natural log, x > 0; d/dx = 1/x. Raises ValueError for x <= 0 (PyTorch returns -inf or nan)."""
        if not self.data > 0:
            raise ValueError(f"Value.log: log needs a positive number, got {self.data!r}")
        return self._result(math.log(self.data), "log", (self, 1.0 / self.data))

    def tanh(self):
        """tanh x; d/dx = 1 - tanh^2 x. math.tanh saturates to +-1 without overflow."""
        t = math.tanh(self.data)
        return self._result(t, "tanh", (self, 1.0 - t * t))

    def sigmoid(self):
        """s = 1 / (1 + e^-x); d/dx = s (1 - s). Stable: e^-|x| never overflows.

        >>> Value(-1e4).sigmoid().data, Value(1e4).sigmoid().data
        (0.0, 1.0)
        """
        e = math.exp(-abs(self.data))  # in (0, 1]
        s = 1.0 / (1.0 + e) if self.data >= 0 else e / (1.0 + e)
        return self._result(s, "sigmoid", (self, s * (1.0 - s)))

    def relu(self):
        """max(0, x); d/dx = 1 if x > 0 else 0 (0 at the kink, as PyTorch)."""
        return self._result(max(self.data, 0.0), "relu", (self, 1.0 if self.data > 0 else 0.0))

    def zero_grad(self):
        """Set ``grad`` to 0 on every node of this graph, leaves included."""
        for node in topological_order(self):
            node.grad = 0.0

    def backward(self, accumulate: bool = False):
        """Set ``node.grad = d self / d node`` for every node of the graph, in one reverse sweep.

        Grads are reset first, so a second call gives the same result. With ``accumulate=True``
        the leaves keep their grads and the new ones are added (PyTorch's behaviour).
        """
        order = topological_order(self)
        for node in order:
            if node._prev or not accumulate:
                node.grad = 0.0
        self.grad += 1.0  # d self / d self
        for node in reversed(order):
            node._backward()

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root`` once, children before parents, ``root`` last.

    Iterative depth-first search, so chains far longer than Python's recursion limit work.

    >>> a = Value(1.0, "a"); [n.label or n._op for n in topological_order((a * a).exp())]
    ['a', '*', 'exp']
    """
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node._prev) if child not in seen)
    return order


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """``(nodes, edges)``: nodes in topological order, edges as (child, parent), one per use.

    >>> a = Value(2.0); nodes, edges = trace(a * a); len(nodes), len(edges)
    (2, 2)
    """
    nodes = topological_order(root)
    return nodes, [(child, node) for node in nodes for child in node._prev]


def count_nodes(root: Value) -> int:
    """Number N of distinct nodes in the graph, which is the number of closures ``backward`` runs.

    >>> a, b = Value(1.0), Value(2.0); count_nodes(a * b + a)
    4
    """
    return len(topological_order(root))


def to_dot(root: Value) -> str:
    """The graph in Graphviz DOT text (render it with any DOT viewer; none is needed to read it).

    One record per node, ``label op | data | grad``, and one arrow per edge, child -> parent.

    >>> print(to_dot(Value(2.0, "a").exp()))  # doctest: +NORMALIZE_WHITESPACE
    digraph G {
      rankdir=LR; node [shape=record];
      n0 [label="{a | data 2.0000 | grad 0.0000}"];
      n1 [label="{exp | data 7.3891 | grad 0.0000}"];
      n0 -> n1;
    }
    """
    nodes, edges = trace(root)
    ids = {node: i for i, node in enumerate(nodes)}
    lines = ["digraph G {", "  rankdir=LR; node [shape=record];"]
    for node, i in ids.items():
        name = re.sub(r'([{}|<>"\\])', r"\\\1", f"{node.label} {node._op}".strip())
        lines.append(f'  n{i} [label="{{{name} | data {node.data:.4f} | grad {node.grad:.4f}}}"];')
    lines += [f"  n{ids[child]} -> n{ids[parent]};" for child, parent in edges]
    return "\n".join(lines + ["}"])
