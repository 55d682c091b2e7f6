r"""Weight initialisers.

The scale of the initial weights decides whether signals (forward) and gradients (backward)
keep their size as they pass through many layers:

* ``"xavier"`` / ``"glorot"``: :math:`W \sim \mathcal N(0,\ 2/(n_{in}+n_{out}))`
  (Glorot & Bengio 2010), keeps variance roughly constant for tanh/sigmoid/linear layers;
* ``"he"``: :math:`W \sim \mathcal N(0,\ 2/n_{in})` (He et al. 2015), for ReLU-family layers,
  which zero out half of their inputs;
* ``"lecun"``: :math:`W \sim \mathcal N(0,\ 1/n_{in})` (LeCun et al. 1998; the
  "default_weight_initializer" of Nielsen's book);
* ``"normal"``: :math:`W \sim \mathcal N(0,\ \text{std}^2)` with a std you choose
  (``init_std``), e.g. 1.0 to reproduce the classic vanishing gradient, or 3.0 to make
  gradients explode.

``"auto"`` picks He for relu/leaky_relu and Xavier for the others. Biases start at 0 unless
``bias_std`` is given.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import check_choice, check_positive_number

__all__ = ["INITS", "default_init", "init_std", "init_weights"]

INITS = ("auto", "xavier", "glorot", "he", "lecun", "normal")


def default_init(activation: str) -> str:
    return "he" if activation in ("relu", "leaky_relu") else "xavier"


def init_std(scheme: str, fan_in: int, fan_out: int, std: float | None = None) -> float:
    """The standard deviation a scheme uses for a (fan_in, fan_out) weight matrix."""
    if scheme in ("xavier", "glorot"):
        return math.sqrt(2.0 / (fan_in + fan_out))
    if scheme == "he":
        return math.sqrt(2.0 / fan_in)
    if scheme == "lecun":
        return math.sqrt(1.0 / fan_in)
    if scheme == "normal":
        if std is None:
            raise ValueError("init='normal' needs init_std=<standard deviation>, e.g. init_std=1.0")
        return std
    raise ValueError(f"unknown init {scheme!r}; choose one of {list(INITS)}")


def init_weights(sizes, activation: str, *, init: str = "auto", std: float | None = None,
                 bias_std: float = 0.0, rng: np.random.Generator, dtype=np.float64):
    """Return ``[W1, b1, W2, b2, ...]`` for layer widths ``sizes``; W has shape (fan_in, fan_out)."""
    scheme = check_choice("init", init, INITS)
    if scheme == "auto":
        scheme = default_init(activation)
    if std is not None:
        std = check_positive_number(std, "init_std")
        if scheme != "normal":
            raise ValueError(f"init_std={std} only applies to init='normal' (got init={init!r})")
    bias_std = check_positive_number(bias_std, "bias_std", allow_zero=True)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        s = init_std(scheme, fan_in, fan_out, std)
        W = (rng.standard_normal((fan_in, fan_out)) * s).astype(dtype)
        if bias_std > 0:
            b = (rng.standard_normal(fan_out) * bias_std).astype(dtype)
        else:
            b = np.zeros(fan_out, dtype=dtype)
        params += [W, b]
    return params
