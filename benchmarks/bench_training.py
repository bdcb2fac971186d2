"""Training-step speed: nnlib ``Sequential`` vs PyTorch (CPU) vs a hand-fused NumPy reference.

One *step* is forward + backward + optimizer update on one batch. The three implementations
train the same MLP (ReLU hidden layers, softmax cross-entropy on logits) from the same initial
weights on the same batch with the same optimizer, in one process. They run interleaved in short
blocks (in a new random order every round), so background load hits all of them alike; the table
reports the median time per step with warm-up excluded.

    .venv/bin/python benchmarks/bench_training.py            # full run (~2-3 minutes)
    .venv/bin/python benchmarks/bench_training.py --quick    # a short run
    .venv/bin/python benchmarks/bench_training.py --threads 1  # on a busy machine
    .venv/bin/python benchmarks/bench_training.py --profile 64,128,64,10 --batch 64 --dtype float32
    .venv/bin/python benchmarks/bench_training.py --breakdown --profile 64,128,64,10 --threads 1

Targets: nnlib/PyTorch median ratio <= 1.0 over the configurations with batch <= 256, and
nnlib/NumPy <= 1.15 for batch >= 64 (<= 1.5 at batch 16), with nnlib's fast path (nnlib._fast).
With ``--textbook`` a fourth implementation, "textbook", times the same nnlib model with the fast
path switched off (the code a student reads: every layer and optimizer step through the checked
functional API); its ratio to NumPy is reported, with no target. It runs in a separate pass
because a fourth implementation in the interleaved blocks evicts the others' arrays from the
caches more often, which slows the three compared with the targets.
"""

from __future__ import annotations

import os

# Two thread pools share the 2 cores in this one process: OpenBLAS (NumPy, so nnlib and the
# reference) and OpenMP (PyTorch). By default an idle pool keeps spinning (OpenBLAS for ~2^28
# cycles), which slows the other library's next step by 2-4x and makes the interleaved timings
# depend on the order. Idle threads that yield at once make the comparison fair. Set before the
# libraries load; an explicit environment setting wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import math  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import nnlib.optim
from nnlib import _fast
from nnlib.layers import Dense
from nnlib.model import Sequential

NETS = [(64, 128, 64, 10), (784, 256, 10), (784, 512, 512, 10)]
BATCHES = [16, 64, 256, 1024]
DTYPES = ["float32", "float64"]
HYPER = {
    "adam": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8),
    "momentum": dict(lr=1e-2, beta=0.9),
}


# --------------------------------------------------------------------------------------- nnlib
def make_nnlib(sizes, dtype, optimizer):
    layers = [Dense(n, activation="relu") for n in sizes[1:-1]] + [Dense(sizes[-1])]
    model = Sequential(layers, dtype=dtype, seed=0)
    model.build((sizes[0],))
    opt = (
        nnlib.optim.Adam(**HYPER["adam"])
        if optimizer == "adam"
        else nnlib.optim.Momentum(**HYPER["momentum"])
    )
    model.compile(loss="cross_entropy", optimizer=opt)
    return model


def textbook_step(model, x, y):
    """``model.train_on_batch(x, y)`` on the textbook path (the fast path switched off)."""
    _fast.ENABLED = False
    try:
        return model.train_on_batch(x, y)
    finally:
        _fast.ENABLED = True


# ------------------------------------------------------------------------------------- PyTorch
class TorchStep:
    def __init__(self, weights, dtype, optimizer):
        torch_dtype = getattr(torch, dtype)
        mods = []
        for i, (W, b) in enumerate(weights):
            lin = torch.nn.Linear(*W.shape, dtype=torch_dtype)
            with torch.no_grad():  # torch stores W transposed: (out, in)
                lin.weight.copy_(torch.from_numpy(W.T.copy()))
                lin.bias.copy_(torch.from_numpy(b))
            mods += [lin] + ([torch.nn.ReLU()] if i < len(weights) - 1 else [])
        self.net = torch.nn.Sequential(*mods)
        h = HYPER[optimizer]
        self.opt = (
            torch.optim.Adam(
                self.net.parameters(), lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"]
            )
            if optimizer == "adam"
            else torch.optim.SGD(self.net.parameters(), lr=h["lr"], momentum=h["beta"])
        )
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def __call__(self, x, y):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.net(x), y)
        loss.backward()
        self.opt.step()
        return loss


# ------------------------------------------------------------------------ hand-fused NumPy
class NumpyStep:
    """The same step as straight NumPy: in-place ReLU, fused softmax-cross-entropy gradient, no dx
    for the first layer, in-place optimizer updates. No framework, no validation."""

    def __init__(self, weights, dtype, optimizer):
        self.W = [W.astype(dtype, copy=True) for W, _ in weights]
        self.b = [b.astype(dtype, copy=True) for _, b in weights]
        self.optimizer = optimizer
        self.h = HYPER[optimizer]
        self.state = [[np.zeros_like(p) for _ in range(2)] for p in self.W + self.b]
        self.t = 0

    def _update(self, i, w, g):
        h = self.h
        if self.optimizer == "momentum":
            v = self.state[i][0]
            v *= h["beta"]
            v += g
            w -= h["lr"] * v
            return
        m, v = self.state[i]
        b1, b2 = h["beta1"], h["beta2"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        denom = np.sqrt(v)
        denom *= 1.0 / math.sqrt(1.0 - b2**self.t)
        denom += h["eps"]
        w -= (h["lr"] / (1.0 - b1**self.t)) * m / denom

    def __call__(self, x, y):
        W, b, L = self.W, self.b, len(self.W)
        acts = [x]
        h = x
        for i in range(L):
            z = h @ W[i]
            z += b[i]
            if i < L - 1:
                np.maximum(z, 0.0, out=z)
            acts.append(z)
            h = z
        n = len(x)
        rows = np.arange(n)
        shifted = h - h.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.log(s).sum() - shifted[rows, y].sum()) / n
        d = e
        d /= s
        d[rows, y] -= 1.0
        d *= 1.0 / n
        self.t += 1
        for i in range(L - 1, -1, -1):
            gW = acts[i].T @ d
            gb = d.sum(axis=0)
            if i > 0:
                d = d @ W[i].T
                d *= acts[i] > 0
            self._update(i, W[i], gW)
            self._update(L + i, b[i], gb)
        return loss


# ------------------------------------------------------------------------------------ timing
def make_config(sizes, batch, dtype, optimizer, textbook=False):
    model = make_nnlib(sizes, dtype, optimizer)
    weights = [(layer.params["W"].copy(), layer.params["b"].copy()) for layer in model.layers]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], batch)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    fused = NumpyStep(weights, dtype, optimizer)
    tstep = TorchStep(weights, dtype, optimizer)
    steps = {
        "nnlib": lambda: model.train_on_batch(x, y),
        "torch": lambda: tstep(xt, yt).item(),
        "numpy": lambda: fused(x, y),
    }
    if textbook:
        twin = make_nnlib(sizes, dtype, optimizer)
        steps["textbook"] = lambda: textbook_step(twin, x, y)
    # the first step starts from the same weights: the three losses must agree
    losses = {k: float(f()) for k, f in steps.items()}
    tol = 1e-4 if dtype == "float32" else 1e-10
    assert all(abs(v - losses["nnlib"]) <= tol * abs(losses["nnlib"]) for v in losses.values()), (
        losses
    )
    # float32 must really compute in float32
    dtypes = {str(p.dtype) for p in model.parameters().values()} | {
        str(model.predict(x, logits=True).dtype)
    }
    dtypes |= {str(layer._z.dtype) for layer in model.layers}
    dtypes |= {str(p.dtype).replace("torch.", "") for p in tstep.net.parameters()} | {
        str(w.dtype) for w in fused.W
    }
    assert dtypes == {dtype}, (dtype, dtypes)
    return steps


#: the clock of a timed block: wall time, or the CPU time of this thread ("--clock cpu"), which on a
#: loaded machine leaves out the time the step spent waiting for a core (with --threads 1, every
#: library computes in the calling thread, so its CPU time is the whole step's)
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


def time_config(steps, budget, block=0.02, min_rounds=7, seed=0, clock=time.perf_counter):
    """Median seconds per step of each implementation, timed in interleaved blocks.

    A block is ``block`` seconds of consecutive steps of one implementation, as in a training
    loop. The first steps after another implementation's block are slower (its arrays are
    reloaded into the caches), so short blocks measure cache refills: with 2 ms blocks (4-10
    steps on the small net) every implementation is 5-17 % slower than with 20 ms, and the one
    that keeps the most arrays between steps loses most. The order of the blocks is shuffled
    every round, so that no implementation always follows the same one."""
    names = list(steps)
    order_rng = random.Random(seed)
    for f in steps.values():  # warm-up: allocator, BLAS threads, caches
        for _ in range(3):
            f()
    t0 = time.perf_counter()
    for name in names:
        steps[name]()
    one = (time.perf_counter() - t0) / len(names)
    per_block = max(1, int(block / max(one, 1e-7)))  # timer noise stays negligible
    times = {name: [] for name in names}
    start = time.perf_counter()
    r = 0
    while r < min_rounds or time.perf_counter() - start < budget:
        order = order_rng.sample(names, len(names))
        for name in order:
            f = steps[name]
            t = clock()
            for _ in range(per_block):
                f()
            times[name].append((clock() - t) / per_block)
        r += 1
    return {name: statistics.median(v) for name, v in times.items()}


def set_threads(n: int) -> None:
    """n threads for both PyTorch (intra-op) and NumPy's OpenBLAS."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    torch.set_num_threads(n)
    threadpool_limits(limits=n, user_api="blas")


def run(args):
    torch.manual_seed(0)
    load0 = os.getloadavg()[0]
    nets = (
        [tuple(int(s) for s in net.split(",")) for net in args.nets.split(";")]
        if args.nets
        else NETS
    )
    batches = [int(b) for b in args.batches.split(",")] if args.batches else BATCHES
    rows = []
    header = (
        f"{'net':<18} {'batch':>5} {'dtype':<8} {'nnlib ms':>9} {'torch ms':>9} {'numpy ms':>9} "
        f"{'nnlib/torch':>11} {'nnlib/numpy':>11}"
        + (f" {'textbook ms':>11} {'textbook/numpy':>14}" if args.textbook else "")
    )
    print(
        f"optimizer: {args.optimizer}; budget {args.budget:.1f} s per configuration; "
        f"clock {args.clock}; "
        f"numpy {np.__version__}, torch {torch.__version__}; {args.threads} threads each; "
        f"OPENBLAS_THREAD_TIMEOUT={os.environ['OPENBLAS_THREAD_TIMEOUT']}, "
        f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}"
    )
    print(header)
    print("-" * len(header))
    for sizes in nets:
        for batch in batches:
            for dtype in DTYPES:
                med = time_config(
                    make_config(sizes, batch, dtype, args.optimizer, args.textbook),
                    args.budget,
                    args.block_ms / 1e3,
                    clock=CLOCKS[args.clock],
                )
                row = dict(net="-".join(map(str, sizes)), batch=batch, dtype=dtype, **med)
                row["r_torch"] = med["nnlib"] / med["torch"]
                row["r_numpy"] = med["nnlib"] / med["numpy"]
                line = (
                    f"{row['net']:<18} {batch:>5} {dtype:<8} {1e3 * med['nnlib']:>9.3f} "
                    f"{1e3 * med['torch']:>9.3f} {1e3 * med['numpy']:>9.3f} "
                    f"{row['r_torch']:>11.2f} {row['r_numpy']:>11.2f}"
                )
                if args.textbook:
                    row["r_textbook"] = med["textbook"] / med["numpy"]
                    line += f" {1e3 * med['textbook']:>11.3f} {row['r_textbook']:>14.2f}"
                rows.append(row)
                print(line, flush=True)
    print()
    summarize(rows)
    print(
        f"load average (1 min) at the start {load0:.1f}, at the end {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores: other processes add noise to every column"
    )
    return rows


def summarize(rows):
    def line(label, values, target, how="median"):
        if not values:
            return
        value = statistics.median(values) if how == "median" else max(values)
        verdict = "met" if value <= target else "NOT MET"
        print(
            f"{label}: {how} {value:.2f} over {len(values)} configs "
            f"(range {min(values):.2f}-{max(values):.2f}); target <= {target}: {verdict}"
        )

    line("nnlib/PyTorch, batch <= 256", [r["r_torch"] for r in rows if r["batch"] <= 256], 1.0)
    line(
        "nnlib/NumPy,   batch >= 64 ", [r["r_numpy"] for r in rows if r["batch"] >= 64], 1.15, "max"
    )
    line(
        "nnlib/NumPy,   batch 16    ", [r["r_numpy"] for r in rows if r["batch"] == 16], 1.5, "max"
    )
    textbook = [r["r_textbook"] for r in rows if "r_textbook" in r]
    if textbook:
        print(
            f"textbook path/NumPy (no target): median {statistics.median(textbook):.2f} "
            f"(range {min(textbook):.2f}-{max(textbook):.2f})"
        )


# ------------------------------------------------------------------- overhead attribution
def breakdown(args):
    """Where nnlib's step spends its time beyond the hand-fused reference.

    Rows: ``train_on_batch`` as the table times it; the fast step alone (``_fast.train_step``
    on the same arrays, without ``train_on_batch``'s checks of the batch); the textbook path;
    the reference. What remains between the fast step and the reference is the framework's
    Python: the per-step checks of the plan, the labels and the gradient buffer, and the calls
    per layer."""
    sizes = tuple(int(s) for s in args.profile.split(","))
    steps = make_config(sizes, args.batch, args.dtype, args.optimizer, textbook=True)
    # the Sequential and the batch the nnlib lambda closes over
    closed = steps["nnlib"].__code__.co_freevars
    cells = dict(zip(closed, (c.cell_contents for c in steps["nnlib"].__closure__)))
    model, x, y = cells["model"], cells["x"], cells["y"]
    assert isinstance(model, Sequential)
    timed = {
        "nnlib train_on_batch": steps["nnlib"],
        "- train_on_batch's checks": lambda: _fast.train_step(model, x, y),
        "nnlib textbook path": steps["textbook"],
        "numpy (hand-fused)": steps["numpy"],
    }
    # Train all well into the regime the main table measures (thousands of steps on one batch,
    # where Adam's m and v for dead units are stuck at subnormal values that slow every update).
    for _ in range(3000):
        steps["nnlib"]()
        steps["numpy"]()
        steps["textbook"]()
    med = time_config(timed, args.budget, args.block_ms / 1e3, clock=CLOCKS[args.clock])
    ref = med["numpy (hand-fused)"]
    print(
        f"net {args.profile}, batch {args.batch}, {args.dtype}, {args.optimizer}: median us per step"
    )
    for name, t in med.items():
        print(f"  {name:<34} {1e6 * t:9.1f} us   x{t / ref:5.2f} of numpy")


def profile(args):
    sizes = tuple(int(s) for s in args.profile.split(","))
    steps = make_config(sizes, args.batch, args.dtype, args.optimizer)
    step = steps["nnlib"]
    for _ in range(20):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.repeat):
        step()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run: 0.4 s per configuration")
    parser.add_argument(
        "--budget", type=float, default=None, help="seconds of timing per configuration"
    )
    parser.add_argument(
        "--block-ms",
        type=float,
        default=20.0,
        help="milliseconds of consecutive steps of one implementation per timed block (default 20)",
    )
    parser.add_argument("--optimizer", choices=sorted(HYPER), default="adam")
    parser.add_argument(
        "--textbook",
        action="store_true",
        help="also time nnlib's textbook path (the fast path off), in the same blocks",
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="wall time, or this thread's CPU time (for a loaded machine; use with --threads 1)",
    )
    parser.add_argument(
        "--nets", default="", help="semicolon-separated nets, e.g. '64,128,64,10;784,256,10'"
    )
    parser.add_argument(
        "--batches", default="", help="comma-separated batch sizes (default 16,64,256,1024)"
    )
    parser.add_argument(
        "--profile", default="", help="cProfile nnlib's step for this net, e.g. 64,128,64,10"
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="with --profile NET: nnlib's step with and without train_on_batch's checks, the "
        "textbook path and the reference",
    )
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dtype", choices=DTYPES, default="float32")
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument(
        "--threads", type=int, default=2, help="threads for PyTorch and for OpenBLAS (default 2)"
    )
    args = parser.parse_args(argv)
    set_threads(args.threads)
    if args.budget is None:
        args.budget = 0.4 if args.quick else 3.0
    if args.breakdown:
        breakdown(args)
    elif args.profile:
        profile(args)
    else:
        run(args)


if __name__ == "__main__":
    sys.exit(main())
