"""bplab.metrics: accuracy, confusion matrix, per-class accuracy, worst mistakes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bplab import metrics

Y_TRUE = [0, 0, 1, 2, 2]
Y_PRED = [0, 1, 1, 2, 0]


# ------------------------------------------------------------------ hand-computed examples

def test_accuracy_hand_computed():
    assert metrics.accuracy(Y_TRUE, Y_PRED) == pytest.approx(3 / 5)
    assert metrics.accuracy([3, 3, 3, 3], [3, 1, 3, 3]) == pytest.approx(0.75)
    assert metrics.accuracy(np.array([1]), np.array([1])) == 1.0
    assert metrics.accuracy([0, 1], [1, 0]) == 0.0
    assert isinstance(metrics.accuracy(Y_TRUE, Y_PRED), float)


def test_confusion_matrix_hand_computed():
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED)
    assert isinstance(cm, pd.DataFrame)
    assert cm.index.name == "true" and cm.columns.name == "predicted"
    assert cm.to_numpy().tolist() == [[1, 1, 0],
                                      [0, 1, 0],
                                      [1, 0, 1]]
    # C[true, predicted]: the single 0 read as 1 sits in row 0, column 1
    assert cm.loc[0, 1] == 1 and cm.loc[1, 0] == 0


def test_confusion_matrix_n_classes_keeps_absent_classes():
    cm = metrics.confusion_matrix([1, 1], [1, 0], n_classes=4)
    assert cm.shape == (4, 4)
    assert cm.to_numpy().tolist() == [[0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert list(cm.index) == [0, 1, 2, 3]


def test_confusion_matrix_accepts_float_integers_bools_and_column_vectors():
    a = metrics.confusion_matrix(np.array([0.0, 1.0, 1.0]), np.array([[0], [1], [0]]))
    assert a.to_numpy().tolist() == [[1, 0], [1, 1]]
    b = metrics.confusion_matrix(np.array([True, False]), np.array([True, True]))
    assert b.to_numpy().tolist() == [[0, 1], [0, 1]]


def test_per_class_accuracy_hand_computed():
    pc = metrics.per_class_accuracy(Y_TRUE, Y_PRED)
    assert pc.index.name == "class" and list(pc.columns) == ["n", "correct", "accuracy"]
    assert pc["n"].tolist() == [2, 1, 2]
    assert pc["correct"].tolist() == [1, 1, 1]
    assert pc["accuracy"].tolist() == pytest.approx([0.5, 1.0, 0.5])


def test_per_class_accuracy_absent_class_is_nan():
    pc = metrics.per_class_accuracy([0, 0], [0, 1], n_classes=3)
    assert pc["n"].tolist() == [2, 0, 0]
    assert pc.loc[0, "accuracy"] == 0.5
    assert np.isnan(pc.loc[1, "accuracy"]) and np.isnan(pc.loc[2, "accuracy"])


def test_worst_mistakes_hand_computed():
    y = [0, 1, 2, 1]
    P = np.array([[0.9, 0.05, 0.05],     # right
                  [0.6, 0.3, 0.1],       # wrong: said 0, p_true 0.3
                  [0.1, 0.8, 0.1],       # wrong: said 1, p_true 0.1  (worst)
                  [0.2, 0.7, 0.1]])      # right
    w = metrics.worst_mistakes(y, P, k=5)
    assert list(w.index) == [2, 1]
    assert w.index.name == "row"
    assert w["true"].tolist() == [2, 1]
    assert w["predicted"].tolist() == [1, 0]
    assert w["p_predicted"].tolist() == pytest.approx([0.8, 0.6])
    assert w["p_true"].tolist() == pytest.approx([0.1, 0.3])
    assert len(metrics.worst_mistakes(y, P, k=1)) == 1


def test_worst_mistakes_none_when_all_right():
    w = metrics.worst_mistakes([0, 1], np.array([[0.9, 0.1], [0.2, 0.8]]))
    assert len(w) == 0 and list(w.columns) == ["true", "predicted", "p_predicted", "p_true"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=40))
def test_confusion_matrix_properties(pairs):
    t = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    C = metrics.confusion_matrix(t, p).to_numpy()
    assert C.sum() == len(t)
    assert C.sum(axis=1).tolist() == np.bincount(t, minlength=C.shape[0]).tolist()
    assert C.sum(axis=0).tolist() == np.bincount(p, minlength=C.shape[0]).tolist()
    assert np.trace(C) / C.sum() == pytest.approx(metrics.accuracy(t, p))
    pc = metrics.per_class_accuracy(t, p, n_classes=C.shape[0])
    present = pc["n"] > 0
    assert np.allclose(pc["accuracy"][present], np.diag(C)[present] / C.sum(axis=1)[present])


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("fn", [metrics.accuracy, metrics.confusion_matrix, metrics.per_class_accuracy])
def test_length_mismatch(fn):
    with pytest.raises(ValueError, match=r"y_true has 3 labels but y_pred has 2"):
        fn([0, 1, 2], [0, 1])


@pytest.mark.parametrize("bad, err, msg", [
    (None, TypeError, "y_pred is required"),
    ("012", TypeError, "string"),
    ([], ValueError, "empty"),
    ([[0.1, 0.9], [0.8, 0.2]], ValueError, r"1-D .*argmax"),
    ([0, -1], ValueError, "negative label -1"),
    ([0.0, 1.5], TypeError, r"non-integer floats \(e.g. 1.5\)$"),
    ([0.0, np.nan], ValueError, "NaN"),
    (np.array(["a", "b"]), TypeError, "integer class labels"),
    (np.array([1 + 0j, 0j]), TypeError, "integer class labels"),
])
def test_bad_labels(bad, err, msg):
    with pytest.raises(err, match=msg):
        metrics.accuracy([0, 1], bad)


def test_bad_n_classes():
    with pytest.raises(ValueError, match=r"n_classes=2 is too small.*up to 2.*at least 3"):
        metrics.confusion_matrix([0, 2], [0, 1], n_classes=2)
    with pytest.raises(TypeError, match="n_classes must be a whole number"):
        metrics.confusion_matrix([0, 1], [0, 1], n_classes=2.5)
    with pytest.raises(TypeError, match="n_classes must be a whole number"):
        metrics.per_class_accuracy([0, 1], [0, 1], n_classes=True)


def test_worst_mistakes_bad_input():
    P = np.array([[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(ValueError, match="probabilities.*not the logits"):
        metrics.worst_mistakes([0, 1], np.array([[3.0, -1.0], [0.5, 2.0]]))
    with pytest.raises(ValueError, match="2-D"):
        metrics.worst_mistakes([0, 1], np.array([0.9, 0.1]))
    with pytest.raises(ValueError, match="proba has 2 rows but y_true has 3"):
        metrics.worst_mistakes([0, 1, 1], P)
    with pytest.raises(ValueError, match="label 2 but proba has only 2 columns"):
        metrics.worst_mistakes([0, 2], P)
    with pytest.raises(ValueError, match="k must be a whole number >= 1"):
        metrics.worst_mistakes([0, 1], P, k=0)
    with pytest.raises(TypeError, match="proba must"):
        metrics.worst_mistakes([0, 1], None)


# ------------------------------------------------------------------ confidence

def test_confidence_summary_hand_computed():
    y = [0, 1, 2, 1, 0]
    P = np.array([[0.9, 0.05, 0.05],     # right, confidence 0.9
                  [0.6, 0.3, 0.1],       # wrong, confidence 0.6
                  [0.1, 0.85, 0.05],     # wrong, confidence 0.85
                  [0.2, 0.7, 0.1],       # right, confidence 0.7
                  [0.02, 0.96, 0.02]])   # wrong, confidence 0.96
    s = metrics.confidence_summary(y, P)
    assert s["n"] == 5 and s["mistakes"] == 3
    assert s["accuracy"] == pytest.approx(2 / 5)
    assert s["mean_confidence"] == pytest.approx((0.9 + 0.6 + 0.85 + 0.7 + 0.96) / 5)
    assert s["median_confidence_wrong"] == pytest.approx(0.85)     # over ALL mistakes
    assert s["wrong_above"] == pytest.approx(1 / 3)                # only 0.96 is above 0.9
    assert metrics.confidence_summary(y, P, threshold=0.5)["wrong_above"] == pytest.approx(1.0)
    table = pd.DataFrame([s, s], index=["a", "b"])                   # rows of a table
    assert list(table.columns) == ["n", "accuracy", "mean_confidence", "mistakes",
                                   "median_confidence_wrong", "wrong_above"]


def test_confidence_summary_over_and_under_confidence():
    # always 0.99 sure, right half the time: over-confident
    P = np.tile([0.99, 0.01], (4, 1))
    s = metrics.confidence_summary([0, 0, 1, 1], P)
    assert s["mean_confidence"] == pytest.approx(0.99) and s["accuracy"] == 0.5
    # right every time at 0.6: under-confident, and no mistakes to summarise
    s = metrics.confidence_summary([0, 0], np.tile([0.6, 0.4], (2, 1)))
    assert s["accuracy"] == 1.0 and s["mean_confidence"] == pytest.approx(0.6)
    assert s["mistakes"] == 0 and np.isnan(s["median_confidence_wrong"]) and np.isnan(s["wrong_above"])


def test_confidence_summary_bad_input():
    P = np.array([[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(ValueError, match="not the logits"):
        metrics.confidence_summary([0, 1], np.array([[3.0, -1.0], [0.5, 2.0]]))
    with pytest.raises(ValueError, match="proba has 2 rows but y_true has 1"):
        metrics.confidence_summary([0], P)
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 1\)"):
        metrics.confidence_summary([0, 1], P, threshold=1.5)
