r"""The multilayer perceptron: a stack of dense layers trained by backpropagation.

Notation (the notebooks' own): layer :math:`l = 1..n` has weights ``W`` of shape
(fan_in, fan_out) and bias ``b``; :math:`A_0 = X`; L is the loss; ``dZ`` means
:math:`\partial L/\partial Z`, and so on.

Forward pass, for l = 1..n::

    Z_l = A_{l-1} W_l + b_l        A_l = f_l(Z_l)          (layers.dense_forward, then f_l)

The hidden layers use the chosen activation; the output layer is affine (f_n = identity),
so the network outputs logits for ``cross_entropy`` and values for ``mse``.

Backward pass: the loss gives dA_n = dL/dA_n; then for l = n..1::

    dZ_l = dA_l * f_l'(Z_l)                                 (element-wise)
    dA_{l-1}, dW_l, db_l = layers.dense_backward(dZ_l, A_{l-1}, W_l)

That loop is :meth:`MLP.backward`, and it is all of backpropagation. ``loss_and_grads``,
``fit``, the per-layer diagnostics (``layer_trace``), chapter 04's experiments and the
Autoencoder all run it.

``params`` is the list ``[W1, b1, W2, b2, ...]`` of the model's own arrays; optimisers update
them in place.
"""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import numpy as np

from . import losses
from ._validate import (as_float_matrix, as_labels, as_target_matrix, check_choice,
                        check_dtype, check_seed, check_sizes)
from .activations import get_activation
from .init import init_weights
from .layers import dense_backward, dense_forward

__all__ = ["MLP", "load"]

FORMAT_VERSION = 1


class MLP:
    """A multilayer perceptron.

    Parameters
    ----------
    sizes : list of int
        Layer widths from input to output, e.g. ``[64, 128, 10]``.
    activation : str (or an :class:`~bplab.activations.Activation`)
        Hidden-layer activation: 'sigmoid', 'tanh', 'relu', 'leaky_relu' or 'linear'.
        The output layer is affine.
    loss : 'cross_entropy' or 'mse'
    seed : int
        Seeds the weight initialisation.
    dtype : np.float64 (default) or np.float32
    init : 'auto', 'xavier'/'glorot', 'he', 'lecun' or 'normal'
        'auto' is He for relu/leaky_relu and Xavier otherwise.
    init_std : float, for init='normal'
    bias_std : float
        Standard deviation of the initial biases (0 = start at zero).

    ``params`` is the list ``[W1, b1, W2, b2, ...]`` of the model's own arrays, each W of
    shape (fan_in, fan_out); ``activations`` holds one activation per layer.
    """

    is_classifier: bool
    needs_targets = True          # fit(model, X, y): an Autoencoder's target is X itself

    def __init__(self, sizes, activation="relu", loss="cross_entropy", seed=0, dtype=np.float64,
                 *, init="auto", init_std=None, bias_std=0.0):
        self.sizes = check_sizes(sizes)
        hidden = get_activation(activation)
        self.loss = losses.get_loss(loss)
        if self.loss == "cross_entropy" and self.sizes[-1] < 2:
            raise ValueError(f"loss='cross_entropy' needs at least 2 outputs (classes), "
                             f"got sizes={self.sizes}")
        self.loss_fn = losses.LOSSES[self.loss]
        self.is_classifier = self.loss == "cross_entropy"
        self.activation = hidden.name
        self.activations = [hidden] * (self.n_layers - 1) + [get_activation("linear")]
        self.seed = check_seed(seed)
        self.dtype = check_dtype(dtype)
        self.init = init
        self.params = init_weights(self.sizes, hidden.name, init=init, std=init_std,
                                   bias_std=bias_std, rng=np.random.default_rng(self.seed),
                                   dtype=self.dtype)

    def __repr__(self):
        return (f"MLP(sizes={self.sizes}, activation={self.activation!r}, loss={self.loss!r}, "
                f"dtype={self.dtype.name}, n_params={self.n_params})")

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params))

    @property
    def weights(self):
        """[W1, W2, ...], the model's own arrays."""
        return self.params[0::2]

    @property
    def biases(self):
        """[b1, b2, ...], the model's own arrays."""
        return self.params[1::2]

    @property
    def n_classes(self) -> int | None:
        return self.sizes[-1] if self.is_classifier else None

    def param_names(self) -> list[str]:
        return [f"{k}{l + 1}" for l in range(self.n_layers) for k in ("W", "b")]

    # ------------------------------------------------------------ forward
    def layer_forward(self, l, A_prev):
        """Layer l (0-based) on its input: returns ``(Z, A)`` with Z = A_prev W + b, A = f(Z)."""
        Z = dense_forward(A_prev, self.weights[l], self.biases[l])
        return Z, self.activations[l].f(Z)

    def forward(self, X, *, return_cache=False):
        """The network's output for X of shape (n, sizes[0]): logits (cross_entropy) or values.

        With ``return_cache=True`` it returns ``(output, cache)``: ``cache[l]`` is the tuple
        ``(A_prev, Z, A)`` of layer l, everything :meth:`backward` needs."""
        A = self.check_X(X)
        cache = []
        for l in range(self.n_layers):
            A_prev = A
            Z, A = self.layer_forward(l, A_prev)
            cache.append((A_prev, Z, A))
        return (A, cache) if return_cache else A

    __call__ = forward

    # ----------------------------------------------------------- backward
    def backward(self, dOut, cache, *, return_dZ=False):
        """Backpropagate dOut = dL/d(output) through every layer, last layer first.

        Returns the gradients ``[dW1, db1, dW2, db2, ...]``, aligned with ``params``
        (and, with ``return_dZ=True``, also the list ``[dZ1, dZ2, ...]``)."""
        grads = [None] * len(self.params)
        dZs = [None] * self.n_layers
        dA = dOut
        for l in reversed(range(self.n_layers)):
            A_prev, Z, A = cache[l]
            dZ = dA * self.activations[l].grad_from_output(A)      # dZ_l = dA_l * f'(Z_l)
            dA, dW, db = dense_backward(dZ, A_prev, self.weights[l], need_dX=l > 0)
            grads[2 * l], grads[2 * l + 1], dZs[l] = dW, db, dZ
        return (grads, dZs) if return_dZ else grads

    def loss_and_grads(self, X, y):
        """Mean loss on (X, y) and its gradient for every parameter, aligned with ``params``."""
        self.check_params()
        X, y = self.check_data(X, y)
        out, cache = self.forward(X, return_cache=True)
        loss, dOut = self.loss_fn(out, y)
        return loss, self.backward(dOut, cache)

    # ------------------------------------------------------ using the model
    def predict_proba(self, X):
        """Class probabilities softmax(forward(X)) (cross_entropy models only)."""
        if not self.is_classifier:
            raise TypeError("predict_proba needs a cross_entropy model; this one uses loss='mse'")
        return losses.softmax(self.forward(X))

    def predict(self, X):
        """Class labels (cross_entropy) or the outputs themselves (mse)."""
        out = self.forward(X)
        return out.argmax(axis=1) if self.is_classifier else out

    def loss_value(self, X, y) -> float:
        """The mean loss on (X, y), without gradients."""
        X, y = self.check_data(X, y)
        return self.loss_fn(self.forward(X), y, grad=False)

    def accuracy(self, X, y) -> float:
        """Fraction of rows whose predicted class equals the label."""
        if not self.is_classifier:
            raise TypeError("accuracy needs a cross_entropy model; this one uses loss='mse'")
        X, y = self.check_data(X, y)
        return float((self.forward(X).argmax(axis=1) == y).mean())

    def evaluate(self, X, y) -> dict:
        """{'loss': ..., 'accuracy': ...} on a data set (accuracy for classifiers only)."""
        X, y = self.check_data(X, y)
        out = self.forward(X)
        result = {"loss": self.loss_fn(out, y, grad=False)}
        if self.is_classifier:
            result["accuracy"] = float((out.argmax(axis=1) == y).mean())
        return result

    # ----------------------------------------------------- used by bplab.fit
    def training_input(self, X, rng):
        """What the network sees of a training batch X: X itself (a denoising
        Autoencoder adds fresh noise here)."""
        return X

    # ------------------------------------------------------- per-layer view
    def layer_trace(self, X, y):
        """Everything one forward and backward pass computes, layer by layer.

        Returns one dict per layer, first layer first: ``Z``, ``A`` (= f(Z)), ``slope``
        (f'(Z)), ``dZ``, ``dW``, ``db``, plus ``name`` and ``activation``. The numbers are
        :meth:`forward` and :meth:`backward`'s own."""
        self.check_params()
        X, y = self.check_data(X, y)
        out, cache = self.forward(X, return_cache=True)
        _, dOut = self.loss_fn(out, y)
        grads, dZs = self.backward(dOut, cache, return_dZ=True)
        trace = []
        for l, (_, Z, A) in enumerate(cache):
            act = self.activations[l]
            trace.append(dict(name=f"layer {l + 1}", activation=act.name, Z=Z, A=A,
                              slope=act.grad_from_output(A), dZ=dZs[l],
                              dW=grads[2 * l], db=grads[2 * l + 1]))
        return trace

    # ------------------------------------------------------------ checking
    def check_X(self, X, name="X"):
        """X as a C-contiguous float array of shape (n, sizes[0]) and the model's dtype."""
        return as_float_matrix(X, name, n_features=self.sizes[0], dtype=self.dtype,
                               allow_1d_row=True)

    def check_data(self, X, y, prefix=""):
        """Validated ``(X, y)``: labels in [0, n_classes) or targets of shape (n, sizes[-1])."""
        if y is None:
            self.check_y(None, prefix=prefix)      # says what y should have been
        X = self.check_X(X, prefix + "X")
        return X, self.check_y(y, X.shape[0], prefix)

    def check_y(self, y, n_rows=None, prefix=""):
        """Labels in [0, n_classes) (cross_entropy) or targets of shape (n, sizes[-1]) (mse)."""
        if self.is_classifier:
            return as_labels(y, prefix + "y", n_classes=self.sizes[-1], n_rows=n_rows)
        return as_target_matrix(y, prefix + "y", n_outputs=self.sizes[-1], n_rows=n_rows,
                                dtype=self.dtype)

    def check_params(self):
        """Raise ValueError if an entry of ``params`` was replaced by one of the wrong shape."""
        for l, name in enumerate(self.param_names()):
            layer = l // 2
            shape = ((self.sizes[layer], self.sizes[layer + 1]) if l % 2 == 0
                     else (self.sizes[layer + 1],))
            p = self.params[l] if l < len(self.params) else None
            if not isinstance(p, np.ndarray) or p.shape != shape:
                raise ValueError(f"parameter {name} has been replaced by something of shape "
                                 f"{getattr(p, 'shape', None)}; expected an array of shape {shape}")

    # ------------------------------------------------------ copies, saving
    def copy(self):
        """An independent copy (same architecture, copied parameters)."""
        new = copy.copy(self)
        new.params = [p.copy() for p in self.params]
        new.activations = list(self.activations)
        return new

    def set_params(self, params) -> None:
        """Overwrite the parameters in place from a list shaped like ``params``."""
        params = list(params)
        if len(params) != len(self.params):
            raise ValueError(f"expected {len(self.params)} arrays, got {len(params)}")
        checked = []
        for name, p, new in zip(self.param_names(), self.params, params):
            new = np.asarray(new)
            if new.shape != p.shape:
                raise ValueError(f"{name} must have shape {p.shape}, got {new.shape}")
            if new.dtype.kind not in "biuf" or not np.isfinite(new).all():
                raise ValueError(f"{name} must be finite numbers")
            checked.append(new)
        for p, new in zip(self.params, checked):   # all checked first: no half-update
            p[...] = new

    def _meta(self) -> dict:
        return dict(kind="MLP", sizes=self.sizes, activation=self.activation, loss=self.loss,
                    seed=self.seed)

    def save(self, path) -> Path:
        """Save to a ``.npz`` file (plain arrays + JSON metadata; no pickle)."""
        path = Path(os.fspath(path))
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
        meta = dict(self._meta(), format_version=FORMAT_VERSION, dtype=str(self.dtype))
        arrays = dict(zip(self.param_names(), self.params))
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, __bplab_meta__=np.array(json.dumps(meta)), **arrays)
        os.replace(tmp, path)      # never leave a half-written model file behind
        return path


# ------------------------------------------------------------------- loading
def load(path):
    """Load a model saved by ``.save()`` (refuses pickled/object arrays)."""
    path = Path(os.fspath(path))
    if not path.exists():
        raise ValueError(f"model file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as f:
            files = dict(f.items())
    except ValueError as e:
        if "pickle" in str(e).lower() or "object" in str(e).lower():
            raise ValueError(f"model file {path} holds pickled (object) arrays; bplab refuses "
                             "to load them because unpickling can run arbitrary code") from None
        raise ValueError(f"model file {path} is not a readable .npz file: {e}") from None
    except Exception as e:  # zipfile.BadZipFile, OSError, EOFError ...
        raise ValueError(f"model file {path} is not a readable .npz file "
                         f"({type(e).__name__}: {e})") from None
    if "__bplab_meta__" not in files:
        raise ValueError(f"model file {path} has no bplab metadata; was it saved by bplab's .save()?")
    try:
        meta = json.loads(str(files.pop("__bplab_meta__")))
    except json.JSONDecodeError:
        raise ValueError(f"model file {path}: its metadata is corrupt") from None
    kind = meta.get("kind")
    dtype = np.dtype(meta.get("dtype", "float64"))
    if kind == "MLP":
        model = MLP(meta["sizes"], meta["activation"], meta["loss"], seed=meta.get("seed", 0),
                    dtype=dtype)
    elif kind == "Autoencoder":
        from .autoencoder import Autoencoder     # autoencoder.py builds on this module
        model = Autoencoder(meta["sizes"], meta["activation"], seed=meta.get("seed", 0),
                            dtype=dtype, output_activation=meta.get("output_activation"),
                            noise=meta.get("noise", 0.0))
    else:
        raise ValueError(f"model file {path}: unknown model kind {kind!r}")
    names = model.param_names()
    missing = [n for n in names if n not in files]
    if missing:
        raise ValueError(f"model file {path} is missing arrays {missing}")
    for name, p in zip(names, model.params):
        a = files[name]
        if a.shape != p.shape or a.dtype.kind != "f":
            raise ValueError(f"model file {path}: {name} has shape {a.shape} dtype {a.dtype}, "
                             f"expected {p.shape} float")
        p[...] = a
    return model
