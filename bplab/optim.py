r"""Optimisers: turn gradients into parameter updates, in place.

* ``SGD(lr, momentum=0)``:   :math:`v \leftarrow \mu v - \eta g,\quad \theta \leftarrow \theta + v`
  (with :math:`\mu = 0` this is plain gradient descent :math:`\theta \leftarrow \theta - \eta g`).
* ``RMSProp(lr, rho=0.9)``:  :math:`s \leftarrow \rho s + (1-\rho) g^2,\quad
  \theta \leftarrow \theta - \eta\, g / (\sqrt{s} + \epsilon)` (Tieleman & Hinton 2012).
* ``Adam(lr=1e-3)``:         momentum on g and RMSProp on g², both bias-corrected (Kingma & Ba 2015).

Every optimiser has ``step(params, grads)``, which updates the arrays in ``params`` in place,
and ``reset()``, which forgets its running state.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import check_positive_number

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam", "make_optimizer", "OPTIMIZERS"]


class Optimizer:
    lr: float

    def __init__(self, lr):
        self.lr = check_positive_number(lr, "lr")
        self._state_key = None
        self._state_params = None
        self.t = 0

    def reset(self) -> None:
        """Forget momentum / running averages (e.g. before training a fresh model)."""
        self._state_key = None
        self._state_params = None
        self.t = 0

    @staticmethod
    def _check_grads(params, grads):
        if len(grads) != len(params):
            raise ValueError(f"step(params, grads): got {len(params)} params but {len(grads)} grads")
        for i, (p, g) in enumerate(zip(params, grads)):
            if np.shape(g) != p.shape:
                raise ValueError(f"grads[{i}] has shape {np.shape(g)}, but params[{i}] has shape {p.shape}")

    def _ensure_state(self, params, grads):
        key = tuple((id(p), p.shape) for p in params)
        if key != self._state_key:
            self._check_grads(params, grads)
            self._state_key = key
            # Hold the arrays themselves: while they are alive no new array can get the
            # same id(), so a fresh model can never inherit a dead one's momentum.
            self._state_params = list(params)
            self.t = 0
            self._init_state(params)

    def _init_state(self, params):
        pass

    def step(self, params, grads) -> None:
        """Update every array in ``params`` in place from the matching ``grads``.
        The grads you pass are left untouched."""
        params, grads = list(params), list(grads)
        self._check_grads(params, grads)      # on every step: numpy would broadcast silently
        self._ensure_state(params, grads)
        self._update(params, [np.array(g, dtype=p.dtype) for p, g in zip(params, grads)])

    def _update(self, params, grads) -> None:
        """The update itself; may overwrite ``grads`` (bplab.fit hands it fresh arrays)."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v:g}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({args})"

    def _hyper(self):
        return {"lr": self.lr}


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum."""

    def __init__(self, lr, momentum=0.0):
        super().__init__(lr)
        self.momentum = check_positive_number(momentum, "momentum", allow_zero=True, upper=1.0)

    def _hyper(self):
        return {"lr": self.lr, "momentum": self.momentum}

    def _init_state(self, params):
        self.velocity = [np.zeros_like(p) for p in params] if self.momentum else None

    def _update(self, params, grads):
        self.t += 1
        lr = self.lr
        if self.momentum:
            mu = self.momentum
            for p, g, v in zip(params, grads, self.velocity):
                v *= mu
                g *= lr          # the gradient arrays are fresh each step: scale them in place
                v -= g
                p += v
        else:
            for p, g in zip(params, grads):
                g *= lr
                p -= g


class RMSProp(Optimizer):
    """Divide each step by a running root-mean-square of recent gradients."""

    def __init__(self, lr=1e-3, rho=0.9, eps=1e-8):
        super().__init__(lr)
        self.rho = check_positive_number(rho, "rho", allow_zero=True, upper=1.0)
        self.eps = check_positive_number(eps, "eps")

    def _hyper(self):
        return {"lr": self.lr, "rho": self.rho, "eps": self.eps}

    def _init_state(self, params):
        self.sq = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]   # reused: no new arrays per step

    def _update(self, params, grads):
        self.t += 1
        lr, rho, eps = self.lr, self.rho, self.eps
        for p, g, s, tmp in zip(params, grads, self.sq, self._scratch):
            s *= rho
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - rho
            s += tmp                       # s = rho s + (1 - rho) g^2
            denom = np.sqrt(s, out=tmp)
            denom += eps
            g *= lr
            g /= denom
            p -= g


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba 2015)."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = check_positive_number(beta1, "beta1", allow_zero=True, upper=1.0)
        self.beta2 = check_positive_number(beta2, "beta2", allow_zero=True, upper=1.0)
        self.eps = check_positive_number(eps, "eps")

    def _hyper(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def _init_state(self, params):
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]   # reused: no new arrays per step

    def _update(self, params, grads):
        self.t += 1
        b1, b2, eps = self.beta1, self.beta2, self.eps
        # bias corrections folded into the step size: lr_t = lr sqrt(1-b2^t) / (1-b1^t)
        lr_t = self.lr * math.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        eps_t = eps * math.sqrt(1.0 - b2 ** self.t)
        for p, g, m, v, tmp in zip(params, grads, self.m, self.v, self._scratch):
            m *= b1
            m += np.multiply(g, 1.0 - b1, out=tmp)   # m = b1 m + (1 - b1) g
            v *= b2
            g *= g
            g *= 1.0 - b2
            v += g                                   # v = b2 v + (1 - b2) g^2
            denom = np.sqrt(v, out=tmp)
            denom += eps_t
            np.divide(m, denom, out=denom)
            denom *= lr_t
            p -= denom


OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam}


def make_optimizer(name, lr, **kwargs) -> Optimizer:
    from ._validate import check_choice
    return OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)](lr, **kwargs)
