r"""The largest curvature of a network's loss, for chapter 03's "edge of stability" experiment.

Section 3 shows that gradient descent on a quadratic is stable only for
:math:`\eta < 2/\lambda_{\max}`, where :math:`\lambda_{\max}` is the largest eigenvalue of the
Hessian :math:`H`. This module measures :math:`\lambda_{\max}` for a :class:`bplab.MLP` without
ever writing :math:`H` down (the digits MLP 64-32-10 has 2410 weights, so :math:`H` would be
2410 x 2410):

* :func:`hessian_vector_product` returns :math:`Hv` for a direction :math:`v`, exactly, by one
  extra forward-and-backward pass that carries the directional derivative along ("R-operator",
  Pearlmutter 1994). It handles piecewise-linear hidden activations (ReLU, leaky ReLU, linear),
  whose second derivative is zero between the kinks, with softmax cross-entropy.
* :func:`top_eigenvalue` finds the largest eigenvalue of :math:`H` from such products alone
  (the Lanczos method: a few dozen products build a small matrix whose largest eigenvalue is
  that of :math:`H`).
* :func:`full_batch_descent` runs full-batch gradient descent by hand, records the training and
  validation loss after every step, and :math:`\lambda_{\max}` at the steps asked for.

The tests check the products against finite differences, and :func:`top_eigenvalue` against
``numpy.linalg.eigvalsh`` of the full Hessian of a small network.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["hessian_vector_product", "top_eigenvalue", "full_batch_descent"]

_PIECEWISE_LINEAR = ("relu", "leaky_relu", "linear")


def _check_net(net):
    if getattr(net, "loss", None) != "cross_entropy":
        raise ValueError("hessian_vector_product: only cross-entropy networks (bplab.MLP(..., "
                         "loss='cross_entropy')) are supported")
    names = [a.name for a in net.activations]
    if any(name not in _PIECEWISE_LINEAR for name in names):
        raise ValueError(f"hessian_vector_product: hidden activations must be piecewise linear "
                         f"{_PIECEWISE_LINEAR} (their second derivative is zero), got {names}")


def hessian_vector_product(net, X, y, V):
    r"""The product :math:`Hv` of the Hessian of ``net``'s mean loss on ``(X, y)`` with a direction.

    ``V`` is a list of arrays shaped like ``net.params`` (``[VW1, Vb1, VW2, Vb2, ...]``); the
    result is a list of the same shapes. Exact (up to rounding) away from the ReLU kinks.
    """
    _check_net(net)
    X, y = net.check_data(X, y)
    n = X.shape[0]
    Ws, bs = net.params[0::2], net.params[1::2]
    VWs, Vbs = V[0::2], V[1::2]
    L = len(Ws)
    # forward pass, carrying R(.) = the derivative along V of every quantity
    A, RA = X, np.zeros_like(X)
    acts, Racts, slopes = [X], [RA], []
    for l in range(L):
        Z = A @ Ws[l] + bs[l]
        RZ = RA @ Ws[l] + A @ VWs[l] + Vbs[l]
        if l < L - 1:
            A = net.activations[l].f(Z)
            slope = net.activations[l].grad_from_output(A)    # f'(Z), constant between kinks
            RA = RZ * slope
            acts.append(A)
            Racts.append(RA)
            slopes.append(slope)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dZ = P.copy()
    dZ[np.arange(n), y] -= 1.0
    dZ /= n                                                   # dL/dlogits
    RdZ = P * (RZ - (P * RZ).sum(axis=1, keepdims=True)) / n  # its derivative along V
    # backward pass, with the R(.) of every gradient
    out = [None] * (2 * L)
    for l in reversed(range(L)):
        A_prev, RA_prev = acts[l], Racts[l]
        out[2 * l] = RA_prev.T @ dZ + A_prev.T @ RdZ
        out[2 * l + 1] = RdZ.sum(axis=0)
        if l > 0:
            RdA = RdZ @ Ws[l].T + dZ @ VWs[l].T
            dA = dZ @ Ws[l].T
            dZ, RdZ = dA * slopes[l - 1], RdA * slopes[l - 1]
    return out


def _flat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def _unflat(vec, like):
    out, start = [], 0
    for p in like:
        out.append(vec[start:start + p.size].reshape(p.shape))
        start += p.size
    return out


def top_eigenvalue(net, X, y, iters=20, seed=0):
    r"""The largest eigenvalue :math:`\lambda_{\max}` of the Hessian of ``net``'s loss on ``(X, y)``.

    Lanczos with full re-orthogonalisation: ``iters`` Hessian-vector products from a random
    start (``seed``) span a small subspace; the largest eigenvalue of :math:`H` restricted to it
    converges to :math:`\lambda_{\max}` (the most positive eigenvalue, whatever the negative ones).
    """
    rng = np.random.default_rng(seed)
    d = sum(p.size for p in net.params)
    iters = int(min(iters, d))
    Q = np.zeros((iters, d))
    alpha, beta = np.zeros(iters), np.zeros(iters)
    q = rng.standard_normal(d)
    q /= np.linalg.norm(q)
    for k in range(iters):
        Q[k] = q
        w = _flat(hessian_vector_product(net, X, y, _unflat(q, net.params)))
        alpha[k] = q @ w
        w -= Q[:k + 1].T @ (Q[:k + 1] @ w)                   # re-orthogonalise against every q so far
        w -= Q[:k + 1].T @ (Q[:k + 1] @ w)
        b = np.linalg.norm(w)
        if k == iters - 1 or b < 1e-10 * max(1.0, abs(alpha[k])):
            iters = k + 1
            break
        beta[k] = b
        q = w / b
    T = np.diag(alpha[:iters]) + np.diag(beta[:iters - 1], 1) + np.diag(beta[:iters - 1], -1)
    return float(np.linalg.eigvalsh(T)[-1])


def full_batch_descent(net, X, y, lr, steps, *, validation=None, sharpness_at=(), iters=20):
    r"""Full-batch gradient descent by hand, ``steps`` updates of ``p -= lr * g`` on ``net`` in place.

    Returns a DataFrame indexed by the number of updates made (0, 1, ..., steps) with the
    training loss ``loss`` (and ``val_loss``, ``val_accuracy`` with ``validation=(X_val, y_val)``) at that point,
    and ``sharpness``, the largest Hessian eigenvalue on the training data, at the updates listed
    in ``sharpness_at`` (NaN elsewhere).
    """
    X, y = net.check_data(X, y)
    sharpness_at = set(int(k) for k in sharpness_at)
    rows = []
    for k in range(steps + 1):
        loss, grads = net.loss_and_grads(X, y)
        row = {"step": k, "loss": loss,
               "sharpness": top_eigenvalue(net, X, y, iters=iters) if k in sharpness_at else np.nan}
        if validation is not None:
            for key, value in net.evaluate(*validation).items():
                row["val_" + key] = value
        rows.append(row)
        if not np.isfinite(loss):
            break
        if k < steps:
            for p, g in zip(net.params, grads):
                p -= lr * g
    return pd.DataFrame(rows).set_index("step")
