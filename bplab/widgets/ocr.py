"""Chapter 05 explorer: retrain a small digit reader with another learning rate or activation.

    from bplab.widgets.ocr import OCRExplorer
    ex = OCRExplorer()
    ex.show_default()      # the default view as ordinary matplotlib output (no kernel needed to read it)
    ex                     # the live widget: a learning-rate slider and an activation dropdown

Every change of a control retrains a 64-64-10 MLP on the 8x8 digits (SGD with momentum,
15 epochs; a fraction of a second) and redraws its learning curves and validation accuracy.
State the tests read: ``model``, ``history``, ``accuracy``, ``status``, ``last_message``,
``n_trainings``, ``figure``. ``try_setting(lr, activation)`` runs one setting without redrawing.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..activations import ACTIVATIONS

__all__ = ["OCRExplorer"]

CHANCE = 0.1


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (where the Output widget can show a picture)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def _default_data():
    from ..data import load_digits, train_val_test_split

    X, y = load_digits()
    X_tr, X_va, _, y_tr, y_va, _ = train_val_test_split(X, y, val_size=0.15, test_size=0.2, seed=0)
    return X_tr, y_tr, X_va, y_va


class OCRExplorer:
    """Learning rate and activation for a digit-reading MLP, retrained on every change.

    Parameters
    ----------
    lr : float, the starting learning rate (SGD with ``momentum``)
    activation : str, the starting hidden activation (any of ``bplab.ACTIVATIONS``)
    hidden : int, width of the single hidden layer
    epochs, batch_size, momentum, seed : training settings (fixed while you explore)
    data : optional ``(X_train, y_train, X_val, y_val)``; default: the 8x8 digits split as in
        notebook 05 (``train_val_test_split(val_size=0.15, test_size=0.2, seed=0)``). The test
        part is never touched here: the accuracy shown is on the validation set.
    """

    LR_MIN_EXP, LR_MAX_EXP = -4, 1     # the slider spans 1e-4 .. 10

    def __init__(self, lr=0.1, activation="relu", *, hidden=64, epochs=15, batch_size=32,
                 momentum=0.9, seed=0, data=None):
        import ipywidgets as widgets

        from .._validate import check_choice, check_int, check_positive_number

        lr = check_positive_number(lr, "lr")
        lo, hi = 10.0 ** self.LR_MIN_EXP, 10.0 ** self.LR_MAX_EXP
        if not lo <= lr <= hi:
            raise ValueError(f"lr must be between {lo:g} and {hi:g} (the slider's range), got {lr:g}")
        self.default_lr = lr
        self.default_activation = check_choice("activation", activation, ACTIVATIONS)
        self.hidden = check_int(hidden, "hidden")
        self.epochs = check_int(epochs, "epochs")
        self.batch_size = check_int(batch_size, "batch_size")
        self.momentum = check_positive_number(momentum, "momentum", allow_zero=True, upper=1.0)
        self.seed = check_int(seed, "seed", minimum=0)
        if data is None:
            data = _default_data()
        if not (isinstance(data, (tuple, list)) and len(data) == 4):
            raise TypeError("data must be a tuple (X_train, y_train, X_val, y_val)")
        self.X_train, self.y_train, self.X_val, self.y_val = (np.asarray(a) for a in data)

        style = {"description_width": "initial"}
        self.lr_slider = widgets.FloatLogSlider(
            value=lr, base=10, min=self.LR_MIN_EXP, max=self.LR_MAX_EXP, step=0.25,
            description="learning rate η", readout_format=".3g", continuous_update=False,
            style=style, layout=widgets.Layout(width="420px"))
        self.activation_dropdown = widgets.Dropdown(
            options=list(ACTIVATIONS), value=self.default_activation,
            description="hidden activation", style=style)
        self.out = widgets.Output()
        self.ui = widgets.VBox([widgets.HBox([self.lr_slider, self.activation_dropdown]), self.out])

        self.n_trainings = 0
        self.figure = None
        self._cache: dict = {}
        self._apply(self._train(lr, self.default_activation))
        self.lr_slider.observe(self._on_change, names="value")
        self.activation_dropdown.observe(self._on_change, names="value")
        self._redraw()

    # ------------------------------------------------------------- training
    def _train(self, lr, activation) -> dict:
        """Train a fresh model; return everything the view needs (cached per setting)."""
        from .. import MLP, SGD, DivergenceError, fit

        key = (round(math.log10(lr), 6), activation)
        if key in self._cache:
            return self._cache[key]
        model = MLP([self.X_train.shape[1], self.hidden, 10], activation=activation, seed=self.seed)
        opt = SGD(lr, momentum=self.momentum)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                history = fit(model, self.X_train, self.y_train, optimizer=opt, epochs=self.epochs,
                              batch_size=self.batch_size, seed=self.seed,
                              validation=(self.X_val, self.y_val), progress=False)
                diverged = None
            except DivergenceError as err:
                history, diverged = err.history, err
        self.n_trainings += 1
        res = dict(lr=lr, activation=activation, model=model, history=history)
        if diverged is not None:
            res.update(status="diverged", accuracy=None, message=(
                f"Training diverged: at epoch {diverged.epoch} the loss became infinite or NaN. "
                f"η = {lr:.3g} makes steps so large that each one overshoots further. "
                f"Try η ≤ {lr / 10:.3g}."))
        else:
            acc = float(history["val_accuracy"].iloc[-1])
            res["accuracy"] = acc
            if acc < 0.9 and lr <= 0.01:
                res.update(status="slow", message=(
                    f"Still learning: validation accuracy {acc:.3f} after {self.epochs} epochs. "
                    f"η = {lr:.3g} takes tiny steps; a larger η gets there faster."))
            elif acc < 2 * CHANCE:
                res.update(status="failed", message=(
                    f"Training failed: validation accuracy {acc:.3f} is no better than guessing (0.1). "
                    f"η = {lr:.3g} is too large: the first steps threw the hidden units into flat or "
                    f"dead regions (saturated, or ReLUs that output 0 for every input), where the "
                    f"gradients vanish and learning stops. Try a smaller η."))
            elif acc < 0.9:
                res.update(status="unstable", message=(
                    f"Unsteady: validation accuracy {acc:.3f}. η = {lr:.3g} is near the edge "
                    f"of stability; a smaller η learns more reliably."))
            else:
                res.update(status="ok", message=(
                    f"Validation accuracy {acc:.3f} after {self.epochs} epochs "
                    f"({activation}, η = {lr:.3g})."))
        self._cache[key] = res
        return res

    def try_setting(self, lr, activation) -> dict:
        """Train at one setting without touching the controls or the view; returns a dict with
        ``status`` ('ok', 'slow', 'unstable', 'failed' or 'diverged'), ``accuracy`` (validation;
        None if diverged), ``message``, ``history`` and ``model``. Same code path as the controls."""
        from .._validate import check_choice, check_positive_number

        lr = check_positive_number(lr, "lr")
        activation = check_choice("activation", activation, ACTIVATIONS)
        return dict(self._train(lr, activation))

    def _apply(self, res) -> None:
        self.model = res["model"]
        self.history = res["history"]
        self.accuracy = res["accuracy"]
        self.status = res["status"]
        self.last_message = res["message"]
        self.lr = res["lr"]
        self.activation = res["activation"]

    def _on_change(self, change=None) -> None:
        self._apply(self._train(float(self.lr_slider.value), self.activation_dropdown.value))
        self._redraw()

    # ------------------------------------------------------------- drawing
    def _draw(self, res=None):
        """Draw learning curves (loss, accuracy) for a result; returns the Figure."""
        import matplotlib.pyplot as plt

        if res is None:
            res = dict(history=self.history, status=self.status, message=self.last_message,
                       lr=self.lr, activation=self.activation, accuracy=self.accuracy)
        h = res["history"]
        fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(10, 4.4))
        if h is not None and len(h):
            ep = np.asarray(h.index)
            def positive(col):   # log axis: drop inf/NaN; cap at 1e200 (matplotlib's log ticks overflow near 1e308)
                v = np.asarray(h[col], dtype=float)
                return np.where(np.isfinite(v), np.clip(v, 1e-4, 1e200), np.nan)

            loss, vloss = positive("loss"), positive("val_loss")
            ax_l.semilogy(ep, loss, "o-", ms=3, label="training")
            ax_l.semilogy(ep, vloss, "s-", ms=3, label="validation")
            ax_a.plot(ep, h["accuracy"], "o-", ms=3, label="training")
            ax_a.plot(ep, h["val_accuracy"], "s-", ms=3, label="validation")
            ax_l.legend(loc="upper right")
            ax_a.legend(loc="center right")
        ax_l.set(xlabel="epoch", ylabel="cross-entropy loss (log scale)", xlim=(0.5, self.epochs + 0.5))
        from matplotlib.ticker import LogFormatter
        ax_l.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
        ax_l.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
        ax_a.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), xlim=(0.5, self.epochs + 0.5))
        ax_a.axhline(CHANCE, color="0.6", ls=":", lw=1)
        ax_a.text(0.7, CHANCE + 0.02, "chance (0.1)", ha="left", fontsize=8, color="0.4")
        for ax in (ax_l, ax_a):
            ax.grid(alpha=0.3)
        acc = res["accuracy"]
        head = f"{res['activation']}, η = {res['lr']:.3g}: "
        head += "diverged" if acc is None else f"validation accuracy {acc:.3f}"
        fig.suptitle(head)
        import textwrap
        colour = {"ok": "#e5f5e0", "diverged": "#fde0dd", "failed": "#fde0dd"}.get(res["status"], "#fff3cd")
        fig.text(0.5, 0.09, textwrap.fill(res["message"], 110), ha="center", va="center",
                 fontsize=10, bbox=dict(boxstyle="round", fc=colour, ec="0.5"))
        fig.tight_layout(rect=(0, 0.18, 1, 1))
        return fig

    def _redraw(self) -> None:
        """Draw the current state into the output area.

        The picture goes straight into the Output widget's ``outputs`` (one PNG, replaced in a
        single state update) instead of through ``with out: plt.show()``: no flicker, no
        ``clear_output`` messages, and nothing leaks into the notebook cell that built the
        explorer. Outside a kernel (tests) the figure is drawn but not rendered to PNG.
        """
        import matplotlib.pyplot as plt

        fig = self._draw()
        self.figure = fig
        if _in_kernel():
            import base64
            import io

            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=90)
            self.out.outputs = ({"output_type": "display_data", "metadata": {},
                                 "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                                          "text/plain": self.figure._suptitle.get_text()}},)
        plt.close(fig)

    def show_default(self):
        """Draw the view for the default learning rate and activation as ordinary output."""
        import matplotlib.pyplot as plt

        res = self._train(self.default_lr, self.default_activation)
        h = res["history"]
        if res["accuracy"] is not None:
            print(f"{res['activation']}, lr={res['lr']:g}, {self.epochs} epochs: final training loss "
                  f"{h['loss'].iloc[-1]:.4f}, validation accuracy {res['accuracy']:.4f}")
        print(res["message"])
        fig = self._draw(res)
        plt.show()
        plt.close(fig)
        return fig

    def _ipython_display_(self):
        from IPython.display import display

        display(self.ui)
