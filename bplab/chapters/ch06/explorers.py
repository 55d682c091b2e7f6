r"""Chapter 06 widgets: walk through an autoencoder's code space, and watch it remove noise.

``CodeExplorer(ae, X, labels)``
    For an autoencoder with a 2-number code. Two sliders pick a point :math:`(z_1, z_2)` in
    the code space; the decoder turns it into a new digit, drawn next to the scatter of the
    data's codes (coloured by labels the network never saw) and the real digit whose code is
    nearest. The sliders reach ``pad`` (default 50%) of the codes' range beyond the data on
    every side, so you can also decode points far from any digit. State: ``code``, ``image``
    (the decoded pixels), ``nearest_index``, ``nearest_label``, ``nearest_distance``
    (Euclidean, in code units), ``codes`` (of X), ``lo``/``hi`` (the sliders' range),
    ``figure`` (the last Figure drawn), ``n_draws``.

``DenoisingExplorer(ae, X_clean, compare=None)``
    A noise-level slider :math:`\sigma`: Gaussian noise of that standard deviation is added to
    clean digits (always the same noise pattern, scaled), the autoencoder reconstructs them,
    and the rows show noisy input / reconstruction / clean original. ``compare`` adds a second
    autoencoder's row (e.g. one trained without noise). State: ``noise``, ``noisy``,
    ``reconstruction``, ``compare_reconstruction``, ``errors`` (MSE against the clean digits,
    over all of X_clean), ``figure``, ``n_draws``.

Both recompute when a control's ``.value`` changes (on release of the slider) and, once they
have been displayed, redraw into a ``widgets.Output``; ``n_updates`` counts recomputations and
``n_draws`` figures drawn. ``text`` is an HTML line under the figure that repeats its title
and numbers (updated on every change), so a screen reader, find-in-page or copying can reach
them. Both have ``show_default()``, which draws the default view as
ordinary output::

    ex = CodeExplorer(ae2, X_train, y_train)
    ex.show_default()      # static figure + printed numbers (nbval checks these)
    ex                     # the live widget (JupyterLab, ipywidgets 8)
"""
from __future__ import annotations

import html

import numpy as np

from bplab._validate import as_float_matrix, check_int, check_positive_number, check_seed
from bplab.chapters._shared.display import put_figure

__all__ = ["CodeExplorer", "DenoisingExplorer"]

_STYLE = {"description_width": "initial"}


def _check_autoencoder(ae, code_size=None):
    from bplab.autoencoder import Autoencoder

    if not isinstance(ae, Autoencoder):
        raise TypeError(f"ae must be a trained bplab.Autoencoder, got {type(ae).__name__}")
    if code_size is not None and ae.code_size != code_size:
        raise ValueError(f"ae must have a {code_size}-number code to explore with {code_size} sliders, "
                         f"got an autoencoder with code size {ae.code_size} (sizes={ae.encoder_sizes})")
    return ae


class _Explorer:
    """Shared drawing plumbing: figure() -> self.figure, display into self.out when live."""

    # Drawn on first display and on every change after that, not before: building an
    # explorer just to read its numbers (or to call show_default) costs no extra figure.
    _shown = False
    _drawn_version = -1

    def _repr_mimebundle_(self, **kwargs):
        self._shown = True
        if self._drawn_version != self.n_updates:
            self._redraw()
        return self.ui._repr_mimebundle_(**kwargs)

    def _update_text(self):
        """Write the figure's title and numbers (``text_lines()``) into the text line under it."""
        title, *rest = self.text_lines()
        self.text.value = ("<div style='font-size:12px;line-height:1.35'>"
                           f"<b>{html.escape(title, quote=False)}</b>"
                           + "".join(f"<br>{html.escape(t, quote=False)}" for t in rest) + "</div>")

    def _on_change(self, change=None):
        self.update()
        if self._shown:
            self._redraw()

    def _redraw(self):
        fig = self.figure_()
        self.figure = fig
        self.n_draws += 1
        self._drawn_version = self.n_updates
        put_figure(self.out, fig)

    def show(self):
        """Print the numbers of the current view and draw it as ordinary output."""
        import matplotlib.pyplot as plt

        print(self.summary())
        fig = self.figure_()
        self.figure = fig
        plt.show()
        plt.close(fig)

    def show_default(self):
        """Put every control back to its default, then print and draw that view (static output)."""
        for name, ctrl in self.controls.items():
            ctrl.value = self.defaults[name]
        self.show()


# ============================================================== the code explorer
class CodeExplorer(_Explorer):
    """Two sliders move through a 2-D code; the decoder draws the digit that lives there.

    Parameters
    ----------
    ae : bplab.Autoencoder with code size 2 (trained)
    X : data (n, ae input width) whose codes are scattered, e.g. the training set
    labels : optional class labels of X, only used for colours and the nearest-digit label
    start : optional (z1, z2) where the sliders start (default: the mean of the data's codes)
    pad : how far the sliders reach beyond the data's codes, as a fraction of their range
        (default 0.5: half the range on each side)
    """

    def __init__(self, ae, X, labels=None, *, start=None, pad=0.5):
        import ipywidgets as w

        self.ae = _check_autoencoder(ae, code_size=2)
        self.X = as_float_matrix(X, "X", n_features=ae.sizes[0])
        self.labels = None
        if labels is not None:
            lab = np.asarray(labels)
            if lab.ndim != 1 or len(lab) != len(self.X) or lab.dtype.kind not in "iu":
                raise ValueError(f"labels must be {len(self.X)} integer class labels (one per row of X), "
                                 f"got shape {lab.shape} dtype {lab.dtype}")
            self.labels = lab
        self.codes = np.asarray(ae.encode(self.X), dtype=np.float64)
        self.pad = check_positive_number(pad, "pad", allow_zero=True)
        lo, hi = self.codes.min(axis=0), self.codes.max(axis=0)
        reach = self.pad * (hi - lo) + 1e-9
        self.lo, self.hi = lo - reach, hi + reach
        if start is None:
            start = self.codes.mean(axis=0)
        start = np.asarray(start, dtype=float).reshape(-1)
        if start.shape != (2,) or not np.isfinite(start).all():
            raise ValueError(f"start must be two finite numbers (z1, z2), got {start}")
        start = np.clip(start, self.lo, self.hi)
        self.defaults = {"z1": float(start[0]), "z2": float(start[1])}

        steps = (self.hi - self.lo) / 200
        self.z1_slider = w.FloatSlider(value=self.defaults["z1"], min=float(self.lo[0]), max=float(self.hi[0]),
                                       step=float(steps[0]), description="code z₁",
                                       readout_format=".2f", continuous_update=False, style=_STYLE,
                                       layout=w.Layout(width="420px"))
        self.z2_slider = w.FloatSlider(value=self.defaults["z2"], min=float(self.lo[1]), max=float(self.hi[1]),
                                       step=float(steps[1]), description="code z₂",
                                       readout_format=".2f", continuous_update=False, style=_STYLE,
                                       layout=w.Layout(width="420px"))
        # The slider snaps values to its step grid in the browser; keep the exact default here.
        self.z1_slider.value, self.z2_slider.value = self.defaults["z1"], self.defaults["z2"]
        self.controls = {"z1": self.z1_slider, "z2": self.z2_slider}
        self.out = w.Output()
        self.text = w.HTML()       # the figure's title and numbers as text, under the figure
        self.ui = w.VBox([w.HBox([self.z1_slider, self.z2_slider]), self.out, self.text])

        self.figure = None
        self.n_draws = 0
        self.n_updates = 0
        self.update()
        for ctrl in self.controls.values():
            ctrl.observe(self._on_change, names="value")

    def __repr__(self):
        return f"CodeExplorer(code=({self.code[0]:.3f}, {self.code[1]:.3f}))"

    def update(self):
        """Decode the sliders' point and find the nearest code in the data."""
        self.code = np.array([self.z1_slider.value, self.z2_slider.value], dtype=float)
        self.image = np.asarray(self.ae.decode(self.code[None, :])[0], dtype=np.float64)
        d = np.sum((self.codes - self.code) ** 2, axis=1)
        self.nearest_index = int(np.argmin(d))
        self.nearest_distance = float(np.sqrt(d[self.nearest_index]))
        self.nearest_label = None if self.labels is None else int(self.labels[self.nearest_index])
        self.n_updates += 1
        self._update_text()
        return self

    def summary(self) -> str:
        z = self.code
        text = f"code (z1, z2) = ({z[0]:.2f}, {z[1]:.2f}) decoded"
        near = f"nearest code in the data: example {self.nearest_index}"
        if self.nearest_label is not None:
            near += f", a '{self.nearest_label}'"
        return f"{text}; {near} (distance {self.nearest_distance:.2f} in code units)"

    def text_lines(self) -> list:
        """The figure's title and numbers as lines of text (for the line under the figure)."""
        return [f"Decoded from the code (z1, z2) = ({self.code[0]:.2f}, {self.code[1]:.2f}), "
                f"next to the data's 2-D codes and the nearest real digit", self.summary()]

    def figure_(self):
        """The scatter with a marker, the decoded digit and the nearest real digit; returns the Figure."""
        import matplotlib.pyplot as plt

        from bplab.chapters.ch06.plots import code_scatter, digit_image

        fig = plt.figure(figsize=(10.5, 4.4))
        gs = fig.add_gridspec(2, 3, width_ratios=[2.3, 1, 1], height_ratios=[1, 0.12])
        ax_s = fig.add_subplot(gs[:, 0])
        ax_d = fig.add_subplot(gs[0, 1])
        ax_n = fig.add_subplot(gs[0, 2])
        # the sliders' whole range plus a margin, so the marker stays whole even at a slider's end
        margin = 0.04 * (self.hi - self.lo)
        code_scatter(self.codes, self.labels, ax=ax_s, marker=self.code, s=6, alpha=0.45,
                     title="the data's 2-D codes (colours: labels the\nautoencoder never saw)",
                     xlim=(self.lo[0] - margin[0], self.hi[0] + margin[0]),
                     ylim=(self.lo[1] - margin[1], self.hi[1] + margin[1]))
        digit_image(ax_d, self.image, title=f"decoded from the ✕\n({self.code[0]:.2f}, {self.code[1]:.2f})")
        near_title = "nearest real digit"
        if self.nearest_label is not None:
            near_title += f"\n(a '{self.nearest_label}', {self.nearest_distance:.2f} code units away)"
        digit_image(ax_n, self.X[self.nearest_index], title=near_title)
        fig.tight_layout()
        return fig



# ========================================================= the denoising explorer
class DenoisingExplorer(_Explorer):
    """A noise-level slider: noisy input, the autoencoder's reconstruction, the clean original.

    Parameters
    ----------
    ae : bplab.Autoencoder (trained, ideally as a denoising autoencoder: ``noise > 0``)
    X_clean : clean data (n, ae input width), e.g. the held-out digits
    compare : optional second Autoencoder (e.g. trained without noise), drawn as an extra row
    noise : the slider's starting noise level (standard deviation), 0 ... ``max_noise``
    n_show : how many digits to draw (the first n_show rows of X_clean)
    seed : seeds the one noise pattern that the slider scales
    names : row labels for ``ae`` and ``compare``
    """

    def __init__(self, ae, X_clean, *, compare=None, noise=0.3, n_show=8, seed=0, max_noise=1.0,
                 names=("denoising AE", "plain AE")):
        import ipywidgets as w

        self.ae = _check_autoencoder(ae)
        self.compare = None if compare is None else _check_autoencoder(compare)
        if self.compare is not None and self.compare.sizes[0] != ae.sizes[0]:
            raise ValueError(f"compare must take the same input width as ae ({ae.sizes[0]}), "
                             f"got {self.compare.sizes[0]}")
        self.X_clean = as_float_matrix(X_clean, "X_clean", n_features=ae.sizes[0])
        self.max_noise = check_positive_number(max_noise, "max_noise")
        noise = check_positive_number(noise, "noise", allow_zero=True)
        if noise > self.max_noise:
            raise ValueError(f"noise must be between 0 and max_noise={self.max_noise:g}, got {noise:g}")
        self.n_show = check_int(n_show, "n_show", minimum=1)
        if self.n_show > len(self.X_clean):
            raise ValueError(f"n_show={self.n_show} is more than the {len(self.X_clean)} rows of X_clean")
        self.names = tuple(names)
        self.pattern = np.random.default_rng(check_seed(seed)).standard_normal(self.X_clean.shape)
        self.defaults = {"noise": float(noise)}

        self.noise_slider = w.FloatSlider(value=float(noise), min=0.0, max=self.max_noise, step=0.05,
                                          description="noise level σ (std of the added Gaussian noise)",
                                          readout_format=".2f", continuous_update=False, style=_STYLE,
                                          layout=w.Layout(width="560px"))
        self.controls = {"noise": self.noise_slider}
        self.out = w.Output()
        self.text = w.HTML()       # the figure's title and numbers as text, under the figure
        self.ui = w.VBox([self.noise_slider, self.out, self.text])

        self.figure = None
        self.n_draws = 0
        self.n_updates = 0
        self.update()
        self.noise_slider.observe(self._on_change, names="value")

    def __repr__(self):
        return f"DenoisingExplorer(noise={self.noise:.2f})"

    def update(self):
        """Add noise of the slider's level, reconstruct, and measure every error against the clean digits."""
        self.noise = float(self.noise_slider.value)
        self.noisy = self.X_clean + self.noise * self.pattern
        self.reconstruction = np.asarray(self.ae.reconstruct(self.noisy), dtype=np.float64)
        self.errors = {
            "noisy input": float(np.mean((self.noisy - self.X_clean) ** 2)),
            self.names[0]: float(np.mean((self.reconstruction - self.X_clean) ** 2)),
        }
        self.compare_reconstruction = None
        if self.compare is not None:
            self.compare_reconstruction = np.asarray(self.compare.reconstruct(self.noisy), dtype=np.float64)
            self.errors[self.names[1]] = float(np.mean((self.compare_reconstruction - self.X_clean) ** 2))
        self.n_updates += 1
        self._update_text()
        return self

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v:.4f}" for k, v in self.errors.items())
        return (f"noise σ = {self.noise:.2f}: MSE against the clean digits (all {len(self.X_clean)}): "
                + parts)

    def title(self) -> str:
        """The figure's title."""
        return (f"noise σ = {self.noise:.2f} (MSE against the clean digits, "
                f"averaged over all {len(self.X_clean)})")

    def text_lines(self) -> list:
        """The figure's title and numbers as lines of text (for the line under the figure)."""
        rows = ["noisy input", self.names[0]] + ([self.names[1]] if self.compare is not None else [])
        return ([self.title() + f"; rows: {', '.join(rows)}, clean original ({self.n_show} digits)"]
                + [f"{k}: MSE {v:.4f}" for k, v in self.errors.items()])

    def figure_(self):
        """Rows: noisy input / reconstruction(s) / clean original; returns the Figure."""
        from bplab.chapters.ch06.plots import reconstruction_rows

        n = self.n_show
        rows = {"noisy input": self.noisy[:n], self.names[0]: self.reconstruction[:n]}
        if self.compare_reconstruction is not None:
            rows[self.names[1]] = self.compare_reconstruction[:n]
        rows["clean original"] = self.X_clean[:n]
        errors = dict(self.errors)
        return reconstruction_rows(
            rows, errors=errors,
            suptitle=self.title())

