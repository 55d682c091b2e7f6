"""Figures for chapter 05 (reading handwritten digits).

=========================  ===============================================================
``digit_gallery``          a few examples of every class, one column per digit
``learning_curves``        train / validation loss and accuracy per epoch (a ``fit`` history)
``confusion_heatmap``      the confusion matrix, counts written in the cells
``mistakes_gallery``       the worst mistakes, each with its bar chart of probabilities
``first_layer_weights``    each hidden unit's incoming weights drawn as an image
``labels_curve``           accuracy against the number of labelled examples (log x)
=========================  ===============================================================

Every function returns the matplotlib Figure it drew (call ``plt.show()`` to display it).
"""
from __future__ import annotations

import math
import numbers

import numpy as np


__all__ = ["digit_gallery", "learning_curves", "confusion_heatmap", "mistakes_gallery",
           "first_layer_weights", "labels_curve", "overfitting_curves", "label_log_axis"]

TRUE_COLOUR = "tab:green"
WRONG_COLOUR = "tab:red"


def _images(X, shape, name="X"):
    X = np.asarray(X, dtype=float)
    if X.ndim == 3:
        return X.reshape(len(X), -1), X.shape[1:]
    if X.ndim != 2:
        raise ValueError(f"{name} must be (n, pixels) or (n, h, w), got shape {X.shape}")
    if shape is None:
        side = int(round(math.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(f"cannot infer the image shape from {X.shape[1]} pixels; pass shape=(h, w)")
        shape = (side, side)
    if shape[0] * shape[1] != X.shape[1]:
        raise ValueError(f"shape={tuple(shape)} holds {shape[0] * shape[1]} pixels but {name} rows have {X.shape[1]}")
    return X, tuple(shape)


def _check_count(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _mosaic(images, nrows, ncols, pad=1):
    """Tile ``images`` (n, h, w) row by row into one (nrows*(h+pad)-pad, ...) array; gaps are NaN.

    One ``imshow`` of a mosaic draws far faster than one Axes per image."""
    n, h, w = images.shape
    out = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), np.nan)
    for i in range(min(n, nrows * ncols)):
        r, c = divmod(i, ncols)
        out[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = images[i]
    return out


def _show_mosaic(ax, mosaic, cmap, vmin, vmax):
    import matplotlib

    cm = matplotlib.colormaps[cmap].with_extremes(bad="white")
    im = ax.imshow(mosaic, cmap=cm, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_frame_on(False)
    return im


def label_log_axis(ax, max_decades=3.0):
    """Label a log-scale y axis with plain numbers (0.1, not 10^-1) at the powers of ten AND at 2 and 5
    times them (0.2, 0.05, ...), so that a curve spanning two or three powers of ten can be read off.
    When the axis spans more than ``max_decades`` powers of ten, only the powers are labelled."""
    from matplotlib.ticker import FuncFormatter

    def minor(v, _):
        lo, hi = ax.get_ylim()
        if v <= 0 or lo <= 0 or hi / lo > 10 ** max_decades:
            return ""
        mantissa = v / 10 ** math.floor(math.log10(v) + 1e-9)
        return f"{v:g}" if round(mantissa, 6) in (2.0, 5.0) else ""

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))


def digit_gallery(X, y, *, per_class=6, shape=None, title=None, size=0.75):
    """The first ``per_class`` examples of every class: one column per class, labels on top."""
    import matplotlib.pyplot as plt

    X, shape = _images(X, shape)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be a 1-D label vector with one label per image ({len(X)}), got shape {y.shape}")
    per_class = _check_count(per_class, "per_class")
    classes = np.unique(y)
    cols = [np.flatnonzero(y == c)[:per_class] for c in classes]
    rows = min(len(c) for c in cols)
    order = [cols[j][i] for i in range(rows) for j in range(len(classes))]
    h, w = shape
    pad = max(1, h // 8)
    mosaic = _mosaic(X[order].reshape(-1, h, w), rows, len(classes), pad=pad)
    fig, ax = plt.subplots(figsize=(size * len(classes), size * rows + 0.6))
    _show_mosaic(ax, mosaic, "gray_r", 0, 1)
    ax.set_xticks([j * (w + pad) + (w - 1) / 2 for j in range(len(classes))], [str(c) for c in classes])
    ax.xaxis.tick_top()
    ax.tick_params(length=0, labelsize=11)
    ax.set_yticks([])
    if title:
        ax.set_title(title, pad=22)
    fig.tight_layout()
    return fig


def learning_curves(history, *, title=None, log_loss=True):
    """Loss (left) and accuracy (right) per epoch, training and validation, from ``bplab.fit``.

    The loss axis is logarithmic by default (``log_loss=False`` for a linear one): the loss spans
    several powers of ten, and on a linear axis the gap between 0.06 and 0.004 is invisible."""
    import matplotlib.pyplot as plt

    if not hasattr(history, "columns") or "loss" not in history.columns:
        raise TypeError("history must be the DataFrame returned by bplab.fit (with a 'loss' column), "
                        f"got {type(history).__name__}")
    if len(history) == 0:
        raise ValueError("history is empty: no epoch finished")
    epochs = np.asarray(history.index)
    panels = [("loss", "cross-entropy loss (log scale)" if log_loss else "cross-entropy loss")]
    if "accuracy" in history.columns:
        panels.append(("accuracy", "accuracy"))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.4), squeeze=False)
    for ax, (key, label) in zip(axes[0], panels):
        ax.plot(epochs, history[key], "o-", ms=3, label="training")
        if "val_" + key in history.columns:
            ax.plot(epochs, history["val_" + key], "s-", ms=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if log_loss:
        axes[0, 0].set_yscale("log")
        label_log_axis(axes[0, 0])
    if "accuracy" in history.columns:
        lo = min(history["accuracy"].min(), history.get("val_accuracy", history["accuracy"]).min())
        axes[0, 1].set_ylim(max(0.0, lo - 0.02), 1.005)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_heatmap(cm, *, title=None, cmap="Blues"):
    """Draw a confusion matrix (DataFrame from ``bplab.metrics.confusion_matrix`` or a square array).

    Cells are coloured by their share of the row (the true class), on a square-root scale so
    that a handful of mistakes is still visible next to a full diagonal; the counts are written
    in the cells (zeros left blank).
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import PowerNorm

    labels = list(cm.columns) if hasattr(cm, "columns") else None
    C = np.asarray(cm)
    if C.ndim != 2 or C.shape[0] != C.shape[1] or C.shape[0] == 0:
        raise ValueError(f"cm must be a square matrix (n_classes, n_classes), got shape {C.shape}")
    if C.dtype.kind not in "iuf" or not np.isfinite(C).all() or C.min() < 0:
        raise ValueError("cm must hold non-negative counts")
    k = C.shape[0]
    labels = labels if labels is not None else list(range(k))
    share = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.45 * k + 1.5)
    fig, ax = plt.subplots(figsize=(size + 0.8, size))
    im = ax.imshow(share, cmap=cmap, norm=PowerNorm(0.5, vmin=0, vmax=1))
    for i in range(k):
        for j in range(k):
            if C[i, j]:
                ax.text(j, i, f"{C[i, j]:g}", ha="center", va="center", fontsize=9,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(k), [str(c) for c in labels])
    ax.set_yticks(range(k), [str(c) for c in labels])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or f"confusion matrix ({int(C.sum())} examples)")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of the true class (√ scale)")
    fig.tight_layout()
    return fig


def _p_label(k, p: float) -> str:
    """``p(k)=0.37`` with two decimals, without rounding a small non-zero probability to 0.00
    (``p(k)<0.01``) or one just below 1 to 1.00 (``p(k)>0.99``)."""
    if 0 < p < 0.005:
        return f"p({k})<0.01"
    if 0.995 <= p < 1:
        return f"p({k})>0.99"
    return f"p({k})={p:.2f}"


def mistakes_gallery(X, y_true, proba, *, k=8, shape=None, ncols=None, title=None):
    """The ``k`` worst mistakes (least probability on the true class), each drawn as the image
    with the network's probability for every class in a small bar chart underneath (true class
    green, the wrong answer red, the other classes grey). Uses :func:`bplab.metrics.worst_mistakes`.

    Each mistake's title gives both probabilities; a small non-zero probability reads "<0.01"
    rather than a misleading "0.00". Axes: per row, one Axes holds all the images (cheap to
    draw); every mistake has its own bar-chart Axes with y ticks 0, 0.5, 1. ``ncols`` mistakes per
    row; by default at most 5, in rows as even as possible (8 mistakes: 2 rows of 4), so that the
    figure (1.75 inches per mistake) fits a notebook's output column without being shrunk.
    """
    import matplotlib.pyplot as plt

    from bplab.metrics import worst_mistakes

    X, shape = _images(X, shape)
    k = _check_count(k, "k")
    table = worst_mistakes(y_true, proba, k=k)
    if len(table) == 0:
        fig, ax = plt.subplots(figsize=(5, 1.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no mistakes: every example is classified correctly", ha="center", va="center")
        return fig
    P = np.asarray(proba, dtype=float)
    n_classes = P.shape[1]
    m = len(table)
    if ncols is None:               # at most 5 per row (the figure then fits a notebook's output
        ncols = math.ceil(m / math.ceil(m / 5))    # column unshrunk), rows as even as possible
    ncols = min(m, _check_count(ncols, "ncols"))
    nrows = math.ceil(m / ncols)
    h, w = shape
    # Layout in x units: mistake i owns [i*slot, i*slot + n_classes); its image spans that
    # width, its bar chart sits right under it; the gap between slots holds the y tick labels.
    slot = n_classes + 4
    title_space = 0.32 * n_classes                      # room for the two-line title, in x units
    fig_w = 1.75 * ncols + 0.2
    ax_left, ax_w = 0.45, fig_w - 0.55                  # inches
    xlim = (-2.5, ncols * slot - 3.5)
    unit = ax_w / (xlim[1] - xlim[0])                   # inches per x unit
    img_top = n_classes * h / w
    img_h = (img_top + title_space) * unit
    bar_h, gap, top_pad, bottom_pad = 0.8, 0.12, 0.5, 0.3
    row_h = img_h + gap + bar_h + 0.32
    fig_h = top_pad + nrows * row_h + bottom_pad
    fig = plt.figure(figsize=(fig_w, fig_h))
    rows = list(table.itertuples())
    for r_i in range(nrows):
        y_top = fig_h - top_pad - r_i * row_h           # inches from the bottom
        ax_img = fig.add_axes([ax_left / fig_w, (y_top - img_h) / fig_h, ax_w / fig_w, img_h / fig_h])
        ax_img.set_axis_off()
        ax_img.set_xlim(*xlim)
        ax_img.set_ylim(0, img_top + title_space)
        for i, r in enumerate(rows[r_i * ncols:(r_i + 1) * ncols]):
            row, t, p = int(r.Index), int(r.true), int(r.predicted)
            left = i * slot - 0.5
            ax_img.imshow(X[row].reshape(shape), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest",
                          extent=(left, left + n_classes, 0, img_top), aspect="auto")
            ax_img.text(left + n_classes / 2, img_top + 0.04 * n_classes,
                        f"true {t}, said {p}\n{_p_label(p, r.p_predicted)}, {_p_label(t, r.p_true)}",
                        ha="center", va="bottom", fontsize=8.5)
            x0 = ax_left + (left - xlim[0]) * unit
            ax_bar = fig.add_axes([x0 / fig_w, (y_top - img_h - gap - bar_h) / fig_h,
                                   n_classes * unit / fig_w, bar_h / fig_h])
            colours = ["0.72"] * n_classes
            colours[t] = TRUE_COLOUR
            colours[p] = WRONG_COLOUR
            ax_bar.bar(np.arange(n_classes), P[row], color=colours, width=0.8)
            ax_bar.set_xlim(-0.6, n_classes - 0.4)
            ax_bar.set_ylim(0, 1)
            ax_bar.set_xticks(range(n_classes), [str(c) for c in range(n_classes)], fontsize=7.5)
            ax_bar.set_yticks([0, 0.5, 1], ["0", ".5", "1"], fontsize=7.5)
            ax_bar.tick_params(axis="x", length=0, pad=1.5)
            ax_bar.tick_params(axis="y", length=2, pad=1)
            ax_bar.spines[["top", "right"]].set_visible(False)
            ax_bar.grid(axis="y", alpha=0.3)
    fig.suptitle(title or "worst mistakes, each with its predicted probability for every digit\n"
                 "(bars: green = true digit, red = the network's answer, grey = the other digits)",
                 fontsize=10, y=1 - 0.06 / fig_h, va="top",
                 x=(ax_left + ((ncols * slot - 5) / 2 - xlim[0]) * unit) / fig_w)   # over the images
    return fig


def first_layer_weights(W, *, n=32, shape=None, ncols=8, title=None, size=0.9):
    """Each hidden unit's incoming weights (a column of ``W``, shape (pixels, units)) drawn as
    an image: red where ink on that pixel pushes the unit up, blue where it pushes it down.
    Each image is scaled to its own largest absolute weight, so the pattern, not the size, shows."""
    import matplotlib.pyplot as plt

    W = np.asarray(W, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"W must be a first-layer weight matrix (pixels, units), got shape {W.shape}")
    n = min(_check_count(n, "n"), W.shape[1])
    ncols = min(_check_count(ncols, "ncols"), n)
    imgs, (h, w) = _images(W[:, :n].T, shape, name="W.T")
    scale = np.abs(imgs).max(axis=1, keepdims=True)
    imgs = imgs / np.where(scale > 0, scale, 1.0)
    nrows = math.ceil(n / ncols)
    pad = max(1, h // 8)
    mosaic = _mosaic(imgs.reshape(-1, h, w), nrows, ncols, pad=pad)
    fig, ax = plt.subplots(figsize=(size * ncols + 1.0, size * nrows + 0.5))
    im = _show_mosaic(ax, mosaic, "RdBu_r", -1, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or f"incoming weights of the first {n} hidden units", fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="weight / max |weight| of the unit")
    fig.tight_layout()
    return fig


def labels_curve(table, *, x="n_labels", y="accuracy", err="std", band=("lowest", "highest"),
                 group=None, title=None, ylabel="accuracy"):
    """Accuracy against the number of labelled training examples, log x axis.

    ``table`` is a DataFrame with columns ``x`` and ``y``; optional columns: ``err`` (error
    bars), the two ``band`` columns (a shaded range, e.g. the worst and best seed) and
    ``group`` (one line per group, e.g. per data set). The x ticks sit at the measured sizes
    and each point is labelled with its value. Pass ``err=None`` / ``band=None`` to leave
    them out. ``ylabel`` names the y axis: say which data the accuracy was measured on
    (e.g. ``"validation accuracy"``).
    """
    import matplotlib.pyplot as plt

    if not hasattr(table, "columns"):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    for col in (x, y):
        if col not in table.columns:
            raise ValueError(f"table has no column {col!r}; its columns are {list(table.columns)}")
    if len(table) == 0:
        raise ValueError("table is empty")
    groups = [(None, table)] if group is None else list(table.groupby(group, sort=False))
    fig, ax = plt.subplots(figsize=(6.8, 4.0))
    for name, part in groups:
        part = part.sort_values(x)
        xs, ys = np.asarray(part[x], dtype=float), np.asarray(part[y], dtype=float)
        es = np.asarray(part[err], dtype=float) if err is not None and err in part.columns else None
        line = ax.errorbar(xs, ys, yerr=es, fmt="o-", capsize=3,
                           label=None if name is None else str(name))
        if band is not None and all(b in part.columns for b in band):
            ax.fill_between(xs, part[band[0]], part[band[1]], alpha=0.2, color=line.lines[0].get_color(),
                            label=None if group is not None else f"{band[0]} to {band[1]}")
        for i, (xi, yi) in enumerate(zip(xs, ys)):
            ax.annotate(f"{yi:.3f}", (xi, yi), textcoords="offset points",
                        xytext=(0, -15 if i % 2 == 0 else 9), ha="center", fontsize=8)
    ax.set_xscale("log")
    ticks = np.unique(np.asarray(table[x], dtype=float))
    names, prev = [], None
    for t in ticks:   # a tick too close to the previous one goes on a second line
        crowded = prev is not None and t / prev < 1.4 and not names[-1].startswith("\n")
        names.append(("\n" if crowded else "") + f"{t:g}")
        prev = t
    ax.set_xticks(ticks, names)
    ax.minorticks_off()
    ax.set_xlabel("number of labelled training examples (log scale)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.set_title(title or "the cost of labels: accuracy vs labelled examples")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def overfitting_curves(histories, *, title=None):
    """Training and validation loss per epoch for several runs (left, log scale), and validation
    accuracy (right). ``histories`` maps a run's name to its history DataFrame (columns ``loss``,
    ``val_loss``, ``val_accuracy``, as returned by ``bplab.fit`` or ``fit_weight_decay``).
    Solid lines: validation; dashed: training, in the run's colour."""
    import matplotlib.pyplot as plt

    if not isinstance(histories, dict) or not histories:
        raise TypeError("histories must be a non-empty dict {name: history DataFrame}")
    for name, h in histories.items():
        missing = {"loss", "val_loss", "val_accuracy"} - set(getattr(h, "columns", []))
        if missing:
            raise ValueError(f"history {name!r} lacks the columns {sorted(missing)}")
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(10.4, 3.6))
    for i, (name, h) in enumerate(histories.items()):
        colour = f"C{i}"
        ep = np.asarray(h.index)
        ax_l.plot(ep, h["loss"], "--", color=colour, lw=1.2, label=f"{name}: training")
        ax_l.plot(ep, h["val_loss"], "-", color=colour, lw=1.8, label=f"{name}: validation")
        ax_a.plot(ep, h["val_accuracy"], "-", color=colour, lw=1.8, label=name)
    ax_l.set_yscale("log")
    label_log_axis(ax_l)
    ax_l.set_ylabel("cross-entropy loss (log scale)")
    ax_a.set_ylabel("validation accuracy")
    for ax in (ax_l, ax_a):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    ax_l.legend(fontsize=7)
    ax_a.legend(fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
