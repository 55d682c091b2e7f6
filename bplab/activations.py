r"""Activation functions and their derivatives, vectorised over numpy arrays.

Each activation is an :class:`Activation` with

* ``f(z)``            the function itself,
* ``derivative(z)``   :math:`f'(z)`, for plotting and for teaching,
* ``grad_from_output(a)``  :math:`f'(z)` written in terms of the output :math:`a = f(z)`;
  the backward pass uses this form because the forward pass already stored ``a``
  (for the sigmoid :math:`\sigma' = a(1-a)`, for tanh :math:`1-a^2`).

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


# In-place versions used by the network's hot path: they overwrite their argument
# instead of allocating a new array on every mini-batch step.
def _sigmoid_inplace(z):
    z *= 0.5
    np.tanh(z, out=z)
    z *= 0.5
    z += 0.5
    return z


def _tanh_inplace(z):
    return np.tanh(z, out=z)


def _relu_inplace(z):
    return np.maximum(z, 0, out=z)


def _leaky_inplace(z):
    # max(z, 0.01 z) is z for z > 0 and 0.01 z for z < 0
    return np.maximum(z, z * LEAKY_SLOPE, out=z)


def _sigmoid_backprop(dA, a):
    dA *= a * (1.0 - a)


def _tanh_backprop(dA, a):
    dA *= 1.0 - a * a


def _relu_backprop(dA, a):
    np.multiply(dA, a > 0, out=dA)


def _leaky_backprop(dA, a):
    dA *= np.where(a > 0, 1.0, LEAKY_SLOPE).astype(dA.dtype, copy=False)


def _noop(dA, a):
    pass


def _ones_like(a):
    return np.ones_like(a)


@dataclass(frozen=True)
class Activation:
    name: str
    f: Callable[[np.ndarray], np.ndarray]
    grad_from_output: Callable[[np.ndarray], np.ndarray]
    formula: str          # LaTeX, for plots and notebooks
    derivative_formula: str
    f_inplace: Callable[[np.ndarray], np.ndarray] = _identity
    backprop: Callable[[np.ndarray, np.ndarray], None] = _noop  # dA *= f'(z), given a = f(z)

    def __call__(self, z):
        return self.f(np.asarray(z, dtype=np.result_type(np.asarray(z).dtype, np.float32)))

    def derivative(self, z):
        """f'(z), evaluated at the input z."""
        z = np.asarray(z, dtype=np.result_type(np.asarray(z).dtype, np.float32))
        return self.grad_from_output(self.f(z))

    def __repr__(self):
        return f"Activation({self.name!r})"


sigmoid = Activation("sigmoid", _sigmoid, _sigmoid_grad_from_output,
                     r"\sigma(z) = \frac{1}{1+e^{-z}}", r"\sigma'(z) = \sigma(z)\,(1-\sigma(z))",
                     _sigmoid_inplace, _sigmoid_backprop)
tanh = Activation("tanh", np.tanh, _tanh_grad_from_output,
                  r"\tanh(z)", r"\tanh'(z) = 1-\tanh^2(z)",
                  _tanh_inplace, _tanh_backprop)
relu = Activation("relu", _relu, _relu_grad_from_output,
                  r"\mathrm{ReLU}(z) = \max(0, z)", r"\mathrm{ReLU}'(z) = [z > 0]",
               _relu_inplace, _relu_backprop)
leaky_relu = Activation("leaky_relu", _leaky, _leaky_grad_from_output,
                        r"\mathrm{LReLU}(z) = \max(0.01z, z)", r"\mathrm{LReLU}'(z) = 1 \text{ if } z>0 \text{ else } 0.01",
                        _leaky_inplace, _leaky_backprop)
linear = Activation("linear", _identity, _ones_like, r"f(z) = z", r"f'(z) = 1")

ACTIVATIONS = {a.name: a for a in (sigmoid, tanh, relu, leaky_relu, linear)}


def get_activation(name) -> Activation:
    """Look an activation up by name ('sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear')."""
    if isinstance(name, Activation):
        return name
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]
