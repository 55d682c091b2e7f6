"""The training loop: shuffle, cut into mini-batches, backprop, step, repeat.

``fit`` validates its inputs once, then runs a lean loop (this is where a learner waits, so
it does as little as a hand-written numpy loop would). It returns a pandas DataFrame with
one row per epoch. Train ``loss``/``accuracy`` are averages over the epoch's mini-batches,
measured as the model changes during the epoch (as Keras reports them); ``val_loss`` and
``val_accuracy`` are measured on the validation set at the end of the epoch.
"""
from __future__ import annotations

import functools
import math
import time

import numpy as np

from ._validate import check_int
from .network import _split
from .autoencoder import Autoencoder
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
    if not hasattr(model, "_train_batch") or not hasattr(model, "params"):
        raise TypeError(f"fit: model must be a bplab.MLP or bplab.Autoencoder, got {type(model).__name__}")
    if isinstance(optimizer, str):
        raise TypeError(f"fit: optimizer must be an optimizer object such as bplab.SGD(lr=0.1) or "
                        f"bplab.Adam(lr=1e-3), got the string {optimizer!r}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be bplab.SGD, RMSProp or Adam, got {type(optimizer).__name__}")
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    model._check_params_intact()
    X, y = model._prepare_fit_data(X, y)
    if validation is not None:
        if isinstance(validation, list) and len(validation) == 2 and not isinstance(model, Autoencoder):
            validation = tuple(validation)      # [X_val, y_val] means the same as a tuple
        if isinstance(validation, tuple) and len(validation) == 2:
            Xv, yv = model._prepare_fit_data(*validation, prefix="validation ")
        elif isinstance(validation, tuple):
            raise TypeError(f"validation must be (X_val, y_val), got a tuple of {len(validation)}")
        elif isinstance(model, Autoencoder):
            Xv, yv = model._prepare_fit_data(validation, None, prefix="validation ")
        else:
            raise TypeError("validation must be (X_val, y_val) for an MLP, got "
                            f"{type(validation).__name__}"
                            + (f" of length {len(validation)}" if hasattr(validation, "__len__") else ""))
    n = X.shape[0]
    bs = min(batch_size, n)
    rng = np.random.default_rng(seed)
    params = model.params
    has_acc = getattr(model, "is_classifier", False)

    # An MLP keeps all its parameters in one 1-D array (see network.py): then backprop writes
    # every step's gradients into one reused buffer laid out the same way, and the optimiser
    # updates the whole model in a few vectorised operations. Same maths, less overhead.
    flat = model._flat_params() if hasattr(model, "_flat_params") else None
    if flat is not None:
        flat_grad = np.empty_like(flat)
        grad_out = _split(flat_grad, [p.shape for p in params])
        opt_params, opt_grads = [flat], [flat_grad]
    else:                                   # parameters replaced by hand: update them one by one
        grad_out, opt_params, opt_grads = None, params, None
    # The optimiser's state is checked once here; each step then calls the raw update.
    optimizer._ensure_state(opt_params, opt_params)
    update = optimizer._update
    train_batch = model._train_batch
    if grad_out is not None:
        train_batch = functools.partial(train_batch, out=grad_out)

    rows = []
    from tqdm.auto import tqdm  # imported here: keeps `import bplab` fast
    label = desc or f"{type(model).__name__} {type(optimizer).__name__}(lr={optimizer.lr:g})"
    bar = tqdm(range(1, epochs + 1), desc=label, disable=not progress, leave=True)
    t0 = time.perf_counter()
    step = 0
    try:
        for epoch in bar:
            snapshot = [p.copy() for p in opt_params]   # last parameters known to be finite
            perm = rng.permutation(n)
            Xs = X[perm]
            ys = y[perm] if y is not None else None
            total_loss = 0.0
            total_correct = 0
            for start in range(0, n, bs):
                xb = Xs[start:start + bs]
                yb = ys[start:start + bs] if ys is not None else None
                step += 1
                loss, grads, correct = train_batch(xb, yb, rng)
                if not math.isfinite(loss):
                    _diverged(opt_params, snapshot, epoch, step, loss, optimizer, rows, "the loss")
                update(opt_params, opt_grads if flat is not None else grads)
                total_loss += loss * xb.shape[0]
                if correct is not None:
                    total_correct += correct
            if not _params_finite(opt_params):
                _diverged(opt_params, snapshot, epoch, step, float("nan"), optimizer, rows, "a weight")
            row = {"epoch": epoch, "loss": total_loss / n}
            if has_acc:
                row["accuracy"] = total_correct / n
            if validation is not None:
                for k, v in model._evaluate(Xv, yv).items():
                    row["val_" + k] = v
            if not math.isfinite(row["loss"]):
                _diverged(opt_params, snapshot, epoch, step, row["loss"], optimizer, rows, "the loss")
            rows.append(row)
            if progress:
                bar.set_postfix({k: f"{v:.4g}" for k, v in row.items() if k != "epoch"}, refresh=False)
    finally:
        bar.close()
    hist = _history_frame(rows)
    hist.attrs["seconds"] = time.perf_counter() - t0
    hist.attrs["steps"] = step
    return hist


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
