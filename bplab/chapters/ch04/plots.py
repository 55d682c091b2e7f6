"""Figures for chapter 04 (vanishing and exploding gradients).

Every function returns the Figure it drew; the numbers come from :mod:`bplab.chapters.ch04.experiments`.
"""
from __future__ import annotations

import re
import textwrap

import numpy as np

__all__ = ["layer_norm_bars", "sigmoid_slope", "activation_histograms", "weight_change_lines",
           "remedy_lines", "gradient_explorer_figure", "digit_rows"]

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


def _plt():
    import matplotlib.pyplot as plt
    return plt


def _fmt(v):
    return f"{v:.2g}" if v < 0.01 or v >= 100 else f"{v:.3f}"


def _wrap_label(label, width=20):
    """Break a label after '),' first (keeps 'N(0, 1)' whole), then wrap long pieces."""
    pieces = re.split(r"(?<=\)),\s*", str(label))
    return "\n".join(line for p in pieces for line in textwrap.wrap(p, width))


def layer_norm_bars(series, *, ax=None, title=None, ylabel=r"$\Vert\partial L/\partial b^l\Vert$",
                    labels=None, annotate=True, errors=None, figsize=(7.5, 4.2)):
    """Grouped bars on a log scale, one group per layer and one bar per entry of ``series``
    (a dict ``label -> per-layer values``, first layer first). ``labels`` names the groups
    (default 'layer 1', 'layer 2', ...). ``errors`` (optional) is a dict with some of the same
    labels ``-> per-layer standard deviations``, drawn as ±1 std error bars. Returns the Figure.

    A log axis cannot show 0, infinity or NaN (a layer that did not move, or a training run
    that blew up): such a value gets no bar but a small grey label ('0', 'inf', 'NaN') at the
    bottom of its slot, and the axis limits come from the finite positive values only. When
    there are none, the panel says so instead of drawing an empty chart.
    ``ax.skipped`` (the Axes drawn on) lists ``(label, layer index, value)`` for every value
    left out."""
    plt = _plt()
    if not isinstance(series, dict) or not series:
        raise TypeError("series must be a non-empty dict {label: per-layer values}")
    errors = {} if errors is None else errors
    if not isinstance(errors, dict) or not set(errors) <= set(series):
        raise TypeError("errors must be a dict {label: per-layer std} whose labels are keys of series")
    vals = {k: np.asarray(v, dtype=float).ravel() for k, v in series.items()}
    n = max(len(v) for v in vals.values())
    own_figure = ax is None
    if own_figure:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    labels = labels or [f"layer {i + 1}" for i in range(n)]
    width = 0.8 / len(vals)
    x = np.arange(n)
    skipped = []
    lows, highs = [], []
    for i, (name, v) in enumerate(vals.items()):
        pos = x[:len(v)] - 0.4 + width * (i + 0.5)
        ok = np.isfinite(v) & (v > 0)                   # what a log axis can show
        shown = np.where(ok, v, np.nan)
        bars = ax.bar(pos, shown, width, label=name, color=COLORS[i % len(COLORS)], edgecolor="k", lw=0.5)
        top = shown
        if name in errors:
            err = np.asarray(errors[name], dtype=float).ravel()
            if err.shape != v.shape:
                raise ValueError(f"errors[{name!r}] has {err.size} entries, series[{name!r}] {v.size}")
            err = np.where(ok & np.isfinite(err), err, 0.0)
            ax.errorbar(pos[ok], v[ok], yerr=err[ok], fmt="none", ecolor="k", elinewidth=0.9, capsize=3)
            top = shown + err
            low = shown - err
            lows.append(np.where(low > 0, low, shown)[ok])
        else:
            lows.append(shown[ok])
        highs.append(top[ok])
        if annotate and n * len(vals) <= 24:
            for b, val, t, good in zip(bars, v, top, ok):
                if good:
                    ax.annotate(_fmt(val), (b.get_x() + b.get_width() / 2, t), ha="center", va="bottom",
                                fontsize=7.5, xytext=(0, 1.5), textcoords="offset points")
        for j in np.flatnonzero(~ok):
            skipped.append((name, int(j), float(v[j])))
            word = "NaN" if np.isnan(v[j]) else "inf" if np.isinf(v[j]) else "0" if v[j] == 0 else f"{v[j]:.2g}"
            ax.annotate(word, (pos[j], 0), xycoords=("data", "axes fraction"), ha="center", va="bottom",
                        fontsize=7.5, color="0.35", xytext=(0, 2), textcoords="offset points")
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels(labels)
    ax.set_ylabel(ylabel)
    lows = np.concatenate(lows)
    highs = np.concatenate(highs)
    if lows.size:
        lo, hi = float(lows.min()), float(highs.max())
        # whole decades, so that log ticks are labelled and panels are easy to compare
        ax.set_ylim(10.0 ** np.floor(np.log10(lo / 2)), 10.0 ** np.ceil(np.log10(hi * 3)))
    else:
        ax.set_ylim(1e-3, 1.0)
        ax.text(0.5, 0.5, "no finite value above 0 to draw", ha="center", va="center",
                transform=ax.transAxes, fontsize=9, color="0.35")
    from matplotlib.ticker import NullFormatter
    ax.yaxis.set_minor_formatter(NullFormatter())
    if title:
        ax.set_title(title)
    if len(vals) > 1:
        ax.legend(fontsize=8.5, loc="upper left")
    ax.grid(axis="y", which="major", alpha=0.3)
    if own_figure:                 # on a caller's axes the caller does the layout
        fig.tight_layout()
    ax.skipped = skipped
    return fig


def sigmoid_slope(*, z_max=8.0, figsize=(7.5, 3.6)):
    r"""The sigmoid and its slope :math:`\sigma'(z) = \sigma(z)(1-\sigma(z))`, with the
    maximum 1/4 at z = 0 marked. Returns the Figure."""
    plt = _plt()
    from bplab import activations

    z = np.linspace(-z_max, z_max, 801)
    s = activations.sigmoid(z)
    ds = activations.sigmoid.derivative(z)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=figsize)
    a1.plot(z, s, color=COLORS[0])
    a1.set_title(r"$\sigma(z) = 1/(1+e^{-z})$")
    a2.plot(z, ds, color=COLORS[3])
    a2.plot([0], [0.25], "o", color="k")
    a2.annotate(r"max $\sigma'(0) = 1/4$", (0, 0.25), xytext=(1.6, 0.19), fontsize=9,
                arrowprops=dict(arrowstyle="->", lw=0.8))
    a2.axhline(0.25, color="k", lw=0.6, ls=":")
    flat = np.abs(z) > 3.66   # sigma' < 0.025 = 10 % of its maximum
    a2.fill_between(z, 0, 0.32, where=flat, color="0.88", label=r"saturated: $\sigma' < 0.1 \cdot 1/4$")
    a2.set_ylim(0, 0.32)
    a2.set_title(r"$\sigma'(z) = \sigma(z)\,(1-\sigma(z))$")
    a2.legend(fontsize=8, loc="upper center", framealpha=1.0)
    for a in (a1, a2):
        a.set_xlabel("z")
        a.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def activation_histograms(models, X, *, bins=40, size=(2.9, 2.2)):
    """Histograms of every hidden layer's activations (rows: models, columns: layers).

    Each panel pools every output of the layer: all its units on all examples of X, as a density
    (the y axis). ``models`` is a dict ``label -> MLP``. Each panel's title gives the fraction of
    those outputs that are saturated (local slope below 10 % of its maximum, as
    :meth:`Activation.saturated_fraction` counts them). Returns the Figure; ``fig.saturated`` holds those
    fractions (dict label -> list).
    """
    plt = _plt()
    if not isinstance(models, dict) or not models:
        raise TypeError("models must be a non-empty dict {label: MLP}")
    n_cols = max(m.n_layers - 1 for m in models.values())
    fig, axes = plt.subplots(len(models), n_cols, figsize=(size[0] * n_cols, size[1] * len(models) + 0.3),
                             squeeze=False)
    saturated = {}
    for r, (label, m) in enumerate(models.items()):
        _, cache = m.forward(X, return_cache=True)
        saturated[label] = []
        for l in range(n_cols):
            ax = axes[r, l]
            if l >= m.n_layers - 1:
                ax.set_axis_off()
                continue
            act, A = m.activations[l], cache[l][2]
            sat = act.saturated_fraction(A)
            saturated[label].append(sat)
            lo, hi = (0, 1) if act.name == "sigmoid" else (float(A.min()), float(A.max()))
            ax.hist(A.ravel(), bins=np.linspace(lo, hi, bins + 1), color=COLORS[r % len(COLORS)],
                    density=True)
            ax.set_title(f"layer {l + 1}: {sat:.0%} of outputs saturated", fontsize=9)
            ax.tick_params(labelsize=7.5)
            ax.grid(axis="y", alpha=0.3)
            if r == len(models) - 1:
                ax.set_xlabel(f"activation ({act.name})", fontsize=8)
            if l == 0:
                ax.set_ylabel(_wrap_label(label) + "\n\ndensity", fontsize=8.5)
    fig.tight_layout()
    fig.saturated = saturated
    return fig


def weight_change_lines(changes, *, size=(4.6, 3.4), sharey=True):
    r"""Relative weight change :math:`\lVert\Delta W^l\rVert/\lVert W^l\rVert` per epoch, one
    line per layer, log scale; one panel per entry of ``changes`` (dict label -> the DataFrame
    from :func:`bplab.chapters.ch04.experiments.weight_change_per_epoch`). Returns the Figure."""
    plt = _plt()
    if not isinstance(changes, dict) or not changes:
        raise TypeError("changes must be a non-empty dict {label: DataFrame}")
    fig, axes = plt.subplots(1, len(changes), figsize=(size[0] * len(changes), size[1]),
                             squeeze=False, sharey=sharey)
    for ax, (label, df) in zip(axes[0], changes.items()):
        k = len(df.columns)
        for i, col in enumerate(df.columns):
            ax.plot(df.index, df[col], marker=MARKERS[i % len(MARKERS)], ms=4, lw=1.3,
                    color=COLORS[i % len(COLORS)], label=col + (" (output)" if i == k - 1 else ""))
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3, which="both")
    axes[0, 0].set_ylabel(r"$\Vert\Delta W^l\Vert / \Vert W^l\Vert$ per epoch")
    axes[0, -1].legend(fontsize=7.5, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


def remedy_lines(table, *, note=None, figsize=(8.5, 4.4)):
    """Per-layer gradient norms (columns g1, g2, ... of :func:`bplab.chapters.ch04.experiments.compare_remedies`),
    one line per remedy, log scale. Every line has its own colour, marker and dash pattern, and
    the lines are nudged sideways a little so that rows with almost equal numbers (ReLU + He and
    leaky ReLU + He) stay visible. ``note`` (optional) is printed in a box in the lower right
    corner, e.g. to say which lines coincide. Returns the Figure."""
    plt = _plt()
    cols = [c for c in table.columns if c.startswith("g") and c[1:].isdigit()]
    if not cols:
        raise ValueError("table has no g1, g2, ... columns; pass the compare_remedies() result")
    fig, ax = plt.subplots(figsize=figsize)
    x = np.arange(1, len(cols) + 1)
    styles = ["-", "--", ":", "-."]
    n = len(table)
    dodge = 0.06 * (np.arange(n) - (n - 1) / 2) if n > 1 else np.zeros(1)
    for i, (label, row) in enumerate(table.iterrows()):
        hollow = i % 2 == 1
        color = COLORS[i % len(COLORS)]
        ax.plot(x + dodge[i], row[cols].to_numpy(dtype=float), marker=MARKERS[i % len(MARKERS)],
                color=color, ls=styles[i % len(styles)], lw=1.6, ms=7,
                mfc="white" if hollow else color, mec=color, mew=1.4, label=label)
    if note:
        ax.text(0.98, 0.03, "\n".join(textwrap.wrap(str(note), 48)), transform=ax.transAxes,
                ha="right", va="bottom", multialignment="left", fontsize=8,
                bbox=dict(boxstyle="round", fc="white", ec="0.6"))
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([f"hidden {i}" for i in x])
    ax.set_xlabel("layer (input side → output side)")
    ax.set_ylabel(r"$\Vert\partial L/\partial b^l\Vert$ at initialisation")
    ax.set_title("Gradient per hidden layer: vanishing (falls to the left) or exploding (rises)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


def gradient_explorer_figure(grad_norms, weight_change, *, title="", message=None, note=None,
                             figsize=(10, 3.8)):
    """The widget's two panels: gradient norm per layer at initialisation and mean relative
    weight change per epoch of each layer during a short training.

    ``message`` (training diverged) replaces the right panel by that text in a red box: its
    numbers are meaningless then. ``note`` (training finished but failed, or has not learned
    yet) keeps both panels and adds the text in a yellow box below them; the figure grows by
    as many lines as the note needs. Returns the Figure."""
    plt = _plt()
    note_lines = "\n".join(textwrap.wrap(str(note), 120)) if note else ""
    n_note = note_lines.count("\n") + 1 if note else 0
    extra = 0.25 + 0.19 * n_note if note else 0.0        # inches added below the panels
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(figsize[0], figsize[1] + extra))
    g = np.asarray(grad_norms, dtype=float)
    labels = [str(i + 1) for i in range(len(g) - 1)] + ["out"]
    annotate = len(g) <= 8
    layer_norm_bars({"": g}, ax=a1, labels=labels, annotate=annotate,
                    title="gradient at initialisation")
    a1.set_xlabel("layer")
    if message:
        a2.set_axis_off()
        a2.text(0.5, 0.5, "\n".join(textwrap.wrap(message, 46)), ha="center", va="center",
                fontsize=10, transform=a2.transAxes, color="#7a1010",
                bbox=dict(boxstyle="round", fc="#fdecea", ec="#b03a2e"))
    else:
        w = np.asarray(weight_change, dtype=float)
        if (np.isfinite(w) & (w > 0)).any():
            layer_norm_bars({"": w}, ax=a2, labels=labels, annotate=annotate,
                            ylabel=r"mean $\Vert\Delta W^l\Vert/\Vert W^l\Vert$ per epoch",
                            title="how far each layer's weights move")
        else:
            a2.text(0.5, 0.5, "no layer moved", ha="center", va="center", transform=a2.transAxes)
        a2.set_xlabel("layer")
    if note:
        fig.text(0.5, 0.1 / fig.get_figheight(), note_lines, ha="center", va="bottom", fontsize=9.5,
                 color="#5c4300", bbox=dict(boxstyle="round,pad=0.4", fc="#fff6d5", ec="#d4a000"))
    if title:
        fig.suptitle(title, fontsize=10)
    # fixed margins instead of tight_layout: the widget redraws this often, and it is 3x faster
    h = fig.get_figheight()
    top_in = 0.84 if title else 0.38                      # inches above the panels
    fig.subplots_adjust(left=0.08, right=0.98, bottom=(0.5 + extra) / h, top=1 - top_in / h, wspace=0.28)
    return fig


def digit_rows(rows, *, per_row=10, size=0.85):
    """A few images per data set, one row each: ``rows`` is a dict ``title -> (X, y)`` with X of
    shape (n, side*side) (square images, pixels in [0, 1]). Shows the first image of each digit
    0..9 (up to ``per_row``), its label above it. Returns the Figure; ``fig.shown`` maps each title
    to the indices of the images drawn."""
    plt = _plt()
    if not isinstance(rows, dict) or not rows:
        raise TypeError("rows must be a non-empty dict {title: (X, y)}")
    fig, axes = plt.subplots(len(rows), per_row, figsize=(per_row * size, len(rows) * (size + 0.45)),
                             squeeze=False)
    fig.shown = {}
    for r, (title, (X, y)) in enumerate(rows.items()):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(f"{title}: images must be square, got {X.shape[1]} pixels")
        idx = [int(np.flatnonzero(y == d)[0]) for d in range(per_row) if np.any(y == d)]
        fig.shown[title] = idx
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(idx):
                ax.imshow(X[idx[c]].reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
                ax.set_title(str(y[idx[c]]), fontsize=9, pad=2)
            else:
                ax.axis("off")
        axes[r][0].set_ylabel(f"{title}\n{side}x{side}", fontsize=8, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig
