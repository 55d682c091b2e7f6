r"""The linear algebra chapter 06 builds before it uses it: covariance, its eigenvectors, rank,
the chapter's denoising baselines (PCA projection, the Wiener filter, the nearest-neighbour average)
and its measurements of the linear autoencoder.

The covariance matrix of data :math:`X` (:math:`N \times D`, one example per row) with mean
:math:`\bar x` and centred rows :math:`X_c = X - \bar x` is

.. math:: C = \frac{1}{N - 1} X_c^\top X_c ,

and the variance of the data along a unit vector :math:`u` (the variance of the numbers
:math:`X_c u`) is :math:`u^\top C u`. :math:`C` is symmetric, so :math:`C = Q \Lambda Q^\top`
(chapter 03); the direction of largest variance is the top eigenvector, and that variance is the
top eigenvalue.

    C = covariance(X); lam, Q = eigen_sorted(C)      # lam[0] >= lam[1] >= ...
    variance_along(X, Q[:, 0]) == lam[0]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from bplab._validate import as_float_matrix
from bplab.pca import PCA, principal_angles

__all__ = ["covariance", "eigen_sorted", "variance_along", "numerical_rank", "pca_denoise",
           "choose_pca_k", "wiener_factors", "wiener_denoise", "knn_denoise", "choose_knn_k",
           "linear_ae_in_slow_motion",
           "one_by_one_angles", "nearest_axis_angles"]


def covariance(X):
    """The covariance matrix C = X_c^T X_c / (N - 1) of the rows of X (N, D): shape (D, D)."""
    X = as_float_matrix(X, "X")
    if len(X) < 2:
        raise ValueError(f"X has {len(X)} row; a covariance needs at least 2 rows")
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / (len(X) - 1)


def eigen_sorted(C):
    """Eigenvalues (largest first) and unit eigenvectors (the columns of Q) of a symmetric C.

    Each eigenvector's sign is fixed (its largest |entry| positive), so results are reproducible."""
    C = as_float_matrix(C, "C")
    if C.shape[0] != C.shape[1] or not np.allclose(C, C.T):
        raise ValueError(f"C must be a symmetric square matrix, got shape {C.shape}")
    lam, Q = np.linalg.eigh(C)
    order = np.argsort(lam)[::-1]
    lam, Q = lam[order], Q[:, order]
    signs = np.sign(Q[np.abs(Q).argmax(axis=0), np.arange(Q.shape[1])])
    signs[signs == 0] = 1.0
    return lam, Q * signs


def variance_along(X, u):
    """The variance (divided by N - 1) of the numbers (x_n - x_bar) . u, for a unit vector u."""
    X = as_float_matrix(X, "X")
    u = np.asarray(u, dtype=float)
    if u.shape != (X.shape[1],) or not np.isclose(np.linalg.norm(u), 1.0):
        raise ValueError(f"u must be a unit vector of length {X.shape[1]}")
    return float(np.var((X - X.mean(axis=0)) @ u, ddof=1))


def numerical_rank(eigenvalues, rtol=1e-10):
    """How many eigenvalues of a covariance are not zero (above rtol times the largest)."""
    lam = np.asarray(eigenvalues, dtype=float)
    return int(np.sum(lam > rtol * lam.max()))


def pca_denoise(pca, X_noisy, *, clip=False):
    """Project noisy rows onto a fitted PCA's subspace and back (optionally clipped into [0, 1])."""
    R = pca.reconstruct(X_noisy)
    return np.clip(R, 0.0, 1.0) if clip else R


def choose_pca_k(X_train, X_noisy, X_clean, ks, *, clip=False):
    """Fit PCA on X_train for each k; return (the k with the smallest MSE of the projected X_noisy
    against X_clean, a Series of those MSEs indexed by k). Use validation data for X_noisy/X_clean.

    One SVD serves every k: PCA(k)'s directions are the first k of PCA(all)'s (same SVD, same signs)."""
    X_train = as_float_matrix(X_train, "X_train")
    full = PCA(min(X_train.shape)).fit(X_train)
    Zc = (as_float_matrix(X_noisy, "X_noisy") - full.mean_) @ full.components_.T    # all coordinates
    errors = {}
    for k in ks:
        k = int(k)
        if not 1 <= k <= full.n_components:
            raise ValueError(f"k={k} is outside 1..{full.n_components}")
        R = Zc[:, :k] @ full.components_[:k] + full.mean_
        if clip:
            R = np.clip(R, 0.0, 1.0)
        errors[k] = float(np.mean((R - X_clean) ** 2))
    series = pd.Series(errors, name="MSE against clean")
    series.index.name = "k"
    return int(series.idxmin()), series


def wiener_factors(eigenvalues, sigma, rtol=1e-10):
    r"""How much the best linear denoiser keeps of each eigen-direction: :math:`\lambda_i/(\lambda_i+\sigma^2)`.

    PCA-k keeps 1 of the top k directions and 0 of the rest; this keeps a fraction that falls as the
    direction's variance sinks below the noise's. Directions of zero variance (eigenvalues below
    rtol times the largest) get 0, also at sigma = 0 (the limit as sigma -> 0)."""
    lam = np.asarray(eigenvalues, dtype=float)
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    keep = lam > rtol * lam.max()
    factors = np.zeros_like(lam)
    factors[keep] = lam[keep] / (lam[keep] + sigma ** 2)
    return factors


def wiener_denoise(X_train, X_noisy, sigma, *, clip=False):
    r"""The best linear (affine) denoiser for Gaussian noise of standard deviation sigma (Wiener 1949).

    :math:`\hat x = \bar x + (\tilde x - \bar x) W` with :math:`W = (C + \sigma^2 I)^{-1} C
    = Q\,\mathrm{diag}(\lambda_i/(\lambda_i + \sigma^2))\,Q^\top`, where :math:`\bar x` and
    :math:`C = Q \Lambda Q^\top` are the mean and covariance of the CLEAN X_train. Among affine maps
    it minimises the squared error against the clean digits, averaged over the noise (up to C's
    N - 1 instead of N): the minimiser of the noise-averaged loss of a linear denoising autoencoder
    whose code is as wide as its input (the linear minimum-mean-squared-error estimator for the
    training covariance). Optionally clipped into [0, 1]."""
    X_train = as_float_matrix(X_train, "X_train")
    x_bar = X_train.mean(axis=0)
    lam, Q = eigen_sorted(covariance(X_train))
    W = (Q * wiener_factors(lam, sigma)) @ Q.T               # (64, 64): Q diag(lambda / (lambda + sigma^2)) Q^T
    R = x_bar + (as_float_matrix(X_noisy, "X_noisy") - x_bar) @ W
    return np.clip(R, 0.0, 1.0) if clip else R


def _nearest_rows(X_train, X_query, k_max):
    """Indices (n_query, k_max) of the k_max rows of X_train nearest to each query row, nearest first
    (Euclidean distance; ties keep X_train's order)."""
    # squared distances |a - b|^2 = |a|^2 - 2 a.b + |b|^2 for every (query, training row) pair at once
    d = (X_query ** 2).sum(1)[:, None] - 2 * X_query @ X_train.T + (X_train ** 2).sum(1)
    if k_max < X_train.shape[0]:
        part = np.argpartition(d, k_max - 1, axis=1)[:, :k_max]          # the k_max smallest, unordered
        order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1)
    return np.argsort(d, axis=1, kind="stable")


def knn_denoise(X_train, X_noisy, k):
    """Replace each noisy row by the average of the k CLEAN training rows nearest to it.

    A denoiser with no training and no knowledge of the noise level: which clean rows are averaged
    depends on the input, so it is nonlinear. Its output is an average of real rows, so it stays
    inside their range (for digits, [0, 1])."""
    X_train = as_float_matrix(X_train, "X_train")
    X_noisy = as_float_matrix(X_noisy, "X_noisy")
    k = int(k)
    if not 1 <= k <= len(X_train):
        raise ValueError(f"k={k} is outside 1..{len(X_train)}")
    if X_noisy.shape[1] != X_train.shape[1]:
        raise ValueError(f"X_noisy has {X_noisy.shape[1]} columns, X_train {X_train.shape[1]}")
    return X_train[_nearest_rows(X_train, X_noisy, k)].mean(axis=1)


def choose_knn_k(X_train, X_noisy, X_clean, ks):
    """For each k in ks, the MSE of :func:`knn_denoise` (X_noisy against X_clean); return (the k with
    the smallest MSE, a Series of those MSEs indexed by k). Use validation data for X_noisy/X_clean.

    One distance computation serves every k: the k nearest are the first k of the max(ks) nearest."""
    X_train = as_float_matrix(X_train, "X_train")
    X_noisy = as_float_matrix(X_noisy, "X_noisy")
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 1 or max(ks) > len(X_train):
        raise ValueError(f"every k must lie in 1..{len(X_train)}, got {ks}")
    near = X_train[_nearest_rows(X_train, X_noisy, max(ks))]             # (n, max k, D), nearest first
    running = np.cumsum(near, axis=1)                                     # sums of the first 1, 2, ... rows
    errors = {k: float(np.mean((running[:, k - 1] / k - X_clean) ** 2)) for k in ks}
    series = pd.Series(errors, name="MSE against clean")
    series.index.name = "k"
    return int(series.idxmin()), series


def one_by_one_angles(W_dec, V):
    """Angle (degrees) between row i of W_dec (k, D) and column i of V (D, k), for each i.

    Meaningful only when both are ordered the same way (e.g. recovered axes sorted by variance
    against principal directions): a trained decoder's rows have no order, use
    :func:`nearest_axis_angles` for them."""
    rows = W_dec / np.linalg.norm(W_dec, axis=1, keepdims=True)
    cos = np.abs(np.sum(rows * V.T, axis=1))
    return np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))


def nearest_axis_angles(W_dec, Q):
    """For each row of W_dec (k, D): the angle (degrees) to the NEAREST column of Q (D, m), i.e. the
    largest |cos| over all m columns. Order-free: shuffling or flipping the rows permutes the result.

    With Q all D principal directions, a row gets 0 exactly when it lies along one of them."""
    W_dec, Q = np.asarray(W_dec, dtype=float), np.asarray(Q, dtype=float)
    if W_dec.ndim != 2 or Q.ndim != 2 or W_dec.shape[1] != Q.shape[0]:
        raise ValueError(f"W_dec must be (k, D) and Q (D, m), got {W_dec.shape} and {Q.shape}")
    rows = W_dec / np.linalg.norm(W_dec, axis=1, keepdims=True)
    cols = Q / np.linalg.norm(Q, axis=0, keepdims=True)
    cos = np.abs(rows @ cols).max(axis=1)
    return np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))


def linear_ae_in_slow_motion(ae, X, schedule, *, every, pca, seed=0):
    """Train a linear autoencoder with Adam, stopping every ``every`` epochs to measure it.

    schedule: [(learning rate, epochs), ...], one Adam whose state carries on across stops.
    pca: a PCA fitted on X with the autoencoder's code size.
    Returns a DataFrame indexed by epoch: the training error, its relative excess over PCA's
    training error, error / PCA's - 1 (never negative: PCA is the best affine k-dimensional
    reconstruction of X), the largest principal angle between the rows of W_dec and PCA's subspace,
    and the smallest angle between a row of W_dec and its nearest principal direction (among all
    of X's, :func:`nearest_axis_angles`)."""
    import bplab

    if ae.code_size != pca.n_components:
        raise ValueError(f"the autoencoder's code size {ae.code_size} differs from PCA's {pca.n_components}")
    pca_err = pca.reconstruction_error(X)
    V = pca.components_.T
    Q_all = PCA(min(X.shape)).fit(X).components_.T          # every principal direction of X, as columns
    opt = bplab.Adam(schedule[0][0])
    rows, epoch, chunk = [], 0, 0
    for lr, epochs in schedule:
        opt.lr = lr
        done = 0
        while done < epochs:
            n = min(every, epochs - done)
            bplab.fit(ae, X, optimizer=opt, epochs=n, batch_size=64, seed=seed + chunk, progress=False)
            done, epoch, chunk = done + n, epoch + n, chunk + 1
            err = ae.reconstruction_error(X)
            W_dec = ae.params[2]
            rows.append({"epoch": epoch, "train MSE": err, "relative excess over PCA": err / pca_err - 1,
                         "subspace angle (max, deg)": float(principal_angles(W_dec.T, V, degrees=True).max()),
                         "nearest-axis angle (min, deg)": float(nearest_axis_angles(W_dec, Q_all).min())})
    return pd.DataFrame(rows).set_index("epoch")
