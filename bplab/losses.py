r"""Loss functions, each returning the loss *and* its gradient with respect to the network output.

``mse``            :math:`L = \frac{1}{N K}\sum_{n,k} (\hat y_{nk} - y_{nk})^2`
                   (mean over all elements, like PyTorch's ``MSELoss()``);
                   :math:`\partial L/\partial \hat y = \frac{2}{NK}(\hat y - y)`.

``cross_entropy``  :math:`L = -\frac{1}{N}\sum_n \log \mathrm{softmax}(z_n)_{y_n}`
                   (like PyTorch's ``CrossEntropyLoss()`` on logits);
                   :math:`\partial L/\partial z = \frac{1}{N}(\mathrm{softmax}(z) - \mathrm{onehot}(y))`.

The softmax subtracts each row's maximum before exponentiating, so logits of 1e4 are fine.
"""
from __future__ import annotations

import numpy as np

from ._validate import check_choice

__all__ = ["softmax", "mse", "cross_entropy", "LOSSES", "get_loss"]


def softmax(z, axis: int = -1):
    """Row-wise softmax, stable for large logits."""
    z = np.asarray(z, dtype=np.result_type(np.asarray(z).dtype, np.float32))
    e = z - z.max(axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def mse(output, target, *, grad: bool = True):
    """Mean squared error over all elements; returns ``(loss, dL/doutput)`` (or just loss)."""
    diff = output - target
    loss = float(np.vdot(diff, diff)) / diff.size
    if not grad:
        return loss
    diff *= 2.0 / diff.size
    return loss, diff


def cross_entropy(logits, labels, *, grad: bool = True):
    """Softmax cross-entropy of logits (N, K) against integer labels (N,).

    Returns ``(loss, dL/dlogits)`` where the gradient is ``(softmax(z) - onehot(y)) / N``.
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    sums = p.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    # -log softmax(z)_y = log(sum exp(shifted)) - shifted_y
    loss = float(np.log(sums).sum() - shifted[rows, labels].sum()) / n
    if not grad:
        return loss
    p /= sums
    p[rows, labels] -= 1.0
    p *= 1.0 / n
    return loss, p


LOSSES = {"mse": mse, "cross_entropy": cross_entropy}


def get_loss(name):
    return check_choice("loss", name, LOSSES)
