"""Chapter 05 explorer: retrain a small digit reader with another learning rate or activation.

    from bplab.chapters.ch05.explorer import OCRExplorer
    ex = OCRExplorer()
    ex.show_default()      # the default view as ordinary matplotlib output (no kernel needed to read it)
    ex                     # the live widget: a learning-rate slider and an activation dropdown

Every change of a control retrains a 64-64-10 MLP on the 8x8 digits (SGD with momentum,
15 epochs; a fraction of a second) and redraws its learning curves and validation accuracy.
When training goes wrong, the message under the curves says why, from measurements (dead
ReLUs, saturated units, a loss that blew up, one answer for every image), and suggests a
smaller η that it checked by training there.
State the tests read: ``model``, ``history``, ``accuracy``, ``status``, ``last_message``,
``n_trainings``, ``figure``, ``text`` (an HTML line under the figure repeating its title and
message, for screen readers, find-in-page and copying). ``try_setting(lr, activation)`` runs one setting without redrawing.
"""
from __future__ import annotations

import html
import math
import warnings

import numpy as np

from bplab.activations import ACTIVATIONS
from bplab.chapters._shared.display import put_figure

__all__ = ["OCRExplorer"]

CHANCE = 0.1          # ten balanced classes: guessing (or one constant answer) scores about 0.1
FAILED_BELOW = 0.2    # validation accuracy below this counts as "failed", below 0.9 as "unstable"
RUNAWAY_LOSS = 100.0  # a final training loss above this (guessing gives ln 10 = 2.3) has blown up
FLAT_FRACTION = 0.1   # a sigmoid or tanh unit whose slope f'(z) is below this fraction of its maximum
                      # sits on a flat tail ("saturated", as chapter 04 defines it)


def _default_data():
    from bplab.data import load_digits, train_val_test_split

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

        from bplab._validate import check_choice, check_int, check_positive_number, check_seed

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
        self.seed = check_seed(seed)
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
        self.text = widgets.HTML()   # the figure's title and message as text, under the figure
        self.ui = widgets.VBox([widgets.HBox([self.lr_slider, self.activation_dropdown]), self.out,
                                self.text])

        self.n_trainings = 0
        self.figure = None
        self._fits: dict = {}     # (log10 lr, activation) -> trained model and history
        self._cache: dict = {}    # the same keys -> that plus its message
        self._apply(self._train(lr, self.default_activation))
        self.lr_slider.observe(self._on_change, names="value")
        self.activation_dropdown.observe(self._on_change, names="value")
        self._redraw()

    # ------------------------------------------------------------- training
    @staticmethod
    def _key(lr, activation):
        return (round(math.log10(lr), 6), activation)

    def _fit(self, lr, activation) -> dict:
        """Train a fresh model at one setting (cached): model, history, accuracy, status."""
        from bplab import MLP, SGD, DivergenceError, fit

        key = self._key(lr, activation)
        if key in self._fits:
            return self._fits[key]
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
        res = dict(lr=lr, activation=activation, model=model, history=history,
                   diverged_epoch=None if diverged is None else diverged.epoch)
        if diverged is not None:
            res.update(status="diverged", accuracy=None)
        else:
            acc = float(history["val_accuracy"].iloc[-1])
            res["accuracy"] = acc
            if acc < 0.9 and lr <= 0.01:
                res["status"] = "slow"
            elif acc < FAILED_BELOW:
                res["status"] = "failed"
            elif acc < 0.9:
                res["status"] = "unstable"
            else:
                res["status"] = "ok"
        self._fits[key] = res
        return res

    def diagnose(self, model) -> dict:
        """What the hidden layer of a trained ``model`` looks like on the training images.

        ``dead``: share of hidden units whose pre-activation is <= 0 for every training image
        (a ReLU there outputs 0 and passes no gradient; a leaky ReLU passes 1 %);
        ``saturated``: share of (image, unit) values where the activation's slope is below
        ``FLAT_FRACTION`` = 10 % of its maximum, chapter 04's definition (sigmoid: 0.025, tanh:
        0.1; 0 for the other activations); ``constant``: the one
        digit predicted for every validation image, or None. (The ``diagnosis`` of a failed or
        unstable setting adds ``final_loss``, the last training loss.) The numbers are the
        model's own forward pass and its activation's ``saturated_fraction``."""
        act = model.activations[0]
        with np.errstate(all="ignore"):
            _, cache = model.forward(self.X_train, return_cache=True)
            _, Z, A = cache[0]                    # the hidden layer: Z = X W1 + b1, A = f(Z)
            # saturated_fraction's threshold is a fraction of the peak slope, as in chapter 04
            saturated = (act.saturated_fraction(A, below=FLAT_FRACTION)
                         if act.name in ("sigmoid", "tanh") else 0.0)
            pred = model.predict(self.X_val)
        return {"dead": float(np.mean((Z <= 0).all(axis=0))),
                "saturated": saturated,
                "constant": int(pred[0]) if np.all(pred == pred[0]) else None}

    def _suggest(self, lr, activation) -> str:
        """Look for a working η below ``lr`` (tenths, down to the slider's end) by training there."""
        for k in range(1, 6):
            cand = lr / 10 ** k
            if cand < 10.0 ** self.LR_MIN_EXP * (1 - 1e-9):
                break
            r = self._fit(cand, activation)
            if r["status"] == "ok":
                return (f"Try η = {cand:.3g}: checked, it reaches validation accuracy "
                        f"{r['accuracy']:.3f}.")
        return "Try a smaller η."

    def _message(self, res) -> tuple[str, dict]:
        """The sentence shown under the curves, built from what was measured."""
        lr, act, h, status = res["lr"], res["activation"], res["history"], res["status"]
        acc = res["accuracy"]
        if status == "diverged":
            return (f"Training diverged: at epoch {res['diverged_epoch']} the loss became infinite or NaN. "
                    f"η = {lr:.3g} makes steps so large that each one overshoots further. "
                    + self._suggest(lr, act)), {}
        final_loss = float(h["loss"].iloc[-1])
        if status == "ok":
            return (f"Validation accuracy {acc:.3f} after {self.epochs} epochs ({act}, η = {lr:.3g}); "
                    f"final training loss {final_loss:.4f}."), {}
        if status == "slow":
            return (f"Still learning: validation accuracy {acc:.3f} after {self.epochs} epochs. "
                    f"η = {lr:.3g} takes tiny steps; a larger η gets there faster."), {}
        d = self.diagnose(res["model"])
        d["final_loss"] = final_loss
        if status == "failed":
            head = (f"Training failed: validation accuracy {acc:.3f}, "
                    + ("no better than guessing (chance is 0.1)." if acc <= CHANCE + 0.01
                       else "barely above chance (0.1)."))
        else:
            head = f"Unstable: validation accuracy {acc:.3f} after {self.epochs} epochs."
        why = []
        runaway = final_loss > RUNAWAY_LOSS
        if act == "linear":
            why.append("A linear unit has slope 1 everywhere, so no unit is dead or saturated: "
                       "the step size alone is the problem.")
        if runaway:
            why.append(f"The training loss ended at {final_loss:.3g}, far above the 2.3 of a network "
                       f"that guesses: η = {lr:.3g} makes the steps overshoot, and the weights blow up.")
        if act == "relu" and d["dead"] >= 0.5:
            why.append(f"{d['dead']:.0%} of the hidden ReLUs output 0 for every training image; "
                       f"their slope there is 0, so no gradient reaches them and they never recover.")
        elif act == "leaky_relu" and d["dead"] >= 0.5 and not runaway:
            why.append(f"{d['dead']:.0%} of the hidden units are negative for every training image, where "
                       f"leaky ReLU's slope is only 0.01, so they learn 100 times more slowly.")
        elif act in ("sigmoid", "tanh") and d["saturated"] >= 0.5:
            why.append(f"{d['saturated']:.0%} of the hidden {act} values sit on its flat tails "
                       f"(slope below 10 % of its maximum), so the gradient through them nearly vanishes.")
        if d["constant"] is not None:
            hits = int(np.sum(self.y_val == d["constant"]))
            why.append(f"The network now answers {d['constant']} for every image, which is right only "
                       f"for the {hits} of {len(self.y_val)} validation images that are {d['constant']}s.")
        if not why:
            why.append(f"η = {lr:.3g} is near the edge of stability: the loss jumps about instead of "
                       f"settling.")
        return " ".join([head] + why + [self._suggest(lr, act)]), d

    def _train(self, lr, activation) -> dict:
        """Train (or fetch) one setting and describe it: everything the view needs."""
        key = self._key(lr, activation)
        if key not in self._cache:
            res = dict(self._fit(lr, activation))
            res["message"], res["diagnosis"] = self._message(res)
            self._cache[key] = res
        return self._cache[key]

    def try_setting(self, lr, activation) -> dict:
        """Train at one setting without touching the controls or the view; returns a dict with
        ``status`` ('ok', 'slow', 'unstable', 'failed' or 'diverged'), ``accuracy`` (validation;
        None if diverged), ``message``, ``diagnosis`` (see :meth:`diagnose`; filled for 'failed'
        and 'unstable'), ``history`` and ``model``. Same code path as the controls.

        For 'failed', 'unstable' and 'diverged' the message suggests a smaller η that was
        checked by training there (η/10, η/100, ...; those runs are cached too)."""
        from bplab._validate import check_choice, check_positive_number

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
        from bplab.chapters.ch05.plots import label_log_axis
        label_log_axis(ax_l)      # plain numbers at 1, 2 and 5 times each power of ten
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
        # no line break inside "η = 0.1" (textwrap does not break at a no-break space)
        text = textwrap.fill(res["message"].replace("η = ", "η\u00a0=\u00a0"), 115)
        bottom = 0.1 + 0.045 * (text.count("\n") + 1)        # room for the message box
        fig.text(0.5, bottom / 2, text, ha="center", va="center",
                 fontsize=10, bbox=dict(boxstyle="round", fc=colour, ec="0.5"))
        fig.tight_layout(rect=(0, bottom, 1, 1))
        return fig

    def _redraw(self) -> None:
        """Draw the current state into the output area (outside a kernel: only draw it)."""
        fig = self._draw()
        self.figure = fig
        self._update_text()
        put_figure(self.out, fig)

    def title(self) -> str:
        """The figure's title for the current setting, e.g. ``relu, η = 0.1: validation accuracy 0.972``."""
        head = f"{self.activation}, η = {self.lr:.3g}: "
        return head + ("diverged" if self.accuracy is None else f"validation accuracy {self.accuracy:.3f}")

    def _update_text(self) -> None:
        """Put the figure's title and message into the text line under it."""
        colour = {"ok": "#1a7f37", "diverged": "#b42318", "failed": "#b42318"}.get(self.status, "#8a5a00")
        self.text.value = ("<div style='font-size:12px;line-height:1.35'>"
                           f"<b>{html.escape(self.title(), quote=False)}</b><br>"
                           f"<span style='color:{colour}'>"
                           f"{html.escape(self.last_message, quote=False)}</span></div>")

    def show_default(self):
        """Draw the view for the default learning rate and activation as ordinary output,
        with one printed line of its numbers (plus the message when something went wrong)."""
        import matplotlib.pyplot as plt

        res = self._train(self.default_lr, self.default_activation)
        h = res["history"]
        if res["accuracy"] is not None:
            print(f"{res['activation']}, η = {res['lr']:g}, {self.epochs} epochs: final training loss "
                  f"{h['loss'].iloc[-1]:.4f}, validation accuracy {res['accuracy']:.4f}")
        if res["status"] != "ok":
            print(res["message"])
        fig = self._draw(res)
        plt.show()
        plt.close(fig)
        return fig

    def _ipython_display_(self):
        from IPython.display import display

        display(self.ui)
