"""Chapter 05: the yardsticks a network must beat, and one remedy for overfitting.

    from bplab.chapters.ch05.baselines import nearest_neighbour_predict, fit_weight_decay

* :func:`pairwise_sq_distances` and :func:`nearest_neighbour_predict`: the k-nearest-neighbour
  classifier on raw pixels (Fix & Hodges 1951; Cover & Hart 1967), vectorised in numpy: no training at all, every
  query image is compared with every stored training image.
* :func:`fit_weight_decay`: mini-batch training of a :class:`bplab.MLP` with an L2 penalty
  (λ/2)·ΣW² added to the loss (L2 regularisation, "weight decay"; Krogh & Hertz 1992). It is
  ``bplab.fit``'s loop written out with ``MLP.forward`` / ``MLP.backward``, plus one line,
  ``dW += λ W``. The core library is unchanged. With ``lam=0`` it reproduces ``bplab.fit``
  exactly (a test checks it). With plain SGD this is exactly weight decay (each step shrinks W
  by the factor 1 − ηλ); with Adam the penalty's gradient is rescaled per parameter like any other
  gradient, so it is *coupled* L2 regularisation, not the decoupled weight decay of AdamW
  (Loshchilov & Hutter 2019).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["pairwise_sq_distances", "nearest_neighbour_predict", "l2_penalty", "fit_weight_decay"]


def pairwise_sq_distances(A, B) -> np.ndarray:
    """Squared Euclidean distances between every row of A (m, d) and every row of B (n, d): (m, n).

    Uses |a - b|² = |a|² − 2 a·b + |b|², one matrix product instead of a Python loop; tiny
    negative values from rounding are clipped to 0."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError(f"need two 2-D arrays with the same number of columns, got {A.shape} and {B.shape}")
    d = (A * A).sum(axis=1)[:, None] - 2.0 * (A @ B.T) + (B * B).sum(axis=1)[None, :]
    return np.maximum(d, 0.0)


def nearest_neighbour_predict(X_train, y_train, X_query, k=1, *, batch=1000) -> np.ndarray:
    """Labels of X_query by a majority vote of the k nearest training images (Euclidean distance
    on raw pixels). k = 1: the label of the single closest training image. Ties in the vote go
    to the label of the nearer neighbour (the vote is counted in order of distance).

    The query rows are processed ``batch`` at a time so that the distance matrix stays small."""
    X_train = np.asarray(X_train)
    y_train = np.asarray(y_train)
    X_query = np.asarray(X_query)
    if len(X_train) != len(y_train):
        raise ValueError(f"X_train has {len(X_train)} rows but y_train has {len(y_train)}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(X_train):
        raise ValueError(f"k must be an integer between 1 and {len(X_train)}, got {k!r}")
    out = np.empty(len(X_query), dtype=y_train.dtype)
    for start in range(0, len(X_query), batch):
        d = pairwise_sq_distances(X_query[start:start + batch], X_train)
        near = np.argsort(d, axis=1, kind="stable")[:, :k]          # (b, k), nearest first
        labels = y_train[near]
        if k == 1:
            out[start:start + batch] = labels[:, 0]
            continue
        for i, row in enumerate(labels):
            values, first_seen, counts = np.unique(row, return_index=True, return_counts=True)
            best = counts.max()
            # among the most-voted labels, the one whose nearest member is closest wins
            tied = np.flatnonzero(counts == best)
            out[start + i] = values[tied[np.argmin(first_seen[tied])]]
    return out


def l2_penalty(net, lam) -> float:
    """(λ/2) Σ W² over the weight matrices of ``net`` (biases are not penalised)."""
    return 0.5 * lam * float(sum(np.sum(W.astype(np.float64) ** 2) for W in net.weights))


def fit_weight_decay(net, X, y, *, optimizer, lam, epochs, batch_size, seed=0, validation=None, monitor=None):
    """Train ``net`` in place on (X, y) with the loss L + (λ/2) Σ W² (weight decay).

    The loop is ``bplab.fit``'s: one generator ``np.random.default_rng(seed)``, a fresh
    permutation every epoch, batches of ``batch_size``, one ``optimizer.step`` per batch; the only
    change is ``dW += lam * W`` for every weight matrix before the step (the gradient of the
    penalty). Returns a DataFrame indexed by epoch with ``loss`` and ``accuracy`` (the data loss,
    without the penalty, averaged over the epoch's batches as ``bplab.fit`` does), ``penalty``
    (its value at the end of the epoch) and, with ``validation=(X_val, y_val)``, ``val_loss`` and
    ``val_accuracy``. ``monitor={name: (X_m, y_m), ...}`` scores more data sets at the end of
    every epoch, as columns ``{name}_loss`` and ``{name}_accuracy`` (e.g. two halves of the
    validation set: choose an epoch on one, score it on the other). Raises FloatingPointError if
    the loss stops being finite."""
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.floating)) or not lam >= 0:
        raise ValueError(f"lam must be a number >= 0, got {lam!r}")
    X, y = net.check_data(X, y)
    if validation is not None:
        validation = net.check_data(*validation, prefix="validation ")
    if monitor is not None and not isinstance(monitor, dict):
        raise TypeError(f"monitor must be a dict {{name: (X, y)}}, got {type(monitor).__name__}")
    monitor = {str(k): net.check_data(*v, prefix=f"monitor {k!r} ") for k, v in (monitor or {}).items()}
    n = len(X)
    bs = min(int(batch_size), n)
    rng = np.random.default_rng(seed)
    rows = []
    for epoch in range(1, int(epochs) + 1):
        perm = rng.permutation(n)
        Xs, ys = X[perm], y[perm]
        total_loss, correct = 0.0, 0
        for start in range(0, n, bs):
            xb, yb = Xs[start:start + bs], ys[start:start + bs]
            out, cache = net.forward(xb, return_cache=True)
            loss, dOut = net.loss_fn(out, yb)
            if not math.isfinite(loss):
                raise FloatingPointError(f"the loss became {loss} in epoch {epoch}")
            grads = net.backward(dOut, cache)
            for i in range(0, len(grads), 2):                 # grads = [dW1, db1, dW2, db2, ...]
                grads[i] = grads[i] + lam * net.params[i]     # the penalty's gradient: λ W
            optimizer.step(net.params, grads)
            total_loss += loss * len(xb)
            correct += int((out.argmax(axis=1) == yb).sum())
        row = {"epoch": epoch, "loss": total_loss / n, "accuracy": correct / n,
               "penalty": l2_penalty(net, lam)}
        if validation is not None:
            ev = net.evaluate(*validation)
            row["val_loss"], row["val_accuracy"] = ev["loss"], ev["accuracy"]
        for name, data in monitor.items():
            ev = net.evaluate(*data)
            row[f"{name}_loss"], row[f"{name}_accuracy"] = ev["loss"], ev["accuracy"]
        rows.append(row)
    return pd.DataFrame(rows).set_index("epoch")
