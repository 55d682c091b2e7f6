"""Figures for chapter 06 (autoencoders): reconstructions, error against code size, 2-D codes.

Every function returns the Figure it drew (tests read its data; notebooks ``plt.show()`` it)::

    reconstruction_rows({"original": X, "PCA": R_pca, "AE": R_ae}, errors={...})
    error_vs_code_size(table)            # DataFrame: index = code size, one column per method
    code_scatter(codes, labels)          # a 2-D code coloured by the (unseen) labels
    training_curves({"linear AE": hist, ...})
"""
from __future__ import annotations

import numpy as np

__all__ = ["reconstruction_rows", "mosaic", "error_vs_code_size", "code_scatter", "training_curves",
           "covariance_cloud", "eigen_images", "slow_motion",
           "digit_image", "CLASS_COLORS"]

#: one colour per digit class (matplotlib's tab10)
CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def _square(images):
    imgs = np.asarray(images, dtype=float)
    if imgs.ndim == 1:
        imgs = imgs[None, :]
    if imgs.ndim == 2:
        side = int(round(np.sqrt(imgs.shape[1])))
        if side * side != imgs.shape[1]:
            raise ValueError(f"images must have a square number of pixels, got {imgs.shape[1]}")
        imgs = imgs.reshape(len(imgs), side, side)
    if imgs.ndim != 3:
        raise ValueError(f"images must be (n, pixels) or (n, h, w), got shape {np.shape(images)}")
    return imgs


def digit_image(ax, image, *, title=None, vmin=0.0, vmax=1.0):
    """Draw one grey-scale digit (ink dark on white) on ``ax``; returns the AxesImage."""
    img = np.asarray(image, dtype=float)
    if img.ndim != 2:                    # a flat row of pixels
        img = _square(img.reshape(-1))[0]
    im = ax.imshow(img, cmap="gray_r", vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=9)
    return im


def mosaic(images, *, gap=1):
    """Images (n, pixels) side by side in one array (h, n*(w+gap)-gap), NaN in the gaps."""
    imgs = _square(images)
    n, h, w = imgs.shape
    out = np.full((h, n * (w + gap) - gap), np.nan)
    for i in range(n):
        out[:, i * (w + gap):i * (w + gap) + w] = imgs[i]
    return out


def reconstruction_rows(rows, *, errors=None, titles=None, size=0.95, suptitle=None, label_width=1.9,
                        vmin=0.0, vmax=1.0):
    """One row of digits per entry of ``rows`` (name -> images (n, pixels)), names on the left.

    ``errors`` (name -> number) adds "MSE 0.0123" under a row's name. ``titles`` (n strings)
    go above the first row's images. Each row is ONE image (a :func:`mosaic`, white gaps between
    framed digits), so even many digits draw fast: ``fig.axes[r].images[0].get_array()``.
    """
    import matplotlib.pyplot as plt

    if not rows:
        raise ValueError("rows is empty: pass e.g. {'original': X[:8], 'reconstruction': R[:8]}")
    names = list(rows)
    imgs = [_square(rows[n]) for n in names]
    n = len(imgs[0])
    if any(len(i) != n for i in imgs):
        raise ValueError(f"every row needs the same number of images, got {[len(i) for i in imgs]}")
    h, w = imgs[0].shape[1:]
    top = (0.3 if titles is not None else 0.0) + (0.4 if suptitle else 0.0)
    row_h = size * h / w
    fig_w = label_width + size * n * (w + 1) / w
    fig_h = top + len(names) * row_h * 1.1 + 0.1
    fig, axes = plt.subplots(len(names), 1, figsize=(fig_w, fig_h), squeeze=False)
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    for r, (name, row) in enumerate(zip(names, imgs)):
        ax = axes[r, 0]
        ax.imshow(mosaic(row), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest", aspect="equal")
        frames = [Rectangle((i * (w + 1) - 0.5, -0.5), w, h) for i in range(n)]
        ax.add_collection(PatchCollection(frames, facecolor="none", edgecolor="0.55", linewidth=0.8,
                                           clip_on=False))
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        label = name
        if errors is not None and name in errors and errors[name] is not None:
            label += f"\nMSE {errors[name]:.4f}"
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=10, labelpad=8)
        if titles is not None and r == 0:
            for i, t in enumerate(titles):
                ax.text(i * (w + 1) + (w - 1) / 2, -1.0, str(t), ha="center", va="bottom", fontsize=8)
    fig.subplots_adjust(left=label_width / fig_w, right=1 - 0.05 / fig_w, bottom=0.1 / fig_h,
                        top=1 - top / fig_h, hspace=0.1)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11, y=1 - 0.12 / fig_h, va="top")
    return fig


def error_vs_code_size(table, *, ax=None, title="Held-out reconstruction error against code size",
                       logy=True):
    """Line plot of ``table`` (index: code size k, columns: methods) with markers; returns the Figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
    else:
        fig = ax.figure
    # PCA is drawn on top (zorder) as a thin dashed line with small dots: when the linear AE's
    # curve (wide, hollow squares) lies exactly under it, both stay visible.
    styles = {"PCA": dict(color="black", marker="o", ls="--", lw=1.3, ms=5, zorder=4),
              "PCA clipped to [0, 1]": dict(color="0.45", marker="D", ls=":", lw=1.6, ms=6, mfc="none",
                                            zorder=3),
              "linear AE": dict(color="#1f77b4", marker="s", ls="-", lw=3.0, mfc="none", ms=11, alpha=0.8),
              "nonlinear AE": dict(color="#d62728", marker="^", ls="-", lw=1.8)}
    ks = np.asarray(table.index, dtype=float)
    for col in table.columns:
        style = dict(lw=1.8, marker="o")
        style.update(styles.get(col, {}))
        ax.plot(ks, table[col].to_numpy(dtype=float), label=col, **style)
    ax.set_xscale("log", base=2)
    ax.set_xticks(ks)
    ax.set_xticklabels([str(int(k)) for k in ks])
    ax.minorticks_off()
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("code size k (numbers kept per 64-pixel digit)")
    ax.set_ylabel("held-out MSE per pixel" + (" (log scale)" if logy else ""))
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def _spread_labels(ax, centres, min_gap_pt=27.0, steps=300, fixed=()):
    """Places for the class-centre circles: each centre, pushed apart from any other closer than
    ``min_gap_pt`` points (about one circle's width at fontsize 15) on the page, so none hides another.
    ``fixed`` points (e.g. the explorer's marker) push circles away but do not move.
    Uses the axes' current limits and size. Returns a list of (x, y) in data units; centres that
    need no room keep their exact place."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    unit = np.array([(x1 - x0) * min_gap_pt / (box.width * fig_w * 72),     # one gap, in data units
                     (y1 - y0) * min_gap_pt / (box.height * fig_h * 72)])
    c = np.asarray(centres, dtype=float)
    p = (c - [x0, y0]) / unit                  # in gaps: two circles overlap when closer than 1
    start = p.copy()
    obstacles = [(np.asarray(f, dtype=float) - [x0, y0]) / unit for f in fixed]
    for _ in range(steps):
        moved = False
        for i in range(len(p)):
            for f in obstacles:
                d = p[i] - f
                dist = np.hypot(*d)
                if dist < 1.0:
                    direction = d / dist if dist > 1e-9 else np.array([0.0, 1.0])
                    p[i] += (1.0 - dist + 1e-3) * direction
                    moved = True
        for i in range(len(p)):
            for j in range(i + 1, len(p)):
                d = p[j] - p[i]
                dist = np.hypot(*d)
                if dist < 1.0:
                    direction = d / dist if dist > 1e-9 else np.array([np.cos(i + j), np.sin(i + j)])
                    push = (1.0 - dist) / 2 + 1e-3
                    p[i] -= push * direction
                    p[j] += push * direction
                    moved = True
        if not moved:
            break
    return [tuple(ci) if np.allclose(q, q0) else tuple(q * unit + [x0, y0]) for q, q0, ci in zip(p, start, c)]


def code_scatter(codes, labels=None, *, ax=None, title=None, marker=None, centroids=True,
                 xlabel="code $z_1$", ylabel="code $z_2$", s=9, alpha=0.6, xlim=None, ylim=None):
    """Scatter a 2-D code, coloured by ``labels`` (0-9), with each class's digit at its centroid.

    ``marker`` = (z1, z2) draws a black cross there (the code explorer's current point).
    Circles that would cover each other are moved apart, with a thin line to the true centre;
    pass ``xlim``/``ylim`` (rather than setting them afterwards) so that this uses the final view.
    """
    import matplotlib.pyplot as plt

    C = np.asarray(codes, dtype=float)
    if C.ndim != 2 or C.shape[1] != 2:
        raise ValueError(f"codes must have shape (n, 2) for a 2-D scatter, got {C.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 5.0))
    else:
        fig = ax.figure
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if labels is None:
        ax.scatter(C[:, 0], C[:, 1], s=s, alpha=alpha, color="0.4", linewidths=0)
    else:
        labels = np.asarray(labels)
        for c in np.unique(labels):
            m = labels == c
            ax.scatter(C[m, 0], C[m, 1], s=s, alpha=alpha, color=CLASS_COLORS[int(c) % 10],
                       linewidths=0, label=str(c))
        if centroids:
            classes = np.unique(labels)
            centres = np.array([C[labels == c].mean(axis=0) for c in classes])
            places = _spread_labels(ax, centres, fixed=[] if marker is None else [marker])
            for c, (cx, cy), (px, py) in zip(classes, centres, places):
                color = CLASS_COLORS[int(c) % 10]
                if (px, py) != (cx, cy):                 # moved apart: a thin line back to the true centre
                    ax.plot([cx, px], [cy, py], color=color, lw=1.0, zorder=4, clip_on=True)
                    ax.plot([cx], [cy], "o", ms=3, color=color, zorder=4, clip_on=True)
                ax.text(px, py, str(c), fontsize=15, weight="bold", ha="center", va="center",
                        color=color, clip_on=True, zorder=5,    # hidden when zoomed away
                        bbox=dict(boxstyle="circle,pad=0.15", fc="white", ec=color, alpha=0.85))
    if marker is not None:
        ax.plot([marker[0]], [marker[1]], marker="X", ms=15, color="black", mec="white", mew=1.5,
                zorder=10, ls="none")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def training_curves(histories, *, ax=None, title="Reconstruction error during training", logy=True):
    """Train (solid) and validation (dashed) loss per epoch for each name -> fit() history."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.0))
    else:
        fig = ax.figure
    for i, (name, h) in enumerate(histories.items()):
        color = CLASS_COLORS[i % 10]
        ax.plot(h.index, h["loss"], color=color, lw=1.8, label=f"{name}: train")
        if "val_loss" in h:
            ax.plot(h.index, h["val_loss"], color=color, lw=1.5, ls="--", label=f"{name}: held-out")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE per pixel" + (" (log scale)" if logy else ""))
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def covariance_cloud(points, *, ax=None, title="A 2-D point cloud and its covariance's eigenvectors"):
    """Scatter 2-D points, mark their mean, and draw C's two eigenvectors from the mean, each
    scaled to two standard deviations along it (2 sqrt(eigenvalue)). Returns the Figure."""
    import matplotlib.pyplot as plt

    from .linalg import covariance, eigen_sorted

    P = np.asarray(points, dtype=float)
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(f"points must be (n, 2), got shape {P.shape}")
    lam, Q = eigen_sorted(covariance(P))
    m = P.mean(axis=0)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 4.4))
    else:
        fig = ax.figure
    ax.scatter(P[:, 0], P[:, 1], s=8, alpha=0.45, color="#7f7f7f", label="data points")
    ax.plot(*m, "k+", ms=14, mew=2.5, label=r"mean $\bar x$")
    for i, color in enumerate(["#d62728", "#1f77b4"]):
        v = 2 * np.sqrt(lam[i]) * Q[:, i]
        ax.annotate("", xy=m + v, xytext=m, arrowprops=dict(arrowstyle="->", lw=2.5, color=color))
        ax.plot([], [], color=color, lw=2.5,
                label=f"eigenvector {i + 1}: λ{i + 1} = {lam[i]:.2f}")
    ax.set_aspect("equal")
    ax.set_xlabel("first coordinate")
    ax.set_ylabel("second coordinate")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def eigen_images(mean, directions, *, eigenvalues=None, n=8, size=0.95,
                 title="The mean digit and the top principal directions"):
    """The mean image, then the first n directions (columns of ``directions``) as images, drawn
    with a symmetric colour scale (red = adds ink, blue = removes it). Returns the Figure."""
    import matplotlib.pyplot as plt

    D = np.asarray(directions, dtype=float)
    n = min(n, D.shape[1])
    fig, axes = plt.subplots(1, n + 1, figsize=(size * (n + 1) + 0.4, size * 1.35 + 0.5))
    digit_image(axes[0], np.asarray(mean, dtype=float), title=r"mean $\bar x$")
    lim = np.abs(D[:, :n]).max()
    for i in range(n):
        img = _square(D[:, i])[0]
        axes[i + 1].imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        axes[i + 1].set_xticks([])
        axes[i + 1].set_yticks([])
        label = f"direction {i + 1}"
        if eigenvalues is not None:
            label += f"\nλ = {eigenvalues[i]:.3f}"
        axes[i + 1].set_title(label, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def slow_motion(track, *, title="A linear autoencoder approaching PCA (training digits)"):
    """Two panels from ``linalg.linear_ae_in_slow_motion``: the relative excess of the training error
    over PCA's, and the decoder's subspace angle and smallest nearest-axis angle, against epochs.
    Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10.0, 3.6))
    a.semilogy(track.index, track["relative excess over PCA"], "-o", ms=3, color="#1f77b4")
    a.set_xlabel("epoch")
    a.set_ylabel("training error / PCA's − 1 (log)")
    a.set_title("error: always above PCA's, the gap shrinking", fontsize=10)
    a.grid(True, which="both", alpha=0.3)
    b.semilogy(track.index, track["subspace angle (max, deg)"], "-o", ms=3, color="#d62728",
               label="largest angle to PCA's subspace")
    b.semilogy(track.index, track["nearest-axis angle (min, deg)"], "-s", ms=3, color="#2ca02c",
               label="smallest angle, a row of W_dec to its nearest\nprincipal direction")
    b.set_xlabel("epoch")
    b.set_ylabel("degrees (log)")
    b.set_title("subspace found, axes not", fontsize=10)
    b.grid(True, which="both", alpha=0.3)
    b.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
