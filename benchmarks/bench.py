"""bplab speed benchmarks: the training loop against its peers, backprop against finite
differences, notebook run-all times and the import time.

    make bench                                   # installs the optional peers, runs everything
    .venv/bin/python benchmarks/bench.py         # the same, with whatever is installed
    .venv/bin/python benchmarks/bench.py --only training --reps 7
    .venv/bin/python benchmarks/bench.py --quick # fewer repetitions, no notebooks: a smoke run

Sections (``--only`` takes a comma-separated list of them):

``training``   ``bplab.fit`` against a minimal hand-written numpy loop (the same maths, the
               same initial weights, the same batch order), PyTorch on one CPU thread and
               scikit-learn's MLPClassifier, plus the time of the matrix products alone;
``threads``    the same bplab/hand-loop runs with OPENBLAS_NUM_THREADS=1 and with OpenBLAS's
               default (all cores), each in a fresh subprocess;
``backprop``   one forward+backward pass against central finite differences, N = 10 ... 10,000;
``notebooks``  run-all time of every ``notebooks/[0-9]*.ipynb`` in a fresh kernel (executed
               in memory with nbclient: the notebook files are not written);
``import``     ``import bplab`` in a fresh interpreter.

Every timing is a median over ``--reps`` repetitions (default 5) taken after one warm-up
run, with the contenders alternating inside each repetition so that a slow moment of a
shared machine hits all of them alike. Single-threaded work (training, backprop) is timed
in CPU time of the process (``time.process_time``): on a busy machine wall-clock time also
counts the moments spent waiting for a core, which says nothing about the code. Ratios are
medians of per-repetition ratios of contenders timed back to back. BLAS threads, notebooks
and imports are timed by the wall clock. PyTorch and scikit-learn are optional: their rows
are skipped (and say so) when they are not importable. Nothing here is a test: speed is
reported, never asserted.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Makefile pins BLAS to one thread (deterministic sums); do the same when run by hand,
# except in the `threads` section's child processes, whose environment is the experiment.
if "--child-threads" not in sys.argv:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

import numpy as np  # noqa: E402

import bplab  # noqa: E402

SECTIONS = ("training", "threads", "backprop", "widgets", "notebooks", "import")


# ----------------------------------------------------------------------------- helpers
def median_times(contenders, reps, warmup=1, clock="cpu"):
    """Time each zero-argument callable ``reps`` times, alternating between them.

    ``clock="cpu"`` measures the CPU time of this process (time.process_time): on a shared
    machine, wall-clock time also counts the moments the process waited for a core, CPU
    time only the moments it ran, so it is the steadier measure of single-threaded code.
    ``clock="wall"`` (time.perf_counter) is for multi-threaded code.
    Returns ({name: [seconds, ...]}, {name: value returned by the last call}); the wall
    times of a cpu-clock run are kept in ``median_times.last_wall``."""
    timer = {"cpu": time.process_time, "wall": time.perf_counter}[clock]
    results = {}
    for name, fn in contenders.items():
        for _ in range(warmup):
            results[name] = fn()
    times = {name: [] for name in contenders}
    wall = {name: [] for name in contenders}
    for _ in range(reps):
        for name, fn in contenders.items():
            gc.collect()
            w0, t0 = time.perf_counter(), timer()
            results[name] = fn()
            times[name].append(timer() - t0)
            wall[name].append(time.perf_counter() - w0)
    median_times.last_wall = wall
    return times, results


def med(ts):
    return statistics.median(ts)


def paired_ratio(a, b):
    """Median over repetitions of a[i] / b[i]: two contenders timed back to back in the same
    repetition share the machine's mood, so their ratio is steadier than a ratio of medians."""
    return statistics.median(x / y for x, y in zip(a, b))


def table(headers, rows, align=None):
    """A GitHub-markdown table (also readable in a terminal)."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    align = align or ["l"] + ["r"] * (len(headers) - 1)

    def fmt(row):
        return "| " + " | ".join(c.ljust(w) if a == "l" else c.rjust(w)
                                 for c, w, a in zip(row, widths, align)) + " |"
    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                         for w, a in zip(widths, align)) + "|"
    return "\n".join([fmt(headers), sep] + [fmt(r) for r in cells])


def verdict(ok):
    return "ok" if ok else "MISSED"


def optional_import(name):
    try:
        return __import__(name)
    except Exception:  # ImportError, or a broken install
        return None


# ------------------------------------------------------------------ training problems
PROBLEMS = {
    # name: (loader, hidden width, epochs)
    "digits": ("load_digits", 128, 20),
    "mnist": ("load_mnist_subset", 256, 5),
}
LR, MOMENTUM, BATCH, SEED = 0.1, 0.9, 32, 0


def load_problem(name):
    loader, hidden, epochs = PROBLEMS[name]
    X, y = getattr(bplab.data, loader)()
    X = np.ascontiguousarray(X, dtype=np.float32)
    sizes = [X.shape[1], hidden, int(y.max()) + 1]
    return X, y, sizes, epochs


def n_steps(n, epochs, bs=BATCH):
    return epochs * -(-n // bs)


def run_bplab(X, y, sizes, epochs):
    model = bplab.MLP(sizes, activation="relu", seed=SEED, dtype=np.float32)
    hist = bplab.fit(model, X, y, optimizer=bplab.SGD(LR, momentum=MOMENTUM), epochs=epochs,
                     batch_size=BATCH, seed=SEED, progress=False)
    return model.params, float(hist["loss"].iloc[-1])


def run_hand(X, y, sizes, epochs):
    """The same training written out by hand: numpy only, nothing but what is needed.

    Same initial weights (bplab.MLP's seed), same batch order (one permutation of
    default_rng(seed) per epoch), same loss and accuracy bookkeeping as fit reports."""
    W1, b1, W2, b2 = [p.copy() for p in bplab.MLP(sizes, seed=SEED, dtype=np.float32).params]
    params = [W1, b1, W2, b2]
    vel = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(SEED)
    n = X.shape[0]
    for _ in range(epochs):
        perm = rng.permutation(n)
        Xs, ys = X[perm], y[perm]
        total, correct = 0.0, 0
        for s in range(0, n, BATCH):
            xb, yb = Xs[s:s + BATCH], ys[s:s + BATCH]
            m = xb.shape[0]
            rows = np.arange(m)
            a1 = np.maximum(xb @ W1 + b1, 0)                  # forward
            z = a1 @ W2 + b2
            z -= z.max(axis=1, keepdims=True)                 # softmax cross-entropy
            p = np.exp(z)
            s_ = p.sum(axis=1, keepdims=True)
            total += float(np.log(s_).sum() - z[rows, yb].sum())
            correct += int((z.argmax(axis=1) == yb).sum())
            p /= s_
            p[rows, yb] -= 1                                  # dL/dz = (softmax - onehot) / m
            p /= m
            d1 = (p @ W2.T) * (a1 > 0)                        # backward
            grads = [xb.T @ d1, d1.sum(axis=0), a1.T @ p, p.sum(axis=0)]
            for w, g, v in zip(params, grads, vel):           # SGD with momentum
                v *= MOMENTUM
                v -= LR * g
                w += v
    return params, total / n


def run_matmuls(X, y, sizes, epochs):
    """The floor: only the matrix products of the same run (forward 2, backward 3: dW2,
    dA1, dW1; dL/dX is never needed), on the same batch shapes, nothing else."""
    W1, _, W2, _ = [p.copy() for p in bplab.MLP(sizes, seed=SEED, dtype=np.float32).params]
    rng = np.random.default_rng(SEED)
    n = X.shape[0]
    for _ in range(epochs):
        Xs = X[rng.permutation(n)]
        for s in range(0, n, BATCH):
            xb = Xs[s:s + BATCH]
            a1 = xb @ W1
            z = a1 @ W2
            _ = a1.T @ z
            d1 = z @ W2.T
            _ = xb.T @ d1
    return None, float("nan")


def make_torch_runner(torch):
    torch.set_num_threads(1)

    def run_torch(X, y, sizes, epochs):
        model = bplab.MLP(sizes, seed=SEED, dtype=np.float32)
        layers = []
        for l in range(model.n_layers):
            lin = torch.nn.Linear(sizes[l], sizes[l + 1])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(model.params[2 * l].T.copy()))
                lin.bias.copy_(torch.from_numpy(model.params[2 * l + 1]))
            layers += [lin, torch.nn.ReLU()]
        net = torch.nn.Sequential(*layers[:-1])
        opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
        loss_fn = torch.nn.CrossEntropyLoss()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        rng = np.random.default_rng(SEED)
        n = X.shape[0]
        for _ in range(epochs):
            perm = torch.from_numpy(rng.permutation(n))
            Xs, ys = Xt[perm], yt[perm]
            total, correct = 0.0, 0
            for s in range(0, n, BATCH):
                xb, yb = Xs[s:s + BATCH], ys[s:s + BATCH]
                opt.zero_grad()
                out = net(xb)
                loss = loss_fn(out, yb)
                loss.backward()
                opt.step()
                total += loss.item() * xb.shape[0]
                correct += int((out.argmax(dim=1) == yb).sum())
        params = []
        for lin in net[0::2]:
            params += [lin.weight.detach().numpy().T.copy(), lin.bias.detach().numpy().copy()]
        return params, total / n

    return run_torch


def make_sklearn_runner(neural_network, exceptions):
    def run_sklearn(X, y, sizes, epochs):
        clf = neural_network.MLPClassifier(
            hidden_layer_sizes=tuple(sizes[1:-1]), activation="relu", solver="sgd",
            learning_rate="constant", learning_rate_init=LR, momentum=MOMENTUM,
            nesterovs_momentum=False, batch_size=BATCH, max_iter=epochs, alpha=0.0,
            tol=0.0, n_iter_no_change=10 ** 9, early_stopping=False, shuffle=True,
            random_state=SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", exceptions.ConvergenceWarning)
            clf.fit(X, y)
        return None, float(clf.loss_curve_[-1])

    return run_sklearn


def max_param_diff(a, b):
    if a is None or b is None:
        return None
    return max(float(np.abs(np.asarray(p) - np.asarray(q)).max()) for p, q in zip(a, b))


def bench_training(args, report):
    contenders = {"bplab.fit": run_bplab, "hand-written numpy": run_hand}
    torch = None if args.no_torch else optional_import("torch")
    notes = []
    if torch is not None:
        contenders["PyTorch (1 thread)"] = make_torch_runner(torch)
    else:
        notes.append("PyTorch not importable: its row is skipped (`make bench` installs torch==2.13.0)")
    sk = None if args.no_sklearn else optional_import("sklearn")
    if sk is not None:
        import sklearn.exceptions
        import sklearn.neural_network
        contenders["scikit-learn MLPClassifier"] = make_sklearn_runner(
            sklearn.neural_network, sklearn.exceptions)
    else:
        notes.append("scikit-learn not importable: its row is skipped (`pip install scikit-learn`)")
    contenders["matmuls only (floor)"] = run_matmuls

    out = {}
    for prob in args.problems:
        X, y, sizes, epochs = load_problem(prob)
        steps = n_steps(X.shape[0], epochs)
        fns = {k: (lambda f=f: f(X, y, sizes, epochs)) for k, f in contenders.items()}
        times, results = median_times(fns, args.reps)
        wall = median_times.last_wall
        t_fit, t_hand = times["bplab.fit"], times["hand-written numpy"]
        ref = results["bplab.fit"][0]
        rows = []
        for name in contenders:
            t = med(times[name])
            params, loss = results[name]
            diff = max_param_diff(ref, params) if name != "bplab.fit" else None
            rows.append([name, f"{t:.3f}", f"{med(wall[name]):.3f}", f"{1e6 * t / steps:.0f}",
                         f"{paired_ratio(times[name], t_fit):.2f}x",
                         f"{paired_ratio(times[name], t_hand):.2f}x",
                         "-" if loss != loss else f"{loss:.4f}",
                         "-" if diff is None else f"{diff:.1e}"])
        title = (f"training: {prob} {'-'.join(map(str, sizes))} ReLU, {X.shape[0]} rows, "
                 f"{epochs} epochs x {-(-X.shape[0] // BATCH)} batches of {BATCH} = {steps} steps, "
                 f"SGD lr={LR} momentum={MOMENTUM}, float32")
        print(f"\n### {title}\n")
        print(table(["", "CPU s", "wall s", "us/step", "vs bplab.fit", "vs hand loop",
                     "final loss", "max |param - bplab|"], rows))
        print("\n(medians; ratios are medians over repetitions of the two CPU times measured "
              "back to back)")
        fit_hand = paired_ratio(t_fit, t_hand)
        summary = {"fit/hand": fit_hand}
        line = f"\nbplab.fit / hand loop = {fit_hand:.2f}x"
        if prob == "digits":
            line += f" (target <= 1.4x: {verdict(fit_hand <= 1.4)})"
        if "PyTorch (1 thread)" in times:
            speed = paired_ratio(times["PyTorch (1 thread)"], t_fit)
            summary["torch/fit"] = speed
            line += f"; PyTorch / bplab.fit = {speed:.2f}x"
            if prob == "digits":
                line += f" (target >= 3x: {verdict(speed >= 3)})"
        floor = paired_ratio(times["matmuls only (floor)"], t_fit)
        line += f"; the matrix products alone take {100 * floor:.0f}% of bplab.fit's time"
        print(line)
        out[prob] = dict(title=title, cpu=times, wall=wall, summary=summary)
    for note in notes:
        print(f"note: {note}")
    report["training"] = out


# --------------------------------------------------------------------- BLAS threads
def blas_threads():
    """How many threads OpenBLAS will use here (threadpoolctl comes with scikit-learn)."""
    try:
        import threadpoolctl
        return ", ".join(f"{d['internal_api']} {d['num_threads']}"
                         for d in threadpoolctl.threadpool_info()) or "?"
    except ImportError:
        return "? (threadpoolctl not installed)"


def bench_threads(args, report):
    """Run the bplab/hand/floor trio in subprocesses, BLAS pinned to 1 thread vs default."""
    configs = {"OPENBLAS_NUM_THREADS=1": {"OPENBLAS_NUM_THREADS": "1"},
               "default (unset)": {}}
    cmd_base = [sys.executable, __file__, "--child-threads", "--reps", str(args.reps),
                "--problems", ",".join(args.problems)]
    runs = {k: [] for k in configs}
    threads_seen = {}
    for _ in range(args.thread_rounds):                    # alternate the configurations
        for name, extra in configs.items():
            env = {k: v for k, v in os.environ.items()
                   if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
            env.update(extra)
            res = subprocess.run(cmd_base, env=env, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(res.stdout.strip().splitlines()[-1]))
            threads_seen[name] = res.stderr.strip().splitlines()[-1].split(": ", 1)[-1]
    rows = []
    for prob in args.problems:
        for who in ("bplab.fit", "hand-written numpy", "matmuls only (floor)"):
            t = {(cfg, clk): med([r[prob][who][clk] for r in runs[cfg]])
                 for cfg in configs for clk in ("wall", "cpu")}
            one, dflt = "OPENBLAS_NUM_THREADS=1", "default (unset)"
            rows.append([prob, who, f"{t[one, 'wall']:.3f}", f"{t[dflt, 'wall']:.3f}",
                         f"{t[dflt, 'wall'] / t[one, 'wall']:.2f}x",
                         f"{t[one, 'cpu']:.3f}", f"{t[dflt, 'cpu']:.3f}"])
    print(f"\n### BLAS threads: OPENBLAS_NUM_THREADS=1 vs OpenBLAS default "
          f"({os.cpu_count()} logical CPUs), a fresh process for each of "
          f"{args.thread_rounds} alternating rounds\n")
    print(table(["problem", "", "wall, 1 thread", "wall, default", "default / 1 thread",
                 "CPU, 1 thread", "CPU, default"], rows, align=["l", "l"] + ["r"] * 5))
    print("\n(seconds, medians; CPU time above wall time means a second BLAS thread was busy; "
          "BLAS threads seen by the children: "
          + "; ".join(f"{k}: {v}" for k, v in threads_seen.items()) + ")")
    report["threads"] = runs


def child_threads(args):
    print(f"BLAS threads in this child: {blas_threads()}", file=sys.stderr)
    contenders = {"bplab.fit": run_bplab, "hand-written numpy": run_hand,
                  "matmuls only (floor)": run_matmuls}
    out = {}
    for prob in args.problems:
        X, y, sizes, epochs = load_problem(prob)
        fns = {k: (lambda f=f: f(X, y, sizes, epochs)) for k, f in contenders.items()}
        cpu, _ = median_times(fns, args.reps)
        wall = median_times.last_wall
        out[prob] = {k: {"wall": med(wall[k]), "cpu": med(cpu[k])} for k in contenders}
    print(json.dumps(out))


# ------------------------------------------------------- backprop vs finite differences
BACKPROP_SIZES = [[2, 2, 2], [4, 4, 2], [8, 8, 4], [16, 16, 4], [32, 24, 8], [32, 64, 10], [64, 128, 10]]


def calls_per_timing(fn, at_least=0.02):
    t0 = time.process_time()
    fn()
    return max(1, math.ceil(at_least / max(time.process_time() - t0, 1e-6)))


def repeated(fn, k):
    def run():
        for _ in range(k):
            out = fn()
        return out
    return run


def bench_backprop(args, report):
    from bplab.gradcheck import numerical_gradient, relative_error

    rows, out = [], []
    for sizes in BACKPROP_SIZES:
        model = bplab.MLP(sizes, activation="tanh", seed=0)            # float64
        rng = np.random.default_rng(0)
        X = rng.normal(size=(32, sizes[0]))
        y = rng.integers(0, sizes[-1], size=32)

        def backprop():
            return model.loss_and_grads(X, y)[1]

        def finite_diff():
            f = lambda: model.loss_fn(model.forward(X), y, grad=False)  # noqa: E731  (as gradient_check)
            return [numerical_gradient(f, p) for p in model.params]

        # a fast call is repeated until one timing takes >= 20 ms, then divided
        loops = {name: calls_per_timing(fn) for name, fn in (("bp", backprop), ("fd", finite_diff))}
        times, res = median_times({name: repeated(fn, loops[name]) for name, fn in
                                   (("bp", backprop), ("fd", finite_diff))}, args.reps)
        err = max(relative_error(g, n) for g, n in zip(res["bp"], res["fd"]))
        tb, tf = med(times["bp"]) / loops["bp"], med(times["fd"]) / loops["fd"]
        rows.append([f"{'-'.join(map(str, sizes))}", f"{model.n_params:,}", f"{1e3 * tb:.3f}",
                     f"{1e3 * tf:.1f}", f"{tf / tb:,.0f}x", f"{tf / tb / model.n_params:.2f}",
                     f"{err:.1e}"])
        out.append(dict(sizes=sizes, n_params=model.n_params, backprop=tb, finite_diff=tf, rel_error=err))
    print("\n### one backward pass vs central finite differences "
          "(tanh MLP, float64, batch of 32, h=1e-6; CPU time)\n")
    print(table(["net", "N params", "backprop ms", "finite diff ms", "ratio", "ratio / N",
                 "max rel. error"], rows))
    print("\nfinite differences need 2N forward passes, backprop one forward + one backward: "
          "the ratio grows in proportion to N.")
    report["backprop"] = out


# ------------------------------------------------------------------------------ widgets
def bench_widgets(args, report):
    """What a learner waits for after moving a slider: one Playground retrain (fit on the toy
    data, then the decision-boundary grid), at its default settings and at a wide, deep net."""
    from bplab.chapters.ch02.playground import Playground

    cases = {"default (moons, 2x8 tanh, 100 epochs)": {},
             "widest (spirals, 4x32 relu, 100 epochs)": dict(dataset="spirals", activation="relu",
                                                              width=32, depth=4)}
    rows, out = [], {}
    for label, settings in cases.items():
        pg = Playground(**settings)
        times, _ = median_times({"retrain": pg.train}, args.reps)
        t, w = med(times["retrain"]), med(median_times.last_wall["retrain"])
        rows.append([label, f"{t:.3f}", f"{w:.3f}", f"{pg.train_seconds:.3f}", verdict(t < 0.2)])
        out[label] = dict(cpu=t, wall=w)
    print("\n### Playground: one retrain after a slider moves (medians)\n")
    print(table(["settings", "CPU s", "wall s", "of which fit, wall s", "under 0.2 s"], rows))
    report["widgets"] = out


# ---------------------------------------------------------------------------- notebooks
CELL_TIMEOUT = 120   # seconds per cell; a notebook's whole budget is 20 s


@contextlib.contextmanager
def quiet_stderr():
    """Send file descriptor 2 (inherited by kernel processes) to /dev/null for a while."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def run_notebook_in_memory(path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0, c0 = time.perf_counter(), _cpu_with_children()
    client.execute()                      # executes the in-memory copy; the file is not written
    return time.perf_counter() - t0, _cpu_with_children() - c0


def _cpu_with_children():
    """CPU seconds of this process plus its finished (waited-for) children, e.g. a kernel."""
    import resource
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def bench_notebooks(args, report):
    paths = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    if not paths:
        print("\n### notebooks: none found in notebooks/")
        report["notebooks"] = {}
        return
    if optional_import("nbclient") is None:
        print("\n### notebooks: nbclient not installed (pip install -e '.[test]'); skipped")
        return
    times = {p.name: [] for p in paths}
    cpus = {p.name: [] for p in paths}
    errors = {}
    for _ in range(args.nb_reps):
        for p in paths:
            if p.name in errors:
                continue
            for _attempt in (1, 2):    # a kernel that fails to start on a busy machine: retry once
                try:
                    with quiet_stderr():   # the kernels' start-up chatter
                        wall, cpu = run_notebook_in_memory(p)
                    times[p.name].append(wall)
                    cpus[p.name].append(cpu)
                    errors.pop(p.name, None)
                    break
                except Exception as e:  # a failing notebook is reported, not fatal to the benchmark
                    lines = [ln for ln in str(e).strip().splitlines() if ln.strip()] or [""]
                    errors[p.name] = f"{type(e).__name__}: {lines[-1][:120]}"
                    if type(e).__name__ in ("CellExecutionError", "CellTimeoutError"):
                        break          # the notebook's own failure: running it again won't help
    rows, total, total_cpu = [], 0.0, 0.0
    for p in paths:
        if p.name in errors:
            rows.append([p.name, "error", "-", "-", "-", errors[p.name]])
            continue
        t, c = med(times[p.name]), med(cpus[p.name])
        total += t
        total_cpu += c
        note = verdict(t < 20)
        if t > 60 and t > 5 * c:           # waited, but computed little: a stalled message
            note += " (stalled: the client waited on an idle kernel)"
        rows.append([p.name, f"{t:.1f}", f"{c:.1f}", "< 20 s", note, verdict(c < 20)])
    rows.append(["total", f"{total:.1f}", f"{total_cpu:.1f}", "< 90 s",
                 verdict(total < 90 and not errors), verdict(total_cpu < 90 and not errors)])
    print(f"\n### notebooks: run-all in a fresh kernel (median of {args.nb_reps}; kernel start "
          "included; executed in memory, files untouched)\n")
    print(table(["notebook", "wall s", "CPU s", "budget", "wall", "CPU"], rows,
                align=["l", "r", "r", "r", "l", "l"]))
    print("\n(CPU s: the kernel's CPU time plus this process's; on a busy shared machine the "
          "wall clock also counts waiting for a core)")
    report["notebooks"] = dict(wall=times, cpu=cpus, errors=errors)


# ------------------------------------------------------------------------------- import
IMPORT_SNIPPET = ("import time; t, c = time.perf_counter(), time.process_time(); import {mod}; "
                  "print(time.perf_counter() - t, time.process_time() - c)")


def bench_import(args, report):
    mods = {"import bplab": "bplab", "import numpy (for reference)": "numpy"}
    times = {k: [] for k in mods}
    cpus = {k: [] for k in mods}
    wall = []
    reps = max(args.reps, 7)
    for i in range(reps + 1):                             # first round is the warm-up
        for name, mod in mods.items():
            t0 = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", IMPORT_SNIPPET.format(mod=mod)],
                                 capture_output=True, text=True, check=True, cwd=ROOT)
            dt = time.perf_counter() - t0
            if i:
                w, c = map(float, res.stdout.split())
                times[name].append(w)
                cpus[name].append(c)
                if mod == "bplab":
                    wall.append(dt)
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, bplab; print(' '.join(m for m in "
         "('pandas', 'matplotlib', 'ipywidgets', 'tqdm', 'scipy', 'torch') if m in sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    t_b, c_b = med(times["import bplab"]), med(cpus["import bplab"])
    rows = [[name, f"{1e3 * med(times[name]):.0f}", f"{1e3 * min(times[name]):.0f}",
             f"{1e3 * med(cpus[name]):.0f}"] for name in mods]
    rows.append(["python -c 'import bplab' (whole process)", f"{1e3 * med(wall):.0f}",
                 f"{1e3 * min(wall):.0f}", "-"])
    print(f"\n### import time, fresh interpreter each (median of {reps})\n")
    print(table(["", "wall ms", "min wall ms", "CPU ms"], rows))
    print(f"\nimport bplab: {1e3 * t_b:.0f} ms wall, {1e3 * c_b:.0f} ms CPU (target < 300 ms: "
          f"{verdict(t_b < 0.3)} by the wall clock, {verdict(c_b < 0.3)} by CPU time); "
          f"heavy modules it pulled in: {heavy or 'none'}")
    report["import"] = dict(wall=times, cpu=cpus, process_wall=wall, heavy=heavy)


# ------------------------------------------------------------------------------ machine
def loadavg():
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def machine_info():
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "bplab": bplab.__version__}
    for mod in ("torch", "sklearn"):
        m = optional_import(mod)
        versions[mod] = getattr(m, "__version__", "?") if m else "not installed"
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        versions["BLAS"] = f"{cfg.get('name', '?')} {cfg.get('version', '')}".strip()
    except Exception:
        pass
    return cpu, os.cpu_count(), versions


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections to run, from {','.join(SECTIONS)}")
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions per contender (>= 1)")
    ap.add_argument("--nb-reps", type=int, default=3, help="run-all repetitions per notebook")
    ap.add_argument("--thread-rounds", type=int, default=2,
                    help="subprocess rounds per BLAS-thread setting in the threads section")
    ap.add_argument("--problems", default="digits,mnist", help="training problems: digits,mnist")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 2 repetitions, digits only, no notebooks, no threads")
    ap.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    ap.add_argument("--no-sklearn", action="store_true", help="leave scikit-learn out")
    ap.add_argument("--json", type=Path, help="also write the raw timings to this JSON file")
    ap.add_argument("--child-threads", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.problems = [p.strip() for p in args.problems.split(",") if p.strip()]
    unknown = [p for p in args.problems if p not in PROBLEMS]
    if unknown:
        ap.error(f"unknown problem(s) {unknown}; choose from {sorted(PROBLEMS)}")
    if args.child_threads:
        return child_threads(args)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in sections if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section(s) {bad}; choose from {list(SECTIONS)}")
    if args.quick:
        args.reps = 2
        args.problems = ["digits"]
        args.thread_rounds = 1
        sections = [s for s in sections if s not in ("notebooks", "threads")]
    if args.reps < 1:
        ap.error("--reps must be >= 1")

    cpu, ncpu, versions = machine_info()
    print(f"# bplab benchmarks\n\nmachine: {cpu}, {ncpu} logical CPUs; "
          + ", ".join(f"{k} {v}" for k, v in versions.items())
          + f"\nOPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}; "
          f"medians of {args.reps} alternating repetitions after a warm-up; training and "
          "backprop times are CPU time of this process (see --help), the rest wall-clock")
    print(f"load average at the start (1, 5, 15 min): {loadavg()} on {ncpu} CPUs")
    report = {"machine": dict(cpu=cpu, cpus=ncpu, versions=versions), "reps": args.reps}
    t0 = time.perf_counter()
    for s in sections:
        {"training": bench_training, "threads": bench_threads, "backprop": bench_backprop,
         "widgets": bench_widgets, "notebooks": bench_notebooks, "import": bench_import}[s](args, report)
        sys.stdout.flush()
    print(f"\n(benchmark took {time.perf_counter() - t0:.0f} s; load average at the end "
          f"{loadavg()})")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
