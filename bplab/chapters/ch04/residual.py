r"""A residual (skip) connection on chapter 04's deep sigmoid network, forward and backward.

A plain hidden layer computes :math:`A_l = \sigma(Z_l)` with :math:`Z_l = A_{l-1}W_l + b_l`. A
**residual** layer (He, Zhang, Ren & Sun 2016) adds its input back:

.. math:: A_l = A_{l-1} + \sigma(Z_l),

which needs W_l square (as many outputs as inputs). One example's backward step, with its error
signals written as rows, is then

.. math:: dA_{l-1} = dA_l + \big(dA_l \odot \sigma'(Z_l)\big)\,W_l^\top ,

so the layer's Jacobian (output with respect to input) is :math:`I + \mathrm{diag}(\sigma'(z_l))\,W_l`
in place of the plain :math:`\mathrm{diag}(\sigma'(z_l))\,W_l` (as a column-vector Jacobian its
transpose: :math:`I + W_l^\top\mathrm{diag}(\sigma')`). The identity part passes the signal back
unchanged, however small :math:`\sigma'` is: a product of such factors cannot shrink to nothing.

:class:`ResidualSigmoidNet` takes its weights from a :class:`bplab.MLP` with sizes
[n_in, w, w, ..., w, K] and sigmoid hidden layers: hidden layer 1 stays plain (its input has
n_in ≠ w entries), hidden layers 2 .. H get the skip, and the output layer is the MLP's affine
layer with softmax cross-entropy. Same weights, same numbers of parameters; only the skips differ.
This lives in the chapter package, not in the core: it exists for one experiment.
"""
from __future__ import annotations

import numpy as np

from bplab.activations import sigmoid
from bplab.losses import cross_entropy
from bplab.network import MLP

__all__ = ["ResidualSigmoidNet", "train_sgd"]


class ResidualSigmoidNet:
    r"""Chapter 04's deep sigmoid MLP with a skip connection around every hidden layer after the
    first. ``params`` is [W1, b1, W2, b2, ...] (copies of the MLP's, W shaped (fan_in, fan_out)).

    ``centred=True`` adds :math:`\sigma(Z_l) - \tfrac12` instead of :math:`\sigma(Z_l)`: a skip
    whose added term has mean about 0, so the activations do not grow with depth. The constant
    does not change the backward pass."""

    def __init__(self, mlp: MLP, centred: bool = False):
        if not isinstance(mlp, MLP) or not mlp.is_classifier:
            raise TypeError("mlp must be a bplab.MLP classifier (loss='cross_entropy')")
        if any(a.name != "sigmoid" for a in mlp.activations[:-1]):
            raise ValueError("the hidden layers must be sigmoid layers")
        widths = mlp.sizes[1:-1]
        if len(widths) < 2 or len(set(widths)) != 1:
            raise ValueError(f"need at least two hidden layers of equal width, got sizes {mlp.sizes}")
        self.sizes = list(mlp.sizes)
        self.params = [p.copy() for p in mlp.params]
        self.n_layers = len(self.sizes) - 1
        if not isinstance(centred, (bool, np.bool_)):
            raise TypeError(f"centred must be True or False, got {centred!r}")
        self.centred = bool(centred)

    @property
    def weights(self):
        return self.params[0::2]

    @property
    def biases(self):
        return self.params[1::2]

    def is_residual(self, l):
        """Layer l (counting from 0) has a skip: a hidden layer after the first."""
        return 1 <= l < self.n_layers - 1

    def forward(self, X):
        """Returns ``(logits, cache)``; cache[l] = (A_prev, S) with S = σ(Z) for hidden layers."""
        A = np.asarray(X, dtype=float)
        cache = []
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            Z = A @ W + b
            if l == self.n_layers - 1:                  # affine output layer
                cache.append((A, None))
                return Z, cache
            S = sigmoid.f(Z)
            cache.append((A, S))
            if self.is_residual(l):
                A = A + (S - 0.5 if self.centred else S)   # centred: the skip adds sigma(Z) - 1/2
            else:
                A = S
        raise AssertionError("unreachable")

    def backward(self, dOut, cache):
        """Gradients [dW1, db1, ...] of the loss whose gradient w.r.t. the logits is ``dOut``
        (one row per example, the 1/N of the mean already in it)."""
        grads = [None] * len(self.params)
        dA = dOut
        for l in reversed(range(self.n_layers)):
            A_prev, S = cache[l]
            dZ = dA if S is None else dA * S * (1.0 - S)    # σ'(Z) = σ(Z)(1 - σ(Z))
            grads[2 * l] = A_prev.T @ dZ
            grads[2 * l + 1] = dZ.sum(axis=0)
            back = dZ @ self.weights[l].T
            dA = dA + back if self.is_residual(l) else back   # the skip passes dA straight through
        return grads

    def loss_and_grads(self, X, y):
        logits, cache = self.forward(X)
        loss, dOut = cross_entropy(logits, np.asarray(y))
        return loss, self.backward(dOut, cache)

    def loss_value(self, X, y):
        return cross_entropy(self.forward(X)[0], np.asarray(y), grad=False)

    def bias_grad_norms(self, X, y):
        """||dL/db|| of every layer, first layer first (output last): section 1's measurement."""
        return np.array([np.linalg.norm(g) for g in self.loss_and_grads(X, y)[1][1::2]])

    def predict(self, X):
        return self.forward(X)[0].argmax(axis=1)

    def accuracy(self, X, y):
        return float(np.mean(self.predict(X) == np.asarray(y)))


def train_sgd(model, X, y, *, lr, epochs, batch_size, seed=0):
    """Plain mini-batch SGD on ``model`` (anything with ``params`` and ``loss_and_grads``), in
    place. Shuffles with ``seed``; returns the mean training loss of every epoch (a list)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss, grads = model.loss_and_grads(X[idx], y[idx])
            for p, g in zip(model.params, grads):
                p -= lr * g
            total += loss * len(idx)
        losses.append(total / len(X))
    return losses
