r"""Two optimisers the core library does not ship, built here for chapter 03.

* :class:`Nesterov` -- SGD with Nesterov momentum (Nesterov 1983; Sutskever et al. 2013): the
  gradient is taken at the look-ahead point :math:`\theta + \mu v` instead of at :math:`\theta`.
* :class:`AdaGrad` -- every coordinate divided by the root of the *sum* of all its squared
  gradients so far (Duchi, Hazan & Singer 2011), the method RMSProp's running average repairs.

Both follow :class:`bplab.optim.Optimizer`'s protocol, so ``run_path`` and ``bplab.fit`` accept them.

:func:`per_step_factor` predicts how fast plain descent, the heavy ball and Nesterov's method
shrink the error on a quadratic: the largest size of the roots of each eigen-direction's
characteristic equation (section 5 of the notebook).
"""
from __future__ import annotations

import numpy as np

from bplab._validate import check_positive_number
from bplab.optim import SGD, Optimizer

__all__ = ["Nesterov", "AdaGrad", "per_step_factor"]


class Nesterov(SGD):
    r"""Nesterov momentum: :math:`v \leftarrow \mu v - \eta \nabla L(\theta + \mu v)`, :math:`\theta \leftarrow \theta + v`.

    The optimiser only sees the gradient at the point it holds, so it holds the look-ahead point
    :math:`\phi = \theta + \mu v` instead of :math:`\theta` (Sutskever et al. 2013). In those
    coordinates the same method reads :math:`v \leftarrow \mu v - \eta g`,
    :math:`\phi \leftarrow \phi + \mu v - \eta g`, with :math:`g = \nabla L(\phi)`; at a minimum
    :math:`v = 0`, so :math:`\phi` and :math:`\theta` end at the same place.
    """

    def __init__(self, lr, momentum=0.9):
        super().__init__(lr, momentum)   # SGD's checks, hyperparameters and velocity state

    def update(self, i, p, g):
        v = self.velocity[i]
        v *= self.momentum
        v -= self.lr * g                 # v = mu v - lr g
        p += self.momentum * v - self.lr * g


class AdaGrad(Optimizer):
    r"""AdaGrad: :math:`s \leftarrow s + g^2`, :math:`\theta \leftarrow \theta - \eta\, g / (\sqrt{s} + \epsilon)`.

    ``s`` is the running *sum* of squared gradients, so every coordinate's step keeps shrinking,
    fast for coordinates with large gradients (Duchi, Hazan & Singer 2011).
    """

    def __init__(self, lr=0.1, eps=1e-8):
        self.eps = check_positive_number(eps, "eps")
        super().__init__(lr)

    def hyperparameters(self):
        return {"lr": self.lr, "eps": self.eps}

    def init_state(self, params):
        self.sq_sum = [np.zeros_like(p) for p in params]

    def update(self, i, p, g):
        s = self.sq_sum[i]
        s += g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)


def per_step_factor(lr, momentum, eigenvalues, *, nesterov=False):
    r"""The factor by which the error shrinks per step, in the long run, on a quadratic.

    Along an eigen-direction of curvature :math:`\lambda` the heavy ball obeys
    :math:`z_{t+1} = (1 + \mu - \eta\lambda) z_t - \mu z_{t-1}` and Nesterov's method
    :math:`z_{t+1} = (1 + \mu)(1 - \eta\lambda) z_t - \mu (1 - \eta\lambda) z_{t-1}`; with
    :math:`z_t = r^t` each becomes a quadratic in :math:`r`. The error along that direction
    shrinks like :math:`|r|^t` for the larger root; the function returns the largest such
    :math:`|r|` over ``eigenvalues`` (above 1: divergence). ``momentum=0`` is plain descent,
    :math:`|1 - \eta\lambda|`. (At a double root the error shrinks like :math:`t\,|r|^t`, a
    little slower at first.)
    """
    lr = check_positive_number(lr, "lr")
    mu = check_positive_number(momentum, "momentum", allow_zero=True, upper=1.0)
    worst = 0.0
    for lam in np.atleast_1d(np.asarray(eigenvalues, dtype=np.float64)):
        a = 1.0 - lr * lam
        b, c = ((1.0 + mu) * a, mu * a) if nesterov else (1.0 + mu - lr * lam, mu)
        roots = np.roots([1.0, -b, c]) if c != 0 else np.array([b, 0.0])
        worst = max(worst, float(np.abs(roots).max()))
    return worst
