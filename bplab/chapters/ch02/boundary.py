r"""Figures for chapter 02: decision boundaries, loss curves and activation functions.

* :func:`decision_grid`           a model's class-1 probability on a grid over the plane
* :func:`plot_decision_boundary`  that grid as a filled contour, with the data on top
* :func:`plot_loss_curve`         training (and test) loss per epoch
* :func:`plot_boundary_snapshots` the boundary at several epochs plus the loss curve
* :func:`plot_activations`        each activation :math:`f(z)` above its derivative :math:`f'(z)`
* :func:`plot_datasets`           the four toy data sets as scatter plots

Two-class data use the TensorFlow-Playground colours (Smilkov & Carter 2016): class 0 blue,
class 1 orange, the background shaded by the model's probability of class 1 and the 0.5
contour (the decision boundary itself) drawn as a black line.

Every function returns what it drew (an Axes or a Figure) so tests can inspect it.
"""
from __future__ import annotations

import math

import numpy as np

from bplab._validate import as_float_matrix, as_labels

__all__ = ["CLASS_COLORS", "decision_grid", "plot_decision_boundary", "plot_loss_curve",
           "plot_boundary_snapshots", "plot_activations", "plot_datasets", "plot_lim", "legend_on_top"]

#: point colours, class 0 then class 1 (then more, for multi-class data)
CLASS_COLORS = ("#1f6fb4", "#f08a24", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

# mathtext-safe labels for the activation plots (matplotlib's mathtext has no \text)
_ACT_LABELS = {
    "sigmoid": (r"$f(z)=\sigma(z)=1/(1+e^{-z})$", r"$f'(z)=\sigma(z)\,(1-\sigma(z))$"),
    "tanh": (r"$f(z)=\tanh(z)$", r"$f'(z)=1-\tanh^2(z)$"),
    "relu": (r"$f(z)=\max(0,\ z)$", r"$f'(z)=1$ if $z>0$, else $0$"),
    "leaky_relu": (r"$f(z)=\max(0.01z,\ z)$", r"$f'(z)=1$ if $z>0$, else $0.01$"),
    "linear": (r"$f(z)=z$", r"$f'(z)=1$"),
}


def _boundary_cmap():
    from matplotlib.colors import LinearSegmentedColormap
    return LinearSegmentedColormap.from_list(
        "bplab_boundary", ["#8fbfe6", "#f7f7f7", "#f9c48f"])


def _check_xy(X, y, name="X"):
    """Points in the plane (n, 2) and, unless None, one class label per point."""
    X = as_float_matrix(X, name)
    if X.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2): points in the plane; got shape {X.shape}")
    if y is not None:
        y = as_labels(y, "y", n_rows=X.shape[0])
    return X, y


def _label_colorbar(cb):
    """P(class 1) colour scale, with the 0.5 level (the decision boundary) drawn as on the map."""
    cb.set_label("P(class 1)   (black line: 0.5, the decision boundary)", fontsize=9)
    cb.ax.axhline(0.5, color="k", lw=1.5)


def plot_lim(X, margin: float = 0.25) -> float:
    """A symmetric plot limit: the largest |coordinate| plus ``margin``, rounded up to 0.1."""
    X = np.asarray(X, dtype=float)
    return math.ceil((float(np.abs(X).max()) + margin) * 10) / 10


def decision_grid(model, X=None, *, lim=None, resolution: int = 100):
    """Evaluate a two-input classifier on a ``resolution`` x ``resolution`` grid.

    The square is ``[-lim, lim]^2``; ``lim`` defaults to :func:`plot_lim` of ``X`` (or 2.0).
    Returns ``(xs, ys, probs)``: the grid's coordinates (1-D arrays) and, for a two-class
    model, ``probs[i, j]`` = P(class 1) at ``(xs[j], ys[i])``; for more classes, ``probs`` has
    a last axis with every class's probability. Non-finite outputs (a diverged model) give NaN.
    """
    from bplab.losses import softmax

    if not hasattr(model, "forward") or not getattr(model, "sizes", [0])[0] == 2:
        raise TypeError("decision_grid needs a bplab.MLP with 2 inputs, "
                        f"got {type(model).__name__}" + (f" with sizes {model.sizes}"
                                                         if hasattr(model, "sizes") else ""))
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    if lim is None:
        lim = plot_lim(X) if X is not None else 2.0
    elif isinstance(lim, bool) or not isinstance(lim, (int, float, np.floating)) or not 0 < lim < np.inf:
        raise ValueError(f"lim must be a positive number (the plot shows [-lim, lim]^2), got {lim!r}")
    xs = np.linspace(-lim, lim, resolution)
    gx, gy = np.meshgrid(xs, xs)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(all="ignore"):
        out = model.forward(pts)
        probs = softmax(out) if getattr(model, "is_classifier", True) else out
    probs = np.where(np.isfinite(probs), probs, np.nan)
    if probs.shape[1] == 2:
        probs = probs[:, 1].reshape(resolution, resolution)
    else:
        probs = probs.reshape(resolution, resolution, -1)
    return xs, xs.copy(), probs


def plot_decision_boundary(model, X, y, *, ax=None, grid=None, title=None, resolution: int = 100,
                           lim=None, colorbar: bool = False, legend: bool = True, point_size: float = 24):
    """Filled contour of the model's P(class 1), the 0.5 boundary line, and the data on top.

    ``model`` may be None when ``grid`` (the result of :func:`decision_grid`) is given, or when
    only the data should be drawn. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    X, y = _check_xy(X, y)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.2))
    if grid is None and model is not None:
        grid = decision_grid(model, X, lim=lim, resolution=resolution)
    if lim is None:
        lim = float(grid[0][-1]) if grid is not None else plot_lim(X)
    if grid is not None:
        xs, ys, probs = grid
        if probs.ndim == 2:
            if np.isfinite(probs).any():
                cs = ax.contourf(xs, ys, probs, levels=np.linspace(0, 1, 11), cmap=_boundary_cmap(),
                                 vmin=0, vmax=1)
                if np.nanmin(probs) < 0.5 < np.nanmax(probs):
                    ax.contour(xs, ys, probs, levels=[0.5], colors="k", linewidths=1.5)
                if colorbar:
                    cb = ax.figure.colorbar(cs, ax=ax, fraction=0.046, pad=0.03)
                    _label_colorbar(cb)
        else:
            from matplotlib.colors import ListedColormap
            k = probs.shape[2]
            cls = np.nanargmax(np.nan_to_num(probs, nan=-1.0), axis=2)
            ax.contourf(xs, ys, cls, levels=np.arange(k + 1) - 0.5,
                        cmap=ListedColormap(CLASS_COLORS[:k]), alpha=0.3)
    if y is not None:
        for c in np.unique(y):
            m = y == c
            ax.scatter(X[m, 0], X[m, 1], s=point_size, color=CLASS_COLORS[int(c) % len(CLASS_COLORS)],
                       edgecolors="white", linewidths=0.7, label=f"class {int(c)}", zorder=3)
        if legend:
            ax.legend(loc="lower right", fontsize=8, framealpha=0.85, handletextpad=0.2,
                      borderpad=0.3)
    else:
        ax.scatter(X[:, 0], X[:, 1], s=point_size, color="0.3", zorder=3)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_loss_curve(history, *, ax=None, title=None, logy: bool = True, marks=None,
                    val_label: str = "test", diverged_epoch=None, legend_loc="upper right"):
    """Training loss (and ``val_loss`` if present, labelled ``val_label``) against the epoch.

    With ``logy`` the y axis is logarithmic when the loss spans more than a factor of 20.

    ``marks``: epochs to mark with dotted vertical lines (e.g. snapshot epochs).
    ``diverged_epoch``: draw a red line where training blew up.
    ``legend_loc``: any matplotlib legend location, or ``"top"``: one row along the top, with
    the y axis extended so that no curve reaches it (:func:`legend_on_top`; for a loss that
    stays high, where an upper-right legend would cover the curves). Returns the Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    if history is None or "loss" not in getattr(history, "columns", ()):
        raise TypeError("history must be the DataFrame returned by bplab.fit (with a 'loss' column)")
    epochs = np.asarray(history.index, dtype=float)
    if len(epochs):
        ax.plot(epochs, history["loss"].to_numpy(), color="C0", lw=2, label="train loss",
                marker="o" if len(epochs) < 3 else None)
        if "val_loss" in history.columns:
            ax.plot(epochs, history["val_loss"].to_numpy(), color="C1", lw=1.5, ls="--",
                    label=f"{val_label} loss", marker="o" if len(epochs) < 3 else None)
    for e in marks or ():
        ax.axvline(e, color="0.6", ls=":", lw=1)
    if diverged_epoch is not None:
        ax.axvline(diverged_epoch, color="#c0392b", lw=2, label=f"diverged (epoch {diverged_epoch})")
    if logy and len(epochs):
        vals = history["loss"].to_numpy()
        if "val_loss" in history.columns:
            vals = np.concatenate([vals, history["val_loss"].to_numpy()])
        # log scale only when the loss spans more than a factor of 20 (else it just looks odd)
        if np.all(np.isfinite(vals)) and np.all(vals > 0) and vals.max() > 20 * vals.min():
            ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))   # whole epochs
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (cross-entropy)" + (", log scale" if ax.get_yscale() == "log" else ""))
    if len(epochs) or diverged_epoch is not None:
        if legend_loc == "top":
            legend_on_top(ax)
        else:
            ax.legend(fontsize=8, loc=legend_loc)
    ax.grid(alpha=0.3, which="both")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def legend_on_top(ax, *, fontsize=8, room=0.17):
    """The legend of ``ax`` in one row along the top of the axes, above every curve: the y axis
    is extended upwards by ``room`` (a fraction of the new height, on a log axis in decades) so
    that no data reaches the legend's band. Call it after everything is drawn and the y scale
    is set. Returns the Legend."""
    handles, labels = ax.get_legend_handles_labels()
    ax.autoscale_view()
    lo, hi = ax.get_ylim()
    if ax.get_yscale() == "log":
        lo, hi = max(lo, 1e-300), max(hi, 1e-300)
        ax.set_ylim(lo, hi * (hi / lo) ** (room / (1 - room)))
    else:
        ax.set_ylim(lo, hi + (hi - lo) * room / (1 - room))
    return ax.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=fontsize,
                     framealpha=0.9, handlelength=1.8, columnspacing=1.2, borderaxespad=0.3)


def plot_boundary_snapshots(snapshots, X, y, *, history=None, ncols: int = 3, size: float = 3.4,
                            suptitle=None, colorbar: bool = False):
    """The decision boundary at several moments of training, plus (optionally) the loss curve.

    ``snapshots`` is a list of dicts with keys ``epoch``, ``grid`` (from :func:`decision_grid`)
    and optionally ``accuracy`` (and ``test_accuracy``), one panel each, in order.
    With ``history`` a last panel shows the loss curve with the snapshot epochs marked.
    With ``colorbar`` one shared P(class 1) colour scale is drawn at the right.
    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    snapshots = list(snapshots)
    if not snapshots:
        raise ValueError("snapshots is empty: pass at least one {'epoch': ..., 'grid': ...}")
    for i, s in enumerate(snapshots):
        if not isinstance(s, dict) or "epoch" not in s or "grid" not in s:
            raise TypeError(f"snapshots[{i}] must be a dict with 'epoch' and 'grid', got {s!r:.80}")
    n = len(snapshots) + (history is not None)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.02), squeeze=False)
    for i, (ax, s) in enumerate(zip(axes.ravel(), snapshots)):
        title = f"epoch {s['epoch']}"
        if "accuracy" in s:
            title += f": train acc {s['accuracy']:.1%}"
        if "test_accuracy" in s:
            title += f"\ntest acc {s['test_accuracy']:.1%}"
        plot_decision_boundary(None, X, y, ax=ax, grid=s["grid"], title=title, legend=(i == 0),
                               point_size=12)
    if history is not None:
        ax = axes.ravel()[len(snapshots)]
        plot_loss_curve(history, ax=ax, marks=[s["epoch"] for s in snapshots if s["epoch"] > 0],
                        title="loss (dotted: snapshot epochs)")
        ax.set_box_aspect(1)
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle)
    if colorbar:
        import matplotlib as mpl

        right = 1 - 0.9 / (size * ncols)          # leave about 0.9 inch for the colour scale
        fig.tight_layout(rect=(0, 0, right, 1))
        levels = np.linspace(0, 1, 11)           # the same 10 bands as the contour maps
        cmap = _boundary_cmap()
        sm = mpl.cm.ScalarMappable(norm=mpl.colors.BoundaryNorm(levels, cmap.N), cmap=cmap)
        boxes = [ax.get_position() for ax in axes.ravel()[:len(snapshots)]]
        y0, y1 = min(b.y0 for b in boxes), max(b.y1 for b in boxes)
        cax = fig.add_axes([right + 0.012, y0 + 0.1 * (y1 - y0), 0.014, 0.8 * (y1 - y0)])
        cb = fig.colorbar(sm, cax=cax, ticks=levels[::2])
        _label_colorbar(cb)
    else:
        fig.tight_layout()
    return fig


def plot_activations(names=None, *, z=None, size: float = 1.96):
    """Each activation f(z) (top row) above its derivative f'(z) (bottom row). Returns the Figure.

    The derivatives share one y scale (at least 0 ... 1), so their sizes can be compared.
    ``size`` is the width of one column in inches: the default puts all five activations in
    9.8 inches, which JupyterLab shows at full size (980 px at 100 dpi) without shrinking it.
    """
    import matplotlib.pyplot as plt

    from bplab.activations import ACTIVATIONS, get_activation

    names = list(ACTIVATIONS) if names is None else [get_activation(n).name for n in names]
    if not names:
        raise ValueError("names is empty: give at least one activation name")
    z = np.linspace(-4, 4, 801) if z is None else np.asarray(z, dtype=float)
    fig, axes = plt.subplots(2, len(names), figsize=(size * len(names), size * 1.9),
                             squeeze=False, sharex=True)
    lo, hi = 0.0, 1.0
    for j, name in enumerate(names):
        act = ACTIVATIONS[name]
        f_label, d_label = _ACT_LABELS.get(name, (name, name + "'"))
        top, bottom = axes[0, j], axes[1, j]
        # the curves sit above the grey axis lines (zorder 3 > 1): relu' = 0 on the left
        # lies exactly on the y = 0 line and must not disappear under it
        top.plot(z, act(z), color="C0", lw=2, zorder=3)
        top.set_title(f"{name}\n{f_label}", fontsize=9)
        d = act.derivative(z)
        if name in ("relu", "leaky_relu"):
            # draw the jump at 0 as a gap, not as a vertical line
            left, right = z < 0, z > 0
            bottom.plot(z[left], d[left], color="C3", lw=2, zorder=3)
            bottom.plot(z[right], d[right], color="C3", lw=2, zorder=3)
        else:
            bottom.plot(z, d, color="C3", lw=2, zorder=3)
        bottom.set_title(d_label, fontsize=9)
        bottom.set_xlabel("z")
        for ax in (top, bottom):
            ax.axhline(0, color="0.7", lw=0.8, zorder=1)
            ax.axvline(0, color="0.7", lw=0.8, zorder=1)
            ax.grid(alpha=0.3, zorder=0)
        lo, hi = min(lo, float(d.min())), max(hi, float(d.max()))
    # one scale for every derivative, including 0: sigmoid's 0.25 is visibly smaller than 1
    pad = 0.08 * (hi - lo)
    for ax in axes[1]:
        ax.set_ylim(lo - pad, hi + pad)
    axes[0, 0].set_ylabel("f(z)")
    axes[1, 0].set_ylabel("f'(z)")
    fig.tight_layout()
    return fig


def plot_datasets(names=("xor", "moons", "circles", "spirals"), *, n: int = 200, seed: int = 0,
                  size: float = 2.45):
    """The toy data sets side by side (the training points the Playground uses). Returns the Figure.

    One panel per data set: each point is one example (x1, x2), coloured by its label
    (class 0 blue, class 1 orange).
    """
    import matplotlib.pyplot as plt

    from bplab.data import make_toy

    fig, axes = plt.subplots(1, len(names), figsize=(size * len(names), size + 0.35), squeeze=False)
    for ax, name in zip(axes[0], names):
        X, y = make_toy(name, n=n, seed=seed)
        plot_decision_boundary(None, X, y, ax=ax, title=f"{name} ({len(X)} points)",
                               legend=ax is axes[0, 0], point_size=12)
    fig.tight_layout()
    return fig
