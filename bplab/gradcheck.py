r"""Gradient checking: compare backprop's gradients with finite differences.

The central difference

.. math:: \frac{\partial L}{\partial \theta_i} \approx \frac{L(\theta + h e_i) - L(\theta - h e_i)}{2h}

has error :math:`O(h^2)`, so in float64 with :math:`h = 10^{-6}` an analytic gradient that
is right agrees to about 1e-8 relative error or better, and one that is wrong is off by
orders of magnitude more. It costs two loss evaluations *per parameter*: that is exactly why
we use backpropagation (one backward pass for all parameters) to train, and finite
differences only to check.
"""
from __future__ import annotations

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "gradient_check"]


def numerical_gradient(f, x, h: float = 1e-6):
    """Central-difference gradient of the scalar function ``f()`` with respect to array ``x``.

    ``f`` takes no arguments and reads ``x`` (which is perturbed in place, one entry at a
    time, and restored exactly afterwards).
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(f"x must be a float numpy array, got {type(x).__name__}")
    if not (isinstance(h, (int, float)) and h > 0):
        raise ValueError(f"h must be a positive step, got {h!r}")
    grad = np.zeros(x.shape, dtype=np.float64)
    # index x itself (not x.reshape(-1), which is a *copy* for a transposed or otherwise
    # non-contiguous array: perturbing the copy would leave x, and f, unchanged)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = float(f())
        x[idx] = old - h
        f_minus = float(f())
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b, floor: float = 1e-12) -> float:
    r"""Norm-based relative error :math:`\|a-b\| / \max(\|a\| + \|b\|, \text{floor})`.

    0 means identical; for float64 gradient checks a correct gradient gives about 1e-8 or less
    (bplab.gradient_check passes below tol=1e-6 by default), while a bug gives 1e-3 or more.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} vs {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), floor))


def gradient_check(model, X, y=None, *, h: float = 1e-6, tol: float = 1e-6):
    """Check every parameter's backprop gradient against central differences.

    Returns a pandas DataFrame with one row per parameter array (W1, b1, ...): its shape,
    the norm of the analytic gradient, the relative error and whether it is below ``tol``.
    Use a float64 model and a small batch: this runs two forward passes per parameter.
    """
    import pandas as pd

    if model.dtype != np.float64:
        raise TypeError("gradient_check needs a float64 model: float32 rounding (~1e-7) swamps "
                        "the finite differences. Build it with dtype=np.float64.")
    X, Y = model.check_data(X, y)       # Y is X itself for an autoencoder
    _, grads = model.loss_and_grads(X, y)

    def loss_fn():                      # reads the parameters numerical_gradient perturbs
        return model.loss_fn(model.forward(X), Y, grad=False)
    rows = []
    for name, p, g in zip(model.param_names(), model.params, grads):
        num = numerical_gradient(loss_fn, p, h)
        err = relative_error(g, num)
        rows.append(dict(param=name, shape=str(p.shape), grad_norm=float(np.linalg.norm(g)),
                         numeric_norm=float(np.linalg.norm(num)), rel_error=err,
                         ok=bool(err < tol)))
    return pd.DataFrame(rows).set_index("param")
