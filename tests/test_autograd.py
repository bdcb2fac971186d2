"""nnlib.autograd: values and gradients against PyTorch float64, graph semantics, stability, errors."""

import doctest
import math
import sys
import warnings

import numpy as np
import pytest
import torch

import nnlib.autograd as ag
from nnlib.autograd import Value, count_nodes, to_dot, topological_order, trace

from helpers import ORACLE_TOL, assert_close

# --- expressions written once, evaluated on Values and on torch 0-d tensors (same method names) ---


def sanity(a, b, c):  # shared z, relu on both sides of its kink, reflected constants
    z = 3 * a - b + 1
    q = z.relu() + z * a
    h = (z * z).relu()
    return h + q * b - (b - a).relu() + 2 * q + c


def more_ops(a, b, c):  # rebinding a name reuses the old node; every reflected operator appears
    d = a * b + b**3
    e = a + b
    e = e + e + 1
    e = e + (1 - e) * (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    f = (e - d) ** 2
    return f / 2.0 + 10.0 / (f + 1) - c / (1 + c * c)


def div_pow(a, b, c):
    base = a * a + 0.5
    return (base**2.5 - (b * b + 1) ** -1.5) / (1 + c**2) + (a / base) ** 3 + 1 / base


def log_exp(a, b, c):
    inner = (a * a + 1).log() * b.exp() - (c.exp() + 1).log() / (1 + b**2)
    return inner.exp() + (a.tanh() * b.sigmoid() + 2).log()


def activations(a, b, c):
    return a.tanh() * b.sigmoid() + c.relu() - (a * b).sigmoid().log() + (b - c).tanh() ** 2


def deep_mix(a, b, c):
    x = a
    for k in range(1, 30):
        x = (x * b.tanh() + c / k).tanh() + 0.1 * x
    return x


EXPRESSIONS = [sanity, more_ops, div_pow, log_exp, activations, deep_mix]


def run_value(fn, inputs):
    leaves = [Value(x) for x in inputs]
    out = fn(*leaves)
    out.backward()
    return out, leaves


def run_torch(fn, inputs):
    leaves = [torch.tensor(float(x), requires_grad=True) for x in inputs]
    out = fn(*leaves)
    out.backward()
    return out.item(), [0.0 if x.grad is None else x.grad.item() for x in leaves]


def assert_matches_torch(fn, inputs, what):
    out, leaves = run_value(fn, inputs)
    ref_out, ref_grads = run_torch(fn, inputs)
    assert_close(out.data, ref_out, ORACLE_TOL, f"{what} value")
    assert_close([v.grad for v in leaves], ref_grads, ORACLE_TOL, f"{what} grads")
    assert [v.data for v in leaves] == [float(x) for x in inputs], f"{what}: leaves were modified"
    return out, leaves


@pytest.mark.parametrize("fn", EXPRESSIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", range(4))
def test_expressions_match_torch(fn, seed):
    inputs = np.random.default_rng(seed).uniform(-2.0, 2.0, size=3)
    assert_matches_torch(fn, inputs, fn.__name__)


@pytest.mark.parametrize(
    "x, n",
    [
        (0.0, 0.5),
        (0.0, 0),
        (0.0, 1),
        (0.0, 2),
        (0.0, 3.0),
        (-2.0, 3),
        (-2.0, -2.0),
        (1.7, -0.5),
        (4.0, 0.5),
    ],
)
def test_pow_edge_cases_match_torch(x, n):
    out, (leaf,) = run_value(lambda a: a**n, [x])
    ref_out, ref_grads = run_torch(lambda a: a**n, [x])
    np.testing.assert_allclose(
        [out.data, leaf.grad], [ref_out, ref_grads[0]], rtol=1e-14
    )  # inf == inf


# --- the 2-2-1 sigmoid network (chapter 6's worked example and a batch with MSE) ---


def net_value(X, Y, W1, b1, W2, b2, scale):
    """Sum over examples of scale * (a3 - y)^2 / N, written with scalars only."""
    total = 0
    for x, y in zip(X, Y):
        a2 = [(sum(w * xi for w, xi in zip(row, x)) + b).sigmoid() for row, b in zip(W1, b1)]
        a3 = (sum(w * a for w, a in zip(W2, a2)) + b2).sigmoid()
        total = total + (a3 - y) ** 2
    return total * (scale / len(X))


def net_torch(X, Y, W1, b1, W2, b2, scale):
    a3 = torch.sigmoid(torch.sigmoid(X @ W1.T + b1) @ W2 + b2)
    return scale * torch.nn.functional.mse_loss(a3, Y)


NOTES_NET = dict(
    X=[[0.5, 0.8]], Y=[1.0], W1=[[0.2, 0.4], [0.3, 0.7]], b1=[0.1, 0.2], W2=[0.5, 0.6], b2=0.3
)
_r = np.random.default_rng(7)
XOR_NET = dict(
    X=[[0, 0], [0, 1], [1, 0], [1, 1]],
    Y=[0.0, 1.0, 1.0, 0.0],
    W1=_r.normal(size=(2, 2)),
    b1=_r.normal(size=2),
    W2=_r.normal(size=2),
    b2=float(_r.normal()),
)


@pytest.mark.parametrize(
    "params, scale", [(NOTES_NET, 0.5), (XOR_NET, 1.0)], ids=["notes_half_se", "xor_mse"]
)
def test_sigmoid_network_matches_torch(params, scale):
    names = ["X", "W1", "b1", "W2", "b2"]  # every leaf except the targets
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    values = {k: np.vectorize(Value, otypes=[object])(arrays[k]) for k in names}
    values["b2"] = values["b2"].item()
    loss = net_value(
        values["X"], arrays["Y"], values["W1"], values["b1"], values["W2"], values["b2"], scale
    )
    loss.backward()

    tensors = {k: torch.tensor(arrays[k], requires_grad=True) for k in names}
    ref = net_torch(
        tensors["X"],
        torch.tensor(arrays["Y"]),
        tensors["W1"],
        tensors["b1"],
        tensors["W2"],
        tensors["b2"],
        scale,
    )
    ref.backward()
    assert_close(loss.data, ref.item(), ORACLE_TOL, "loss")
    for k in names:
        grads = np.vectorize(lambda v: v.grad, otypes=[float])(np.asarray(values[k], dtype=object))
        assert_close(grads, tensors[k].grad.numpy(), ORACLE_TOL, f"dJ/d{k}")
    if params is NOTES_NET:  # the notes' rounded dJ/dz3 = dJ/db2 = -0.0503
        assert abs(values["b2"].grad - (-0.0503)) < 1e-4


# --- backward semantics ---


def test_repeated_backward_gives_identical_grads():
    out, leaves = run_value(more_ops, [0.3, -0.7, 1.1])
    first = [node.grad for node in topological_order(out)]
    out.backward()
    assert [node.grad for node in topological_order(out)] == first
    assert_close(
        [v.grad for v in leaves],
        run_torch(more_ops, [0.3, -0.7, 1.1])[1],
        ORACLE_TOL,
        "2nd backward",
    )


def test_zero_grad_clears_every_node():
    out, _ = run_value(log_exp, [0.3, -0.7, 1.1])
    assert any(node.grad != 0.0 for node in topological_order(out))
    out.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(out))


def two_losses(a, b):
    h = (a * b).tanh()  # shared interior node
    return (h * h + a).exp(), (h - b) ** 2 / (1 + a * a)


def test_accumulate_adds_into_leaves_like_torch():
    a, b = Value(0.4), Value(-1.3)
    l1, l2 = two_losses(a, b)
    l1.backward()
    l2.backward(accumulate=True)
    ta, tb = torch.tensor(0.4, requires_grad=True), torch.tensor(-1.3, requires_grad=True)
    t1, t2 = two_losses(ta, tb)
    t1.backward(retain_graph=True)  # h is shared by both graphs
    t2.backward()  # torch accumulates into .grad
    assert_close(
        [a.grad, b.grad], [ta.grad.item(), tb.grad.item()], ORACLE_TOL, "accumulated grads"
    )
    interior = l2._prev[0]._prev[0]._prev[0]  # h inside (h - b) ** 2
    grad_in_pass_2 = interior.grad
    l2.backward()  # a fresh pass: the interior grad must not carry anything from l1
    assert interior.grad == grad_in_pass_2


def test_accumulate_on_a_leaf_root():
    a = Value(1.5)
    a.backward()
    a.backward(accumulate=True)
    assert a.grad == 2.0
    a.backward()
    assert a.grad == 1.0


def tanh_reused(a):
    t = a.tanh()  # one node, three uses
    return (t * t + t).exp()


@pytest.mark.parametrize(
    "fn, dfda, nodes, edges",
    [
        (lambda a: a * a, lambda x: 2 * x, 2, 2),
        (lambda a: a + a, lambda x: 2.0, 2, 2),
        (lambda a: a - a, lambda x: 0.0, 2, 2),
        (lambda a: a / a, lambda x: 0.0, 2, 2),
        (lambda a: a * a * a, lambda x: 3 * x * x, 3, 4),
        (lambda a: (a + a) * a, lambda x: 4 * x, 3, 4),
        (
            tanh_reused,
            lambda x: (
                math.exp(math.tanh(x) ** 2 + math.tanh(x))
                * (2 * math.tanh(x) + 1)
                * (1 - math.tanh(x) ** 2)
            ),
            5,
            6,
        ),
    ],
)
@pytest.mark.parametrize("x", [-1.3, 0.7])
def test_shared_subexpressions_accumulate(fn, dfda, nodes, edges, x):
    a = Value(x)
    out = fn(a)
    out.backward()
    assert_close(a.grad, dfda(x), ORACLE_TOL, "d out / d a")
    assert count_nodes(out) == nodes
    assert len(trace(out)[1]) == edges


def test_long_chain_has_no_recursion_limit():
    steps, limit = 10_000, sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # far below the chain length, whatever the environment set
    try:
        x0 = Value(0.3)
        x = x0
        for _ in range(steps):
            x = x * 1.0001 + 1e-5  # each step adds two constant leaves, a product and a sum
        x.backward()
        nodes, edges = trace(x)
        dot = to_dot(x)
    finally:
        sys.setrecursionlimit(limit)
    assert_close(x0.grad, 1.0001**steps, ORACLE_TOL, "d x_N / d x_0")
    assert len(nodes) == 1 + 4 * steps and len(edges) == 4 * steps
    assert dot.count("->") == 4 * steps


def test_topological_order_puts_children_first():
    out, _ = run_value(more_ops, [0.3, -0.7, 1.1])
    order = topological_order(out)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) and order[-1] is out
    assert all(position[child] < position[node] for node in order for child in node._prev)


def test_backward_runs_each_closure_once():
    """The N + P claim: one backward pass calls exactly one closure per node."""
    out, _ = run_value(deep_mix, [0.3, -0.7, 1.1])
    calls = {}
    for node in topological_order(out):

        def counted(node=node, original=node._backward):
            calls[node] = calls.get(node, 0) + 1
            original()

        node._backward = counted
    out.backward()
    assert len(calls) == count_nodes(out) and set(calls.values()) == {1}


def test_trace_and_to_dot_describe_the_graph():
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c")
    L = a * b + c
    L.label = "L"
    L.backward()
    nodes, edges = trace(L)
    assert count_nodes(L) == len(nodes) == 5 and len(edges) == 4
    ab = L._prev[0]
    assert [(id(ch), id(p)) for ch, p in edges] == [
        (id(a), id(ab)),
        (id(b), id(ab)),
        (id(ab), id(L)),
        (id(c), id(L)),
    ]
    dot = to_dot(L)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for node in (a, b, c):
        assert f"{{{node.label} | data {node.data:.4f} | grad {node.grad:.4f}}}" in dot
    assert "{L + | data 4.0000 | grad 1.0000}" in dot
    assert dot.count("->") == 4


# --- stability ---

LARGE = [-1e4, -50.0, -1e-8, 0.0, 3.0, 50.0, 709.0, 1e4]


@pytest.mark.parametrize(
    "op, x",
    [
        (op, x)
        for op in ["tanh", "sigmoid", "relu", "exp"]
        for x in LARGE
        if not (op == "exp" and x > 709.0)
    ],
)  # exp(1e4) raises: see below
def test_large_inputs_are_stable(op, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, (leaf,) = run_value(lambda a: getattr(a, op)(), [x])
    ref_out, ref_grads = run_torch(lambda a: getattr(a, op)(), [x])
    assert math.isfinite(out.data) and math.isfinite(leaf.grad)
    assert_close([out.data, leaf.grad], [ref_out, ref_grads[0]], ORACLE_TOL, f"{op}({x})")


# --- bad operands and domain errors ---


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Value(2.0) * "a", TypeError, r"Value \*: .*real number, got str"),
        (lambda: "a" * Value(2.0), TypeError, r"Value \*: .*got str"),
        (lambda: Value(2.0) + None, TypeError, r"Value \+: .*got NoneType"),
        (lambda: [1.0] - Value(2.0), TypeError, r"Value -: .*got list"),
        (lambda: Value(2.0) / "x", TypeError, r"Value /: .*got str"),
        (lambda: Value(2.0) * np.array([1.0]), TypeError, r"Value \*: .*got ndarray"),
        (lambda: Value(2.0) ** Value(3.0), TypeError, r"Value \*\*: the exponent .*got Value"),
        (lambda: Value("1.5"), TypeError, r"Value: data must be a real number, got str"),
        (lambda: Value(1 + 2j), TypeError, r"Value: data must be a real number, got complex"),
        (lambda: Value(0.0).log(), ValueError, r"Value\.log: .*got 0\.0"),
        (lambda: Value(-2.5).log(), ValueError, r"Value\.log: .*got -2\.5"),
        (lambda: Value(710.0).exp(), OverflowError, r"Value\.exp: exp\(710\.0\) overflows"),
        (lambda: Value(1e4).exp(), OverflowError, r"Value\.exp: exp\(10000\.0\) overflows"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"Value /: division by zero"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"Value /: division by zero"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"Value \*\*: 0\.0 \*\* -1"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"Value \*\*: -8\.0 \*\* 0\.333.* not real"),
        (lambda: Value(10.0) ** 400, OverflowError, r"Value \*\*: 10\.0 \*\* 400 overflows"),
    ],
)
def test_errors_name_the_operation(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_numpy_scalars_are_numbers():
    a = Value(1.5)
    out = np.float64(2.0) * a + np.float32(0.5) - np.int64(3) / a
    out.backward()
    assert isinstance(out, Value)
    assert_close(
        [out.data, a.grad],
        [2.0 * 1.5 + 0.5 - 3 / 1.5, 2.0 + 3 / 1.5**2],
        ORACLE_TOL,
        "numpy scalars",
    )


def test_docstring_examples():
    result = doctest.testmod(ag)
    assert result.attempted >= 8 and result.failed == 0
