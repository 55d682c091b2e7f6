"""Figures for chapter 03: loss-surface contours, optimiser paths and loss curves.

Every function returns what it drew (a Figure or an Axes). Paths come from
:func:`bplab.chapters.ch03.surfaces.run_path` (:class:`~bplab.chapters.ch03.surfaces.PathResult`).
"""
from __future__ import annotations

import re
import textwrap

import numpy as np

__all__ = ["contour", "draw_path", "path_panels", "loss_curves", "explorer_figure", "explain",
           "PATH_COLORS", "LOSS_FLOOR", "STALLED_COLOR"]

PATH_COLORS = ["#d62728", "#ff7f0e", "#e377c2", "#17becf", "#ffffff", "#bcbd22"]
LOSS_FLOOR = 1e-16   # losses above the minimum are drawn on a log axis, floored here
STALLED_COLOR = "#e67e00"   # runs that neither converge nor diverge


def _plt():
    import matplotlib.pyplot as plt
    return plt


def contour(surface, ax=None, *, n=120, levels=18, show_minima=True, colorbar=False, filled=True):
    """Contours of ``surface`` over its ``bounds``, filled (``filled=True``) or as grey lines only.

    The levels sit at quantiles of the loss over the picture, so both the steep walls and the
    flat floor show detail. Minima are marked: a gold star for the global one, white diamonds
    for local ones. Returns the Axes."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    X, Y, Z = surface.grid(n)
    excess = Z - min(float(Z.min()), surface.f_min)
    # levels at quantiles of the loss over the picture: each colour band covers a similar
    # area, so the steep walls and the flat floor both show detail
    lv = np.unique(np.quantile(excess, np.linspace(0.0, 1.0, levels + 1) ** 1.5))
    from matplotlib.colors import BoundaryNorm
    if filled:
        cs = ax.contourf(X, Y, excess, levels=lv, cmap="viridis", norm=BoundaryNorm(lv, 256))
        # thin level lines, not antialiased: they look the same at 100 dpi and keep the PNG small
        ax.contour(X, Y, excess, levels=lv[1:-1], colors="k", linewidths=0.3, alpha=0.35, antialiased=False)
    else:
        cs = ax.contour(X, Y, excess, levels=lv[1:-1], colors="0.35", linewidths=0.6)
    if colorbar:
        ax.figure.colorbar(cs, ax=ax, label="loss above the minimum")
    if show_minima:
        m = np.asarray(surface.minima)
        ax.plot(m[0, 0], m[0, 1], marker="*", ms=14, color="gold", mec="k", ls="none",
                label="global minimum", zorder=5)
        if len(m) > 1:
            ax.plot(m[1:, 0], m[1:, 1], marker="D", ms=7, color="w", mec="k", ls="none",
                    label="local minimum", zorder=5)
    (x0, x1), (y0, y1) = surface.bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(r"$\theta_1$")
    ax.set_ylabel(r"$\theta_2$")
    ax.set_aspect("equal", adjustable="box")
    return ax


def draw_path(ax, result, *, color=PATH_COLORS[0], label=None, markers=True, lw=1.6, alpha=1.0):
    """Draw one optimiser path on ``ax``: a line through the points, a circle at the start and a
    cross at the end (a red 'x' if it diverged). Points outside the axes are clipped."""
    P = np.asarray(result.path)
    ax.plot(P[:, 0], P[:, 1], "-", color=color, lw=lw, alpha=alpha, label=label, zorder=3,
            marker="." if markers and len(P) <= 400 else None, ms=3.5)
    ax.plot(P[0, 0], P[0, 1], "o", color=color, mec="k", ms=7, zorder=4)
    end = "X" if result.diverged else "s"
    ax.plot(P[-1, 0], P[-1, 1], end, color=color, mec="k", ms=7, zorder=4)
    return ax


def path_panels(surface, results, titles, *, ncols=2, size=4.0, suptitle=None):
    """One contour panel per result, its path on top and its ``message``-style summary in the
    title. Returns the Figure."""
    plt = _plt()
    results = list(results)
    titles = list(titles)
    if len(titles) != len(results):
        raise ValueError(f"titles has {len(titles)} entries but results has {len(results)}")
    nrows = -(-len(results) // ncols)
    (x0, x1), (y0, y1) = surface.bounds
    aspect = (y1 - y0) / (x1 - x0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * aspect * nrows + 0.6 * nrows),
                             squeeze=False)
    for ax, res, title in zip(axes.ravel(), results, titles):
        contour(surface, ax)
        draw_path(ax, res, color=PATH_COLORS[0])
        ax.set_title(title, fontsize=10)
        if res.diverged:
            _banner(ax, "diverged", small=True)
        elif res.status == "stalled":
            _banner(ax, "stalled: neither converging nor diverging", small=True, color=STALLED_COLOR)
    for ax in axes.ravel()[len(results):]:
        ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def loss_curves(results, labels, ax=None, *, f_min=0.0, colors=None, title=None, x=None,
                xlabel="step"):
    """Loss above the minimum (log scale) against step for several results. Returns the Axes."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    colors = colors or [f"C{i}" for i in range(10)]
    for i, (res, lab) in enumerate(zip(results, labels)):
        losses = np.asarray(getattr(res, "losses", res), dtype=float)
        xs = np.arange(len(losses)) if x is None else np.asarray(x[i])
        ax.semilogy(xs, np.maximum(losses - f_min, LOSS_FLOOR), color=colors[i % len(colors)], label=lab)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss above the minimum (log)")
    ax.grid(True, which="major", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return ax


def _wrap(text, width):
    """Wrap ``text`` into lines of at most ``width`` characters, never inside a point "(x, y)"."""
    text = re.sub(r"\((-?[\d.]+), (-?[\d.]+)\)", "(\\1,\u00a0\\2)", text)
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False))


def _banner(ax, text, *, small=False, color="#b00020"):
    wrapped = _wrap(text, 34 if not small else 40)
    ax.text(0.5, 0.5 if not small else 0.88, wrapped, transform=ax.transAxes, ha="center", va="center",
            fontsize=9 if small else 10, color="white", weight="bold", zorder=10,
            bbox=dict(boxstyle="round,pad=0.5", fc=color, ec="none", alpha=0.9))


def explain(result):
    """``result.message``, told the way :func:`explorer_figure` draws the run.

    A run that blew up at step k keeps only steps 0 ... k-1 (step k's point is not finite, or
    its loss is past the cut-off), so the loss curve ends at k-1. The message then says so:
    "Diverged at step 4: ... The curve stops at step 3, the last step before the blow-up. ..."
    Any other message is returned unchanged."""
    message = str(result.message)
    m = re.match(r"Diverged at step (\d+): (.*?)\. (lr=.*)$", message, re.S)
    if not (getattr(result, "blew_up", False) and m):
        return message
    k = int(m.group(1))
    return (f"Diverged at step {k}: {m.group(2)}. The curve stops at step {k - 1}, the last step "
            f"before the blow-up. {m.group(3)}")


def explorer_figure(surface, result, *, title=None, loss_title=None, figsize=(10, 4.2)):
    """The descent explorer's view: contour with the path (left), loss against step (right);
    a diverged run gets a red banner with :func:`explain` of the result, and a run that blew up
    at step k a red dashed line at step k on the loss plot (its curve ends at step k - 1, the
    last point with a finite loss below the cut-off). ``loss_title`` defaults to
    ``result.optimizer``. Returns the Figure."""
    from matplotlib.ticker import MaxNLocator

    plt = _plt()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.15, 1]})
    contour(surface, ax)
    draw_path(ax, result)
    ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    ax.set_title(title or surface.title, fontsize=10)
    losses = np.maximum(np.asarray(result.losses) - surface.f_min, LOSS_FLOOR)
    steps = np.arange(len(losses))
    ax2.semilogy(steps, losses, color=PATH_COLORS[0], marker="o" if len(losses) <= 30 else None, ms=4)
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss above the global minimum (log)")
    ax2.grid(True, alpha=0.3)
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))   # whole steps
    ax2.set_title(loss_title or f"{result.optimizer}", fontsize=9)
    text = explain(result)
    if result.diverged:
        _banner(ax, text)
        k = getattr(result, "diverged_at", None)
        if getattr(result, "blew_up", False) and k is not None:
            ax2.axvline(k, color="#b00020", ls="--", lw=1.5)
            ax2.annotate(f"step {k}:\nblew up\n(not drawn)", (k, 0.5), xycoords=ax2.get_xaxis_transform(),
                         xytext=(-5, 0), textcoords="offset points", ha="right", va="center",
                         fontsize=8.5, color="#b00020")
            ax2.set_xlim(-0.05 * k, k + 0.05 * k + 0.2)
    else:
        stalled = result.status == "stalled"
        ax2.text(0.97, 0.95, _wrap(text, 58), transform=ax2.transAxes,
                 ha="right", va="top", ma="left", fontsize=8, color="#8a4b00" if stalled else "k",
                 bbox=dict(boxstyle="round", fc="#fff3e0" if stalled else "white",
                           ec=STALLED_COLOR if stalled else "0.7"))
    fig.tight_layout()
    return fig
