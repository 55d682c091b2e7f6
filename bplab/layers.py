r"""A dense (fully connected) layer as a forward/backward pair, in the style of CS231n.

Forward, for a mini-batch X of shape (N, fan_in)::

    Z = X @ W + b                  # (N, fan_out)

Backward, given dZ = dL/dZ of shape (N, fan_out)::

    dW = X.T @ dZ                  # (fan_in, fan_out): same shape as W
    db = dZ.sum(axis=0)            # (fan_out,):        same shape as b
    dX = dZ @ W.T                  # (N, fan_in):       same shape as X

Each gradient has the shape of the thing it is the gradient of; that is a good way to
remember (and check) which matrix is transposed where.
"""
from __future__ import annotations

import numpy as np

__all__ = ["dense_forward", "dense_backward"]


def dense_forward(X, W, b):
    """Z = X W + b."""
    Z = X @ W
    Z += b
    return Z


def dense_backward(dZ, X, W, *, need_dX: bool = True):
    """Return (dX, dW, db) for Z = X W + b given dZ = dL/dZ (dX is None if not needed)."""
    dW = X.T @ dZ
    db = dZ.sum(axis=0)
    dX = dZ @ W.T if need_dX else None
    return dX, dW, db
