r"""The Playground: train a small network on a 2-D toy problem and watch what changes.

Inspired by the TensorFlow Playground (Smilkov & Carter 2016), rebuilt on bplab so that every
number comes from the backpropagation code the course writes. Each change of a control
retrains from scratch (plain mini-batch gradient descent, ``bplab.SGD(lr)``) and redraws the
loss curve and the decision boundary side by side::

    from bplab.chapters.ch02.playground import Playground
    pg = Playground()          # trains once with the default settings
    pg                         # shows the controls and the figure (in JupyterLab)
    Playground.show_default()  # the default figure as ordinary output (no live kernel needed)

What you can read after each training run (tests read them too):

``model``           the trained :class:`bplab.MLP`. Every run builds a *new* network, so
                    ``net = pg.model`` keeps the one you like while you go on playing
                    (``net.predict(X)``, ``net.save("mine.npz")``).
``history``         the DataFrame from :func:`bplab.fit`: ``loss``, ``accuracy``,
                    ``val_loss``, ``val_accuracy`` per epoch (validation = a fresh test set).
``status``          one word for how the run went (see below); ``message`` explains it
                    in a sentence ("" when ``"ok"``);
``diverged_epoch``  the epoch where training blew up (status ``"diverged"``), else None;
``diverged_step``   the mini-batch step where it blew up (counted from the first step of
                    training, as in :class:`bplab.DivergenceError`), else None;
``step_losses``     when training blew up in epoch 1 (so no epoch completed and there is no
                    loss curve): the loss of each step of that epoch up to the blow-up, else None.
``grid_x``, ``grid_y``, ``grid_probs``  the figure's background: P(class 1) on a grid
                    (``grid_probs`` is None when the model diverged).
``train_accuracy``, ``test_accuracy``  of ``model``; after a divergence that is the network
                    with the last finite weights (those from before the blow-up).
``settings``, ``train_seconds``.
``n_trains``, ``n_draws``  how many times it has trained / drawn (the figure is drawn when
                    the widget is displayed and after every change once it has been).

The statuses, checked in this order (``chance`` = ln 2 ≈ 0.693 is the cross-entropy of a
network that answers 50 : 50 for every point, i.e. a coin flip):

``"diverged"``  the loss or a weight became NaN or infinite: :func:`bplab.fit` raised
                :class:`bplab.DivergenceError` and stopped. Only this is called diverged.
``"unstable"``  training finished with finite numbers, but the loss averaged over the last
                5 epochs stayed above twice a coin flip's (2 ln 2 ≈ 1.39): the learning rate
                is too large, the network keeps jumping around instead of settling (with tanh
                the hidden units saturate, and the output layer's steps stay bounded, so in
                a few hundred epochs nothing overflows). Not called diverged, and its message
                says so: nothing became NaN or infinite.
``"slow"``      lr <= 0.01 and the loss fell by less than 10 % and is still above ln 2 / 2.
``"stuck"``     train accuracy <= 60 %: about what a coin flip gets (50 %). The message says
                how it compares, from the measured accuracy: "worse than" (below 45 %), "no
                better than" (45-55 %) or "barely better than" (55-60 %) a coin flip.
``"limited"``   a linear network (activation 'linear') below 90 % train accuracy: however
                many layers it has, it can only draw a straight line.
``"weak"``      a nonlinear network that learned only part of the pattern: train or test
                accuracy below 90 % (e.g. the spirals at the default settings).
``"ok"``        none of the above: at least 90 % of the training *and* of the test points right.
"""
from __future__ import annotations

import math
import time

import numpy as np

from bplab._validate import check_choice, check_int, check_positive_number
from bplab.activations import ACTIVATIONS
from bplab.data import TOY_DATASETS, make_toy
from bplab.network import MLP
from bplab.optim import SGD
from bplab.training import DivergenceError, fit
from bplab.chapters._shared.display import put_figure

__all__ = ["Playground", "DEFAULTS", "STATUSES", "GOOD_ACCURACY", "coin_flip_words", "LR_RANGE",
           "WIDTH_RANGE", "DEPTH_RANGE", "EPOCH_RANGE"]

#: the default settings (also what :meth:`Playground.show_default` draws)
DEFAULTS = dict(dataset="moons", activation="tanh", lr=0.3, width=8, depth=2, epochs=100, seed=0)
LR_RANGE = (1e-4, 10.0)
WIDTH_RANGE = (1, 32)
DEPTH_RANGE = (1, 4)
EPOCH_RANGE = (10, 500)
SEED_RANGE = (0, 999)

_STYLE = {"description_width": "initial"}
# d3-format ".3" (the slider's readout) is 3 significant digits with trailing zeros trimmed: over
# LR_RANGE exactly what Python's f"{lr:.3g}" writes, so the readout and the figure show one number.
LR_READOUT = ".3"

#: every value ``Playground.status`` can take, in the order they are checked (see the module doc)
STATUSES = ("diverged", "unstable", "slow", "stuck", "limited", "weak", "ok")
#: "ok" (and not "weak") needs at least this train and test accuracy
GOOD_ACCURACY = 0.9


_CHECKS = {
    "dataset": lambda v: check_choice("dataset", v, TOY_DATASETS),
    "activation": lambda v: check_choice("activation", v, ACTIVATIONS),
    "lr": lambda v: _check_range(v, "lr", *LR_RANGE, integer=False),
    "width": lambda v: _check_range(v, "width", *WIDTH_RANGE, integer=True),
    "depth": lambda v: _check_range(v, "depth", *DEPTH_RANGE, integer=True),
    "epochs": lambda v: _check_range(v, "epochs", *EPOCH_RANGE, integer=True),
    "seed": lambda v: _check_range(v, "seed", *SEED_RANGE, integer=True),
}


def _check_range(value, name, lo, hi, *, integer):
    if integer:
        v = check_int(value, name, minimum=lo)
    else:
        v = check_positive_number(value, name)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {v:g}")
    return v


def coin_flip_words(accuracy: float) -> str:
    """How an accuracy compares with a coin flip's 50 %, in words honest about the number."""
    if accuracy < 0.45:
        return "worse than"
    if accuracy <= 0.55:
        return "no better than"
    return "barely better than"


class Playground:
    """Learning rate, activation, width, depth, data set, epochs: change one, watch it retrain.

    Parameters (each is also a control)
    ----------
    dataset : 'xor', 'moons', 'circles' or 'spirals'
    activation : any name in ``bplab.ACTIVATIONS``
    lr : learning rate of plain SGD, 1e-4 ... 10 (log-scale slider)
    width : units per hidden layer, 1 ... 32
    depth : number of hidden layers, 1 ... 4
    epochs : passes over the 200 training points, 10 ... 500
    seed : seeds the initial weights and the shuffling (the data never change)

    Keyword-only: ``batch_size`` (20), ``n`` points per data set (200), ``resolution`` of the
    background grid (80), and ``widgets``: with ``widgets=False`` no controls are built; the
    Playground just trains and can :meth:`show` its figure (for scripts, tests and notebooks
    that compare many settings without leaving dozens of widgets behind).
    Change its settings with :meth:`update` (which also works with widgets).
    """

    def __init__(self, dataset=DEFAULTS["dataset"], activation=DEFAULTS["activation"],
                 lr=DEFAULTS["lr"], width=DEFAULTS["width"], depth=DEFAULTS["depth"],
                 epochs=DEFAULTS["epochs"], seed=DEFAULTS["seed"], *, batch_size=20, n=200,
                 resolution=80, widgets=True):
        given = dict(dataset=dataset, activation=activation, lr=lr, width=width, depth=depth,
                     epochs=epochs, seed=seed)
        self._settings = {k: _CHECKS[k](v) for k, v in given.items()}
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.n = check_int(n, "n", minimum=4)
        self.resolution = check_int(resolution, "resolution", minimum=10)
        if not isinstance(widgets, bool):
            raise TypeError(f"widgets must be True or False, got {widgets!r}")

        # --------------------------------------------------------------- state
        self.model = None
        self.history = None
        self.status = None
        self.message = ""
        self.diverged_epoch = None
        self.diverged_step = None
        self.step_losses = None
        self.grid_x = self.grid_y = self.grid_probs = None
        self.train_accuracy = self.test_accuracy = float("nan")
        self.train_seconds = float("nan")
        self.n_trains = 0
        self.n_draws = 0
        self.controls = {}
        self.ui = None
        self._data_cache = {}
        self._shown = False
        self._drawn_trains = None
        self._updating = False

        if widgets:
            self._build_widgets()
        self.train()

    def _build_widgets(self):
        import ipywidgets as w

        st = self._settings
        lr, activation, width, depth = st["lr"], st["activation"], st["width"], st["depth"]
        dataset, epochs, seed = st["dataset"], st["epochs"], st["seed"]
        self.lr_slider = w.FloatLogSlider(
            value=lr, base=10, min=math.log10(LR_RANGE[0]), max=math.log10(LR_RANGE[1]), step=0.1,
            description="learning rate", readout_format=LR_READOUT, continuous_update=False, style=_STYLE,
            layout=w.Layout(width="380px"))
        self.activation_dropdown = w.Dropdown(options=list(ACTIVATIONS), value=activation,
                                              description="activation", style=_STYLE,
                                              layout=w.Layout(width="200px"))
        self.width_slider = w.IntSlider(value=width, min=WIDTH_RANGE[0], max=WIDTH_RANGE[1],
                                        description="units per layer", continuous_update=False,
                                        style=_STYLE, layout=w.Layout(width="300px"))
        self.depth_slider = w.IntSlider(value=depth, min=DEPTH_RANGE[0], max=DEPTH_RANGE[1],
                                        description="hidden layers", continuous_update=False,
                                        style=_STYLE, layout=w.Layout(width="230px"))
        self.dataset_dropdown = w.Dropdown(options=list(TOY_DATASETS), value=dataset,
                                           description="data set", style=_STYLE,
                                           layout=w.Layout(width="180px"))
        self.epochs_slider = w.IntSlider(value=epochs, min=EPOCH_RANGE[0], max=EPOCH_RANGE[1], step=10,
                                         description="epochs", continuous_update=False, style=_STYLE,
                                         layout=w.Layout(width="280px"))
        self.seed_input = w.BoundedIntText(value=seed, min=SEED_RANGE[0], max=SEED_RANGE[1],
                                           description="seed", style=_STYLE,
                                           layout=w.Layout(width="130px"))
        self.new_start_button = w.Button(description="new random start (seed + 1)",
                                         tooltip="same settings, different initial weights",
                                         layout=w.Layout(width="230px"))
        self.status_label = w.HTML()
        self.out = w.Output()
        self.controls = {
            "dataset": self.dataset_dropdown, "activation": self.activation_dropdown,
            "lr": self.lr_slider, "width": self.width_slider, "depth": self.depth_slider,
            "epochs": self.epochs_slider, "seed": self.seed_input,
        }
        def row(*children):      # in a narrow window the controls wrap instead of being clipped
            return w.HBox(list(children), layout=w.Layout(flex_flow="row wrap", grid_gap="4px 16px",
                                                          align_items="center"))

        row1 = row(self.dataset_dropdown, self.activation_dropdown, self.lr_slider)
        row2 = row(self.width_slider, self.depth_slider)
        row3 = row(self.epochs_slider, self.seed_input, self.new_start_button, self.status_label)
        self.ui = w.VBox([row1, row2, row3, self.out])
        for key, ctrl in self.controls.items():
            ctrl.observe(lambda change, key=key: self._on_change(key, change.new), names="value")
        self.new_start_button.on_click(self._on_new_start)

    # ------------------------------------------------------------------ settings
    @property
    def settings(self) -> dict:
        """The current settings (= control values), e.g. {'dataset': 'moons', 'lr': 0.3, ...}."""
        return dict(self._settings)

    def update(self, **settings):
        """Change some settings and retrain once, e.g. ``pg.update(lr=1.0, activation="relu")``.

        Checked like the constructor's arguments; with widgets, the controls move too.
        Returns the Playground.
        """
        unknown = sorted(set(settings) - set(self._settings))
        if unknown:
            raise TypeError(f"update() got unknown setting(s) {unknown}; choose from {list(self._settings)}")
        checked = dict(self._settings)
        for k, v in settings.items():
            checked[k] = _CHECKS[k](v)
        self._updating = True          # move the controls without retraining once per control
        try:
            self._settings = checked
            for k, ctrl in self.controls.items():
                ctrl.value = checked[k]
        finally:
            self._updating = False
        self.train()
        if self._shown:
            self._redraw()
        return self

    def __repr__(self):
        s = ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v:g}" for k, v in self.settings.items())
        return f"Playground({s})"

    def _repr_mimebundle_(self, **kwargs):
        # drawn on first display (and on every change after that), not before: building a
        # Playground just to read its numbers costs no figure
        if self.ui is None:
            return {"text/plain": repr(self) + "  (built with widgets=False: use .show() to draw it)"}
        self._shown = True
        if self._drawn_trains != self.n_trains:
            self._redraw()
        return self.ui._repr_mimebundle_(**kwargs)

    # --------------------------------------------------------------------- data
    def data(self, dataset=None):
        """The (X, y, X_test, y_test) used for ``dataset`` (default: the current one)."""
        name = dataset or self._settings["dataset"]
        if name not in self._data_cache:
            X, y = make_toy(name, n=self.n, seed=0)
            Xt, yt = make_toy(name, n=self.n, seed=1)
            self._data_cache[name] = (X, y, Xt, yt)
        return self._data_cache[name]

    # ----------------------------------------------------------------- training
    def train(self):
        """Train a fresh network with the current settings and update every state attribute."""
        from bplab.chapters.ch02.boundary import decision_grid, plot_lim

        s = self.settings
        X, y, Xt, yt = self.data()
        model = MLP(self._sizes(), activation=s["activation"], seed=s["seed"])
        t0 = time.perf_counter()
        err = None
        with np.errstate(all="ignore"):
            try:
                hist = fit(model, X, y, optimizer=SGD(s["lr"]), epochs=s["epochs"],
                           batch_size=self.batch_size, seed=s["seed"], validation=(Xt, yt),
                           progress=False)
            except DivergenceError as e:
                err, hist = e, e.history
        self.train_seconds = time.perf_counter() - t0
        if "loss" not in hist.columns:     # diverged in the very first epoch
            import pandas as pd
            hist = pd.DataFrame({c: pd.Series(dtype=float) for c in
                                 ("loss", "accuracy", "val_loss", "val_accuracy")})
            hist.index.name = "epoch"
        self.model = model
        self.history = hist
        self.n_trains += 1
        # the model always has finite weights (after a divergence: those from before it)
        with np.errstate(all="ignore"):
            self.train_accuracy = model.accuracy(X, y)
            self.test_accuracy = model.accuracy(Xt, yt)
        self.diverged_step = None if err is None else err.step
        self.step_losses = None
        if err is not None and err.epoch == 1:
            self.step_losses = self._replay_first_epoch(err.step)
        self._diagnose(None if err is None else err.epoch, s)
        if self.status == "diverged":
            self.grid_probs = None
            lim = plot_lim(np.concatenate([X, Xt]))
            self.grid_x = self.grid_y = np.linspace(-lim, lim, self.resolution)
        else:
            self.grid_x, self.grid_y, self.grid_probs = decision_grid(
                model, np.concatenate([X, Xt]), resolution=self.resolution)
        return self

    def _sizes(self):
        s = self._settings
        return [2] + [s["width"]] * s["depth"] + [2]

    def _replay_first_epoch(self, last_step):
        """The loss of every step of epoch 1, up to the one that blew up (for the figure).

        Retrains from where :func:`bplab.fit` started (same initial weights, same shuffle, same
        mini-batches) with the four lines of its training step, keeping each step's loss, so
        that a run that never completed an epoch still has a curve to show.
        """
        s = self.settings
        X, y, _, _ = self.data()
        model = MLP(self._sizes(), activation=s["activation"], seed=s["seed"])
        X, y = model.check_data(X, y)
        opt = SGD(s["lr"])
        perm = np.random.default_rng(s["seed"]).permutation(len(X))   # fit's first shuffle
        Xs, ys = X[perm], y[perm]
        losses = []
        with np.errstate(all="ignore"):
            for start in range(0, len(X), self.batch_size):
                xb, yb = Xs[start:start + self.batch_size], ys[start:start + self.batch_size]
                out, cache = model.forward(xb, return_cache=True)
                loss, dOut = model.loss_fn(out, yb)
                losses.append(float(loss))
                if not math.isfinite(loss) or len(losses) >= last_step:
                    break
                opt.step(model.params, model.backward(dOut, cache))
                if not all(np.isfinite(p).all() for p in model.params):
                    losses.append(float("nan"))
                    break
        return np.array(losses)

    def _diagnose(self, diverged_at, s):
        """Set status / message / diverged_epoch from the history (statuses: see the module doc)."""
        hist, lr = self.history, s["lr"]
        chance = math.log(2.0)           # the loss of a network that always says 50 : 50
        acc = self.train_accuracy
        self.diverged_epoch = None
        self.status, self.message = "ok", ""
        if diverged_at is not None:
            self.status, self.diverged_epoch = "diverged", diverged_at
            step = ""
            if self.diverged_step is not None:
                per_epoch = -(-self.n // self.batch_size)
                step = f" (step {self.diverged_step - (diverged_at - 1) * per_epoch} of {per_epoch})"
            self.message = (f"diverged in epoch {diverged_at}{step}: learning rate too large\n"
                            f"(the loss became NaN or infinite at lr = {lr:.3g}; try lr = {lr / 10:.3g})")
            return
        loss = hist["loss"].to_numpy()
        final = float(loss[-min(5, len(loss)):].mean())
        if final > 2 * chance:
            self.status = "unstable"
            self.message = (f"unstable: the loss stayed above twice a coin flip's "
                            f"(2 ln 2 = {2 * chance:.2f}): "
                            f"{loss[0]:.2f} after epoch 1, {final:.2f} on average over the last "
                            f"{min(5, len(loss))} epochs. The learning rate is too large: the steps "
                            f"overshoot and never settle. Every number stayed finite, so this is "
                            f"not a divergence (no NaN, no infinity); try a smaller learning rate "
                            f"(lr = {lr / 10:.3g})")
            return
        fell = 1.0 - float(loss[-1]) / float(loss[0])
        if fell < 0.1 and final > 0.5 * chance and lr <= 0.01:
            self.status = "slow"
            self.message = (f"learning rate too small: in {len(loss)} epochs the loss only fell "
                            f"from {loss[0]:.3f} to {loss[-1]:.3f}")
        elif acc <= 0.6:
            self.status = "stuck"
            if s["activation"] == "linear":
                why = "a linear network can only draw a straight line"
            elif lr >= 1:
                why = "the learning rate may be too large" + (
                    " (its big steps can kill ReLUs)" if s["activation"] == "relu" else "")
            else:
                why = "try more epochs, more units or another learning rate"
            self.message = (f"{coin_flip_words(acc)} a coin flip (train accuracy {acc:.0%}; "
                            f"answering at random gets about 50%): {why}")
        elif s["activation"] == "linear" and acc < GOOD_ACCURACY:
            self.status = "limited"
            self.message = (f"a linear network can only draw a straight line (train accuracy "
                            f"{acc:.0%}): however many layers it has, it computes one linear "
                            "function; pick a nonlinear activation to bend the boundary")
        elif min(acc, self.test_accuracy) < GOOD_ACCURACY:
            self.status = "weak"
            # one decimal, and only the accuracies that are really below the mark (a test
            # accuracy of 90.5 % must not read "90 %, below 90 %")
            low = [f"{name} accuracy {value:.1%}" for name, value in
                   (("train", acc), ("test", self.test_accuracy)) if value < GOOD_ACCURACY]
            self.message = (f"learned only part of the pattern ({' and '.join(low)}, below "
                            f"{GOOD_ACCURACY:.0%}): try more epochs, more units or layers, or "
                            "another learning rate")

    # ------------------------------------------------------------------ drawing
    def _status_text(self):
        """The message with its status word in front, once."""
        msg = self.message.replace("\n", " ")
        return msg if msg.startswith(self.status) else f"{self.status}: {msg}"

    def summary(self) -> str:
        """One line of numbers describing the last training run (what the figure shows)."""
        s = self.settings
        head = (f"{s['dataset']}, {s['depth']}x{s['width']} {s['activation']}, lr={s['lr']:.3g}, "
                f"{s['epochs']} epochs, seed {s['seed']}: ")
        acc = f"train acc {self.train_accuracy:.1%}, test acc {self.test_accuracy:.1%}"
        if self.status == "diverged":
            return (head + self.message.replace("\n", " ")
                    + f"; the weights from before the blow-up: {acc}")
        h = self.history
        text = f"train loss {h['loss'].iloc[-1]:.4f}, test loss {h['val_loss'].iloc[-1]:.4f}, {acc}"
        if self.message:
            text += f" ({self._status_text()})"
        return head + text

    def figure(self):
        """Draw the loss curve and the decision boundary side by side; returns the Figure."""
        import textwrap

        import matplotlib.pyplot as plt

        from bplab.chapters.ch02.boundary import plot_decision_boundary, plot_loss_curve

        s = self.settings
        X, y, Xt, yt = self.data()
        fig, (ax_loss, ax_b) = plt.subplots(1, 2, figsize=(10.5, 4.4),
                                            gridspec_kw={"width_ratios": [1.15, 1]})
        diverged = self.status == "diverged"
        h = self.history
        red = "#b03a2e"
        if len(h):
            epochs = f"{len(h)} epoch" + ("s" if len(h) != 1 else "")
            loss_title = (f"loss after {epochs}: train {h['loss'].iloc[-1]:.3g}, "
                          f"test {h['val_loss'].iloc[-1]:.3g}")
            ax_loss.axhline(math.log(2.0), color="0.35", ls=":", lw=1.2, label="coin flip (ln 2)")
            plot_loss_curve(h, ax=ax_loss, title=loss_title, legend_loc="top",
                            diverged_epoch=self.diverged_epoch if diverged else None)
        else:
            self._draw_step_losses(ax_loss, red)
        grid = None if diverged else (self.grid_x, self.grid_y, self.grid_probs)
        net = f"{s['depth']} x {s['width']} {s['activation']}, lr = {s['lr']:.3g}"
        acc = f"train acc {self.train_accuracy:.1%}, test acc {self.test_accuracy:.1%}"
        if diverged:
            title = f"{s['dataset']}: {net}\nweights from before the blow-up:\n{acc}"
        else:
            title = f"{s['dataset']}: {net}\n{acc}"
        plot_decision_boundary(None, X, y, ax=ax_b, grid=grid, title=title,
                               lim=float(self.grid_x[-1]), colorbar=not diverged)
        if diverged:
            ax_b.set_facecolor("#f4f4f4")
            ax_b.set_title(title, fontsize=10, color=red)
        if self.message:
            # below the panels, so it never hides the data
            headline, _, detail = self._status_text().partition(": ")
            if diverged:
                headline, _, detail = self.message.replace("\n", " ").partition(": ")
                detail = detail.replace(" (the", ".\nThe").rstrip(")") + "."
            text = "\n".join(textwrap.fill(part, 110) for part in
                             (headline[0].upper() + headline[1:] + ": " + detail).split("\n"))
            color, fc, ec = (red, "#fdecea", red) if diverged else ("#7d5a00", "#fff6d5", "#d4a000")
            fig.text(0.5, 0.015, text, ha="center", va="bottom", fontsize=10.5, color=color,
                     bbox=dict(boxstyle="round,pad=0.4", fc=fc, ec=ec))
            lines = text.count("\n") + 1
            fig.tight_layout(rect=(0, 0.04 + 0.045 * lines, 1, 1))
        else:
            fig.tight_layout()
        return fig

    def _draw_step_losses(self, ax, red):
        """Loss panel for a run that blew up before finishing one epoch: its per-step losses."""
        from bplab.chapters.ch02.boundary import legend_on_top

        steps = self.step_losses if self.step_losses is not None else np.array([])
        finite = np.isfinite(steps)
        k = np.arange(1, len(steps) + 1)
        if finite.any():
            ax.plot(k[finite], steps[finite], "o-", color="C0", lw=2, label="train loss of each step")
        ax.axhline(math.log(2.0), color="0.35", ls=":", lw=1.2, label="coin flip (ln 2)")
        if self.diverged_step is not None:
            ax.axvline(self.diverged_step, color=red, lw=2,
                       label=f"loss not finite (step {self.diverged_step})")
        if finite.any() and steps[finite].max() > 20 * max(steps[finite].min(), 1e-12):
            ax.set_yscale("log")
        ax.set_xlim(0.5, max(len(steps), self.diverged_step or 1) + 0.5)
        ax.set_xlabel("step (one mini-batch of %d points) in epoch 1" % self.batch_size)
        ax.set_ylabel("loss (cross-entropy)" + (", log scale" if ax.get_yscale() == "log" else ""))
        ax.set_title("no epoch completed: the loss of each step of epoch 1", fontsize=10)
        legend_on_top(ax)
        ax.grid(alpha=0.3, which="both")

    def show(self):
        """Draw the current figure as ordinary notebook output and print its numbers."""
        import matplotlib.pyplot as plt

        print(self.summary())
        fig = self.figure()
        plt.show()
        plt.close(fig)

    @classmethod
    def show_default(cls, **settings):
        """Train with the default settings (or these overrides), draw, print; returns the Playground."""
        pg = cls(**settings, widgets=False)
        pg.show()
        return pg

    def _redraw(self):
        if self.ui is None:
            return
        self.status_label.value = (
            f"<span style='color:#555'>trained in {self.train_seconds:.2f} s</span>")
        fig = self.figure()
        self.n_draws += 1
        self._drawn_trains = self.n_trains
        put_figure(self.out, fig)

    # ------------------------------------------------------------------ events
    def _on_change(self, key, value):
        if self._updating:
            return
        self._settings[key] = value
        self.train()
        if self._shown:
            self._redraw()

    def _on_new_start(self, button=None):
        if self.seed_input.value < SEED_RANGE[1]:
            self.seed_input.value += 1   # the observer retrains
        else:
            self.seed_input.value = SEED_RANGE[0]
