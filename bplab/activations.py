r"""Activation functions and their derivatives, vectorised over numpy arrays.

Each activation is an :class:`Activation` with two functions, and the network uses nothing else:

* ``f(z)``                 the function itself,
* ``grad_from_output(a)``  its derivative :math:`f'(z)`, written in terms of the output
  :math:`a = f(z)`; the backward pass uses this form because the forward pass already
  stored ``a`` (for the sigmoid :math:`\sigma' = a(1-a)`, for tanh :math:`1-a^2`).

``derivative(z)`` evaluates :math:`f'` at an input z, for plots and for teaching.

All are numerically safe: no overflow warnings for any finite input, however large.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validate import check_choice

__all__ = ["Activation", "ACTIVATIONS", "get_activation",
           "sigmoid", "tanh", "relu", "leaky_relu", "linear"]

LEAKY_SLOPE = 0.01


def _sigmoid(z):
    # sigma(z) = 1/(1+e^-z) = (1 + tanh(z/2)) / 2: the tanh form never overflows
    return 0.5 * np.tanh(0.5 * z) + 0.5


def _sigmoid_grad_from_output(a):
    return a * (1.0 - a)


def _tanh_grad_from_output(a):
    return 1.0 - a * a


def _relu(z):
    return np.maximum(z, 0)


def _relu_grad_from_output(a):
    return (a > 0).astype(a.dtype)


def _leaky(z):
    return np.where(z > 0, z, z * LEAKY_SLOPE)


def _leaky_grad_from_output(a):
    # the output has the sign of the input (slope > 0), so a > 0 <=> z > 0
    return np.where(a > 0, 1.0, LEAKY_SLOPE).astype(a.dtype)


def _identity(z):
    return z


def _ones_like(a):
    return np.ones_like(a)


@dataclass(frozen=True)
class Activation:
    """An activation function and its one derivative, as the network uses them.

    To add your own, give the function and its slope written in terms of the output
    ``a = f(z)``, then register it; every part of bplab (forward, backward, the diagnostics)
    uses these two and nothing else::

        softplus = Activation("softplus", lambda z: np.logaddexp(0, z),
                              lambda a: -np.expm1(-a))           # f'(z) = 1 - e^{-a}
        ACTIVATIONS["softplus"] = softplus                       # MLP(..., activation="softplus")
    """
    name: str
    f: Callable[[np.ndarray], np.ndarray]
    grad_from_output: Callable[[np.ndarray], np.ndarray]   # f'(z) written in terms of a = f(z)
    formula: str = ""             # LaTeX, for plots and notebooks
    derivative_formula: str = ""
    max_slope: float | None = None   # the largest f'(z) can be (1/4 for the sigmoid)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Activation name must be a non-empty string, got {self.name!r}")
        for field in ("f", "grad_from_output"):
            if not callable(getattr(self, field)):
                raise TypeError(f"Activation {self.name!r}: {field} must be a function, "
                                f"got {getattr(self, field)!r}")

    def __call__(self, z):
        return self.f(np.asarray(z, dtype=np.result_type(np.asarray(z).dtype, np.float32)))

    def derivative(self, z):
        """f'(z), evaluated at the input z."""
        z = np.asarray(z, dtype=np.result_type(np.asarray(z).dtype, np.float32))
        return self.grad_from_output(self.f(z))

    def peak_slope(self) -> float:
        """``max_slope`` if given, else the largest f'(z) on a fine grid of z in [-10, 10]."""
        if self.max_slope is not None:
            return float(self.max_slope)
        return float(self.derivative(np.linspace(-10.0, 10.0, 4001)).max())

    def saturated_fraction(self, A, below: float = 0.1) -> float:
        """Fraction of units, given their outputs A, whose slope f'(z) is under ``below``
        times its peak: the flat tails of sigmoid and tanh, ReLU's zero side."""
        return float((self.grad_from_output(np.asarray(A)) < below * self.peak_slope()).mean())

    def __repr__(self):
        return f"Activation({self.name!r})"


sigmoid = Activation("sigmoid", _sigmoid, _sigmoid_grad_from_output,
                     r"\sigma(z) = \frac{1}{1+e^{-z}}", r"\sigma'(z) = \sigma(z)\,(1-\sigma(z))", max_slope=0.25)
tanh = Activation("tanh", np.tanh, _tanh_grad_from_output,
                  r"\tanh(z)", r"\tanh'(z) = 1-\tanh^2(z)", max_slope=1.0)
relu = Activation("relu", _relu, _relu_grad_from_output,
                  r"\mathrm{ReLU}(z) = \max(0, z)", r"\mathrm{ReLU}'(z) = [z > 0]", max_slope=1.0)
leaky_relu = Activation("leaky_relu", _leaky, _leaky_grad_from_output,
                        r"\mathrm{LReLU}(z) = \max(0.01z, z)", r"\mathrm{LReLU}'(z) = 1 \text{ if } z>0 \text{ else } 0.01", max_slope=1.0)
linear = Activation("linear", _identity, _ones_like, r"f(z) = z", r"f'(z) = 1", max_slope=1.0)

ACTIVATIONS = {a.name: a for a in (sigmoid, tanh, relu, leaky_relu, linear)}


def get_activation(name) -> Activation:
    """Look an activation up by name ('sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear',
    or one you registered in ``ACTIVATIONS``); an :class:`Activation` is returned as is."""
    if isinstance(name, Activation):
        return name
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]
