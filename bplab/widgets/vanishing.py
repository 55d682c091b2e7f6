"""Chapter 04 widget: pick an activation, a depth, an initialisation and a learning rate, and
watch the gradient reaching each layer (at initialisation) and how far each layer's weights
move during a short training.

    from bplab.widgets.vanishing import VanishingExplorer
    ex = VanishingExplorer()
    ex.show_default()        # the default view as ordinary output (no kernel needed)
    ex.ui                    # the live widget

All numbers come from :mod:`bplab.vanishing` (``gradient_norms_at_init`` and
``weight_change_per_epoch``); this module only wires controls to them and draws.
"""
from __future__ import annotations

import numpy as np

from .. import vanishing as V
from .._validate import check_int, check_positive_number
from ..activations import ACTIVATIONS

__all__ = ["VanishingExplorer"]

_STYLE = {"description_width": "initial"}


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


class VanishingExplorer:
    """Controls: ``activation`` (Dropdown), ``depth`` (IntSlider, hidden layers), ``init``
    (Dropdown of :data:`bplab.vanishing.INIT_PRESETS`), ``lr`` (FloatLogSlider, SGD).

    State after every change: ``grad_norms`` (||dC/db|| per layer at initialisation, mean over
    ``seeds``, first layer first, output last), ``weight_change`` (mean relative weight change
    per epoch of each layer, NaN where training diverged), ``changes`` and ``history``
    (DataFrames from the training), ``model``, ``test_accuracy``, ``last_message`` (None, or
    the friendly text shown when training diverged), ``figure`` (the last Figure drawn) and
    ``n_updates`` (how many times it recomputed).
    """

    def __init__(self, X=None, y=None, X_test=None, y_test=None, *, activation="sigmoid", depth=5,
                 init="lecun + bias N(0,1)", lr=0.1, width=30, epochs=5, batch_size=32,
                 seeds=range(3), train_seed=0):
        import ipywidgets as widgets

        if X is None:
            from ..data import load_digits, train_test_split
            X_all, y_all = load_digits()
            X, X_test, y, y_test = train_test_split(X_all, y_all, test_size=0.2, seed=0)
        self.X, self.y = X, y
        self.X_test, self.y_test = X_test, y_test
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
                                         description="learning rate (SGD)", readout_format=".3g",
                                         continuous_update=False, style=_STYLE)
        self.out = widgets.Output()
        self._box = widgets.VBox([widgets.HBox([self.activation, self.init]),
                                  widgets.HBox([self.depth, self.lr]), self.out])
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
        if not self._out_filled and _in_kernel():
            self._show_in_out()
        return self._box

    # --------------------------------------------------------------- compute
    def compute(self):
        """Recompute every statistic from the controls' current values (no drawing)."""
        from ..network import MLP
        from ..optim import SGD
        from ..training import DivergenceError

        act, depth, lr = self.activation.value, int(self.depth.value), float(self.lr.value)
        kw = V.init_preset(self.init.value)
        n_classes = int(np.max(self.y)) + 1
        sizes = [np.shape(self.X)[1]] + [self.width] * depth + [n_classes]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g = V.gradient_norms_at_init(self.X, self.y, sizes, act, seeds=self.seeds, **kw)
            self.grad_norms = g["grad_norm"].to_numpy()
            self.model = MLP(sizes, act, seed=self.seeds[0], **kw)
            self.last_message = None
            self.test_accuracy = None
            try:
                self.changes, self.history = V.weight_change_per_epoch(
                    self.model, self.X, self.y, optimizer=SGD(lr), epochs=self.epochs,
                    batch_size=self.batch_size, seed=self.train_seed)
                self.weight_change = self.changes.mean(axis=0).to_numpy()
                if self.X_test is not None:
                    self.test_accuracy = self.model.accuracy(self.X_test, self.y_test)
            except DivergenceError as e:
                self.changes, self.history = e.changes, e.history
                self.weight_change = np.full(len(sizes) - 1, np.nan)
                self.last_message = (
                    f"Training diverged at epoch {e.epoch}: with learning rate {lr:.3g} the "
                    f"weights grew until they were no longer finite numbers. Lower the learning "
                    f"rate (try {lr / 10:.3g}) or pick a smaller initialisation.")
        self.n_updates += 1
        return self

    def title(self) -> str:
        g = self.grad_norms
        ratio = g[0] / g[-2] if len(g) > 2 else 1.0
        t = (f"{self.activation.value}, {self.depth.value} hidden layers of {self.width}, "
             f"init: {self.init.value}; gradient layer 1 / last hidden = {ratio:.3g}")
        if self.test_accuracy is not None:
            t += f"\nafter {self.epochs} epochs of SGD(lr={self.lr.value:.3g}): test accuracy {self.test_accuracy:.3f}"
        return t

    def draw(self):
        """Draw the current state; returns the Figure (also kept in ``self.figure``)."""
        from ..plots.vanishing import gradient_explorer_figure

        self.figure = gradient_explorer_figure(self.grad_norms, self.weight_change, title=self.title(),
                                      message=self.last_message)
        return self.figure

    # ---------------------------------------------------------- interaction
    def update(self):
        """Recompute and redraw into the output area."""
        self.compute()
        self._draw_closed()
        if _in_kernel():            # outside Jupyter (tests, scripts) only the state matters
            self._show_in_out()

    def _draw_closed(self):
        """Draw ``self.figure`` without leaving it open in pyplot (no leak, no double display)."""
        import matplotlib.pyplot as plt

        plt.close(self.draw())

    def _show_in_out(self):
        from IPython.display import display

        with self.out:
            self.out.clear_output(wait=True)
            display(self.figure)
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
        if self.last_message:
            print(self.last_message)
        print(self.summary().to_string(float_format=lambda v: f"{v:.2e}"))
        if _in_kernel():
            from IPython.display import display
            display(self.figure)     # the figure already drawn for the current state
        else:
            fig = self.draw()
            plt.show()
            plt.close(fig)
