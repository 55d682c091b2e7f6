r"""Optimisers: turn gradients into parameter updates, in place, one array at a time.

Each ``step`` applies the update rule notebook 03 teaches to every parameter array θ with its
gradient g (η is the learning rate ``lr``):

* ``SGD(lr, momentum=0)``:  :math:`v \leftarrow \mu v - \eta g,\quad \theta \leftarrow \theta + v`
  (with :math:`\mu = 0` this is plain gradient descent :math:`\theta \leftarrow \theta - \eta g`).
* ``RMSProp(lr, rho=0.9)``: :math:`s \leftarrow \rho s + (1-\rho) g^2,\quad
  \theta \leftarrow \theta - \eta\, g / (\sqrt{s} + \epsilon)` (Tieleman & Hinton 2012).
* ``Adam(lr=1e-3)``:        :math:`m \leftarrow \beta_1 m + (1-\beta_1) g,\
  v \leftarrow \beta_2 v + (1-\beta_2) g^2`, bias-corrected
  :math:`\hat m = m/(1-\beta_1^t),\ \hat v = v/(1-\beta_2^t)`, then
  :math:`\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)` (Kingma & Ba 2015).

Every optimiser has ``step(params, grads)``, which updates the arrays in ``params`` in place
(the grads are left untouched), and ``reset()``, which forgets its running state (v, s, m, t).
The state belongs to the arrays it was built for: stepping the same arrays again continues
it (whether ``fit`` or your own loop makes the step); handing it other arrays starts afresh.
"""
from __future__ import annotations

import numpy as np

from ._validate import check_positive_number

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam"]


class Optimizer:
    """What every optimiser shares: the learning rate, the step count t, the bookkeeping
    that ties its running state to the parameter arrays it updates."""

    def __init__(self, lr):
        self.lr = check_positive_number(lr, "lr")
        self.reset()

    def reset(self) -> None:
        """Forget momentum / running averages (e.g. before training a fresh model)."""
        self.t = 0
        self.params = None        # the arrays the state below belongs to

    def step(self, params, grads) -> None:
        """Update every array in ``params`` in place from the matching ``grads``."""
        params, grads = list(params), list(grads)
        if len(grads) != len(params):
            raise ValueError(f"step(params, grads): got {len(params)} params but {len(grads)} grads")
        for i, (p, g) in enumerate(zip(params, grads)):
            if not isinstance(p, np.ndarray):
                raise TypeError(f"params[{i}] must be a numpy array (updated in place), "
                                f"got {type(p).__name__}")
            if np.shape(g) != p.shape:     # numpy would broadcast silently
                raise ValueError(f"grads[{i}] has shape {np.shape(g)}, but params[{i}] has "
                                 f"shape {p.shape}")
        same_arrays = (self.params is not None and len(self.params) == len(params)
                       and all(a is b for a, b in zip(self.params, params)))
        if not same_arrays:               # a new model (or new arrays): fresh state
            self.reset()
            self.params = params
            self.init_state(params)
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            self.update(i, p, np.asarray(g, dtype=p.dtype))

    def init_state(self, params) -> None:
        """Create the running state for these arrays (zeros)."""

    def update(self, i, p, g) -> None:
        """Update parameter array number i, ``p``, in place from its gradient ``g``."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v:g}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"

    def hyperparameters(self) -> dict:
        return {"lr": self.lr}


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum."""

    def __init__(self, lr, momentum=0.0):
        self.momentum = check_positive_number(momentum, "momentum", allow_zero=True, upper=1.0)
        super().__init__(lr)

    def hyperparameters(self):
        return {"lr": self.lr, "momentum": self.momentum}

    def init_state(self, params):
        self.velocity = [np.zeros_like(p) for p in params]

    def update(self, i, p, g):
        if self.momentum:
            v = self.velocity[i]
            v *= self.momentum                            # v = mu v - lr g
            v -= self.lr * g
            p += v                                        # theta = theta + v
        else:
            p -= self.lr * g                              # theta = theta - lr g


class RMSProp(Optimizer):
    """Divide each step by a running root-mean-square of recent gradients."""

    def __init__(self, lr=1e-3, rho=0.9, eps=1e-8):
        self.rho = check_positive_number(rho, "rho", allow_zero=True, upper=1.0)
        self.eps = check_positive_number(eps, "eps")
        super().__init__(lr)

    def hyperparameters(self):
        return {"lr": self.lr, "rho": self.rho, "eps": self.eps}

    def init_state(self, params):
        self.sq = [np.zeros_like(p) for p in params]

    def update(self, i, p, g):
        s = self.sq[i]
        s *= self.rho                                     # s = rho s + (1 - rho) g^2
        s += (1 - self.rho) * g**2
        p -= self.lr * g / (np.sqrt(s) + self.eps)        # theta = theta - lr g / (sqrt(s) + eps)


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba 2015): momentum on g, RMSProp on g²."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1 = check_positive_number(beta1, "beta1", allow_zero=True, upper=1.0)
        self.beta2 = check_positive_number(beta2, "beta2", allow_zero=True, upper=1.0)
        self.eps = check_positive_number(eps, "eps")
        super().__init__(lr)

    def hyperparameters(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def init_state(self, params):
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def update(self, i, p, g):
        b1, b2, t = self.beta1, self.beta2, self.t
        m, v = self.m[i], self.v[i]
        m *= b1                                           # m = b1 m + (1 - b1) g: a running mean of g
        m += (1 - b1) * g
        v *= b2                                           # v = b2 v + (1 - b2) g^2: of g^2
        v += (1 - b2) * g**2
        m_hat = m / (1 - b1**t)                           # bias corrections: m and v start at 0
        v_hat = v / (1 - b2**t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
