r"""Autoencoders: backpropagation with the input as its own target.

An autoencoder is an MLP trained to reproduce its input through a narrow middle layer,
the *code*. ``sizes`` lists the encoder widths from the input to the code, e.g.
``[64, 32, 8]``; the decoder mirrors them (8 → 32 → 64). The code layer and the output
layer are affine; all other layers use ``activation``. The loss is the mean squared
reconstruction error over all elements, :math:`\frac{1}{ND}\sum (\hat x - x)^2`.

* ``activation="linear"`` (or ``sizes=[64, 8]``) gives a *linear* autoencoder: its best
  solution spans the same subspace as the top principal components (Baldi & Hornik 1989).
* With nonlinear hidden layers it can beat PCA at the same code size
  (Hinton & Salakhutdinov 2006).
* ``noise > 0`` makes it a *denoising* autoencoder: during training, Gaussian noise of that
  standard deviation is added to each input while the target stays clean. (Vincent et al.
  2008 introduced denoising autoencoders with masking noise, zeroing a random fraction of
  the inputs; additive Gaussian noise is one of the corruptions of Vincent et al. 2010.)
* ``output_activation="sigmoid"`` squashes the reconstruction into (0, 1), e.g. for pixels.
"""
from __future__ import annotations

import numpy as np

from . import losses as _losses
from ._validate import as_float_matrix, check_choice, check_positive_number
from .activations import ACTIVATIONS
from .network import _check_sizes, _Network

__all__ = ["Autoencoder"]


class Autoencoder(_Network):
    """Encoder ``sizes`` (input → code), mirrored decoder, MSE reconstruction loss."""

    loss = "mse"
    is_classifier = False

    def __init__(self, sizes, activation="tanh", seed=0, dtype=np.float64, *,
                 output_activation=None, noise=0.0, init="auto", init_std=None, bias_std=0.0):
        enc = _check_sizes(sizes)
        activation = check_choice("activation", activation, ACTIVATIONS)
        if output_activation is None:
            output_activation = "linear"
        output_activation = check_choice("output_activation", output_activation, ACTIVATIONS)
        self.noise = check_positive_number(noise, "noise", allow_zero=True)
        self.activation = activation
        self.output_activation = output_activation
        self.encoder_sizes = enc
        full = enc + enc[-2::-1]
        k = len(enc) - 1                      # layers in the encoder
        acts = [activation] * (k - 1) + ["linear"] + [activation] * (k - 1) + [output_activation]
        self._setup(full, acts, "mse", seed, dtype, init, init_std, bias_std, activation)
        self._n_enc = k

    def __repr__(self):
        return (f"Autoencoder(sizes={self.encoder_sizes}, activation={self.activation!r}, "
                f"output_activation={self.output_activation!r}, noise={self.noise:g}, "
                f"dtype={self.dtype.name}, n_params={self.n_params})")

    @property
    def code_size(self) -> int:
        return self.encoder_sizes[-1]

    # ------------------------------------------------------------------ maths
    def _run(self, A, layers):
        for l in layers:
            Z = A @ self.params[2 * l]
            Z += self.params[2 * l + 1]
            A = self._acts[l].f_inplace(Z)
        return A

    def encode(self, X):
        """The code (n, code_size) for inputs X (n, input_size)."""
        return self._run(self._check_X(X), range(self._n_enc))

    def decode(self, C):
        """Reconstructions (n, input_size) from codes C (n, code_size)."""
        C = as_float_matrix(C, "C (codes)", n_features=self.code_size, dtype=self.dtype,
                            allow_1d_row=True)
        return self._run(C, range(self._n_enc, self.n_layers))

    def reconstruct(self, X):
        """decode(encode(X))."""
        out, _ = self._forward(self._check_X(X), keep=False)
        return out

    forward = reconstruct
    __call__ = reconstruct

    def loss_and_grads(self, X, y=None):
        """Mean squared reconstruction error of X and its gradients (no noise added)."""
        self._check_params_intact()
        if y is not None:
            raise TypeError("Autoencoder.loss_and_grads(X) takes no targets: the target is X itself")
        X = self._check_X(X)
        out, outs = self._forward(X)
        loss, dOut = _losses.mse(out, X)
        return loss, self._backward(dOut, outs)

    def reconstruction_error(self, X) -> float:
        """Mean squared error between X and its reconstruction."""
        X = self._check_X(X)
        return self._loss_value_unchecked(X, None)

    def _loss_value_unchecked(self, X, y):
        out, _ = self._forward(X, keep=False)
        return _losses.mse(out, X, grad=False)

    def evaluate(self, X, y=None) -> dict:
        return {"loss": self.reconstruction_error(X)}

    def _evaluate(self, X, y) -> dict:
        return {"loss": self._loss_value_unchecked(X, None)}

    # ------------------------------------------------- hooks used by bplab.fit
    def _prepare_fit_data(self, X, y, prefix=""):
        if y is not None:
            raise TypeError(f"fit(autoencoder, X): an Autoencoder learns without labels; "
                            f"omit {prefix}y (the target is the input itself)")
        return self._check_X(X, prefix + "X"), None

    def _train_batch(self, xb, yb, rng, out=None):
        if self.noise:
            xin = xb + self.noise * rng.standard_normal(xb.shape).astype(self.dtype, copy=False)
        else:
            xin = xb
        output, outs = self._forward(xin)
        loss, dOut = _losses.mse(output, xb)
        return loss, self._backward(dOut, outs, out), None

    def _meta(self):
        return dict(kind="Autoencoder", sizes=self.encoder_sizes, activation=self.activation,
                    output_activation=self.output_activation, noise=self.noise, seed=self.seed)
