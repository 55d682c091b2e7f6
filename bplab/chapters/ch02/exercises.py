r"""Exercise checks for chapter 02 (backpropagation through a network).

=================================  ==============================================================
``check_dense_backward(fn)``       ``fn(dZ, X, W) -> (dX, dW, db)`` for :math:`Z = XW + b`
``check_activation_derivative``    ``fn(z) -> f'(z)`` on whole arrays (sigmoid by default;
                                   also 'tanh', 'relu', 'leaky_relu', 'linear')
``check_sigmoid_derivative(fn)``   the same for the sigmoid
``check_softmax_ce_grad(fn)``      ``fn(logits, labels) -> dL/dlogits`` for the mean
                                   softmax cross-entropy
=================================  ==============================================================

Each check calls your function on a few inputs, compares with the reference, and either
prints one line starting with a tick or raises :class:`~bplab.chapters._shared.feedback.ExerciseError` saying
what is off, where, and, for the usual slips (a missing transpose, a mean instead of a sum, a
forgotten 1/N, the right arrays in the wrong order, a softmax over the wrong axis), why.
"""
from __future__ import annotations

import numpy as np

from bplab.activations import ACTIVATIONS, LEAKY_SLOPE
from bplab.losses import softmax
from bplab._validate import check_choice
from bplab.chapters._shared.feedback import (ExerciseError, as_array, call_learner, check_close,
                                              exercise_check, passed, same)

__all__ = ["ExerciseError", "check_dense_backward", "check_activation_derivative",
           "check_sigmoid_derivative", "check_softmax_ce_grad", "DERIVATIVE_POINTS"]


def _shape_error(what, got, want, hint=""):
    msg = f"{what} has shape {tuple(np.shape(got))}, expected {tuple(want)}"
    raise ExerciseError(msg + (f": {hint}" if hint else ""))


# ------------------------------------------------------------------ 1. dense backward
def _dense_cases():
    rng = np.random.default_rng(2)
    cases = []
    for n, fan_in, fan_out in ((5, 4, 3), (3, 3, 3), (1, 2, 6)):
        X = rng.normal(size=(n, fan_in))
        W = rng.normal(size=(fan_in, fan_out))
        dZ = rng.normal(size=(n, fan_out))
        cases.append((dZ, X, W))
    return cases


def _matmul_hint(fn, name):
    """A learner's function crashed on mismatched shapes: find out which product, if we can.

    Runs it on the square case (where every product has matching shapes) and compares with
    the usual slips, dX = dZ @ W and dW = X @ dZ.
    """
    dZ, X, W = _dense_cases()[1]
    try:
        out = fn(dZ.copy(), X.copy(), W.copy())
        dX, dW = (np.asarray(v, dtype=np.float64) for v in out[:2])
    except Exception:
        out = None
    if out is not None and same(dX, dZ @ W):
        return ("dX = dZ @ W cannot work: dZ is (N, fan_out), W is (fan_in, fan_out), so "
                "their inner sizes don't match; use W.T: dX = dZ @ W.T")
    if out is not None and same(dW, X @ dZ):
        return ("dW = X @ dZ cannot work: X is (N, fan_in), dZ is (N, fan_out); "
                "use X.T: dW = X.T @ dZ, which sums over the batch")
    return ("Check the shapes of each product: dZ is (N, fan_out), X is (N, fan_in), W is "
            "(fan_in, fan_out); dX = dZ @ W.T and dW = X.T @ dZ")


def _call_dense(fn, inputs, name, sizes):
    try:
        return call_learner(fn, *inputs, name=name)
    except ExerciseError as err:
        cause = err.__cause__
        if isinstance(cause, ValueError) and ("matmul" in str(cause) or "align" in str(cause)):
            raise ExerciseError(f"{name} raised ValueError {sizes}: a matrix product got shapes "
                                f"that don't fit. {_matmul_hint(fn, name)}") from None
        raise


@exercise_check
def check_dense_backward(fn) -> None:
    """Check ``fn(dZ, X, W) -> (dX, dW, db)``: the backward pass of ``Z = X @ W + b``.

    With ``X`` (N, fan_in), ``W`` (fan_in, fan_out) and ``dZ = dL/dZ`` (N, fan_out) the answer is
    ``dX = dZ @ W.T`` (N, fan_in), ``dW = X.T @ dZ`` (fan_in, fan_out), ``db = dZ.sum(axis=0)``
    (fan_out,), returned in that order (as ``bplab.layers.dense_backward`` does).
    Tried on three shapes: (N, fan_in, fan_out) = (5, 4, 3) and (1, 2, 6), where a transposed
    product has the wrong shape and is caught by its shape, and the square (3, 3, 3), where a
    transpose keeps its shape and is caught by its values. The right three arrays in another
    order are recognised as such.
    """
    name = getattr(fn, "__name__", "your function")
    for dZ, X, W in _dense_cases():
        n, fan_in = X.shape
        fan_out = W.shape[1]
        sizes = f"(with X {X.shape}, W {W.shape}, dZ {dZ.shape})"
        inputs = (dZ.copy(), X.copy(), W.copy())
        out = _call_dense(fn, inputs, name, sizes)
        for label, orig, passed_in in zip(("dZ", "X", "W"), (dZ, X, W), inputs):
            if not np.array_equal(orig, passed_in):
                raise ExerciseError(f"{name} changed its input {label} in place; compute new arrays "
                                    "instead (e.g. dW = X.T @ dZ, not X *= ...)")
        if not (isinstance(out, (tuple, list)) and len(out) == 3):
            got = f"a {type(out).__name__}" + (f" of {len(out)}" if isinstance(out, (tuple, list)) else "")
            raise ExerciseError(f"{name} should return three arrays (dX, dW, db), in that order; got {got}")
        dX, dW, db = (as_array(v, w) for v, w in zip(out, ("dX", "dW", "db")))
        want_dX, want_dW, want_db = dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)

        # --- the right arrays in the wrong order, e.g. (dW, db, dX) as the formulas are listed
        wants = {"dX": want_dX, "dW": want_dW, "db": want_db}
        got = (dX, dW, db)
        order = [next((k for k, v in wants.items() if same(g, v)), None) for g in got]
        if None not in order and order != ["dX", "dW", "db"] and len(set(order)) == 3:
            raise ExerciseError(f"{name} computes all three gradients correctly but returns them "
                                f"as ({', '.join(order)}): return (dX, dW, db) in that order "
                                "(like bplab.layers.dense_backward)")

        # --- shapes first: each gradient has the shape of the thing it is the gradient of
        if dW.shape != want_dW.shape:
            hint = ""
            if dW.shape == (fan_out, fan_in):
                hint = "that is the transpose; dW must have W's shape, so use X.T @ dZ"
            elif dW.shape == W.shape[::-1] or dW.shape == (n, n):
                hint = "use X.T @ dZ: (fan_in, N) @ (N, fan_out) gives W's shape (fan_in, fan_out)"
            _shape_error("dW", dW, want_dW.shape, hint or f"dW must have W's shape {W.shape}")
        if db.shape != want_db.shape:
            hint = f"db must have b's shape ({fan_out},)"
            if db.shape == (n,):
                hint = "you summed over the wrong axis: sum over the batch rows, dZ.sum(axis=0)"
            elif db.shape == (1, fan_out):
                hint = "drop the extra axis: dZ.sum(axis=0) (without keepdims) has b's shape"
            elif db.shape == ():
                hint = "you summed over everything: sum only over the batch rows, dZ.sum(axis=0)"
            elif db.shape == (n, fan_out):
                hint = "sum dZ over the batch rows: dZ.sum(axis=0)"
            _shape_error("db", db, want_db.shape, hint)
        if dX.shape != want_dX.shape:
            hint = "dX must have X's shape; use dZ @ W.T: (N, fan_out) @ (fan_out, fan_in)"
            if dX.shape == (fan_in, n):
                hint = "that is the transpose; dX must have X's shape, so use dZ @ W.T"
            _shape_error("dX", dX, want_dX.shape, hint)

        # --- values: recognise the usual slips, then name the first wrong entry
        if not same(dW, want_dW):
            if n > 1 and same(dW * n, want_dW):
                raise ExerciseError(f"dW is N = {n} times too small {sizes}: sum over the batch "
                                    "(X.T @ dZ), don't average; any 1/N is already inside dZ")
            if fan_in == fan_out and same(dW, want_dW.T):
                raise ExerciseError(f"dW is the transpose of the right answer {sizes}: "
                                    "use X.T @ dZ, not dZ.T @ X")
            if W.T.shape[1] == dZ.shape[0] and same(dW, W.T @ dZ):
                raise ExerciseError(f"dW uses W instead of the layer's input X {sizes}: dW = X.T @ dZ")
            check_close(f"dW {sizes}", dW, want_dW)
        if not same(db, want_db):
            if n > 1 and same(db * n, want_db):
                raise ExerciseError(f"db is N = {n} times too small {sizes}: use dZ.sum(axis=0), "
                                    "not the mean")
            check_close(f"db {sizes}", db, want_db)
        if not same(dX, want_dX):
            if fan_in == fan_out and same(dX, dZ @ W):
                raise ExerciseError(f"dX uses W where it needs W.T {sizes}: dX = dZ @ W.T")
            check_close(f"dX {sizes}", dX, want_dX)
    passed(f"{name} returns the right dX, dW and db for all three layer shapes: "
           "dX = dZ Wᵀ, dW = Xᵀ dZ, db = Σ_n dZ (sum over the batch, axis 0).")


# ------------------------------------------------------- 2. activation derivatives
#: where the derivative checks evaluate your function (x = 2 first: the one people remember)
DERIVATIVE_POINTS = (2.0, -1.0, 0.5, -3.0, 0.0, 5.0, -8.0)


def _reference_derivative(name, x):
    return ACTIVATIONS[name].derivative(x)


@exercise_check
def check_activation_derivative(fn, name: str = "sigmoid", points=DERIVATIVE_POINTS) -> None:
    """Check ``fn(z)`` = f'(z) for the activation ``name``, applied to a whole numpy array at once.

    The message names the first x where you are off ("your sigmoid' is off at x=2: got ...,
    expected ..."). ReLU-type functions are not checked at their kink x = 0.
    """
    name = check_choice("name", name, ACTIVATIONS)
    try:
        xs = np.array([float(p) for p in points])
    except (TypeError, ValueError):
        raise ValueError(f"points must be a list of numbers, got {points!r:.60}") from None
    if xs.size == 0 or not np.isfinite(xs).all():
        raise ValueError(f"points must be at least one finite number, got {list(points)!r:.60}")
    if name in ("relu", "leaky_relu"):
        xs = xs[xs != 0]
    fname = getattr(fn, "__name__", "your function")
    want = _reference_derivative(name, xs)
    try:
        got = call_learner(fn, xs.copy(), name=fname)
    except ExerciseError as err:
        # works on one number but not on an array? say so
        try:
            fn(float(xs[0]))
        except Exception:
            raise err from None
        raise ExerciseError(f"{err}. {fname} works on a single number but not on an array: use numpy "
                            "functions (np.exp, np.tanh, np.where), not math.exp or `if z > 0`") from None
    got = as_array(got, f"{fname}(z)")
    if got.shape != xs.shape:
        raise ExerciseError(f"{fname}(z) for z of shape {xs.shape} has shape {got.shape}: "
                            "the derivative is taken element by element, so it keeps z's shape")
    if not np.isfinite(got).all():
        bad = xs[~np.isfinite(got)][0]
        raise ExerciseError(f"your {name}' gives {got[~np.isfinite(got)][0]} at x={bad:g}: "
                            "expected a finite number")
    if same(got, want, rtol=1e-6, atol=1e-9):
        passed(f"{fname} matches {name}' at x = {', '.join(f'{x:g}' for x in xs)}, "
               f"on a whole array at once.")
        return
    f = ACTIVATIONS[name]
    diagnoses = [(f(xs), f"you returned {name}(z) itself, not its slope")]
    if name == "sigmoid":
        diagnoses += [(xs * (1 - xs), "you computed z·(1 − z): apply the formula to the sigmoid's "
                                      "output, σ(z)·(1 − σ(z)), not to z"),
                      (f(xs) * (1 + f(xs)), "it is σ(z)·(1 − σ(z)), with a minus")]
    elif name == "tanh":
        diagnoses += [(1 - xs ** 2, "you computed 1 − z²: apply the formula to the output, "
                                    "1 − tanh²(z)"),
                      (1 + f(xs) ** 2, "it is 1 − tanh²(z), with a minus")]
    elif name == "leaky_relu":
        diagnoses += [(np.where(xs > 0, 1.0, 0.0), f"that is ReLU's slope; leaky ReLU keeps a slope "
                                                   f"of {LEAKY_SLOPE} for z < 0")]
    diagnoses.append((-want, "the sign is flipped"))
    for ref, msg in diagnoses:
        if same(got, ref, rtol=1e-6, atol=1e-9):
            raise ExerciseError(f"your {name}' is off: {msg}")
    bad = int(np.argmax(~np.isclose(got, want, rtol=1e-6, atol=1e-9)))
    raise ExerciseError(f"your {name}' is off at x={xs[bad]:g}: got {got[bad]:.6g}, "
                        f"expected {want[bad]:.6g}")


@exercise_check
def check_sigmoid_derivative(fn, points=DERIVATIVE_POINTS) -> None:
    """Check ``fn(z)`` = σ'(z) = σ(z)(1 − σ(z)) on a numpy array."""
    check_activation_derivative.strict(fn, "sigmoid", points)


# ------------------------------------------------------- 3. softmax cross-entropy
def _ce_cases():
    rng = np.random.default_rng(5)
    return [
        (rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])),
        (rng.normal(scale=3.0, size=(6, 5)), np.array([4, 0, 3, 3, 1, 2])),
        (np.array([[1000.0, 0.0, -1000.0], [3.0, 1003.0, 2.0]]), np.array([1, 1])),
    ]


@exercise_check
def check_softmax_ce_grad(fn) -> None:
    """Check ``fn(logits, labels) -> dL/dlogits`` for L = mean over rows of −log softmax(logits)[label].

    ``logits`` is (N, K), ``labels`` (N,) integers in [0, K); the answer is
    ``(softmax(logits) − onehot(labels)) / N``. The last case has logits of ±1000:
    subtract each row's maximum before exponentiating. Recognised slips, each with its own
    hint: a missing or extra 1/N, a flipped sign, the softmax alone, ``p[:, labels] -= 1``
    (whole columns instead of one entry per row), a softmax over axis 0, and a row max or
    sum without ``keepdims=True`` (numpy's broadcast error).
    """
    name = getattr(fn, "__name__", "your function")
    for logits, labels in _ce_cases():
        n, k = logits.shape
        where = f"(logits of shape {logits.shape}, labels {labels.tolist()})"
        try:
            got = call_learner(fn, logits.copy(), labels.copy(), name=name)
        except ExerciseError as err:
            cause = err.__cause__
            if isinstance(cause, ValueError) and "broadcast" in str(cause):
                raise ExerciseError(
                    f"{name} raised ValueError {where}: {str(cause).strip()}. A row-wise max or sum such as "
                    f"logits.max(axis=1) has shape ({n},), which numpy cannot line up with the "
                    f"({n}, {k}) logits; keep the summed axis with keepdims=True, e.g. "
                    "logits.max(axis=1, keepdims=True) and p.sum(axis=1, keepdims=True), "
                    f"shape ({n}, 1)") from None
            raise
        got = as_array(got, f"{name}'s result")
        if got.shape != logits.shape:
            hint = ""
            if got.shape == (k, n):
                hint = ": that is the transpose"
            elif got.shape == (n,):
                hint = ": return a gradient for every logit, not one number per row"
            raise ExerciseError(f"the gradient has shape {got.shape}, expected {logits.shape} "
                                f"(the shape of the logits){hint}")
        if not np.isfinite(got).all():
            raise ExerciseError(f"the gradient contains NaN or inf {where}: exp(1000) overflows. "
                                "Subtract each row's maximum from the logits first; softmax does "
                                "not change when you shift a row")
        p = softmax(logits)
        onehot = np.eye(k)[labels]
        want = (p - onehot) / n
        if same(got, want):
            continue
        if n > 1 and same(got, want * n):
            raise ExerciseError(f"the gradient is N = {n} times too large {where}: the loss is the "
                                "mean over the batch, so divide by N")
        if same(got, -want) or (n > 1 and same(got, -want * n)):
            raise ExerciseError(f"the sign is flipped {where}: it is softmax − onehot, "
                                "not onehot − softmax")
        if same(got, p / n) or same(got, p):
            raise ExerciseError(f"you returned the softmax {where}; subtract the one-hot labels "
                                "(1 at each row's true class)")
        # p[:, labels] -= 1 subtracts 1 in whole columns, not one entry per row
        cols = p.copy()
        cols[:, labels] -= 1
        if same(got, cols / n) or same(got, cols):
            raise ExerciseError(f"you subtracted 1 in whole columns {where}: p[:, labels] picks every "
                                "row of each label's column. Pick one entry per row, the true class: "
                                "p[np.arange(N), labels] -= 1")
        # softmax over the wrong axis: then each *column* of (got * N + onehot) sums to 1
        q = got * n + onehot
        if (q >= -1e-12).all() and np.allclose(q.sum(axis=0), 1.0, atol=1e-8):
            raise ExerciseError(f"your softmax normalises each column, not each row {where}: "
                                "every row is one example, so take the max and the sum over its "
                                "classes, axis=1 (with keepdims=True), not axis=0")
        rows = got.sum(axis=1)
        if not np.allclose(rows, 0, atol=1e-8):
            raise ExerciseError(f"each row of the gradient should sum to 0 (Σ_k p_k − 1 = 0), but row 0 "
                                f"sums to {rows[0]:.6g} {where}")
        check_close(f"dL/dlogits {where}", got, want)
    passed(f"{name} returns (softmax − onehot) / N, also for logits of ±1000.")
