r"""The multilayer perceptron: a stack of dense layers trained by backpropagation.

Forward pass (layer :math:`l = 1..L`, with :math:`A_0 = X`)::

    Z_l = A_{l-1} W_l + b_l        A_l = f_l(Z_l)

The hidden layers use the chosen activation; the output layer is affine (f_L = identity),
so the network outputs logits for ``cross_entropy`` and values for ``mse``.

Backward pass: start from dL/dA_L (given by the loss), then for l = L..1::

    dZ_l = dA_l * f_l'(Z_l)        (element-wise)
    dW_l = A_{l-1}^T dZ_l          db_l = sum_rows dZ_l
    dA_{l-1} = dZ_l W_l^T

That loop, in :meth:`_Network._backward`, is all of backpropagation.

Storage: ``params`` is a list of ordinary arrays ``[W1, b1, W2, b2, ...]``, but they are all
views of one contiguous 1-D array (made by ``_pack``). Nothing changes for a reader or
user (read them, change them in place, hand them to an optimiser); it only lets
``bplab.fit`` update every parameter of the model in a handful of vectorised operations
instead of a few per array, which is most of what a small network's training step costs
besides its matrix products.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from . import losses as _losses
from ._validate import (as_float_matrix, as_labels, as_target_matrix, check_choice,
                        check_dtype, check_int)
from .activations import ACTIVATIONS, get_activation
from .init import init_weights

__all__ = ["MLP", "load"]

FORMAT_VERSION = 1


def _check_sizes(sizes, name="sizes", minimum_len=2):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"{name} must be a list of layer widths like [64, 128, 10], got {sizes!r:.60}")
    sizes = list(sizes)
    if len(sizes) < minimum_len:
        raise ValueError(f"{name} needs at least {minimum_len} widths (input and output), got {sizes}")
    out = []
    for i, s in enumerate(sizes):
        try:
            out.append(check_int(s, f"{name}[{i}]", minimum=1))
        except (TypeError, ValueError) as e:
            raise type(e)(f"{e} (in {name}={sizes})") from None
    return out


def _split(flat, shapes):
    """Views of the 1-D array ``flat``, one per shape, laid end to end (C order)."""
    views, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[start:start + size].reshape(shape))
        start += size
    if start != flat.size:
        raise ValueError(f"shapes {list(shapes)} hold {start} numbers, the buffer {flat.size}")
    return views


def _pack(arrays, dtype=None):
    """Copy ``arrays`` into one new contiguous 1-D buffer; return ``(buffer, views)`` where
    ``views[i]`` is shaped like ``arrays[i]``, holds its values and lives in the buffer."""
    arrays = [np.asarray(a) for a in arrays]
    dtype = np.dtype(dtype) if dtype is not None else np.result_type(*arrays)
    flat = np.empty(sum(a.size for a in arrays), dtype=dtype)
    views = _split(flat, [a.shape for a in arrays])
    for v, a in zip(views, arrays):
        v[...] = a
    return flat, views


class _Network:
    """Shared machinery: dense layers with per-layer activations, forward, backward, save."""

    # ---------------------------------------------------------------- set-up
    def _setup(self, sizes, layer_acts, loss, seed, dtype, init, init_std, bias_std, hidden_act):
        self.sizes = list(sizes)
        self.dtype = check_dtype(dtype)
        self.loss = loss
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self._acts = [get_activation(a) for a in layer_acts]
        rng = np.random.default_rng(self.seed)
        params = init_weights(self.sizes, hidden_act, init=init, std=init_std,
                              bias_std=bias_std, rng=rng, dtype=self.dtype)
        self._flat, self.params = _pack(params, self.dtype)   # one buffer, see the module notes
        self.init = init

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params))

    @property
    def weights(self):
        return self.params[0::2]

    @property
    def biases(self):
        return self.params[1::2]

    def param_names(self) -> list[str]:
        return [f"{k}{i + 1}" for i in range(self.n_layers) for k in ("W", "b")]

    # -------------------------------------------------------------- checking
    def _check_X(self, X, name="X"):
        return as_float_matrix(X, name, n_features=self.sizes[0], dtype=self.dtype, allow_1d_row=True)

    def _check_params_intact(self):
        for i, (p, name) in enumerate(zip(self.params, self.param_names())):
            layer = i // 2
            shape = (self.sizes[layer], self.sizes[layer + 1]) if i % 2 == 0 else (self.sizes[layer + 1],)
            if not isinstance(p, np.ndarray) or p.shape != shape:
                raise ValueError(f"parameter {name} has been replaced by something of shape "
                                 f"{getattr(p, 'shape', None)}; expected an array of shape {shape}")

    def _flat_params(self):
        """The 1-D array that every parameter is a view of, or None if that no longer holds
        (someone put a new array into ``params``): then fit updates the arrays one by one."""
        flat = getattr(self, "_flat", None)
        if flat is None or len(self.params) != 2 * self.n_layers:
            return None
        address = flat.__array_interface__["data"][0]
        offset = 0
        for p in self.params:
            if (type(p) is not np.ndarray or p.dtype != flat.dtype or not p.flags.c_contiguous
                    or not p.flags.writeable
                    or p.__array_interface__["data"][0] != address + offset * flat.itemsize):
                return None
            offset += p.size
        return flat if offset == flat.size else None

    # --------------------------------------------------------------- forward
    def _forward(self, X, keep: bool = True):
        """Unchecked forward pass. Returns the output and, if ``keep``, the list of
        every layer's output [A_0 = X, A_1, ..., A_L] that backward needs."""
        A = X
        outs = [X] if keep else None
        params = self.params
        for l, act in enumerate(self._acts):
            Z = A @ params[2 * l]
            Z += params[2 * l + 1]
            A = act.f_inplace(Z)
            if keep:
                outs.append(A)
        return A, outs

    def _backward(self, dOut, outs, out=None):
        """Backpropagate dL/d(output) through every layer; returns grads aligned with params.

        The gradients are written into ``out`` (arrays shaped like params: bplab.fit reuses
        one buffer every step) or, by default, into new arrays."""
        params = self.params
        grads = out if out is not None else [np.empty_like(p) for p in params]
        dA = dOut
        for l in range(len(self._acts) - 1, -1, -1):
            A = outs[l + 1]
            self._acts[l].backprop(dA, A)                  # now dA holds dZ_l = dA_l * f'(Z_l)
            A_prev = outs[l]
            np.matmul(A_prev.T, dA, out=grads[2 * l])      # dW_l = A_{l-1}^T dZ_l
            dA.sum(axis=0, out=grads[2 * l + 1])           # db_l = column sums of dZ_l
            if l > 0:
                dA = dA @ params[2 * l].T                  # dA_{l-1} = dZ_l W_l^T
        return grads

    # ------------------------------------------------------------- save/load
    def _meta(self) -> dict:
        raise NotImplementedError

    def save(self, path) -> Path:
        """Save to a ``.npz`` file (plain arrays + JSON metadata; no pickle)."""
        path = Path(os.fspath(path))
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
        meta = dict(self._meta(), format_version=FORMAT_VERSION, dtype=str(self.dtype))
        arrays = {name: p for name, p in zip(self.param_names(), self.params)}
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, __bplab_meta__=np.array(json.dumps(meta)), **arrays)
        os.replace(tmp, path)      # never leave a half-written model file behind
        return path

    def copy(self):
        """An independent copy (same architecture, copied parameters)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        if self._flat_params() is not None:
            new._flat, new.params = _pack(self.params, self.dtype)
        else:
            new._flat, new.params = None, [p.copy() for p in self.params]
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


class MLP(_Network):
    """A multilayer perceptron.

    Parameters
    ----------
    sizes : list of int
        Layer widths from input to output, e.g. ``[64, 128, 10]``.
    activation : str
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
    shape (fan_in, fan_out); optimisers update them in place.
    """

    def __init__(self, sizes, activation="relu", loss="cross_entropy", seed=0, dtype=np.float64,
                 *, init="auto", init_std=None, bias_std=0.0):
        sizes = _check_sizes(sizes)
        activation = check_choice("activation", activation, ACTIVATIONS)
        loss = _losses.get_loss(loss)
        if loss == "cross_entropy" and sizes[-1] < 2:
            raise ValueError(f"loss='cross_entropy' needs at least 2 outputs (classes), got sizes={sizes}")
        self.activation = activation
        layer_acts = [activation] * (len(sizes) - 2) + ["linear"]
        self._setup(sizes, layer_acts, loss, seed, dtype, init, init_std, bias_std, activation)
        self._loss_fn = _losses.LOSSES[loss]

    def __repr__(self):
        return (f"MLP(sizes={self.sizes}, activation={self.activation!r}, loss={self.loss!r}, "
                f"dtype={self.dtype.name}, n_params={self.n_params})")

    @property
    def is_classifier(self) -> bool:
        return self.loss == "cross_entropy"

    @property
    def n_classes(self) -> int | None:
        return self.sizes[-1] if self.is_classifier else None

    # --------------------------------------------------------------- checking
    def _check_y(self, y, n_rows, name="y"):
        if self.is_classifier:
            return as_labels(y, name, n_classes=self.sizes[-1], n_rows=n_rows)
        return as_target_matrix(y, name, n_outputs=self.sizes[-1], n_rows=n_rows, dtype=self.dtype)

    def _check_xy(self, X, y, prefix=""):
        X = self._check_X(X, prefix + "X")
        y = self._check_y(y, X.shape[0], prefix + "y")
        return X, y

    # ---------------------------------------------------------- public maths
    def forward(self, X):
        """Network output for X of shape (n, sizes[0]): logits (cross_entropy) or values (mse)."""
        out, _ = self._forward(self._check_X(X), keep=False)
        return out

    __call__ = forward

    def predict_proba(self, X):
        """Class probabilities softmax(forward(X)) (cross_entropy models only)."""
        if not self.is_classifier:
            raise TypeError("predict_proba needs a cross_entropy model; this one uses loss='mse'")
        return _losses.softmax(self.forward(X))

    def predict(self, X):
        """Class labels (cross_entropy) or the outputs themselves (mse)."""
        out = self.forward(X)
        return out.argmax(axis=1) if self.is_classifier else out

    def loss_and_grads(self, X, y):
        """Mean loss on (X, y) and its gradient for every parameter, aligned with ``params``."""
        self._check_params_intact()
        X, y = self._check_xy(X, y)
        loss, grads, _ = self._loss_and_grads(X, y)
        return loss, grads

    def _loss_and_grads(self, X, y):
        out, outs = self._forward(X)
        loss, dOut = self._loss_fn(out, y)
        return loss, self._backward(dOut, outs), out

    def _loss_value_unchecked(self, X, y) -> float:
        out, _ = self._forward(X, keep=False)
        return self._loss_fn(out, y, grad=False)

    def loss_value(self, X, y) -> float:
        X, y = self._check_xy(X, y)
        out, _ = self._forward(X, keep=False)
        return self._loss_fn(out, y, grad=False)

    def accuracy(self, X, y) -> float:
        """Fraction of rows whose predicted class equals the label."""
        if not self.is_classifier:
            raise TypeError("accuracy needs a cross_entropy model; this one uses loss='mse'")
        X, y = self._check_xy(X, y)
        out, _ = self._forward(X, keep=False)
        return float((out.argmax(axis=1) == y).mean())

    score = accuracy

    def evaluate(self, X, y) -> dict:
        """{'loss': ..., 'accuracy': ...} on a data set (accuracy for classifiers only)."""
        X, y = self._check_xy(X, y)
        return self._evaluate(X, y)

    def _evaluate(self, X, y) -> dict:
        out, _ = self._forward(X, keep=False)
        res = {"loss": self._loss_fn(out, y, grad=False)}
        if self.is_classifier:
            res["accuracy"] = float((out.argmax(axis=1) == y).mean())
        return res

    # ------------------------------------------------- hooks used by bplab.fit
    def _prepare_fit_data(self, X, y, prefix=""):
        if y is None:
            raise TypeError(f"fit(model, X, y): an MLP needs targets {prefix}y "
                            "(only an Autoencoder trains without them)")
        return self._check_xy(X, y, prefix)

    def _train_batch(self, xb, yb, rng, out=None):
        """One step's loss, gradients (written into ``out`` if given) and correct count."""
        output, outs = self._forward(xb)
        loss, dOut = self._loss_fn(output, yb)
        correct = int((output.argmax(axis=1) == yb).sum()) if self.is_classifier else None
        return loss, self._backward(dOut, outs, out), correct

    # ------------------------------------------------ per-layer diagnostics
    def layer_trace(self, X, y):
        """Everything one forward + backward pass computes, layer by layer (slow, clear).

        Returns a list with one dict per layer: ``Z`` (pre-activation), ``A`` (output),
        ``delta`` (dL/dZ), ``dW``, ``db``, ``local_slope`` (f'(Z)), plus ``name`` and
        ``activation``.
        """
        self._check_params_intact()
        X, y = self._check_xy(X, y)
        A, Zs, As = X, [], []
        for l, act in enumerate(self._acts):
            Z = A @ self.params[2 * l] + self.params[2 * l + 1]
            A = act.f(Z)
            Zs.append(Z)
            As.append(A)
        _, dA = self._loss_fn(A.copy(), y)
        layers = [None] * self.n_layers
        for l in range(self.n_layers - 1, -1, -1):
            act = self._acts[l]
            slope = act.grad_from_output(As[l])
            delta = dA * slope
            A_prev = X if l == 0 else As[l - 1]
            layers[l] = dict(name=f"layer {l + 1}", activation=act.name, Z=Zs[l], A=As[l],
                             local_slope=slope, delta=delta, dW=A_prev.T @ delta,
                             db=delta.sum(axis=0))
            dA = delta @ self.params[2 * l].T
        return layers

    def layer_stats(self, X, y):
        """A pandas DataFrame, one row per layer: activation statistics and gradient norms.

        Columns: ``layer``, ``shape``, ``activation``, ``act_mean``, ``act_std``,
        ``saturated`` (fraction of units whose local slope f'(z) is below 10 % of its
        maximum: sigmoid/tanh near their flat tails, ReLU at zero), ``grad_W_norm``,
        ``grad_b_norm`` (the length of dL/db, the "speed of learning" Nielsen plots),
        ``W_norm``.
        """
        import pandas as pd

        rows = []
        for l, t in enumerate(self.layer_trace(X, y)):
            act = self._acts[l]
            max_slope = {"sigmoid": 0.25}.get(act.name, 1.0)
            rows.append(dict(
                layer=l + 1,
                shape=f"{self.sizes[l]}x{self.sizes[l + 1]}",
                activation=t["activation"],
                act_mean=float(t["A"].mean()),
                act_std=float(t["A"].std()),
                saturated=float((t["local_slope"] < 0.1 * max_slope).mean())
                if act.name != "linear" else 0.0,
                grad_W_norm=float(np.linalg.norm(t["dW"])),
                grad_b_norm=float(np.linalg.norm(t["db"])),
                W_norm=float(np.linalg.norm(self.params[2 * l])),
            ))
        return pd.DataFrame(rows).set_index("layer")

    def gradient_norms(self, X, y, which="b"):
        """Per-layer gradient norms as a numpy array (which='b' or 'W'), first layer first."""
        which = check_choice("which", which, {"b", "w"})
        key = "db" if which == "b" else "dW"
        return np.array([np.linalg.norm(t[key]) for t in self.layer_trace(X, y)])

    # ---------------------------------------------------------------- saving
    def _meta(self):
        return dict(kind="MLP", sizes=self.sizes, activation=self.activation, loss=self.loss,
                    seed=self.seed)


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
        raise ValueError(f"model file {path} is not a readable .npz file ({type(e).__name__}: {e})") from None
    if "__bplab_meta__" not in files:
        raise ValueError(f"model file {path} has no bplab metadata; was it saved by bplab's .save()?")
    try:
        meta = json.loads(str(files.pop("__bplab_meta__")))
    except json.JSONDecodeError:
        raise ValueError(f"model file {path}: its metadata is corrupt") from None
    kind = meta.get("kind")
    dtype = np.dtype(meta.get("dtype", "float64"))
    if kind == "MLP":
        model = MLP(meta["sizes"], meta["activation"], meta["loss"], seed=meta.get("seed", 0), dtype=dtype)
    elif kind == "Autoencoder":
        from .autoencoder import Autoencoder
        model = Autoencoder(meta["sizes"], meta["activation"], seed=meta.get("seed", 0), dtype=dtype,
                            output_activation=meta.get("output_activation"),
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
