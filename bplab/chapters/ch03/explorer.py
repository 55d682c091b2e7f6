r"""The descent explorer: move sliders, watch an optimiser's path over a 2-D loss surface.

    from bplab.chapters.ch03.explorer import DescentExplorer
    DescentExplorer.show_default()       # the default view as an ordinary figure
    DescentExplorer()                    # the live widget (needs a running kernel)

Controls (each an ipywidgets control stored as an attribute): ``surface`` and ``optimizer``
dropdowns, ``lr`` (log slider), ``momentum`` (SGD's heavy-ball momentum), ``steps``, and the
start point ``x0`` / ``y0`` (θ₁ and θ₂). Any change reruns :func:`bplab.chapters.ch03.surfaces.run_path` with a fresh
``bplab.SGD`` / ``RMSProp`` / ``Adam`` and redraws. State for tests and curious learners:
``result``, ``path``, ``losses``, ``message``, ``status``, ``figure``.

Choosing another surface or optimiser loads that combination's defaults (a learning rate that
works and momentum 0; a new surface also loads its start point and number of steps), because a
good learning rate for one is often far off for another. A diverging run is shown as a red
message in the figure, never as a traceback; a run that neither converges nor diverges (status
``'stalled'``, e.g. SGD at exactly :math:`\eta = 2/\lambda_{\max}` on the bowl) gets an orange one.
"""
from __future__ import annotations

import numpy as np

from bplab.optim import SGD, Adam, RMSProp
from bplab.chapters.ch03.surfaces import SURFACES, get_surface, run_path
from bplab.chapters._shared.display import put_figure

__all__ = ["DescentExplorer", "DEFAULT_LR", "DEFAULT_STEPS", "shown_lr"]

OPTIMIZER_CLASSES = {"SGD": SGD, "RMSProp": RMSProp, "Adam": Adam}
SURFACE_LABELS = {"bowl": "elongated bowl", "rosenbrock": "Rosenbrock valley",
                  "two_wells": "two wells (local + global minimum)"}
DEFAULT_LR = {
    ("bowl", "SGD"): 0.1, ("bowl", "RMSProp"): 0.1, ("bowl", "Adam"): 0.3,
    ("rosenbrock", "SGD"): 1e-3, ("rosenbrock", "RMSProp"): 1e-2, ("rosenbrock", "Adam"): 0.1,
    ("two_wells", "SGD"): 0.3, ("two_wells", "RMSProp"): 0.05, ("two_wells", "Adam"): 0.1,
}
DEFAULT_STEPS = {"bowl": 100, "rosenbrock": 1000, "two_wells": 100}
LR_RANGE = (-4.0, 1.0)     # log10 of the learning-rate slider's ends
# The slider's readout format: d3-format ".3" is 3 significant digits with trailing zeros trimmed
# (0.1, 0.0112, 10), which over LR_RANGE is exactly Python's f"{lr:.3g}". The optimiser runs
# with that rounded value (see :func:`shown_lr`), so the readout, the titles and the messages
# all show the learning rate that was used.
LR_READOUT = ".3"


def shown_lr(value) -> float:
    """The learning rate as the slider's readout shows it (3 significant digits), e.g.
    10**-1.95 = 0.0112202 -> 0.0112. The explorer runs its optimiser with this value."""
    return float(f"{float(value):.3g}")


def _make_optimizer(name, lr, momentum):
    if name == "SGD":
        return SGD(lr, momentum=momentum)
    return OPTIMIZER_CLASSES[name](lr)


class DescentExplorer:
    """Learning rate, momentum, optimiser and surface → path on the contour plot + loss curve."""

    def __init__(self, surface="bowl", optimizer="SGD", lr=None, momentum=0.0, steps=None, start=None):
        import ipywidgets as w

        key = get_surface(surface).name if not isinstance(surface, str) else surface
        if key not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose one of {sorted(SURFACES)}")
        if optimizer not in OPTIMIZER_CLASSES:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {list(OPTIMIZER_CLASSES)}")
        lr = DEFAULT_LR[(key, optimizer)] if lr is None else lr
        if not (isinstance(lr, (int, float)) and 10 ** LR_RANGE[0] <= lr <= 10 ** LR_RANGE[1]):
            raise ValueError(f"lr must be a number in [1e-4, 10], got {lr!r}")
        if not (isinstance(momentum, (int, float)) and 0 <= momentum <= 0.99):
            raise ValueError(f"momentum must be a number in [0, 0.99], got {momentum!r}")
        steps = DEFAULT_STEPS[key] if steps is None else steps
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 10 <= steps <= 3000:
            raise ValueError(f"steps must be an integer in [10, 3000], got {steps!r}")

        style = {"description_width": "initial"}
        layout = w.Layout(width="360px")
        self.surface = w.Dropdown(options=[(SURFACE_LABELS[k], k) for k in SURFACES], value=key,
                                  description="surface", style=style, layout=layout)
        self.optimizer = w.Dropdown(options=list(OPTIMIZER_CLASSES), value=optimizer,
                                    description="optimiser", style=style, layout=layout)
        self.lr = w.FloatLogSlider(value=lr, base=10, min=LR_RANGE[0], max=LR_RANGE[1], step=0.05,
                                   description="learning rate η", readout_format=LR_READOUT,
                                   continuous_update=False, style=style, layout=layout)
        self.momentum = w.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                      description="momentum μ (SGD only)", readout_format=".2f",
                                      continuous_update=False, style=style, layout=layout,
                                      disabled=optimizer != "SGD")
        self.steps = w.IntSlider(value=int(steps), min=10, max=3000, step=10, description="steps",
                                 continuous_update=False, style=style, layout=layout)
        self.x0 = w.FloatSlider(description="start θ₁", step=0.05, readout_format=".2f",
                                continuous_update=False, style=style, layout=layout)
        self.y0 = w.FloatSlider(description="start θ₂", step=0.05, readout_format=".2f",
                                continuous_update=False, style=style, layout=layout)
        self.out = w.Output()
        self.result = None
        self.figure = None
        self.n_draws = 0
        self._silent = True
        self._load_start(get_surface(key), start)
        self._silent = False
        for c in self.controls:
            c.observe(self._on_change, names="value")
        self.help = w.HTML(
            "<b>Descent explorer.</b> Change any control and the path is recomputed. "
            "Picking another surface or optimiser loads a learning rate that works for it and sets "
            "momentum μ back to 0; then push η up until the path zig-zags, and further until it diverges.")
        self.ui = w.VBox([self.help,
                          w.HBox([w.VBox([self.surface, self.optimizer, self.lr, self.momentum]),
                                  w.VBox([self.steps, self.x0, self.y0])]),
                          self.out])
        self.update(draw=False)

    # ------------------------------------------------------------- controls
    @property
    def controls(self):
        return [self.surface, self.optimizer, self.lr, self.momentum, self.steps, self.x0, self.y0]

    def _load_start(self, surf, start=None):
        """Point the start sliders at ``surf``'s bounds and default start (no redraw)."""
        start = surf.start if start is None else np.asarray(start, dtype=float)
        for slider, (lo, hi), v in ((self.x0, surf.bounds[0], start[0]), (self.y0, surf.bounds[1], start[1])):
            if not lo <= v <= hi:
                raise ValueError(f"start {tuple(map(float, start))} lies outside the surface's "
                                 f"bounds {surf.bounds}")
            # widen first so the new value is always inside the allowed range, then narrow
            slider.min, slider.max = min(slider.min, lo), max(slider.max, hi)
            slider.value = float(v)
            slider.min, slider.max = float(lo), float(hi)

    def _on_change(self, change):
        if self._silent:
            return
        self._silent = True
        try:
            if change["owner"] is self.surface:
                surf = get_surface(self.surface.value)
                self._load_start(surf)
                self.steps.value = DEFAULT_STEPS[surf.name]
                self.lr.value = DEFAULT_LR[(surf.name, self.optimizer.value)]
                self.momentum.value = 0.0      # the default lr was chosen for plain descent
            elif change["owner"] is self.optimizer:
                self.lr.value = DEFAULT_LR[(self.surface.value, self.optimizer.value)]
                self.momentum.value = 0.0
                self.momentum.disabled = self.optimizer.value != "SGD"
        finally:
            self._silent = False
        self.update()

    # ------------------------------------------------------------- compute and draw
    def make_optimizer(self):
        """A fresh optimiser from the current control values (the learning rate rounded to the
        3 significant digits the slider shows, :func:`shown_lr`)."""
        return _make_optimizer(self.optimizer.value, shown_lr(self.lr.value), float(self.momentum.value))

    def compute(self):
        """Run the path for the current control values; sets and returns ``result``."""
        surf = get_surface(self.surface.value)
        self.result = run_path(surf, self.make_optimizer(), start=(self.x0.value, self.y0.value),
                               steps=int(self.steps.value))
        self._surface_obj = surf
        return self.result

    @property
    def path(self):
        return self.result.path

    @property
    def losses(self):
        return self.result.losses

    @property
    def message(self):
        """What the figure says about the run (:func:`bplab.chapters.ch03.plots.explain`)."""
        from bplab.chapters.ch03.plots import explain
        return explain(self.result)

    @property
    def status(self):
        return self.result.status

    def draw(self):
        """Draw the current result; returns the (closed) matplotlib Figure, also kept as ``figure``."""
        from bplab.chapters.ch03.plots import explorer_figure
        fig = explorer_figure(self._surface_obj, self.result)
        self.figure = fig
        self.n_draws += 1
        return fig

    def update(self, draw=True):
        """Recompute the path and (if ``draw``) redraw it into the output area ``out``."""
        self.compute()
        if not draw:
            return
        fig = self.draw()
        put_figure(self.out, fig)

    def summary(self) -> str:
        r = self.result
        return f"{r.optimizer} on {r.surface}, start {tuple(np.round(r.path[0], 2).tolist())}: {self.message}"

    # ------------------------------------------------------------- display
    def display(self):
        """Show the live widget (and draw its first view)."""
        from IPython.display import display
        display(self)

    def _repr_mimebundle_(self, **kwargs):
        if self.n_draws == 0 or self.figure is None:
            self.update()
        return self.ui._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return (f"DescentExplorer(surface={self.surface.value!r}, optimizer={self.optimizer.value!r}, "
                f"lr={self.lr.value:g}, momentum={self.momentum.value:g}, steps={self.steps.value}, "
                f"start=({self.x0.value:g}, {self.y0.value:g}))")

    @classmethod
    def show_default(cls, **kwargs):
        """Draw the default view as an ordinary figure (no widgets needed), print its summary,
        and return the explorer."""
        import matplotlib.pyplot as plt
        ex = cls(**kwargs)
        fig = ex.draw()
        print(ex.summary())
        plt.show()
        plt.close(fig)
        return ex
