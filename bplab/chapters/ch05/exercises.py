"""Exercise checks for notebook 05 (reading handwritten digits).

    from bplab.chapters.ch05 import exercises as ch05
    ch05.check_train_step(my_train_step)             # my_train_step(net, xb, yb, lr) -> batch loss
    ch05.check_train(my_train)                       # my_train(net, X, y, lr, epochs, batch_size, seed)
    ch05.check_accuracy(my_accuracy)                 # my_accuracy(y_true, y_pred) -> float
    ch05.check_confusion_matrix(my_confusion)        # my_confusion(y_true, y_pred, n_classes) -> (k, k)
    ch05.check_softmax(my_softmax)                   # my_softmax(logits) -> probabilities
    ch05.check_labels_needed(my_labels_needed)       # my_labels_needed(table, target) -> n or None

Each check runs your function on small cases with known answers and prints one line: "… not
written yet" while the stub is untouched, "✗ ..." naming the slip, or "✓ Correct! ...".
``check.strict`` raises ExerciseError instead (tests use it).
"""
from __future__ import annotations

import numpy as np

from bplab.chapters._shared.feedback import (ExerciseError, NotWrittenYet, as_array, as_number,
                                              call_learner, check_close, check_shape, exercise_check,
                                              function_name, passed, same, spy_on)
from bplab.gradcheck import numerical_gradient
from bplab.losses import softmax

__all__ = ["check_accuracy", "check_confusion_matrix", "check_softmax", "check_labels_needed",
           "check_train_step", "check_train", "reference_labels_needed", "reference_train_step",
           "reference_train", "DIGITS_RECIPE", "DIGITS_BAR"]


# ----------------------------------------------------------------- accuracy
_ACC_CASES = [
    (np.array([0, 1, 2, 3]), np.array([0, 1, 2, 3])),              # all right
    (np.array([0, 1, 2, 3]), np.array([3, 2, 1, 0])),              # all wrong
    (np.array([3, 1, 4, 1, 5, 9, 2, 6]), np.array([3, 1, 4, 7, 5, 9, 2, 0])),
    (np.array([7, 7, 7, 7, 7]), np.array([7, 1, 7, 7, 7])),
]


@exercise_check
def check_accuracy(fn) -> None:
    """``fn(y_true, y_pred)`` must return the fraction of positions where they agree."""
    for t, p in _ACC_CASES:
        expected = float(np.mean(t == p))
        got = call_learner(fn, t.copy(), p.copy(), name=function_name(fn, "my_accuracy"))
        if got is None:
            raise ExerciseError("your accuracy returned None: did you forget to `return` it?")
        try:
            g = float(np.asarray(got, dtype=float))
        except (TypeError, ValueError):
            raise ExerciseError(f"your accuracy should return one number, got {type(got).__name__}") from None
        where = f"for y_true={t.tolist()}, y_pred={p.tolist()}"
        if np.isclose(g, expected):
            continue
        n_right = int((t == p).sum())
        if np.isclose(g, n_right) and n_right != expected:
            raise ExerciseError(f"{where} you returned {g:g}, the number of correct predictions; "
                                f"divide by the number of examples ({len(t)}) to get a fraction")
        if np.isclose(g, 100 * expected):
            raise ExerciseError(f"{where} you returned {g:g}, a percentage; return a fraction in [0, 1] "
                                f"({expected:g})")
        if np.isclose(g, 1 - expected):
            raise ExerciseError(f"{where} you returned {g:g}, the error rate; accuracy counts the "
                                f"matches (expected {expected:g})")
        raise ExerciseError(f"{where} expected accuracy {expected:g}, got {g:g}")
    passed("accuracy = mean of (y_pred == y_true).")


# --------------------------------------------------------- confusion matrix
_CM_CASES = [
    (np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1, 1, 1, 2, 0]), 3),
    (np.array([0, 1, 2, 2, 2, 1, 0, 3]), np.array([1, 1, 2, 0, 2, 1, 0, 3]), 4),
    (np.array([1, 1, 1]), np.array([1, 0, 1]), 3),                # class 2 never occurs
]


def _reference_cm(t, p, k):
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (t, p), 1)
    return C


@exercise_check
def check_confusion_matrix(fn) -> None:
    """``fn(y_true, y_pred, n_classes)`` must return C with C[i, j] = number of examples of
    true class i predicted as j (rows = truth, columns = prediction)."""
    for t, p, k in _CM_CASES:
        expected = _reference_cm(t, p, k)
        got = call_learner(fn, t.copy(), p.copy(), k, name=function_name(fn, "my_confusion_matrix"))
        where = f"for y_true={t.tolist()}, y_pred={p.tolist()}, n_classes={k}"
        shape = np.shape(got)
        seen = int(max(t.max(), p.max())) + 1
        absent = sorted(set(range(k)) - set(t.tolist()) - set(p.tolist()))
        if got is not None and absent and len(shape) == 2 and shape[0] == shape[1] < k:
            raise ExerciseError(f"{where}: your matrix has shape {tuple(shape)}: class "
                                f"{', '.join(map(str, absent))} never occurs but n_classes={k}, so the "
                                f"matrix must still be {k}×{k}. Size it with n_classes, not with the "
                                f"largest label seen ({seen - 1}) or the number of distinct labels")
        check_shape("your confusion matrix", got, (k, k))
        g = np.asarray(got, dtype=float)
        if np.array_equal(g, expected):
            continue
        if np.array_equal(g, expected.T):
            raise ExerciseError(f"{where} your matrix is transposed: rows should be the TRUE class "
                                f"and columns the PREDICTED class (C[true, predicted] += 1)")
        row_shares = expected / np.maximum(expected.sum(axis=1, keepdims=True), 1)
        if np.allclose(g, row_shares):
            raise ExerciseError(f"{where} each of your rows sums to 1: you returned row shares "
                                f"(the fraction of each true class). Return the raw counts, not row "
                                f"shares: C[i, j] is how many examples of class i were called j, "
                                f"a whole number")
        if np.allclose(g, expected / len(t)):
            raise ExerciseError(f"{where} your entries add up to 1: you divided by the number of "
                                f"examples. Return the raw counts, a whole number in each cell")
        if np.array_equal(g, (expected > 0).astype(float)) and expected.max() > 1:
            i, j = np.argwhere(expected > 1)[0]
            raise ExerciseError(
                f"{where}: cell [true {i}, predicted {j}] is 1, expected {expected[i, j]}. A pair that "
                f"occurs several times was counted once: `C[y_true, y_pred] += 1` with index arrays is "
                f"buffered, numpy adds 1 once per distinct (true, predicted) pair. Use "
                f"np.add.at(C, (y_true, y_pred), 1), or a for loop over the examples")
        if not np.isclose(g.sum(), len(t)):
            raise ExerciseError(f"{where} your counts add up to {g.sum():g}, but there are {len(t)} "
                                f"examples: every example adds exactly 1 to one cell")
        i, j = np.argwhere(g != expected)[0]
        raise ExerciseError(f"{where}: cell [true {i}, predicted {j}] is {g[i, j]:g}, expected "
                            f"{expected[i, j]} (the number of examples with y_true == {i} "
                            f"and y_pred == {j})")
    passed("rows are the truth, columns the prediction, and the diagonal holds the correct answers.")


# ------------------------------------------------------------------ softmax
def _ref_softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


_KEEPDIMS_HINT = ("z.max(axis=1) and e.sum(axis=1) have shape (n,), one number per row; to subtract "
                  "or divide row by row they must keep the row axis: use keepdims=True (shape (n, 1))")


def _call_softmax(fn, z):
    """Call the learner's softmax; a broadcasting error gets the keepdims hint."""
    try:
        return call_learner(fn, z.copy(), name=function_name(fn, "my_softmax"))
    except ExerciseError as err:
        cause = err.__cause__
        if isinstance(cause, ValueError) and "broadcast" in str(cause):
            raise ExerciseError(f"{str(err).rstrip()} (for logits of shape {z.shape}). {_KEEPDIMS_HINT}") from cause
        raise


def _without_keepdims(z):
    """The results a softmax gives when ``keepdims=True`` is left out of the max or the sum
    (only possible without an error when the logits are square)."""
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or z.shape[0] != z.shape[1]:
        return []
    out = []
    e = np.exp(z - z.max(axis=1, keepdims=True))
    out.append(e / e.sum(axis=1))                            # sum without keepdims
    e2 = np.exp(z - z.max(axis=1))                           # max without keepdims
    out.append(e2 / e2.sum(axis=1, keepdims=True))
    out.append(e2 / e2.sum(axis=1))
    return out


@exercise_check
def check_softmax(fn) -> None:
    """``fn(logits)`` with logits of shape (n, k) must return the row-wise softmax."""
    cases = [
        ("small logits", np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])),
        ("negative logits", np.array([[-1.0, -5.0, 2.0, 0.5]])),
        ("several rows", np.array([[2.0, 1.0], [1.0, 2.0], [0.0, 10.0]])),
        ("square logits", np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 0.0], [2.0, 2.0, -1.0]])),
    ]
    for label, z in cases:
        got = _call_softmax(fn, z)
        check_shape(f"your softmax of the {label}", got, z.shape)
        g = np.asarray(got, dtype=float)
        where = f"for the {label} {z.tolist()}"
        ref = _ref_softmax(z)
        if np.allclose(g, ref, rtol=1e-6, atol=1e-9):
            continue
        with np.errstate(all="ignore"):
            is_log = (np.all(g <= 1e-12) and np.isfinite(g).all()
                      and np.allclose(np.exp(g).sum(axis=1), 1.0))
        if is_log:
            raise ExerciseError(f"{where} every value you returned is <= 0 and exp() of each row sums to 1: "
                                f"these are log-probabilities (log-softmax). Return the probabilities "
                                f"themselves, e / e.sum(axis=1, keepdims=True)")
        if any(np.allclose(g, v, rtol=1e-6, atol=1e-9) for v in _without_keepdims(z)):
            raise ExerciseError(f"{where} your rows are mixed up with your columns. {_KEEPDIMS_HINT}")
        sums = g.sum(axis=1)
        if not np.allclose(sums, 1.0):
            axis_hint = (" (did you sum over the whole array or over axis=0? each ROW is one "
                         "example: sum over axis=1 with keepdims=True)")
            raise ExerciseError(f"{where} your rows sum to {np.round(sums, 4).tolist()}, "
                                f"but probabilities in a row must add up to 1{axis_hint}")
        check_close(f"your softmax of the {label} {z.tolist()}", g, ref, rtol=1e-6, atol=1e-9)
    big = np.array([[1000.0, 1001.0, 999.0]])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            got = _call_softmax(fn, big)
    check_shape("your softmax of [[1000, 1001, 999]]", got, big.shape)
    g = np.asarray(got, dtype=float)
    if not np.isfinite(g).all():
        raise ExerciseError("your softmax of [[1000, 1001, 999]] gives NaN or inf: exp(1000) overflows. "
                            "Subtract each row's maximum before exponentiating; the result is the same "
                            "because softmax(z - c) = softmax(z)")
    check_close("your softmax of [[1000, 1001, 999]]", g, _ref_softmax(big), rtol=1e-6, atol=1e-9)
    passed("rows sum to 1, and subtracting the row maximum keeps exp() from overflowing.")


# ------------------------------------------------------------ labels needed
def reference_labels_needed(table, target):
    """The smallest ``n_labels`` whose mean ``accuracy`` reaches ``target`` (None if none does)."""
    ok = table[table["accuracy"] >= target]
    return None if len(ok) == 0 else int(ok["n_labels"].min())


def _tables():
    import pandas as pd

    a = pd.DataFrame({"n_labels": [20, 50, 100, 200, 500], "accuracy": [0.61, 0.80, 0.88, 0.93, 0.96]})
    # unsorted rows, and an accuracy that is reached exactly
    b = pd.DataFrame({"n_labels": [1000, 100, 300, 30], "accuracy": [0.97, 0.90, 0.95, 0.70]})
    return [(a, 0.9), (a, 0.8), (a, 0.5), (a, 0.99), (b, 0.95), (b, 0.91), (b, 0.98)]


@exercise_check
def check_labels_needed(fn, table=None) -> None:
    """``fn(table, target)`` must return the smallest ``n_labels`` whose ``accuracy`` is at
    least ``target``, or None when no row reaches it. The rows may come in any order.
    Pass ``table`` (your accuracy-vs-labels table) to test on it too."""
    cases = _tables()
    if table is not None:
        cases += [(table, t) for t in (0.9, 0.95, 0.97, 1.01)]
    for tab, target in cases:
        expected = reference_labels_needed(tab, target)
        got = call_learner(fn, tab.copy(), target, name=function_name(fn, "labels_needed"))
        shown = dict(zip(tab["n_labels"].tolist(), np.round(tab["accuracy"], 4).tolist()))
        where = f"for target {target} and the table {shown} (n_labels: accuracy)"
        if expected is None:
            if got is not None:
                raise ExerciseError(f"{where} no row reaches the target, so return None; you returned {got!r}")
            continue
        if got is None:
            raise ExerciseError(f"{where} expected {expected}, got None")
        try:
            g = float(got)
        except (TypeError, ValueError):
            raise ExerciseError(f"{where} return a number of labels (an int), got {type(got).__name__}") from None
        if g == expected:
            continue
        accs = tab["accuracy"].to_numpy()
        if np.any(np.isclose(g, accs)):
            raise ExerciseError(f"{where} you returned {g:g}, an accuracy; return the n_labels of that row "
                                f"({expected})")
        reached = tab[tab["accuracy"] >= target]
        if g == reached["n_labels"].iloc[0] and g != expected:
            raise ExerciseError(f"{where} you returned {g:g}, the first row that reaches the target, "
                                f"but the rows are not sorted: return the smallest n_labels among all "
                                f"rows that reach it ({expected})")
        just_above = tab[tab["accuracy"] > target]
        if len(just_above) and g == just_above["n_labels"].min():
            raise ExerciseError(f"{where} you returned {g:g}, but {expected} labels already reach "
                                f"exactly {target}: 'at least' means >=, not >")
        raise ExerciseError(f"{where} expected {expected} (the fewest labels whose accuracy is >= "
                            f"{target}), got {g:g}")
    passed("read the table from the fewest labels up and stop at the first that is good enough.")


# ================================================== the machine: your own training step
#
# One step of mini-batch gradient descent on a batch (xb, yb), written out by hand:
#
#     out, cache = net.forward(xb, return_cache=True)
#     p = softmax(out);  loss = -mean(log p[n, y_n])
#     dA = (p - onehot(yb)) / N                                   # dL/d(logits)
#     for l = last .. first:   A_prev, Z, A = cache[l]
#         dZ = dA * f_l'(Z)   (= dA * net.activations[l].grad_from_output(A))
#         dW = A_prev.T @ dZ,  db = dZ.sum(axis=0),  dA = dZ @ W.T
#     every parameter:  param -= lr * g        (in place)

def reference_train_step(net, xb, yb, lr):
    """bplab's version of the training step: ``net.loss_and_grads`` and an in-place SGD update.
    Returns the batch loss (before the update)."""
    loss, grads = net.loss_and_grads(xb, yb)
    for param, g in zip(net.params, grads):
        param -= lr * g
    return loss


def reference_train(net, X, y, lr, epochs, batch_size, seed):
    """bplab's version of the training loop: ``bplab.fit`` with plain SGD (a fresh permutation of
    the examples every epoch, drawn from ``np.random.default_rng(seed)``). Returns the epoch losses."""
    from bplab import SGD, fit

    hist = fit(net, X, y, optimizer=SGD(lr), epochs=epochs, batch_size=batch_size, seed=seed,
               progress=False)
    return hist["loss"].tolist()


def _step_with_slip(net, xb, yb, lr, slip=None):
    """The parameters one hand-written step gives (new arrays; net is left alone), with one of
    the classic slips built in. None if the slip cannot even run on this network (shapes)."""
    out, cache = net.forward(xb, return_cache=True)
    n, k = out.shape
    dA = softmax(out)
    if slip != "no_onehot":
        dA[np.arange(n), yb] -= 1.0
    if slip != "no_1_over_n":
        dA = dA / n
    grads = [None] * len(net.params)
    try:
        for l in reversed(range(net.n_layers)):
            A_prev, Z, A = cache[l]
            act = net.activations[l]
            if slip == "no_slope":
                slope = 1.0
            elif slip == "slope_of_Z":
                slope = act.grad_from_output(Z)
            else:
                slope = act.grad_from_output(A)
            dZ = dA * slope
            if slip == "dW_transposed":
                dW = dZ.T @ A_prev
            elif slip == "dW_from_A":
                dW = A.T @ dZ
            else:
                dW = A_prev.T @ dZ
            db = dZ.mean(axis=0) if slip == "db_mean" else dZ.sum(axis=0)
            W = net.weights[l]
            if dW.shape != W.shape:
                return None
            W_used = W - lr * dW if slip == "update_first" else W
            dA = dZ @ W_used if slip == "W_not_WT" else dZ @ W_used.T
            grads[2 * l], grads[2 * l + 1] = dW, db
    except ValueError:            # shapes that cannot multiply: this slip crashes here instead
        return None
    sign = -1.0 if slip == "ascent" else 1.0
    return [p - sign * lr * g for p, g in zip(net.params, grads)]


def _step_slips(n):
    return [
        ("ascent", "your step went uphill: every parameter moved by +lr·g instead of −lr·g. Gradient "
                   "descent subtracts, param -= lr * g, and the output gradient is softmax − onehot, not "
                   "onehot − softmax"),
        ("no_1_over_n", f"your step is N = {n} times too big: the loss is the MEAN over the batch, so the "
                        "output gradient is (softmax − onehot) / N. Divide by N = len(xb)"),
        ("no_onehot", "you left out the one-hot labels: the output gradient is (softmax − onehot) / N, "
                      "so subtract 1 at each row's true class, dOut[np.arange(N), yb] -= 1, before "
                      "dividing by N"),
        ("no_slope", "you forgot the activation's slope: in every layer dZ = dA * slope, with "
                     "slope = net.activations[l].grad_from_output(A) (for ReLU 1 where A > 0, else 0). "
                     "Without it the gradient flows through units that were switched off"),
        ("slope_of_Z", "grad_from_output wants the layer's OUTPUT A = cache[l][2], not Z: it computes "
                       "f'(Z) from A (for tanh, 1 − A²)"),
        ("W_not_WT", "you passed the gradient back with W instead of W.T: dA_prev = dZ @ W.T "
                     "(dZ is (N, fan_out) and W is (fan_in, fan_out))"),
        ("dW_transposed", "dW is transposed: dW = A_prev.T @ dZ, of W's shape (fan_in, fan_out), "
                          "not dZ.T @ A_prev"),
        ("dW_from_A", "dW used the layer's OUTPUT A; it needs the layer's INPUT: dW = A_prev.T @ dZ, "
                      "with A_prev = cache[l][0]"),
        ("db_mean", "db is the MEAN of dZ over the batch; it is the SUM, db = dZ.sum(axis=0) "
                    "(the 1/N is already inside the output gradient)"),
        ("update_first", "you updated a layer's W before passing the gradient back through it: "
                         "dA_prev = dZ @ W.T needs the W the forward pass used. Compute dA_prev (or all "
                         "the gradients) first, then update"),
    ]


def _step_cases():
    """(description, net, xb, yb, lr): a square ReLU net (a W in place of W.T still runs there,
    so it is caught by its values), a non-square one, and a three-layer tanh net."""
    from bplab.network import MLP

    rng = np.random.default_rng(505)
    cases = []
    for sizes, act, n, seed in [([4, 4, 4], "relu", 6, 1), ([6, 5, 3], "relu", 5, 2),
                                ([5, 4, 4, 3], "tanh", 7, 3)]:
        net = MLP(sizes, activation=act, seed=seed, bias_std=0.1)
        xb = rng.normal(size=(n, sizes[0]))
        yb = rng.integers(0, sizes[-1], size=n)
        yb[:sizes[-1]] = np.arange(sizes[-1])          # every class occurs
        rng.shuffle(yb)
        cases.append((f"a {'-'.join(map(str, sizes))} {act} network and a batch of N = {n}", net, xb, yb, 0.1))
    return cases


def _finite_difference_grads(net, X, y, eps=1e-6):
    """Central differences of net's mean loss, one parameter at a time (on a copy)."""
    probe = net.copy()
    return [numerical_gradient(lambda: probe.loss_value(X, y), p, eps) for p in probe.params]


def _shape_hint(err, where):
    """A learner's step crashed: if on shapes, say which products and shapes it needs."""
    cause = err.__cause__
    if isinstance(cause, ValueError) and any(w in str(cause) for w in ("matmul", "broadcast", "align", "shapes")):
        return ExerciseError(f"{err} ({where}). Shapes to aim for: dA and dZ are (N, fan_out), "
                             "A_prev is (N, fan_in), W is (fan_in, fan_out); dW = A_prev.T @ dZ has W's "
                             "shape, db = dZ.sum(axis=0) has b's shape, and the gradient for the layer "
                             "below is dA_prev = dZ @ W.T")
    return err


@exercise_check
def check_train_step(fn) -> None:
    """``fn(net, xb, yb, lr)``: one SGD step on the batch, by hand, returning the batch loss.

    Forward with the cache, the output gradient (softmax − onehot)/N written out, backward
    through the layers with your own loop (dZ = dA * slope, dW = A_prev.T @ dZ,
    db = dZ.sum(axis=0), dA = dZ @ W.T), then ``param -= lr * g`` for every array of ``net.params``,
    in place. Compared on three networks with bplab's step (``net.loss_and_grads`` and the
    same update, on a copy; to 12 digits) and, through the gradient the step used,
    ``(old − new) / lr``, with finite differences of the loss. Recognised slips: a missing 1/N,
    the one-hot labels left out, the slope left out (or taken from Z), W in place of W.T, dW
    transposed or built from A, db a mean, W updated before it passes the gradient back, a
    step uphill, parameters rebound instead of updated in place, and the wrong loss returned.
    """
    from bplab.optim import SGD

    name = function_name(fn, "my_train_step")
    for where, net, xb, yb, lr in _step_cases():
        n = len(xb)
        mine = net.copy()
        their_list, their_arrays = mine.params, list(mine.params)
        before = [p.copy() for p in their_arrays]
        used = spy_on(mine, ("loss_fn", "loss_and_grads", "backward", "layer_trace"), "net",
                      "net.loss_fn(out, yb)")
        try:
            loss = call_learner(fn, mine, xb.copy(), yb.copy(), lr, name=name)
        except NotWrittenYet:
            raise
        except ExerciseError as err:
            raise _shape_hint(err, f"on {where}") from None
        if used:
            raise ExerciseError(f"{name} called {used[0]}, which hands you bplab's gradient: the point is "
                                "to write it yourself. p = bplab.losses.softmax(out), then "
                                "dOut = (p − onehot(yb)) / N, and a loop over the layers, last first "
                                "(the loss alone is fine: net.loss_fn(out, yb, grad=False))")
        ref = net.copy()
        ref_loss, ref_grads = ref.loss_and_grads(xb, yb)
        SGD(lr).step(ref.params, ref_grads)

        after = list(mine.params)
        if len(after) != len(before) or any(np.shape(a) != b.shape for a, b in zip(after, before)):
            raise ExerciseError(f"after {name}, net.params no longer holds {len(before)} arrays of the "
                                f"shapes {[b.shape for b in before]}: update each array in place, param -= lr * g")
        new = [as_array(a, f"net.params[{i}] after {name}") for i, a in enumerate(after)]
        if all(np.array_equal(a, b) for a, b in zip(new, before)):
            raise ExerciseError(f"{name} did not change net.params ({where}). A line like "
                                "W = W - lr * dW makes a NEW array and binds the name W to it; "
                                "net.params still holds the old one. Update in place: W -= lr * dW "
                                "(for every W and b)")
        if not all(same(a, w, rtol=1e-12, atol=1e-15) for a, w in zip(new, ref.params)):
            for slip, msg in _step_slips(n):
                variant = _step_with_slip(net, xb, yb, lr, slip)
                if variant is not None and all(same(a, v, rtol=1e-8, atol=1e-12) for a, v in zip(new, variant)):
                    raise ExerciseError(f"{msg} (on {where})")
            fd = _finite_difference_grads(net, xb, yb)
            for pname, a, b, g in zip(net.param_names(), new, before, fd):
                check_close(f"the gradient your step used for {pname}, (old − new) / lr, on {where}, "
                            "compared with finite differences of the loss", (b - a) / lr, g,
                            rtol=1e-5, atol=1e-7)
            for pname, a, w in zip(net.param_names(), new, ref.params):
                check_close(f"{pname} after your step on {where}", a, w, rtol=1e-12, atol=1e-15)
        if mine.params is not their_list or any(a is not b for a, b in zip(mine.params, their_arrays)):
            raise ExerciseError(f"right values, but {name} put NEW arrays into net.params "
                                "(net.params[i] = ... or net.params = [...]). Update the network's own "
                                "arrays in place, param -= lr * g: an optimiser, a plot or anything else "
                                "holding those arrays would not see the step otherwise")
        fd = _finite_difference_grads(net, xb, yb)
        for pname, a, b, g in zip(net.param_names(), new, before, fd):
            check_close(f"the gradient your step used for {pname}, (old − new) / lr, on {where}, "
                        "compared with finite differences of the loss", (b - a) / lr, g, rtol=1e-5, atol=1e-7)
        got = as_number(f"the loss {name} returned", loss,
                        array_hint="return the batch loss, the mean over the batch, one number")
        if not np.isclose(got, ref_loss, rtol=1e-9, atol=1e-12):
            after_loss = ref.loss_value(xb, yb)
            if np.isclose(got, after_loss, rtol=1e-9):
                raise ExerciseError(f"{name} returned the loss AFTER the update ({got:.6g}); return the loss "
                                    f"of the forward pass you stepped from ({ref_loss:.6g}) on {where}")
            if np.isclose(got, ref_loss * n, rtol=1e-9):
                raise ExerciseError(f"{name} returned the SUM of the losses over the batch ({got:.6g}); return "
                                    f"their mean ({ref_loss:.6g}) on {where}")
            if np.isclose(got, -ref_loss, rtol=1e-9):
                raise ExerciseError(f"{name} returned {got:.6g}, minus the loss: the cross-entropy is "
                                    "−mean(log p[n, y_n]), a positive number")
            raise ExerciseError(f"{name} returned the loss {got:.6g} on {where}, expected {ref_loss:.6g}: the "
                                "mean over the batch of −log p[n, y_n], with p = softmax(out) before the update")
    passed(f"{name} makes bplab's step (net.loss_and_grads, then param -= lr * g) to 12 digits on all three "
           "networks, and the gradient it steps along agrees with finite differences of the loss.")


# ================================================= the machine: your own training loop
#: the small run on which your loop is replayed against bplab.fit, step for step
_REPLAY = dict(n=37, features=6, sizes=[6, 5, 3], lr=0.1, epochs=3, batch_size=8, seed=7)
#: the digit network the check trains with your loop, and the bar it must reach
DIGITS_RECIPE = dict(sizes=[64, 64, 10], activation="relu", lr=0.5, epochs=30, batch_size=32, seed=0)
DIGITS_BAR = 0.95


def _replay_case():
    from bplab.network import MLP

    r = _REPLAY
    rng = np.random.default_rng(5050)
    X = rng.normal(size=(r["n"], r["features"]))
    y = rng.integers(0, r["sizes"][-1], size=r["n"])
    net = MLP(r["sizes"], activation="relu", seed=4, bias_std=0.1)
    return net, X, y


def _replay(net, X, y, lr, epochs, batch_size, seed, *, order="fresh", drop_last=False):
    """Train a copy of net with bplab's step in one of the loop's usual forms; its params."""
    net = net.copy()
    rng = np.random.default_rng(seed)
    n = len(X)
    once = rng.permutation(n) if order == "once" else None
    stop = n - n % batch_size if drop_last else n
    for _ in range(epochs):
        if order == "fresh":
            perm_x = perm_y = rng.permutation(n)
        elif order == "two":
            perm_x, perm_y = rng.permutation(n), rng.permutation(n)
        elif order == "once":
            perm_x = perm_y = once
        else:
            perm_x = perm_y = np.arange(n)
        for start in range(0, stop, batch_size):
            reference_train_step(net, X[perm_x[start:start + batch_size]], y[perm_y[start:start + batch_size]], lr)
    return net.params


def _epoch_losses(net, X, y, lr, epochs, batch_size, seed):
    """The per-epoch loss two ways: the plain mean of the batch losses, and weighted by batch size."""
    net = net.copy()
    rng = np.random.default_rng(seed)
    n = len(X)
    plain, weighted = [], []
    for _ in range(epochs):
        perm = rng.permutation(n)
        losses, sizes = [], []
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            losses.append(reference_train_step(net, X[idx], y[idx], lr))
            sizes.append(len(idx))
        plain.append(np.mean(losses))
        weighted.append(np.dot(losses, sizes) / n)
    return np.array(plain), np.array(weighted)


@exercise_check
def check_train(fn) -> None:
    """``fn(net, X, y, lr, epochs, batch_size, seed)``: mini-batch training with your step.

    Expected: ``rng = np.random.default_rng(seed)`` once, then every epoch a fresh
    ``perm = rng.permutation(n)`` and the batches ``perm[start:start + batch_size]`` for
    ``start in range(0, n, batch_size)`` (the last one shorter), one step each; return one
    number per epoch, the mean of its batch losses. This is bplab.fit's convention, so the check
    first replays your loop on a small problem (37 examples, batches of 8, 3 epochs) against
    ``bplab.fit(..., optimizer=SGD(lr))`` with the same seed: the weights must agree. Then it
    trains a 64-64-10 ReLU network on the chapter's training digits (lr 0.5, 30 epochs, batches
    of 32) and requires at least 95 % accuracy on the validation digits. Recognised slips: no
    shuffling, one permutation for all epochs, X and y shuffled by different permutations, the
    short last batch dropped, too few epochs (one), the losses not returned or not one per epoch.
    """
    from bplab import SGD, fit
    import bplab.data as data

    name = function_name(fn, "my_train")
    r = _REPLAY
    net, X, y = _replay_case()
    lr, epochs, bs, seed, n = r["lr"], r["epochs"], r["batch_size"], r["seed"], r["n"]
    where = (f"on {n} examples with batch_size={bs}, {epochs} epochs, lr={lr}, seed={seed}, "
             f"replayed against bplab.fit(net, X, y, optimizer=SGD(lr), ...)")
    mine = net.copy()
    before = [p.copy() for p in mine.params]
    out = call_learner(fn, mine, X.copy(), y.copy(), lr, epochs, bs, seed, name=name)
    new = [as_array(p, "net.params after training") for p in mine.params]
    if len(new) == len(before) and all(np.array_equal(a, b) for a, b in zip(new, before)):
        raise ExerciseError(f"{name} did not change the network it was given ({where}): train `net` itself "
                            "(with train_step(net, xb, yb, lr)), not a copy, and update its arrays in place")
    ref = net.copy()
    fit(ref, X, y, optimizer=SGD(lr), epochs=epochs, batch_size=bs, seed=seed, progress=False)

    def matches(params):
        return len(new) == len(params) and all(same(a, b, rtol=1e-9, atol=1e-12) for a, b in zip(new, params))

    if not matches(ref.params):
        slips = [
            (dict(order="none"), "your batches come in the data's own order: shuffle every epoch. Draw "
                                 "perm = rng.permutation(n) at the start of each epoch and take each batch "
                                 "as X[idx], y[idx] with idx = perm[start:start + batch_size]"),
            (dict(order="once"), "every epoch visits the examples in the same order: draw a FRESH "
                                 "permutation at the start of each epoch, from one rng created before the "
                                 "loop (rng = np.random.default_rng(seed) outside the loop, "
                                 "perm = rng.permutation(n) inside it)"),
            (dict(order="two"), "you shuffled X and y with two different permutations, so the labels no "
                                "longer belong to their images: draw ONE perm per epoch and index both "
                                "X and y with it"),
            (dict(drop_last=True), f"you dropped the last, shorter batch ({n % bs} of the {n} examples): "
                                   "for start in range(0, n, batch_size) with idx = perm[start:start + "
                                   "batch_size] includes it (numpy cuts the slice short at the end)"),
            (dict(epochs=1), f"you trained only one epoch, {epochs} were asked for: loop "
                             "for epoch in range(epochs), with a fresh permutation in each"),
        ]
        for kwargs, msg in slips:
            args = dict(lr=lr, epochs=epochs, batch_size=bs, seed=seed)
            args.update(kwargs)
            if matches(_replay(net, X, y, **args)):
                raise ExerciseError(f"{msg} ({where})")
        for k in (2, epochs + 1, epochs - 1):
            if k != epochs and k > 1 and matches(_replay(net, X, y, lr, k, bs, seed)):
                raise ExerciseError(f"you trained {k} epochs, {epochs} were asked for ({where})")
        raise ExerciseError(f"after training, your weights differ from bplab.fit's ({where}). Check three "
                            "things: does your step pass ch05.check_train_step? Do you create "
                            "rng = np.random.default_rng(seed) once, before the loop, and draw "
                            "perm = rng.permutation(n) at the start of every epoch? Are the batches "
                            "perm[start:start + batch_size] for start in range(0, n, batch_size)?")
    if out is None:
        raise ExerciseError(f"{name} returned None: return the list of epoch losses, one number per epoch "
                            "(the mean of the losses your step returned in that epoch)")
    losses = as_array(out, f"the losses {name} returned").ravel()
    if losses.size != epochs:
        raise ExerciseError(f"{name} returned {losses.size} loss(es) for {epochs} epochs: return one number "
                            "per epoch, the mean of the losses your step returned in that epoch "
                            + ("(one per batch is too many: average them per epoch)" if losses.size > epochs else ""))
    plain, weighted = _epoch_losses(net, X, y, lr, epochs, bs, seed)
    if not (np.allclose(losses, plain, rtol=1e-7) or np.allclose(losses, weighted, rtol=1e-7)):
        check_close(f"the epoch losses {name} returned ({where}); expected the mean of each epoch's batch "
                    "losses", losses, plain, rtol=1e-7)

    rec = DIGITS_RECIPE
    X_dig, y_dig = data.load_digits()
    X_tr, X_val, _, y_tr, y_val, _ = data.train_val_test_split(X_dig, y_dig, val_size=0.15, test_size=0.2, seed=0)
    from bplab.network import MLP

    digits_net = MLP(rec["sizes"], activation=rec["activation"], seed=rec["seed"])
    call_learner(fn, digits_net, X_tr, y_tr, rec["lr"], rec["epochs"], rec["batch_size"], rec["seed"], name=name)
    acc = digits_net.accuracy(X_val, y_val)
    if not acc >= DIGITS_BAR:
        raise ExerciseError(f"the 64-64-10 network {name} trained on the training digits (lr {rec['lr']}, "
                            f"{rec['epochs']} epochs, batches of {rec['batch_size']}) reads only {acc:.1%} of "
                            f"the validation digits; the bar is {DIGITS_BAR * 100:.0f} %")
    passed(f"{name} replays bplab.fit step for step (a fresh permutation every epoch, the short last batch, "
           f"every epoch), and the 64-64-10 network it trains reads at least {DIGITS_BAR * 100:.0f} % of the "
           "validation digits.")
