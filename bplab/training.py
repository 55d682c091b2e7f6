"""The training loop: shuffle, cut into mini-batches, backprop, step, repeat.

Each step is the four lines notebook 02 teaches, through the model's and the optimiser's
public methods only::

    out, cache = model.forward(xb, return_cache=True)
    loss, dOut = model.loss_fn(out, yb)
    grads = model.backward(dOut, cache)
    optimizer.step(model.params, grads)

(``model.training_input(xb, rng)`` is ``xb`` itself, or ``xb`` plus noise for a denoising
autoencoder, whose targets ``yb`` are the clean inputs.) ``fit`` returns a pandas DataFrame with
one row per epoch. Train ``loss``/``accuracy`` are averages over the epoch's mini-batches,
measured as the model changes during the epoch (as Keras reports them); ``val_loss`` and
``val_accuracy`` are measured on the validation set at the end of the epoch.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ._validate import check_int, check_seed
from .optim import Optimizer

__all__ = ["fit", "DivergenceError"]


class DivergenceError(RuntimeError):
    """Training stopped because the loss or a parameter stopped being a finite number.

    The model keeps finite parameters (the last ones known to be finite). Attributes:
    ``epoch`` and ``step`` (1-based, where it happened), ``loss``, ``lr`` and ``history``
    (the DataFrame of the epochs completed before it happened).
    """

    def __init__(self, message, *, epoch, step, loss, lr, history=None):
        super().__init__(message)
        self.epoch, self.step, self.loss, self.lr = epoch, step, loss, lr
        self.history = history


def _params_finite(params) -> bool:
    return all(np.isfinite(p).all() for p in params)


def _history_frame(rows):
    import pandas as pd
    df = pd.DataFrame(rows)
    if len(df):
        df = df.set_index("epoch")
    return df


def fit(model, X, y=None, *, optimizer, epochs, batch_size, seed=0, validation=None,
        progress=True, desc=None):
    """Train ``model`` (an MLP or Autoencoder) in place with mini-batch gradient descent.

    Parameters
    ----------
    model : bplab.MLP or bplab.Autoencoder
    X, y : training inputs and targets (y is omitted for an Autoencoder)
    optimizer : bplab.SGD / RMSProp / Adam instance
    epochs : int >= 1
    batch_size : int >= 1 (larger than the data set means full-batch descent)
    seed : int, seeds the shuffling (and an Autoencoder's input noise)
    validation : (X_val, y_val) for an MLP, or X_val for an Autoencoder
    progress : show a tqdm progress bar
    desc : label for the progress bar

    Returns a pandas DataFrame indexed by epoch (1, 2, ...) with columns ``loss`` (and
    ``accuracy`` for classifiers), plus ``val_loss`` (``val_accuracy``) with validation.
    Raises :class:`DivergenceError` if the loss or the parameters become NaN or infinite.
    """
    if not all(hasattr(model, name) for name in ("params", "forward", "backward", "check_data")):
        raise TypeError(f"fit: model must be a bplab.MLP or bplab.Autoencoder, got {type(model).__name__}")
    if isinstance(optimizer, str):
        raise TypeError(f"fit: optimizer must be an optimizer object such as bplab.SGD(lr=0.1) or "
                        f"bplab.Adam(lr=1e-3), got the string {optimizer!r}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be bplab.SGD, RMSProp or Adam, got {type(optimizer).__name__}")
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = check_seed(seed)
    model.check_params()
    X, Y = model.check_data(X, y)                # Y: labels, targets, or X itself (autoencoder)
    if validation is not None:
        validation = _validation_data(model, validation)
    n = X.shape[0]
    bs = min(batch_size, n)
    rng = np.random.default_rng(seed)

    rows = []
    from tqdm.auto import tqdm  # imported here: keeps `import bplab` fast
    label = desc or f"{type(model).__name__} {type(optimizer).__name__}(lr={optimizer.lr:g})"
    bar = tqdm(range(1, epochs + 1), desc=label, disable=not progress, leave=True)
    t0 = time.perf_counter()
    step = 0
    try:
        for epoch in bar:
            snapshot = [p.copy() for p in model.params]   # last parameters known to be finite
            perm = rng.permutation(n)
            Xs, Ys = X[perm], Y[perm]
            total_loss, total_correct = 0.0, 0
            for start in range(0, n, bs):
                xb, yb = Xs[start:start + bs], Ys[start:start + bs]
                step += 1
                # the four lines of every training step: forward, loss, backward, update
                out, cache = model.forward(model.training_input(xb, rng), return_cache=True)
                loss, dOut = model.loss_fn(out, yb)
                if not math.isfinite(loss):
                    _diverged(model.params, snapshot, epoch, step, loss, optimizer, rows, "the loss")
                grads = model.backward(dOut, cache)
                optimizer.step(model.params, grads)
                total_loss += loss * xb.shape[0]
                if model.is_classifier:
                    total_correct += int((out.argmax(axis=1) == yb).sum())
            if not _params_finite(model.params):
                _diverged(model.params, snapshot, epoch, step, float("nan"), optimizer, rows, "a weight")
            row = {"epoch": epoch, "loss": total_loss / n}
            if model.is_classifier:
                row["accuracy"] = total_correct / n
            if validation is not None:
                for k, v in model.evaluate(*validation).items():
                    row["val_" + k] = v
            if not math.isfinite(row["loss"]):
                _diverged(model.params, snapshot, epoch, step, row["loss"], optimizer, rows, "the loss")
            rows.append(row)
            if progress:
                bar.set_postfix({k: f"{v:.4g}" for k, v in row.items() if k != "epoch"}, refresh=False)
    finally:
        bar.close()
    hist = _history_frame(rows)
    hist.attrs["seconds"] = time.perf_counter() - t0
    hist.attrs["steps"] = step
    return hist


def _validation_data(model, validation):
    """The arguments for ``model.evaluate``, checked: (X_val, y_val), or (X_val,) for an
    Autoencoder, which also takes X_val alone."""
    if isinstance(validation, list) and len(validation) == 2 and model.needs_targets:
        validation = tuple(validation)      # [X_val, y_val] means the same as a tuple
    if isinstance(validation, tuple) and len(validation) == 2:
        return model.check_data(*validation, prefix="validation ")       # (X_val, y_val)
    if isinstance(validation, tuple):
        raise TypeError(f"validation must be (X_val, y_val), got a tuple of {len(validation)}")
    if model.needs_targets:
        raise TypeError("validation must be (X_val, y_val) for an MLP, got "
                        f"{type(validation).__name__}"
                        + (f" of length {len(validation)}" if hasattr(validation, "__len__") else ""))
    X_val, _ = model.check_data(validation, None, prefix="validation ")
    return (X_val,)                                                      # an autoencoder's

def _diverged(params, snapshot, epoch, step, loss, optimizer, rows, what):
    if not _params_finite(params):
        for p, s in zip(params, snapshot):
            p[...] = s
    optimizer.reset()
    raise DivergenceError(
        f"training diverged at epoch {epoch}, step {step}: {what} became {loss:g} (not finite). "
        f"The learning rate lr={optimizer.lr:g} is probably too large; try a lower one "
        f"(e.g. lr={optimizer.lr / 10:g}). The model keeps its last finite parameters.",
        epoch=epoch, step=step, loss=loss, lr=optimizer.lr, history=_history_frame(rows))
