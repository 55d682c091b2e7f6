"""Exercise checks for notebook 05 (reading handwritten digits).

    from bplab.chapters.ch05 import exercises as ch05
    ch05.check_accuracy(my_accuracy)                 # my_accuracy(y_true, y_pred) -> float
    ch05.check_confusion_matrix(my_confusion)        # my_confusion(y_true, y_pred, n_classes) -> (k, k)
    ch05.check_softmax(my_softmax)                   # my_softmax(logits) -> probabilities
    ch05.check_labels_needed(my_labels_needed)       # my_labels_needed(table, target) -> n or None

Each check runs your function on small cases with known answers and either prints a
"✓ Correct!" line or raises ExerciseError saying what is off and where.
"""
from __future__ import annotations

import numpy as np

from bplab.chapters._shared.feedback import (ExerciseError, call_learner, check_close, check_shape,
                                              exercise_check, passed)

__all__ = ["check_accuracy", "check_confusion_matrix", "check_softmax", "check_labels_needed",
           "reference_labels_needed"]


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
        got = call_learner(fn, t.copy(), p.copy(), name="your accuracy")
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
        got = call_learner(fn, t.copy(), p.copy(), k, name="your confusion_matrix")
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
        return call_learner(fn, z.copy(), name="your softmax")
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
        got = call_learner(fn, tab.copy(), target, name="your labels_needed")
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
