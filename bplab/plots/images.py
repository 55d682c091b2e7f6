"""Grids of small grey-scale images (digits, reconstructions, first-layer weights)."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["image_grid"]


def image_grid(images, *, titles=None, ncols=10, shape=None, cmap="gray_r", vmin=None, vmax=None,
               size=1.0, suptitle=None, symmetric=False):
    """Draw rows of images (n, h*w) or (n, h, w) in a grid; returns the Figure.

    ``shape`` (h, w) is inferred for square images. ``symmetric=True`` centres the colour
    scale on zero (for weights, with a diverging colour map such as 'RdBu_r').
    """
    import matplotlib.pyplot as plt

    imgs = np.asarray(images, dtype=float)
    if imgs.ndim == 2:
        if shape is None:
            side = int(round(math.sqrt(imgs.shape[1])))
            if side * side != imgs.shape[1]:
                raise ValueError(f"cannot infer image shape from {imgs.shape[1]} pixels; pass shape=(h, w)")
            shape = (side, side)
        imgs = imgs.reshape(len(imgs), *shape)
    elif imgs.ndim != 3:
        raise ValueError(f"images must be (n, pixels) or (n, h, w), got shape {imgs.shape}")
    n = len(imgs)
    if n == 0:
        raise ValueError("images is empty")
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * (1.25 if titles is not None else 1.0)),
                             squeeze=False)
    if symmetric:
        lim = np.abs(imgs).max() or 1.0
        vmin, vmax = -lim, lim
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < n:
            ax.imshow(imgs[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
