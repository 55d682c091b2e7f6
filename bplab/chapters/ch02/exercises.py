r"""Exercise checks for chapter 02 (backpropagation through a network).

=================================  ==============================================================
``check_dense_backward(fn)``       ``fn(dZ, X, W) -> (dX, dW, db)`` for :math:`Z = XW + b`
``check_activation_derivative``    ``fn(z) -> f'(z)`` on whole arrays (sigmoid by default;
                                   also 'tanh', 'relu', 'leaky_relu', 'linear')
``check_sigmoid_derivative(fn)``   the same for the sigmoid
``check_softmax_ce_grad(fn)``      ``fn(logits, labels) -> dL/dlogits`` for the mean
                                   softmax cross-entropy
``check_mlp_backward(fn)``         ``fn(net, dOut, cache) -> [dW1, db1, dW2, db2, ...]``, the
                                   whole backward pass of a ``bplab.MLP`` (as ``net.backward``)
=================================  ==============================================================

Each check calls your function on a few inputs, compares with the reference, and prints one
line: ``… not written yet`` while your cell still raises NotImplementedError, ``✗ <what is
off>`` saying where and, for the usual slips (a missing transpose, a mean instead of a sum, a
forgotten 1/N, the right arrays in the wrong order, a softmax over the wrong axis, a forgotten
activation slope, the slope taken from Z), why, or ``✓ Correct! ...``. ``check_x.strict`` raises
:class:`~bplab.chapters._shared.feedback.ExerciseError` instead (the tests use it).
"""
from __future__ import annotations

import numpy as np

from bplab.activations import ACTIVATIONS, LEAKY_SLOPE
from bplab.losses import softmax
from bplab._validate import check_choice
from bplab.chapters._shared.feedback import (ExerciseError, as_array, call_learner, check_close,
                                              exercise_check, function_name, passed, same)

__all__ = ["ExerciseError", "check_dense_backward", "check_activation_derivative",
           "check_sigmoid_derivative", "check_softmax_ce_grad", "check_mlp_backward",
           "DERIVATIVE_POINTS"]


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


# --------------------------------------------------------------- 4. the whole MLP backward
def _mlp_cases():
    """(network, X, y, description): a square tanh net first (there a missing transpose keeps its
    shape and only the values reveal it), then sigmoid with MSE and relu with cross-entropy."""
    from bplab.network import MLP

    cases = []
    for sizes, act, loss, seed in (([3, 3, 3, 3], "tanh", "cross_entropy", 3),
                                   ([4, 6, 5, 2], "sigmoid", "mse", 4),
                                   ([2, 5, 3], "relu", "cross_entropy", 5)):
        net = MLP(sizes, activation=act, loss=loss, seed=seed, bias_std=0.3)
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(6, sizes[0]))
        y = (rng.integers(0, sizes[-1], size=6) if loss == "cross_entropy"
             else rng.normal(size=(6, sizes[-1])))
        desc = f"MLP({sizes}, {act!r}, loss={loss!r}) on 6 examples"
        cases.append((net, X, y, desc))
    return cases


def _mlp_variant(net, dOut, cache, slip=None):
    """net.backward with one classic slip built in (None: the right answer), or None if that
    slip crashes on this network."""
    n_layers = len(cache)
    grads = [None] * (2 * n_layers)
    hidden = net.activations[0]
    dA = dOut
    try:
        for l in (range(n_layers) if slip == "forward" else reversed(range(n_layers))):
            A_prev, Z, A = cache[l]
            act = hidden if slip == "hidden_slope_at_output" else net.activations[l]
            if slip == "no_slope":
                slope = 1.0
            elif slip == "slope_from_Z":
                slope = act.grad_from_output(Z)
            elif slip == "slope_from_A_prev":
                slope = act.grad_from_output(A_prev)
            else:
                slope = act.grad_from_output(A)
            dZ = dA * slope
            W = net.weights[l]
            dW = dZ.T @ A_prev if slip == "dW_transposed" else A_prev.T @ dZ
            if slip == "divided_by_N":
                dW, dZsum = dW / len(dOut), dZ.sum(axis=0) / len(dOut)
            else:
                dZsum = dZ.sum(axis=0)
            grads[2 * l], grads[2 * l + 1] = dW, dZsum
            dA = dZ @ (W if slip == "W_not_T" else W.T)
    except ValueError:
        return None
    return grads


_MLP_SLIPS = {
    "no_slope": "forgotten activation slope: dZ = dA * f'(Z), with the slope "
                "net.activations[l].grad_from_output(A); you passed dA on as dZ",
    "slope_from_Z": "the slope was computed from Z: grad_from_output takes the layer's output A "
                    "(for tanh the slope is 1 − A², with A = tanh(Z)), so use A from cache[l] = (A_prev, Z, A)",
    "slope_from_A_prev": "the slope was taken from A_prev, the layer's input; it belongs to the layer's own "
                         "output, A = cache[l][2]",
    "hidden_slope_at_output": "the output layer got the hidden activation's slope: the output layer is "
                              "affine (linear, slope 1); use each layer's own net.activations[l], whose last "
                              "entry is 'linear'",
    "W_not_T": "dA for the layer below is dZ @ W.T, not dZ @ W: (N, fan_out) @ (fan_out, fan_in) has "
               "A_prev's shape",
    "dW_transposed": "dW is transposed: dW = A_prev.T @ dZ has W's shape (fan_in, fan_out), dZ.T @ A_prev "
                     "is its transpose",
    "forward": "the layers were walked first to last: backpropagation starts at the output, "
               "for l in reversed(range(len(cache)))",
    "divided_by_N": "every gradient is N times too small: dOut already holds the 1/N of the mean loss, "
                    "so do not divide again",
}


def _grads_list(out, net, name):
    n = len(net.params)
    names = net.param_names()
    if out is None:
        raise ExerciseError(f"{name} returned None: did you forget to `return grads`?")
    if not isinstance(out, (list, tuple)):
        raise ExerciseError(f"{name} should return a list [dW1, db1, dW2, db2, ...] lined up with "
                            f"net.params, got {type(out).__name__}")
    if (len(out) == net.n_layers and n != net.n_layers
            and all(isinstance(g, (list, tuple)) and len(g) == 2 for g in out)):
        raise ExerciseError(f"{name} returned one (dW, db) pair per layer: return one flat list "
                            f"[{', '.join('d' + k for k in names[:4])}, ...] lined up with net.params")
    if len(out) != n:
        raise ExerciseError(f"{name} returned {len(out)} arrays, expected {n}: one per parameter, "
                            f"[{', '.join('d' + k for k in names)}] like net.params")
    return [as_array(g, f"grads[{i}] (d{names[i]})") for i, g in enumerate(out)]


@exercise_check
def check_mlp_backward(fn) -> None:
    """Check ``fn(net, dOut, cache) -> [dW1, db1, dW2, db2, ...]``, the whole backward pass of an MLP.

    ``cache`` is ``net.forward(X, return_cache=True)[1]`` (``cache[l] = (A_prev, Z, A)``) and
    ``dOut`` the loss's gradient with respect to the output. The answer is ``net.backward(dOut,
    cache)``, lined up with ``net.params``; the check also compares it with finite differences of
    the loss. Tried on three networks: a square tanh net first (where a missing transpose keeps
    its shape), a sigmoid net with MSE and a relu net. Recognised slips: a forgotten activation
    slope, the slope from Z (or from A_prev) instead of A, the hidden slope at the linear output
    layer, dZ @ W instead of dZ @ W.T, a transposed dW, the layers walked first to last, the
    gradients listed last layer first or otherwise out of line with net.params, an extra 1/N,
    and changing the inputs in place.
    """
    name = function_name(fn, "my_mlp_backward")
    cases = _mlp_cases()
    for net, X, y, desc in cases:
        out, cache = net.forward(X, return_cache=True)
        _, dOut = net.loss_fn(out, y)
        want = net.backward(dOut, cache)
        names = net.param_names()
        before = [dOut.copy()] + [a.copy() for entry in cache for a in entry] + [p.copy() for p in net.params]
        try:
            got = call_learner(fn, net, dOut, cache, name=name)
        except ExerciseError as err:
            cause = err.__cause__
            if isinstance(cause, ValueError) and any(w in str(cause) for w in ("matmul", "align", "broadcast")):
                raise ExerciseError(f"{err} (on {desc}): shapes that don't fit. Walk the layers last to "
                                    "first; dZ = dA * slope has A's shape, dW = A_prev.T @ dZ has W's and "
                                    "dA for the layer below is dZ @ W.T") from None
            raise
        after = [dOut] + [a for entry in cache for a in entry] + list(net.params)
        labels = ["dOut"] + [f"cache[{l}]" for l in range(len(cache)) for _ in range(3)] + names
        for label, b, a in zip(labels, before, after):
            if not np.array_equal(a, b):
                raise ExerciseError(f"{name} changed {label} in place (e.g. dA *= slope): compute new "
                                    "arrays instead, dZ = dA * slope")
        got = _grads_list(got, net, name)

        # --- the right arrays in the wrong places
        if not all(same(g, w) for g, w in zip(got, want)):
            where = [next((j for j, w in enumerate(want) if same(g, w)), None) for g in got]
            if None not in where and sorted(where) == list(range(len(want))):
                by_layer = [i for l in reversed(range(net.n_layers)) for i in (2 * l, 2 * l + 1)]
                if where in (by_layer, list(range(len(want)))[::-1]):
                    raise ExerciseError(f"{name} returned the gradients last layer first "
                                        f"({', '.join('d' + names[j] for j in where)}): the list must line "
                                        f"up with net.params = [{', '.join(names)}]; fill grads[2*l] and "
                                        "grads[2*l + 1] for layer l, or reverse the list")
                raise ExerciseError(f"{name} computes the right gradients but puts them in the wrong places "
                                    f"({', '.join('d' + names[j] for j in where)}): grads[i] must be the "
                                    f"gradient of net.params[i] = [{', '.join(names)}][i]")
        # --- shapes: each gradient has its parameter's shape
        for i, (g, p) in enumerate(zip(got, net.params)):
            if g.shape != p.shape:
                hint = ""
                if p.ndim == 2 and g.shape == p.shape[::-1]:
                    hint = ": that is the transpose; dW = A_prev.T @ dZ has W's shape (fan_in, fan_out)"
                elif p.ndim == 1 and g.shape == (len(X),):
                    hint = ": sum dZ over the batch rows, dZ.sum(axis=0)"
                raise ExerciseError(f"d{names[i]} has shape {g.shape}, expected {names[i]}'s shape "
                                    f"{p.shape} (on {desc}){hint}")
        if all(same(g, w) for g, w in zip(got, want)):
            continue
        # --- the classic slips
        for slip, msg in _MLP_SLIPS.items():
            ref = _mlp_variant(net, dOut, cache, slip)
            if ref is not None and all(same(g, r) for g, r in zip(got, ref)):
                raise ExerciseError(f"{msg} (on {desc})")
        # --- otherwise: the topmost wrong parameter (the layers above it are right)
        top = max(i for i, (g, w) in enumerate(zip(got, want)) if not same(g, w))
        layer = top // 2 + 1
        above = (f" (the layers above it are right: look at how layer {layer}'s dZ is made from what "
                 f"layer {layer + 1} passes down)" if layer < net.n_layers else "")
        check_close(f"d{names[top]} (on {desc}){above}", got[top], want[top])
    # finite differences confirm the reference (and so the learner's answer)
    from bplab.gradcheck import numerical_gradient, relative_error
    for net, X, y, desc in cases:
        _, grads = net.loss_and_grads(X, y)
        for pname, p, g in zip(net.param_names(), net.params, grads):
            err = relative_error(g, numerical_gradient(lambda: net.loss_value(X, y), p))
            if not err < 1e-6:         # pragma: no cover - bplab's own backward would be wrong
                raise ExerciseError(f"finite differences disagree with net.backward for {pname} on {desc}")
    passed(f"{name} gives net.backward's gradients, lined up with net.params, for {len(cases)} networks "
           "(tanh, sigmoid, relu; cross-entropy and MSE), and finite differences agree with them.")
