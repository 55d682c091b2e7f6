r"""Small experiments of chapter 02: why cross-entropy, why random initial weights, and the
three classic pitfalls of a gradient check, and the best straight line.

1. **The learning slowdown** (Nielsen 2015, ch. 3). One sigmoid neuron, $a = \sigma(z)$ with
   $z = wx + b$, input $x = 1$, wanted output $y$. With the squared error $L = (a - y)^2$ the
   chain rule gives $\partial L/\partial z = 2(a - y)\,\sigma'(z)$: when the neuron is
   confidently wrong ($|z|$ large) the factor $\sigma'(z)$ is almost 0 and so is the gradient.
   With the (binary) cross-entropy $L = -[y\log a + (1-y)\log(1-a)]$ the $\sigma'$ cancels:
   $\partial L/\partial z = a - y$, large exactly when the neuron is wrong.
2. **Symmetry**: if every hidden unit starts with the same weights, every one computes the same
   output and receives the same gradient, so after any number of steps they are still equal.
3. **Gradient-check pitfalls**: a kink of ReLU within $h$ of a pre-activation; a tiny true
   gradient (the finite difference's absolute error, about $\varepsilon |L| / h$, does not shrink
   with it); float32, whose rounding (relative error up to eps/2 = 6e-8, eps = 1.19e-7) swamps $h = 10^{-6}$.
4. **The best straight line** by accuracy, found by brute force over directions: the yardstick
   a linear classifier fitted by cross-entropy (which minimises the loss, not the errors) falls short of.
"""
from __future__ import annotations

import numpy as np

from bplab.gradcheck import gradient_check, numerical_gradient, relative_error
from bplab.network import MLP

__all__ = ["saturated_neuron", "train_from", "hidden_unit_spread", "kink_check",
           "tiny_gradient_check", "float_step_sweep", "best_line_accuracy"]


def _sigmoid(z):
    return 0.5 * np.tanh(0.5 * z) + 0.5          # = 1 / (1 + e^-z), without overflow


def saturated_neuron(loss: str, *, w: float = 2.5, b: float = 2.5, y: float = 0.0,
                     lr: float = 0.5, steps: int = 100):
    """Train one sigmoid neuron (input x = 1) by gradient descent; return per-step arrays.

    Starts at z = w + b (5 by default: output 0.993, while y = 0 is wanted). Returns a dict
    with 'a' (output before each step and after the last, steps + 1 values), 'loss' and
    'dz' (dL/dz before each step, steps values).
    """
    if loss not in ("mse", "ce"):
        raise ValueError(f"loss must be 'mse' or 'ce', got {loss!r}")
    a_s, losses, dzs = [], [], []
    for _ in range(steps + 1):
        z = w * 1.0 + b
        a = float(_sigmoid(z))
        a_s.append(a)
        if len(a_s) > steps:
            break
        if loss == "mse":
            losses.append((a - y) ** 2)
            dz = 2 * (a - y) * a * (1 - a)          # sigma'(z) = a (1 - a) stays in the product
        else:
            losses.append(-(y * np.log(a) + (1 - y) * np.log1p(-a)))
            dz = a - y                               # sigma' cancelled
        dzs.append(dz)
        w -= lr * dz * 1.0                           # dL/dw = dL/dz * x, with x = 1
        b -= lr * dz                                 # dL/db = dL/dz
    return {"a": np.array(a_s), "loss": np.array(losses), "dz": np.array(dzs)}


def train_from(params, X, y, *, width: int = 4, lr: float = 1.0, steps: int = 500,
               activation: str = "tanh"):
    """Full-batch gradient descent on a 2-width-2 MLP that starts from the given params.

    ``params`` is a list [W1, b1, W2, b2] (copied) or a seed (random start). Returns the
    trained MLP and the list of losses.
    """
    net = MLP([X.shape[1], width, 2], activation=activation,
              seed=params if isinstance(params, int) else 0)
    if not isinstance(params, int):
        net.set_params([np.array(p, dtype=np.float64) for p in params])
    losses = []
    for _ in range(steps):
        loss, grads = net.loss_and_grads(X, y)
        losses.append(loss)
        for p, g in zip(net.params, grads):
            p -= lr * g
    return net, losses


def hidden_unit_spread(net) -> float:
    """Largest difference between any hidden unit's weights and unit 0's.

    A hidden unit j owns column j of W1 (its incoming weights), b1[j] and row j of W2 (its
    outgoing weights). 0 means every hidden unit is the same unit.
    """
    W1, b1, W2, _ = net.params
    return float(max(np.abs(W1 - W1[:, :1]).max(), np.abs(b1 - b1[0]).max(),
                     np.abs(W2 - W2[:1, :]).max()))


def kink_check(offset: float, *, h: float = 1e-6):
    """Gradient check of a correct ReLU network with one pre-activation put at ``offset``.

    A 2-3-2 ReLU MLP on 4 points; b1[0] is set so that Z1[0, 0] (example 0, unit 0) equals
    ``offset``. Returns the gradient_check table (one row per parameter array).
    """
    X = np.array([[0.5, -1.0], [1.0, 0.3], [-0.7, 0.8], [0.2, 0.9]])
    y = np.array([0, 1, 1, 0])
    net = MLP([2, 3, 2], activation="relu", seed=1)
    W1, b1 = net.params[0], net.params[1]
    b1[0] = offset - X[0] @ W1[:, 0]
    return gradient_check(net, X, y, h=h, tol=1e-7)


def tiny_gradient_check(scale: float, *, h: float = 1e-6):
    """Finite differences of L(t) = 1 + scale * t^2 at t = 1 (true gradient 2 scale).

    Returns (relative error, absolute error) of the central difference. The absolute error
    is about (rounding of L ~ 1e-16) / h whatever the scale, so for a tiny gradient the
    *relative* error of a correct gradient becomes large.
    """
    t = np.array([1.0])
    numeric = numerical_gradient(lambda: 1.0 + scale * t[0] ** 2, t, h)
    exact = np.array([2.0 * scale])
    return relative_error(exact, numeric), float(np.abs(exact - numeric).max())


def float_step_sweep(steps=(1e-1, 1e-2, 1e-3, 1e-4, 1e-6), dtypes=(np.float32, np.float64)):
    """Relative error of central differences of f(x) = sum(x^3) in each dtype and step h.

    x = (0.7, -1.3, 0.4) is stored in the given dtype, so x + h is rounded to it (as the
    parameters of a float32 network would be). Returns {dtype name: {h: relative error}}.
    """
    out = {}
    for dtype in dtypes:
        x = np.array([0.7, -1.3, 0.4], dtype=dtype)

        def f():                       # each cube in the dtype, summed exactly in Python
            return sum(float(v) for v in x * x * x)
        exact = 3.0 * x.astype(np.float64) ** 2
        out[np.dtype(dtype).name] = {h: relative_error(exact, numerical_gradient(f, x, h))
                                     for h in steps}
    return out


def best_line_accuracy(X, y, *, n_directions: int = 720) -> float:
    """The best training accuracy any straight line gets on 2-class points X (N, 2), labels y in {0, 1}.

    Brute force: for each of ``n_directions`` directions u (angles evenly spaced over half a turn)
    the points are projected onto u, and every threshold between two projections is tried, with
    class 1 on either side. The answer is a lower bound of the true best (the optimum over all
    directions), reached to within a point or so for a few hundred directions. This is the line a
    linear classifier would draw if it maximised accuracy; cross-entropy training looks for a
    different one (the line with the lowest loss).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(y) != len(X):
        raise ValueError(f"need X of shape (N, 2) and N labels, got {X.shape} and {np.shape(y)}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    angles = np.arange(n_directions) * np.pi / n_directions
    proj = X @ np.stack([np.cos(angles), np.sin(angles)])          # (N, directions)
    order = np.argsort(proj, axis=0, kind="stable")
    ones = y[order]                                                 # labels in projected order
    n = len(y)
    # threshold after the first k points (k = 0..N): class 0 below, class 1 above
    ones_below = np.vstack([np.zeros((1, n_directions)), np.cumsum(ones, axis=0)])
    k = np.arange(n + 1)[:, None]
    correct = (k - ones_below) + (ones.sum(axis=0) - ones_below)    # zeros below + ones above
    # ties (equal projections) cannot be split: only thresholds between different values count
    sorted_proj = np.take_along_axis(proj, order, axis=0)
    splittable = np.ones((n + 1, n_directions), dtype=bool)
    splittable[1:-1] = np.diff(sorted_proj, axis=0) > 0
    correct = np.where(splittable, correct, -1)
    best = np.maximum(correct, np.where(splittable, n - correct, -1)).max()  # either side class 1
    return float(best / n)
