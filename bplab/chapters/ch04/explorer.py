"""Chapter 04 widget: pick an activation, a depth, an initialisation and a learning rate, and
watch the gradient reaching each layer (at initialisation) and how far each layer's weights
move during a short training.

    from bplab.chapters.ch04.explorer import VanishingExplorer
    ex = VanishingExplorer()
    ex.show_default()        # the default view as ordinary output (no kernel needed)
    ex.ui                    # the live widget

All numbers come from :mod:`bplab.chapters.ch04.experiments` (``gradient_norms_at_init`` and
``weight_change_per_epoch``); this module only wires controls to them and draws.
"""
from __future__ import annotations

import html
import textwrap

import numpy as np

from bplab.chapters.ch04 import experiments as V
from bplab._validate import check_int, check_positive_number
from bplab.activations import ACTIVATIONS
from bplab.chapters._shared.display import put_figure

__all__ = ["VanishingExplorer"]

_STYLE = {"description_width": "initial"}

# The slider's readout format ".3" is d3-format's "3 significant digits, trailing zeros trimmed"
# (0.1, 0.126, 10): for the slider's range exactly what Python's f"{lr:.3g}" writes in the title and
# the messages, so the figure shows the number the slider shows.
LR_READOUT = ".3"


class VanishingExplorer:
    """Controls: ``activation`` (Dropdown), ``depth`` (IntSlider, hidden layers), ``init``
    (Dropdown of :data:`bplab.chapters.ch04.experiments.INIT_PRESETS`), ``lr`` (FloatLogSlider, SGD).

    State after every change: ``grad_norms`` (||dL/db|| per layer at initialisation, mean over
    ``seeds``, first layer first, output last), ``weight_change`` (mean relative weight change
    per epoch of each layer, NaN where training diverged), ``changes`` and ``history``
    (DataFrames from the training), ``model``, ``val_accuracy``, ``stuck_at_init`` and
    ``stuck`` (per hidden layer, before and after training: the fraction of units whose slope is
    below 10 % of its maximum on every training example: saturated or dead), ``figure`` (the
    last Figure drawn) and ``n_updates`` (how many times it recomputed).

    How the training went, from measured numbers (see :meth:`_diagnose`): ``status`` is one of

    ``"ok"``            validation accuracy at least twice chance (0.2 for the ten digits);
    ``"diverged"``      the numbers blew up: :func:`bplab.fit` raised a DivergenceError, or a
                        layer's weights moved more than ``BLOWUP_CHANGE`` (1000) times their own
                        size in one epoch (then ReLUs typically all die and the loss looks finite);
    ``"too_large"``     finished but no better than guessing, with signs of steps that are too
                        large (weights moving more than their own size per epoch, units that
                        saturated or died during training, a rising loss);
    ``"not_learning"``  no better than guessing without those signs: tiny steps or a vanishing
                        gradient (the default view).

    After a divergence ``cause`` says what to change: ``"init"`` when the gradient already
    explodes at initialisation (layer 1 gets more than ``EXPLODING_RATIO`` times the last hidden
    layer's gradient; no learning rate helps then), else ``"lr"``.

    ``last_message`` is the friendly text for ``"diverged"`` (drawn instead of the right panel,
    whose numbers mean nothing then), else None; ``note`` the text for ``"too_large"`` and
    ``"not_learning"`` (drawn below both panels), else None. ``text`` (an HTML widget under the
    figure) repeats the title and the message as text a screen reader or find-in-page can reach.
    """

    def __init__(self, X=None, y=None, X_val=None, y_val=None, *, activation="sigmoid", depth=5,
                 init="lecun + bias N(0,1)", lr=0.1, width=30, epochs=5, batch_size=32,
                 seeds=range(3), train_seed=0):
        import ipywidgets as widgets

        if X is None:
            from bplab.data import load_digits, train_test_split
            X_all, y_all = load_digits()
            # the notebook's split: the test images (20 %) are set aside and never used here; the
            # explorer trains on the rest minus a validation part (20 % of it) and scores on that
            X_rest, _, y_rest, _ = train_test_split(X_all, y_all, test_size=0.2, seed=0)
            X, X_val, y, y_val = train_test_split(X_rest, y_rest, test_size=0.2, seed=0)
        self.X, self.y = X, y
        self.X_val, self.y_val = X_val, y_val
        self.width = check_int(width, "width", minimum=1)
        self.epochs = check_int(epochs, "epochs", minimum=1)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.seeds = list(seeds)
        self.train_seed = train_seed
        if init not in V.INIT_PRESETS:
            raise ValueError(f"unknown init {init!r}; choose one of {list(V.INIT_PRESETS)}")
        check_positive_number(lr, "lr")

        self.activation = widgets.Dropdown(
            options=[a for a in ACTIVATIONS if a != "linear"] + ["linear"], value=activation,
            description="activation", style=_STYLE)
        self.depth = widgets.IntSlider(value=check_int(depth, "depth"), min=1, max=10, step=1,
                                       description="hidden layers", continuous_update=False,
                                       style=_STYLE)
        self.init = widgets.Dropdown(options=list(V.INIT_PRESETS), value=init,
                                     description="initialisation", style=_STYLE)
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.1,
                                         description="learning rate (SGD)", readout_format=LR_READOUT,
                                         continuous_update=False, style=_STYLE)
        self.out = widgets.Output()
        self.text = widgets.HTML()
        self._box = widgets.VBox([widgets.HBox([self.activation, self.init]),
                                  widgets.HBox([self.depth, self.lr]), self.out, self.text])
        self._out_filled = False
        self.figure = None
        self.n_updates = 0
        for w in (self.activation, self.depth, self.init, self.lr):
            w.observe(self._on_change, names="value")
        self.compute()
        self._draw_closed()

    @property
    def ui(self):
        """The live widget (controls + chart). Display it as the last line of a cell."""
        if not self._out_filled:
            self._draw_in_out()
        return self._box

    # --------------------------------------------------------------- compute
    def compute(self):
        """Recompute every statistic from the controls' current values (no drawing)."""
        from bplab.network import MLP
        from bplab.optim import SGD
        from bplab.training import DivergenceError

        act, depth, lr = self.activation.value, int(self.depth.value), float(self.lr.value)
        kw = V.init_preset(self.init.value)
        n_classes = int(np.max(self.y)) + 1
        sizes = [np.shape(self.X)[1]] + [self.width] * depth + [n_classes]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            g = V.gradient_norms_at_init(self.X, self.y, sizes, act, seeds=self.seeds, **kw)
            self.grad_norms = g["grad_norm"].to_numpy()
            self.model = MLP(sizes, act, seed=self.seeds[0], **kw)
            self.stuck_at_init = self._stuck_fractions()
            self.stuck = None
            self.last_message = None
            self.note = None
            self.status = "ok"
            self.cause = None
            self.val_accuracy = None
            try:
                self.changes, self.history = V.weight_change_per_epoch(
                    self.model, self.X, self.y, optimizer=SGD(lr), epochs=self.epochs,
                    batch_size=self.batch_size, seed=self.train_seed)
                self.weight_change = self.changes.mean(axis=0).to_numpy()
                if self.X_val is not None:
                    self.val_accuracy = self.model.accuracy(self.X_val, self.y_val)
                self.stuck = self._stuck_fractions()
                self._diagnose(lr, n_classes)
            except DivergenceError as e:
                self.changes, self.history = e.changes, e.history
                self.weight_change = np.full(len(sizes) - 1, np.nan)
                self.status = "diverged"
                self.last_message = (
                    f"Training diverged at epoch {e.epoch}: with learning rate {lr:.3g} the "
                    f"weights grew until they were no longer finite numbers (the loss became NaN "
                    f"or infinite). " + self._divergence_advice(lr))
        self.n_updates += 1
        return self

    #: a layer's weights moving more than this many times their own size in one epoch: blown up
    BLOWUP_CHANGE = 1e3
    #: layer 1 getting more than this many times the last hidden layer's gradient at initialisation:
    #: the gradient explodes before training starts, and the initialisation is to blame
    EXPLODING_RATIO = 10.0

    def exploding_at_init(self):
        """Layer 1's gradient / the last hidden layer's, at initialisation, if it is above
        ``EXPLODING_RATIO`` (the gradient explodes toward the input), else None."""
        g = self.grad_norms
        if len(g) < 3 or not np.isfinite(g[:-1]).all() or g[-2] <= 0:
            return None
        ratio = float(g[0] / g[-2])
        return ratio if ratio > self.EXPLODING_RATIO else None

    def _divergence_advice(self, lr):
        """What to change after a divergence: the initialisation when the gradient already
        explodes at initialisation (then no learning rate on the slider helps), else the
        learning rate. Sets ``cause`` to 'init' or 'lr'."""
        ratio = self.exploding_at_init()
        if ratio is not None:
            self.cause = "init"
            return (f"The initial weights are too large: before any training, layer 1 already gets "
                    f"{ratio:.3g} times the last hidden layer's gradient (the gradient explodes toward "
                    f"the input), so the first steps are huge at any learning rate. Pick a smaller "
                    f"initialisation (he for relu, xavier for tanh), or fewer layers.")
        self.cause = "lr"
        return f"The learning rate is too large: lower it (try {lr / 10:.3g}) or pick a smaller initialisation."

    def _stuck_fractions(self):
        """Per hidden layer: the fraction of units whose slope f'(z) is below 10 % of its
        maximum on *every* training example (saturated sigmoid/tanh units, dead ReLUs). Such a
        unit passes (almost) no gradient back, whatever the example."""
        out = []
        for act, t in zip(self.model.activations, self.model.layer_trace(self.X, self.y)[:-1]):
            slope = np.asarray(t["slope"], dtype=float)
            stuck = ~(slope >= 0.1 * act.peak_slope())                      # NaN counts as stuck
            out.append(float(stuck.all(axis=0).mean()))
        return np.array(out)

    def _stuck_text(self, layer, since_init=False):
        """'100% of hidden layer 5's units are saturated ...' for the message, or ''."""
        if layer is None or self.stuck is None or self.stuck[layer] <= 0:
            return ""
        act = self.activation.value
        word, what = (("dead", "output 0 on every example") if act == "relu" else
                      ("dead", "z < 0 on every example") if act == "leaky_relu" else
                      ("saturated", "slope below 10% of its maximum on every example"))
        text = f"{self.stuck[layer]:.0%} of hidden layer {layer + 1}'s units are {word} ({what}"
        if since_init:
            text += f"; {self.stuck_at_init[layer]:.0%} at initialisation"
        return text + ")"

    def _diagnose(self, lr, n_classes):
        """After a training that raised no DivergenceError: did it blow up anyway, fail to learn,
        or is it fine? Sets ``status``, ``last_message`` (red, replaces the right panel) and
        ``note`` (yellow, below the panels) from measured numbers."""
        changes = self.changes.to_numpy(dtype=float)
        loss = self.history["loss"].to_numpy(dtype=float)
        chance = 1.0 / n_classes
        acc = self.val_accuracy if self.val_accuracy is not None else float(self.history["accuracy"].iloc[-1])
        which = "validation" if self.val_accuracy is not None else "training"
        stuck = self.stuck if self.stuck is not None else np.zeros(0)
        worst = int(np.argmax(stuck)) if stuck.size else None
        # 1. blown up: the numbers stayed finite (or fit() would have raised), but only just
        huge = ~np.isfinite(changes) | (changes > self.BLOWUP_CHANGE)
        if huge.any() or not np.isfinite(loss).all():
            e = int(np.argmax(huge.any(axis=1))) if huge.any() else int(np.argmax(~np.isfinite(loss)))
            row = np.where(np.isnan(changes[e]), np.inf, changes[e])
            l = int(np.argmax(row))
            grew = ("so far that the distance overflowed to infinity" if not np.isfinite(row[l])
                    else f"{row[l]:.2g} times their own size")
            stuck_txt = self._stuck_text(worst)
            self.status = "diverged"
            self.last_message = (
                f"Training diverged in epoch {e + 1}: with learning rate {lr:.3g} the mean loss of "
                f"that epoch reached {loss[e]:.3g} and layer {l + 1}'s weights moved {grew}. "
                + (f"Afterwards {stuck_txt}, so the network stopped learning: " if stuck_txt else "")
                + f"{which} accuracy {acc:.3f}, chance is {chance:.3g}. " + self._divergence_advice(lr))
            return
        if acc >= 2 * chance:
            return
        # 2. finished, finite, but no better than guessing: why?
        head = (f"Training failed: after {self.epochs} epochs the {which} accuracy is {acc:.3f}, "
                f"no better than guessing (chance is {chance:.3g}).")
        rose = stuck - self.stuck_at_init
        big = float(np.max(changes))
        big_layer = int(np.argmax(changes.max(axis=0))) + 1
        signs = []
        if big > 1:
            signs.append(f"layer {big_layer}'s weights moved {big:.2g} times their own size in one epoch")
        if stuck.size and stuck[worst] >= 0.5 and rose[worst] >= 0.3:
            signs.append(self._stuck_text(worst, since_init=True))
        if loss[-1] > loss[0]:
            signs.append(f"the loss rose from {loss[0]:.3g} to {loss[-1]:.3g}")
        if signs:
            self.status = "too_large"
            self.note = (head + f" With learning rate {lr:.3g} the steps are too large: "
                         + "; ".join(signs) + f". Lower the learning rate (try {lr / 10:.3g}).")
            return
        self.status = "not_learning"
        w = self.weight_change
        first, last = float(w[0]), float(w[-1])
        if big < 0.02:
            why = (f"no layer's weights moved more than {big:.1%} per epoch: the steps are tiny. "
                   f"Try a larger learning rate ({lr * 10:.3g}).")
        elif first < 0.01 * last:
            why = (f"layer 1's weights moved only {100 * first:.2g}% of their size per epoch, the "
                   f"output layer's {100 * last:.2g}%: the gradient vanishes on its way back. Try "
                   f"relu with he, fewer layers or another initialisation.")
        else:
            why = "try more epochs, another learning rate or another initialisation."
        self.note = (f"Not learning (yet): after {self.epochs} epochs the {which} accuracy is "
                     f"{acc:.3f}, chance is {chance:.3g}; the loss went from {loss[0]:.3g} to "
                     f"{loss[-1]:.3g}. " + why[0].upper() + why[1:])

    def title(self) -> str:
        g = self.grad_norms
        ratio = g[0] / g[-2] if len(g) > 2 else 1.0
        t = (f"{self.activation.value}, {self.depth.value} hidden layers of {self.width}, "
             f"init: {self.init.value}; gradient layer 1 / last hidden = {ratio:.3g}")
        if self.val_accuracy is not None:
            t += f"\nafter {self.epochs} epochs of SGD(lr={self.lr.value:.3g}): validation accuracy {self.val_accuracy:.3f}"
        return t

    def draw(self):
        """Draw the current state; returns the Figure (also kept in ``self.figure``)."""
        from bplab.chapters.ch04.plots import gradient_explorer_figure

        self.figure = gradient_explorer_figure(self.grad_norms, self.weight_change, title=self.title(),
                                               message=self.last_message, note=self.note)
        lines = [html.escape(t) for t in self.title().split("\n")]
        msg = self.last_message or self.note
        if msg:
            color = "#7a1010" if self.last_message else "#5c4300"
            lines.append(f"<span style='color:{color}'>{html.escape(msg)}</span>")
        self.text.value = "<div style='font-size:12px;line-height:1.35'>" + "<br>".join(lines) + "</div>"
        return self.figure

    # ---------------------------------------------------------- interaction
    def update(self):
        """Recompute and redraw into the output area."""
        self.compute()
        self._draw_closed()
        self._draw_in_out()

    def _draw_closed(self):
        """Draw ``self.figure`` without leaving it open in pyplot (no leak, no double display)."""
        import matplotlib.pyplot as plt

        plt.close(self.draw())

    def _draw_in_out(self):
        put_figure(self.out, self.figure)      # outside Jupyter (tests, scripts) only the state matters
        self._out_filled = True

    def _on_change(self, change):
        self.update()

    def summary(self):
        """The current numbers as a small DataFrame (one row per layer)."""
        import pandas as pd

        n = len(self.grad_norms)
        return pd.DataFrame({"grad_norm": self.grad_norms, "weight_change": self.weight_change},
                            index=pd.Index([f"layer {i + 1}" for i in range(n - 1)] + [f"layer {n} (output)"],
                                           name="layer"))

    def show_default(self):
        """Draw the current (by default: the initial) view as ordinary matplotlib output and
        print the numbers it shows."""
        import matplotlib.pyplot as plt

        print(self.title())
        for text in (self.last_message, self.note):
            if text:
                print(textwrap.fill(text, 110))
        print(self.summary().to_string(float_format=lambda v: f"{v:.2e}"))
        fig = self.draw()
        plt.show()
        plt.close(fig)
