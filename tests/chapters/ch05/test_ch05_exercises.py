"""bplab.chapters.ch05.exercises: right answers pass, each typical slip gets its own specific message."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bplab.chapters._shared.feedback import ExerciseError
from bplab.chapters.ch05 import exercises as ch05


# ------------------------------------------------------------------ accuracy

def test_accuracy_correct(capsys):
    ch05.check_accuracy.strict(lambda t, p: float(np.mean(np.asarray(t) == np.asarray(p))))
    assert "✓ Correct!" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, msg", [
    (lambda t, p: int(np.sum(t == p)), "number of correct predictions"),
    (lambda t, p: 100 * np.mean(t == p), "percentage"),
    (lambda t, p: 1 - np.mean(t == p), "error rate"),
    (lambda t, p: 0.5, "expected accuracy 1, got 0.5"),
    (lambda t, p: None, "forget to `return`"),
    (lambda t, p: [1, 2], "one number"),
])
def test_accuracy_slips(wrong, msg):
    with pytest.raises(ExerciseError, match=msg):
        ch05.check_accuracy.strict(wrong)


def test_not_written_and_not_a_function():
    def todo(t, p):
        raise NotImplementedError

    with pytest.raises(ExerciseError, match="not written yet"):
        ch05.check_accuracy.strict(todo)
    with pytest.raises(ExerciseError, match="pass the function itself"):
        ch05.check_accuracy.strict(0.9)


# ------------------------------------------------------------------ confusion matrix

def _cm(t, p, k):
    C = np.zeros((k, k), dtype=int)
    for a, b in zip(t, p):
        C[a, b] += 1
    return C


def test_confusion_matrix_correct(capsys):
    ch05.check_confusion_matrix.strict(_cm)
    ch05.check_confusion_matrix.strict(lambda t, p, k: pd.DataFrame(_cm(t, p, k)))   # a DataFrame is fine
    assert capsys.readouterr().out.count("✓ Correct!") == 2


@pytest.mark.parametrize("wrong, msg", [
    (lambda t, p, k: _cm(t, p, k).T, "transposed"),
    (lambda t, p, k: _cm(t, p, k)[:-1], r"shape \(2, 3\), expected \(3, 3\)"),
    (lambda t, p, k: _cm(t, p, int(max(t.max(), p.max()) + 1)),
     r"shape \(2, 2\): class 2 never occurs but n_classes=3.*3×3.*not with the\s+largest label"),
    (lambda t, p, k: _cm(t, p, len(np.unique(np.concatenate([t, p])))), "class 2 never occurs but n_classes=3"),
    (lambda t, p, k: _cm(t, p, k) / np.maximum(_cm(t, p, k).sum(axis=1, keepdims=True), 1),
     "raw counts, not row shares"),
    (lambda t, p, k: _cm(t, p, k) / len(t), "divided by the number of examples"),
    (lambda t, p, k: 2 * _cm(t, p, k), "add up to 12"),
    (lambda t, p, k: _cm(t, p, k) + np.array([[-1, 1] + [0] * (k - 2)] + [[0] * k] * (k - 1)),
     r"cell \[true 0, predicted 0\] is 0, expected 1"),
])
def test_confusion_matrix_slips(wrong, msg):
    with pytest.raises(ExerciseError, match=msg):
        ch05.check_confusion_matrix.strict(wrong)


def test_confusion_matrix_buffered_fancy_index():
    def buffered(t, p, k):
        C = np.zeros((k, k), dtype=int)
        C[t, p] += 1               # a repeated (t, p) pair is counted once
        return C

    with pytest.raises(ExerciseError, match=r"cell \[true 1, predicted 1\] is 1, expected 2.*buffered"
                                            r".*np\.add\.at\(C, \(y_true, y_pred\), 1\).*loop"):
        ch05.check_confusion_matrix.strict(buffered)

    def with_add_at(t, p, k):
        C = np.zeros((k, k), dtype=int)
        np.add.at(C, (t, p), 1)
        return C

    ch05.check_confusion_matrix.strict(with_add_at)


# ------------------------------------------------------------------ softmax

def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_correct(capsys):
    ch05.check_softmax.strict(_softmax)
    assert "✓ Correct!" in capsys.readouterr().out


def test_softmax_naive_overflows():
    def naive(z):
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    with pytest.raises(ExerciseError, match="overflows.*Subtract each row's maximum"):
        ch05.check_softmax.strict(naive)


@pytest.mark.parametrize("wrong, msg", [
    (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), "sum over axis=1"),
    (lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0), "sum to"),
    (lambda z: _softmax(z)[0], "shape"),
    (lambda z: _softmax(2 * z), "is off"),
])
def test_softmax_slips(wrong, msg):
    with pytest.raises(ExerciseError, match=msg):
        ch05.check_softmax.strict(wrong)


def _no_keepdims_in_sum(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def _no_keepdims_in_max(z):
    e = np.exp(z - z.max(axis=1))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("wrong", [_no_keepdims_in_sum, _no_keepdims_in_max])
def test_softmax_without_keepdims_gets_the_keepdims_hint(wrong):
    with pytest.raises(ExerciseError, match=r"broadcast.*shape \(2, 3\).*keepdims=True \(shape \(n, 1\)\)"):
        ch05.check_softmax.strict(wrong)


@pytest.mark.parametrize("wrong", [_no_keepdims_in_sum, _no_keepdims_in_max])
def test_softmax_without_keepdims_on_square_logits(wrong):
    # square logits broadcast without an error: only the values give the slip away
    def only_square_wrong(z):
        return wrong(z) if z.shape[0] == z.shape[1] else _softmax(z)

    with pytest.raises(ExerciseError, match=r"square logits.*rows are mixed up with your columns.*keepdims=True"):
        ch05.check_softmax.strict(only_square_wrong)


def test_softmax_returning_log_softmax():
    def log_softmax(z):
        s = z - z.max(axis=1, keepdims=True)
        return s - np.log(np.exp(s).sum(axis=1, keepdims=True))

    with pytest.raises(ExerciseError, match=r"<= 0 and exp\(\) of each row sums to 1.*log-probabilities"):
        ch05.check_softmax.strict(log_softmax)


# ------------------------------------------------------------------ labels needed

def _needed(table, target):
    ok = table[table["accuracy"] >= target]
    return None if len(ok) == 0 else int(ok["n_labels"].min())


def test_labels_needed_correct_including_own_table(capsys):
    own = pd.DataFrame({"n_labels": [50, 100, 1168], "accuracy": [0.87, 0.95, 0.98]})
    ch05.check_labels_needed.strict(_needed, table=own)
    assert "✓ Correct!" in capsys.readouterr().out
    assert ch05.reference_labels_needed(own, 0.95) == 100
    assert ch05.reference_labels_needed(own, 0.99) is None


def test_labels_needed_slips():
    strict = lambda t, x: _needed(t[t["accuracy"] > x], x)          # > instead of >=
    with pytest.raises(ExerciseError, match="'at least' means >=, not >"):
        ch05.check_labels_needed.strict(strict)
    first_row = lambda t, x: int(t[t["accuracy"] >= x]["n_labels"].iloc[0]) if (t["accuracy"] >= x).any() else None
    with pytest.raises(ExerciseError, match=r"rows are not sorted.*smallest n_labels.*\(300\)"):
        ch05.check_labels_needed.strict(first_row)
    returns_acc = lambda t, x: float(t[t["accuracy"] >= x]["accuracy"].min())
    with pytest.raises(ExerciseError, match="an accuracy"):
        ch05.check_labels_needed.strict(returns_acc)
    never_none = lambda t, x: _needed(t, x) or int(t["n_labels"].max())
    with pytest.raises(ExerciseError, match="no row reaches the target, so return None"):
        ch05.check_labels_needed.strict(never_none)
    always_none = lambda t, x: None
    with pytest.raises(ExerciseError, match="got None"):
        ch05.check_labels_needed.strict(always_none)
