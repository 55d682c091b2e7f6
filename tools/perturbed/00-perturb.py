"""IPython startup file for `make test-perturbed`: the same notebooks, other floating-point noise.

A learner's machine differs from ours in the last bits of its arithmetic (another BLAS kernel,
another CPU's SIMD exp/tanh, another thread count). Training is chaotic: such a difference grows
into a different loss curve within tens of epochs. This file imitates that on purpose, so that
CI can prove that what nbval compares does not depend on it. Before any notebook code runs, it
wraps bplab so that every

* initial weight (bplab.init.init_weights),
* data set (load_digits, load_mnist_subset, the toy sets), and
* starting point of a chapter-03 descent path (surfaces.run_path)

is multiplied by (1 + 1e-12 z), z ~ N(0, 1) drawn from its own generator: a relative change a
million times smaller than anything a notebook prints, but far larger than a last-bit
difference. A notebook passes `make test-perturbed` only if what it prints survives that.

Loaded only when IPYTHONDIR points at a folder holding this file (the Makefile does that);
bplab itself never reads it.
"""
import functools
import os

import numpy as np

RELATIVE = 1e-12
# another seed is another machine: PERTURB_SEED=7 make test-perturbed
_rng = np.random.default_rng(int(os.environ.get("PERTURB_SEED") or "20261202"))


def _nudge(a):
    a = np.asarray(a)
    if a.dtype.kind != "f":
        return a
    return a * (1 + RELATIVE * _rng.standard_normal(a.shape)).astype(a.dtype)


def _wrap(module, name, fix):
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapped(*args, **kwargs):
        return fix(original(*args, **kwargs), args, kwargs)

    setattr(module, name, wrapped)
    return wrapped


def _install():
    import bplab.data as data
    import bplab.init as init
    import bplab.network as network

    weights = _wrap(init, "init_weights", lambda ps, a, k: [_nudge(p) for p in ps])
    network.init_weights = weights                       # network.py imported it by name

    def xy(result, a, k):
        X, y = result
        return _nudge(X), y

    for name in ("load_digits", "load_mnist_subset"):
        _wrap(data, name, lambda result, a, k: (_nudge(result[0]),) + tuple(result[1:]))
    for key, maker in list(data.TOY_DATASETS.items()):
        data.TOY_DATASETS[key] = functools.wraps(maker)(
            lambda *a, _m=maker, **k: xy(_m(*a, **k), a, k))
        if getattr(data, maker.__name__, None) is maker:
            setattr(data, maker.__name__, data.TOY_DATASETS[key])

    from bplab.chapters.ch03 import surfaces
    original_run_path = surfaces.run_path

    @functools.wraps(original_run_path)
    def run_path(surface, optimizer, start=None, *args, **kwargs):
        if start is not None:
            start = tuple(float(v) for v in _nudge(np.asarray(start, dtype=float)))
        return original_run_path(surface, optimizer, start, *args, **kwargs)

    surfaces.run_path = run_path


try:
    _install()
except Exception as e:   # a broken harness must not look like a passing notebook
    raise SystemExit(f"tools/perturbed/00-perturb.py could not wrap bplab: {e!r}")
