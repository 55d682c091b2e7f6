r"""Scoring a classifier: accuracy, the confusion matrix, per-class accuracy, worst mistakes.

All functions take integer class labels (``y_true``, ``y_pred``: 1-D, same length) and
return plain numbers or pandas tables that print well in a notebook::

    accuracy(y_true, y_pred)               # fraction of rows predicted right
    confusion_matrix(y_true, y_pred)       # DataFrame: rows = true class, columns = predicted
    per_class_accuracy(y_true, y_pred)     # DataFrame: n, correct, accuracy for each true class
    worst_mistakes(y_true, proba, k=12)    # the k rows whose true class got the least probability
    confidence_summary(y_true, proba)      # mean confidence vs accuracy; how sure the mistakes were

The confusion matrix :math:`C` counts :math:`C_{ij} = \#\{n : y_n = i,\ \hat y_n = j\}`: its
diagonal holds the correct answers, so ``accuracy = trace(C) / C.sum()`` and the accuracy of
class :math:`i` is :math:`C_{ii} / \sum_j C_{ij}` (the row's diagonal share; also called recall).
The *confidence* of a prediction is the probability the model gives to its answer,
:math:`\max_k p_{n,k}`; a model whose mean confidence is above its accuracy is over-confident.

numpy and pandas only (pandas is imported when a table is built).
"""
from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_labels, describe

__all__ = ["accuracy", "confusion_matrix", "per_class_accuracy", "worst_mistakes", "confidence_summary"]


def _pair(y_true, y_pred):
    t = as_labels(y_true, "y_true")
    p = as_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}; "
                         f"they must match (one prediction per example)")
    return t, p


def _n_classes(n_classes, *labels) -> int:
    needed = max(int(a.max()) for a in labels) + 1
    if n_classes is None:
        return needed
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        raise TypeError(f"n_classes must be a whole number (or None to infer it), got {describe(n_classes)}")
    n_classes = int(n_classes)
    if n_classes < needed:
        raise ValueError(f"n_classes={n_classes} is too small: the labels go up to {needed - 1}, "
                         f"so n_classes must be at least {needed}")
    return n_classes


def _proba(proba, t) -> np.ndarray:
    """``proba`` as a float64 (n, n_classes) matrix of probabilities matching labels ``t``."""
    if isinstance(proba, (str, bytes)) or proba is None:
        raise TypeError(f"proba must be an (n, n_classes) array of probabilities, got {describe(proba)}")
    P = np.asarray(proba)
    if P.dtype == object or P.dtype.kind not in "biuf":
        raise TypeError(f"proba must hold numbers, got {describe(P)}")
    if P.ndim != 2:
        raise ValueError(f"proba must be 2-D (n, n_classes), got shape {P.shape}")
    if P.shape[0] != t.size:
        raise ValueError(f"proba has {P.shape[0]} rows but y_true has {t.size} labels; they must match")
    if int(t.max()) >= P.shape[1]:
        raise ValueError(f"y_true has label {int(t.max())} but proba has only {P.shape[1]} columns")
    P = P.astype(np.float64)
    if not np.isfinite(P).all() or P.min() < 0 or not np.allclose(P.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("proba must hold probabilities: finite, >= 0, each row summing to 1 "
                         "(pass model.predict_proba(X), not the logits)")
    return P


def accuracy(y_true, y_pred) -> float:
    """Fraction of examples whose predicted label equals the true one (a float in [0, 1])."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Counts of (true class, predicted class) pairs as a pandas DataFrame.

    Row ``i``, column ``j`` holds how many examples of class ``i`` were predicted as ``j``;
    the index is named ``"true"`` and the columns ``"predicted"``. ``n_classes`` defaults to
    the largest label seen plus one; pass it to keep classes that never occur.
    """
    import pandas as pd

    t, p = _pair(y_true, y_pred)
    k = _n_classes(n_classes, t, p)
    counts = np.bincount(t * k + p, minlength=k * k).reshape(k, k)
    return pd.DataFrame(counts, index=pd.Index(range(k), name="true"),
                        columns=pd.Index(range(k), name="predicted"))


def per_class_accuracy(y_true, y_pred, n_classes=None):
    """For each true class: how many examples (``n``), how many right (``correct``) and
    their ratio (``accuracy``; NaN for a class with no examples). A pandas DataFrame."""
    import pandas as pd

    t, p = _pair(y_true, y_pred)
    k = _n_classes(n_classes, t, p)
    n = np.bincount(t, minlength=k)
    correct = np.bincount(t[t == p], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(n > 0, correct / np.maximum(n, 1), np.nan)
    return pd.DataFrame({"n": n, "correct": correct, "accuracy": acc},
                        index=pd.Index(range(k), name="class"))


def worst_mistakes(y_true, proba, k: int = 12):
    """The ``k`` misclassified rows that gave their true class the least probability.

    ``proba`` is (n, n_classes), each row a probability vector (e.g. ``model.predict_proba(X)``).
    Returns a DataFrame indexed by row number in the data with columns ``true``,
    ``predicted``, ``p_predicted`` (the winning probability) and ``p_true``, worst first.
    Fewer than ``k`` rows come back if there are fewer mistakes.
    """
    import pandas as pd

    t = as_labels(y_true, "y_true")
    P = _proba(proba, t)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {describe(k)}")
    pred = P.argmax(axis=1)
    rows = np.arange(t.size)
    p_true = P[rows, t]
    wrong = np.flatnonzero(pred != t)
    order = wrong[np.argsort(p_true[wrong], kind="stable")][: int(k)]
    return pd.DataFrame({"true": t[order], "predicted": pred[order],
                         "p_predicted": P[order, pred[order]], "p_true": p_true[order]},
                        index=pd.Index(order, name="row"))


def confidence_summary(y_true, proba, threshold: float = 0.9) -> dict:
    """How sure the model is, next to how often it is right.

    The confidence of a row is the probability of the predicted class (``proba.max(axis=1)``).
    Returns a dict (one row of a table: ``pd.DataFrame([summary_a, summary_b])``) with

    * ``n``: examples; ``accuracy``; ``mean_confidence`` over all examples (above ``accuracy``
      means over-confident on average, below means under-confident);
    * ``mistakes``: how many rows are wrong; ``median_confidence_wrong``: the median confidence
      over *all* the mistakes (NaN if there are none), not only the worst few;
    * ``wrong_above``: the share of mistakes whose confidence is above ``threshold``.
    """
    t = as_labels(y_true, "y_true")
    P = _proba(proba, t)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not 0 <= threshold < 1:
        raise ValueError(f"threshold must be a number in [0, 1), got {describe(threshold)}")
    conf = P.max(axis=1)
    wrong = P.argmax(axis=1) != t
    n_wrong = int(wrong.sum())
    return {"n": int(t.size), "accuracy": float(np.mean(~wrong)), "mean_confidence": float(conf.mean()),
            "mistakes": n_wrong,
            "median_confidence_wrong": float(np.median(conf[wrong])) if n_wrong else float("nan"),
            "wrong_above": float(np.mean(conf[wrong] > threshold)) if n_wrong else float("nan")}
