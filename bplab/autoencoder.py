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

from ._validate import as_float_matrix, check_choice, check_positive_number, check_sizes
from .activations import ACTIVATIONS, get_activation
from .network import MLP

__all__ = ["Autoencoder"]


class Autoencoder(MLP):
    """Encoder ``sizes`` (input → code), mirrored decoder, MSE reconstruction loss.

    An MLP in every respect (``forward``, ``backward``, ``params``, ``fit``): only its sizes
    are mirrored, its code layer is affine and its target is its own input."""

    needs_targets = False

    def __init__(self, sizes, activation="tanh", seed=0, dtype=np.float64, *,
                 output_activation=None, noise=0.0, init="auto", init_std=None, bias_std=0.0):
        encoder = check_sizes(sizes)
        if output_activation is None:
            output_activation = "linear"
        if isinstance(output_activation, str):
            check_choice("output_activation", output_activation, ACTIVATIONS)
        output = get_activation(output_activation)
        self.noise = check_positive_number(noise, "noise", allow_zero=True)
        super().__init__(encoder + encoder[-2::-1], activation, loss="mse", seed=seed, dtype=dtype,
                         init=init, init_std=init_std, bias_std=bias_std)
        self.encoder_sizes = encoder
        self.n_encoder_layers = len(encoder) - 1
        self.activations[self.n_encoder_layers - 1] = get_activation("linear")   # the code
        self.activations[-1] = output
        self.output_activation = output.name

    def __repr__(self):
        return (f"Autoencoder(sizes={self.encoder_sizes}, activation={self.activation!r}, "
                f"output_activation={self.output_activation!r}, noise={self.noise:g}, "
                f"dtype={self.dtype.name}, n_params={self.n_params})")

    @property
    def code_size(self) -> int:
        return self.encoder_sizes[-1]

    # ------------------------------------------------------------------ maths
    def encode(self, X):
        """The code (n, code_size) for inputs X (n, input_size)."""
        A = self.check_X(X)
        for l in range(self.n_encoder_layers):
            _, A = self.layer_forward(l, A)
        return A

    def decode(self, C):
        """Reconstructions (n, input_size) from codes C (n, code_size)."""
        A = as_float_matrix(C, "C (codes)", n_features=self.code_size, dtype=self.dtype,
                            allow_1d_row=True)
        for l in range(self.n_encoder_layers, self.n_layers):
            _, A = self.layer_forward(l, A)
        return A

    def reconstruct(self, X):
        """decode(encode(X)), which is forward(X)."""
        return self.forward(X)

    def loss_and_grads(self, X, y=None):
        """Mean squared reconstruction error of X and its gradients (no noise added)."""
        return super().loss_and_grads(X, y)

    def reconstruction_error(self, X) -> float:
        """Mean squared error between X and its reconstruction."""
        return self.loss_value(X)

    def loss_value(self, X, y=None) -> float:
        return super().loss_value(X, y)

    def evaluate(self, X, y=None) -> dict:
        return super().evaluate(X, y)

    def check_data(self, X, y=None, prefix=""):
        """Validated ``(X, X)``: the target of an autoencoder is its input."""
        if y is not None:
            raise TypeError(f"an Autoencoder takes no targets {prefix}y: it learns without "
                            "labels, its target is the input itself")
        X = self.check_X(X, prefix + "X")
        return X, X

    def training_input(self, X, rng):
        """X plus fresh Gaussian noise of std ``noise`` (denoising), or X itself."""
        if not self.noise:
            return X
        return X + self.noise * rng.standard_normal(X.shape).astype(self.dtype, copy=False)

    def _meta(self):
        return dict(kind="Autoencoder", sizes=self.encoder_sizes, activation=self.activation,
                    output_activation=self.output_activation, noise=self.noise, seed=self.seed)
