r"""Experiments on vanishing (and exploding) gradients, built on :class:`bplab.MLP`.

Backpropagation carries the error signal :math:`\delta^l = \partial L/\partial z^l` (chapter 02's
``dZ`` of layer l, one row per example; L is the loss) from the output back to
the input, one layer at a time::

    delta_l = f'(z_l) * (delta_{l+1} @ W_{l+1}.T)        (element-wise product)

With W stored as (fan_in, fan_out), one example's row times ``W.T`` is, written as a column,
``W @ delta``. So the signal reaching layer 1 is a *product* of many factors ``diag(f') W``. If
each factor shrinks vectors (sigmoid: :math:`\sigma' \le 1/4`) the gradient vanishes toward the
input; if each one stretches them (weights that are too large) it explodes.

The helpers here measure that, and nothing in them is notebook-only, so the chapter-04
notebook, its widget (:mod:`bplab.chapters.ch04.explorer`) and the tests all call the same code:

* :func:`make_net`                 a deep MLP from (depth, width, activation, init) choices;
* :func:`gradient_norms_at_init`   :math:`\lVert\partial L/\partial b^l\rVert` per layer, averaged over seeds;
* :func:`sigmoid_head_gradient_norms`  the same with Nielsen's output layer (sigmoid units and
  the cross-entropy cost :math:`-\sum_j [y_j\ln a_j + (1-y_j)\ln(1-a_j)]`), to compare with his book;
* :func:`shrink_factors`           how many times smaller each layer's gradient is than the next one's;
* :func:`rms_slope`, :func:`activation_spread`  the typical slope f'(z) of each layer, and how
  much each layer's output still varies from one input to the next;
* :func:`typical_gain`, :func:`predicted_shrink_factors`  what a weight matrix does to the length
  of a random backward signal, and the shrink factor per layer predicted from it and the rms slope,
  before any backward pass;
* :func:`jacobian_bound_check`     the per-example ratio :math:`\lVert\delta^l\rVert/\lVert\delta^{l+1}\rVert`
  against the bound :math:`\lVert W^{l+1}\rVert_2 \max\sigma'`;
* :func:`error_signals`, :func:`gradient_agreement`  every layer's per-example error signals, and
  how well the examples' signals agree in direction (what averaging them over the examples keeps);
* :func:`weight_change_per_epoch`  :math:`\lVert\Delta W^l\rVert/\lVert W^l\rVert` for every layer, epoch by epoch;
* :func:`compare_remedies`         a table: activations and initialisations side by side;
* :func:`saturated_fractions`, :func:`stuck_fractions`  saturated outputs per layer, and units that are
  flat (saturated or dead) on every example;
* :func:`scale_sweep`              larger initial weights: gradient gained against saturation;
* :func:`weight_vs_bias_gradients`  why a layer's weights can move more than its bias gradient says.
"""
from __future__ import annotations

import numbers

import numpy as np

from bplab._validate import (as_float_matrix, as_labels, check_choice, check_int, check_positive_number,
                             check_seed)
from bplab.activations import ACTIVATIONS
from bplab.init import INITS
from bplab.network import MLP

__all__ = ["make_net", "gradient_norms_at_init", "sigmoid_head_gradient_norms", "shrink_factors",
           "jacobian_bound_check", "weight_change_per_epoch", "compare_remedies", "Remedy",
           "DEFAULT_REMEDIES", "INIT_PRESETS", "init_preset", "rms_slope", "activation_spread",
           "NIELSEN_2015", "error_signals", "gradient_agreement", "typical_gain",
           "predicted_shrink_factors", "build_net", "per_image_vs_averaged", "stuck_fractions",
           "saturated_fractions", "scale_sweep", "weight_vs_bias_gradients"]

#: Nielsen (2015), *Neural Networks and Deep Learning*, ch. 5: ||dL/db|| for the three hidden
#: layers of a [784, 30, 30, 30, 10] sigmoid network at initialisation (first 1000 MNIST images).
NIELSEN_2015 = (0.012, 0.060, 0.283)

#: Named initialisations for dropdowns and tables: name -> keyword arguments for MLP.
INIT_PRESETS = {
    "lecun + bias N(0,1)": dict(init="lecun", bias_std=1.0),   # Nielsen's default initialiser
    "xavier": dict(init="xavier"),
    "he": dict(init="he"),
    "lecun": dict(init="lecun"),
    "normal std=1 (too large)": dict(init="normal", init_std=1.0),
}


def init_preset(name) -> dict:
    """Keyword arguments for :class:`MLP` from a name in :data:`INIT_PRESETS`."""
    if not isinstance(name, str) or name not in INIT_PRESETS:
        raise ValueError(f"unknown init preset {name!r}; choose one of {list(INIT_PRESETS)}")
    return dict(INIT_PRESETS[name])


# ----------------------------------------------------------------- checks
def _check_xy(X, y, n_classes=None):
    """Checked ``(X, y, n_classes)``; n_classes defaults to the largest label + 1."""
    X = as_float_matrix(X, "X")
    y = as_labels(y, "y", n_classes=n_classes, n_rows=X.shape[0])
    return X, y, (int(y.max()) + 1 if n_classes is None else n_classes)


def _check_seeds(seeds):
    if isinstance(seeds, (numbers.Integral,)) and not isinstance(seeds, bool):
        seeds = [seeds]
    try:
        seeds = list(seeds)
    except TypeError:
        raise TypeError(f"seeds must be a list of non-negative integers, got {seeds!r:.60}") from None
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed, e.g. seeds=range(5)")
    return [check_seed(s, f"seeds[{i}]") for i, s in enumerate(seeds)]


def _check_model(model):
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a bplab.MLP, got {type(model).__name__}")
    if not model.is_classifier:
        raise TypeError("model must be a classifier (loss='cross_entropy')")
    return model


# ------------------------------------------------------------ networks
def make_net(depth, width=30, *, n_in, n_out=10, activation="sigmoid", init="lecun",
             init_std=None, bias_std=0.0, seed=0, weight_scale=1.0) -> MLP:
    """An MLP with ``depth`` hidden layers of ``width`` units: sizes [n_in, width, ..., width, n_out].

    ``init`` is an :class:`MLP` init scheme ('lecun', 'xavier', 'he', 'normal', 'auto') or a
    name from :data:`INIT_PRESETS` (which then also sets ``bias_std``/``init_std``).
    ``weight_scale`` multiplies every hidden layer's weights after the init (see :func:`build_net`).
    """
    depth = check_int(depth, "depth", minimum=1)
    width = check_int(width, "width", minimum=1)
    n_in = check_int(n_in, "n_in", minimum=1)
    n_out = check_int(n_out, "n_out", minimum=2)
    check_choice("activation", activation, ACTIVATIONS)
    if isinstance(init, str) and init in INIT_PRESETS:
        kw = init_preset(init)
    else:
        if not isinstance(init, str) or init.lower() not in INITS:
            raise ValueError(f"unknown init {init!r}; choose one of {list(INITS)} "
                             f"or a preset {list(INIT_PRESETS)}")
        kw = dict(init=init, init_std=init_std, bias_std=bias_std)
    return build_net([n_in] + [width] * depth + [n_out], activation, seed=seed, weight_scale=weight_scale, **kw)


def build_net(sizes, activation, *, seed=0, weight_scale=1.0, **init_kw) -> MLP:
    """``MLP(sizes, activation, seed=seed, **init_kw)`` whose hidden layers' weights are then
    multiplied by ``weight_scale`` (the output layer's are left alone). ``weight_scale=4`` with
    ``init='xavier'`` is the scale often recommended for sigmoid units: a gain of about 4 per layer
    to make up for the sigmoid's slope of at most 1/4."""
    weight_scale = check_positive_number(weight_scale, "weight_scale")
    net = MLP(sizes, activation, seed=seed, **init_kw)
    if weight_scale != 1.0:
        for W in net.weights[:-1]:
            W *= weight_scale
    return net


def _check_deep_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 3:
        raise ValueError(f"sizes must list at least input, one hidden and output width, e.g. "
                         f"[784, 30, 30, 10]; got {sizes!r:.80}")


def gradient_norms_at_init(X, y, sizes, activation="sigmoid", init="lecun", *, init_std=None,
                           bias_std=0.0, seeds=range(5), which="b", head="softmax", weight_scale=1.0):
    r"""Gradient norm of every layer of freshly initialised networks, averaged over ``seeds``.

    For each seed an ``MLP(sizes, activation, init=init, init_std=init_std, bias_std=bias_std,
    seed=seed)`` is built and the gradient of the mean cost over all of (X, y) is taken.
    ``which='b'`` measures :math:`\lVert\partial L/\partial b^l\rVert` (Nielsen's "speed of
    learning" of layer l), ``'W'`` the weights. ``head='softmax'`` uses the network as bplab
    builds it (affine output + softmax cross-entropy); ``head='sigmoid'`` puts Nielsen's output
    layer on the same weights (see :func:`sigmoid_head_gradient_norms`). ``weight_scale``
    multiplies the hidden layers' weights (:func:`build_net`).

    Returns a pandas DataFrame indexed by layer (1 = first hidden layer ... L = output) with
    columns ``kind`` ('hidden'/'output'), ``grad_norm`` (mean over seeds), ``std`` (over seeds),
    and ``shrink`` = grad_norm of the next layer / grad_norm of this one (NaN for the output).
    The per-seed norms are in ``df.attrs['per_seed']`` (shape (n_seeds, n_layers)).
    """
    import pandas as pd

    _check_deep_sizes(sizes)
    seeds = _check_seeds(seeds)
    which = check_choice("which", which, {"b", "w"})
    head = check_choice("head", head, {"softmax", "sigmoid"})
    X, y, _ = _check_xy(X, y, n_classes=int(sizes[-1]))
    per_seed = []
    for s in seeds:
        net = build_net(sizes, activation, seed=s, init=init, init_std=init_std, bias_std=bias_std,
                        weight_scale=weight_scale)
        if s == seeds[0]:
            X, y = net.check_data(X, y)             # checked once, not once per seed
        per_seed.append(_grad_norms(_backprop(net, X, y, head=head)[2], which))
    per_seed = np.array(per_seed)
    mean = per_seed.mean(axis=0)
    n_layers = per_seed.shape[1]
    df = pd.DataFrame({
        "kind": ["hidden"] * (n_layers - 1) + ["output"],
        "grad_norm": mean,
        "std": per_seed.std(axis=0),
        "shrink": np.append(shrink_factors(mean), np.nan),
    }, index=pd.RangeIndex(1, n_layers + 1, name="layer"))
    df.attrs["per_seed"] = per_seed
    df.attrs["seeds"] = seeds
    return df


def _backprop(model, X, y, head="softmax"):
    """One forward and one backward pass of ``model`` (its own :meth:`MLP.forward` and
    :meth:`MLP.backward`). Returns ``(dZs, As, grads)``: every layer's error signal
    dZ_l = dL/dZ_l (one row per example, including the 1/n of the mean cost), every layer's
    output [A_0 = X, A_1, ..., A_L] and the gradients [dW1, db1, ...].

    ``head='softmax'`` is the model's own output layer and loss; ``'sigmoid'`` is Nielsen's
    (sigmoid output units + cross-entropy cost), whose error entering the affine output layer
    is dZ_L = (sigmoid(Z_L) - onehot(y)) / n; the hidden layers backpropagate it unchanged."""
    out, cache = model.forward(X, return_cache=True)
    if head == "sigmoid":
        dOut = ACTIVATIONS["sigmoid"].f(out)
        dOut[np.arange(len(y)), y] -= 1.0           # a - y for sigmoid + cross-entropy ...
        dOut /= X.shape[0]                          # ... with C averaged over the examples
    else:
        _, dOut = model.loss_fn(out, y)             # dL/d(output) of the model's own loss
    grads, dZs = model.backward(dOut, cache, return_dZ=True)
    return dZs, [X] + [A for _, _, A in cache], grads


def _grad_norms(grads, which):
    """||dL/db_l|| (which='b') or ||dL/dW_l|| (which='w') per layer, first layer first."""
    return np.array([np.linalg.norm(g) for g in (grads[1::2] if which == "b" else grads[0::2])])


def sigmoid_head_gradient_norms(model, X, y, which="b"):
    r"""Per-layer gradient norms with Nielsen's output layer on ``model``'s weights.

    Nielsen's networks (``network2.py``) end in sigmoid units trained with the cross-entropy
    cost :math:`C = -\frac1n\sum_x\sum_j [y_j \ln a_j + (1-y_j)\ln(1-a_j)]`, whose output
    error is :math:`\delta^L = a - y`. bplab's MLP ends in an affine layer with softmax
    cross-entropy, :math:`\delta^L = \mathrm{softmax}(z) - y`. The hidden layers backpropagate
    exactly the same way; only the error that enters the last layer differs. Returns a numpy
    array of norms, first layer first (output layer last).
    """
    model = _check_model(model)
    which = check_choice("which", which, {"b", "w"})
    X, y = model.check_data(X, y)
    return _grad_norms(_backprop(model, X, y, head="sigmoid")[2], which)


def error_signals(model, X, y, head="softmax"):
    r"""Every layer's error signal, one row per example: a list of arrays, first layer first.

    Entry ``l`` is chapter 02's :math:`dZ` of layer l+1, :math:`\partial L/\partial Z`, shape
    (n_examples, width). Row x is example x's :math:`\delta` (as a row); it includes the
    :math:`1/n` of the mean cost, so the bias gradient is the column sum,
    :math:`\partial L/\partial b = \sum_x \delta_x`. ``head`` as in
    :func:`gradient_norms_at_init` ('softmax': the model's own output layer; 'sigmoid':
    Nielsen's sigmoid units with the cross-entropy cost).
    """
    model = _check_model(model)
    head = check_choice("head", head, {"softmax", "sigmoid"})
    X, y = model.check_data(X, y)
    return _backprop(model, X, y, head=head)[0]


def gradient_agreement(model, X, y, head="softmax"):
    r"""How much of the examples' error signals survives averaging, layer by layer:
    :math:`\lVert\sum_x \delta^l_x\rVert \,/\, \sum_x \lVert\delta^l_x\rVert`.

    1 when every example's :math:`\delta^l_x` points the same way; small when they point in
    different directions and cancel in the sum :math:`\partial L/\partial b^l = \sum_x\delta^l_x`.
    The ratio of two layers' bias gradients is therefore the per-example ratio of lengths
    (a weighted mean of :math:`\lVert\delta^l_x\rVert/\lVert\delta^{l+1}_x\rVert`) times
    agreement(l) / agreement(l+1). Returns a numpy array, first layer first (output last).
    """
    return np.array([_agreement(d) for d in error_signals(model, X, y, head=head)])


def _agreement(d):
    lengths = np.linalg.norm(d, axis=1).sum()
    return float(np.linalg.norm(d.sum(axis=0)) / lengths) if lengths > 0 else float("nan")


def shrink_factors(norms):
    """``norms[l+1] / norms[l]`` for consecutive layers: how many times smaller each layer's
    gradient is than the next layer's (> 1 means vanishing toward the input, < 1 exploding)."""
    a = np.asarray(norms, dtype=float)
    if a.ndim != 1 or a.size < 2:
        raise ValueError(f"norms must be a 1-D sequence of at least 2 per-layer norms, got shape {a.shape}")
    if (a <= 0).any() or not np.isfinite(a).all():
        raise ValueError(f"norms must be positive finite numbers, got {np.round(a, 6).tolist()}")
    return a[1:] / a[:-1]


def rms_slope(model, X):
    """Root-mean-square of f'(z) in each hidden layer (the typical factor a layer applies to δ)."""
    model = _check_model(model)
    _, cache = model.forward(X, return_cache=True)
    return np.array([float(np.sqrt(np.mean(act.grad_from_output(A) ** 2)))
                     for act, (_, _, A) in zip(model.activations[:-1], cache[:-1])])


def typical_gain(W):
    r"""How much the backward step :math:`dA = dZ\,W^\top` stretches a random signal:
    :math:`\lVert W\rVert_F/\sqrt{n_{\text{out}}}` for W of shape (n_in, n_out).

    A row v of dZ has n_out entries; if they are random with no preferred direction,
    :math:`\mathbb E\lVert v W^\top\rVert^2 = \lVert W\rVert_F^2\,\lVert v\rVert^2/n_{\text{out}}`.
    For :math:`W \sim \mathcal N(0, 1/n_{\text{in}})` this is about 1."""
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[1] < 1:
        raise ValueError(f"W must be a weight matrix of shape (fan_in, fan_out), got shape {W.shape}")
    return float(np.linalg.norm(W) / np.sqrt(W.shape[1]))


def predicted_shrink_factors(model, X):
    r"""How many times smaller each hidden layer's gradient should be than the next layer's,
    predicted from the forward pass alone: for hidden layer l,

    .. math:: \frac{1}{\text{rms slope of layer } l \;\times\; \text{typical gain of } W^{l+1}}

    (:func:`rms_slope` and :func:`typical_gain`). One entry per hidden layer, first layer first:
    the prediction for :func:`shrink_factors` of the per-layer gradient norms."""
    model = _check_model(model)
    gains = np.array([typical_gain(W) for W in model.weights[1:]])
    return 1.0 / (rms_slope(model, X) * gains)


def activation_spread(model, X):
    """How much each layer's output still depends on the input: for every layer, the standard
    deviation of each unit across the examples of X, averaged over the units. When this falls
    toward 0 layer after layer, the deep layers see (almost) the same thing for every input."""
    model = _check_model(model)
    _, cache = model.forward(X, return_cache=True)
    return np.array([float(A.std(axis=0).mean()) for _, _, A in cache])


def jacobian_bound_check(model, X, y, head="softmax"):
    r"""Check :math:`\lVert\delta^l_x\rVert \le \lVert W^{l+1}\rVert_2\,\max_j f'(z^l_{xj})\,\lVert\delta^{l+1}_x\rVert`
    example by example, for every hidden layer l.

    One step of backprop is :math:`\delta^l = \mathrm{diag}(f'(z^l))\,W^{l+1}\delta^{l+1}`, so its
    length can grow at most by the largest singular value of :math:`W^{l+1}` times the largest
    slope. For the sigmoid the slope is at most 1/4, giving the input-independent bound
    :math:`\lVert W\rVert_2/4`.

    Returns a DataFrame, one row per hidden layer l: ``spectral_norm`` (of W^{l+1}),
    ``max_slope`` (the largest f'(z) seen), ``bound`` (their product), ``ratio_mean`` and
    ``ratio_max`` (of :math:`\lVert\delta^l_x\rVert/\lVert\delta^{l+1}_x\rVert` over the
    examples), ``weight_gain`` (mean of :math:`\lVert W^{l+1}\delta^{l+1}_x\rVert/\lVert\delta^{l+1}_x\rVert`:
    what the weights alone do to the length), ``rms_slope`` (root-mean-square of f'(z^l): what
    the slopes do), ``holds`` (fraction of examples within their own bound,
    :math:`\lVert W\rVert_2 \max_j f'(z_{xj})`), and ``agreement`` / ``agreement_next``
    (:func:`gradient_agreement` of layers l and l+1: how much of the per-example signals
    survives averaging over the examples). Note that ``bound`` uses the largest slope
    over *all* examples, ``holds`` each example's own largest slope.

    ``head`` chooses the error that enters at the top, as in :func:`gradient_norms_at_init`
    ('softmax', the default: the model's own output layer; 'sigmoid': Nielsen's).
    """
    import pandas as pd

    model = _check_model(model)
    head = check_choice("head", head, {"softmax", "sigmoid"})
    X, y = model.check_data(X, y)
    deltas, As, _ = _backprop(model, X, y, head=head)
    rows = []
    for l in range(model.n_layers - 1):
        d_here, d_next = deltas[l], deltas[l + 1]
        slope = model.activations[l].grad_from_output(As[l + 1])
        spec = float(np.linalg.norm(model.weights[l + 1], 2))
        n_next = np.linalg.norm(d_next, axis=1)
        ok = n_next > 0
        ratio = np.linalg.norm(d_here, axis=1)[ok] / n_next[ok]
        own_bound = spec * slope.max(axis=1)[ok]
        back = d_next[ok] @ model.weights[l + 1].T          # delta_{l+1} W^T, before the slope
        gain = np.linalg.norm(back, axis=1) / n_next[ok]
        rows.append(dict(layer=l + 1, spectral_norm=spec, max_slope=float(slope.max()),
                         bound=spec * float(slope.max()),
                         ratio_mean=float(ratio.mean()), ratio_max=float(ratio.max()),
                         weight_gain=float(gain.mean()),
                         rms_slope=float(np.sqrt(np.mean(slope ** 2))),
                         holds=float(np.mean(ratio <= own_bound * (1 + 1e-12))),
                         agreement=_agreement(d_here), agreement_next=_agreement(d_next)))
    return pd.DataFrame(rows).set_index("layer")


# ------------------------------------------------------------- training
def weight_change_per_epoch(model, X, y, *, optimizer, epochs, batch_size, seed=0):
    r"""Train ``model`` in place one epoch at a time and record how far each layer's weights move.

    Returns ``(changes, history)``: ``changes`` is a DataFrame indexed by epoch with one column
    per layer (``'layer 1'``...), holding :math:`\lVert W^l_{\text{after}} - W^l_{\text{before}}\rVert
    / \lVert W^l_{\text{before}}\rVert` for that epoch; ``history`` is the usual
    :func:`bplab.fit` DataFrame. A :class:`bplab.DivergenceError` propagates with
    ``.changes`` (the epochs completed) attached.
    """
    import pandas as pd

    from bplab.training import DivergenceError, fit

    model = _check_model(model)
    epochs = check_int(epochs, "epochs", minimum=1)
    seed = check_seed(seed)
    cols = [f"layer {l + 1}" for l in range(model.n_layers)]
    rows, hists = [], []

    def frame():
        return pd.DataFrame(rows, columns=cols, index=pd.RangeIndex(1, len(rows) + 1, name="epoch"))

    for e in range(1, epochs + 1):
        before = [W.copy() for W in model.weights]
        try:
            h = fit(model, X, y, optimizer=optimizer, epochs=1, batch_size=batch_size,
                    seed=int(seed) * 100_003 + e, progress=False)
        except DivergenceError as err:
            err.changes = frame()
            raise
        rows.append([float(np.linalg.norm(W - B) / np.linalg.norm(B)) for W, B in zip(model.weights, before)])
        h.index = [e]
        hists.append(h)
    hist = pd.concat(hists)
    hist.index.name = "epoch"
    return frame(), hist


class Remedy:
    """One row of the remedies table: a label and the MLP keyword arguments it stands for."""

    def __init__(self, label, activation, init, init_std=None, bias_std=0.0, weight_scale=1.0):
        self.label = str(label)
        self.weight_scale = check_positive_number(weight_scale, "weight_scale")
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.init = check_choice("init", init, INITS)
        self.init_std = None if init_std is None else check_positive_number(init_std, "init_std")
        self.bias_std = check_positive_number(bias_std, "bias_std", allow_zero=True)

    def kwargs(self) -> dict:
        return dict(init=self.init, init_std=self.init_std, bias_std=self.bias_std,
                    weight_scale=self.weight_scale)

    def __repr__(self):
        return f"Remedy({self.label!r})"


#: The rows of the chapter-04 comparison, from the problem to its cures to the opposite problem.
DEFAULT_REMEDIES = (
    Remedy("sigmoid, lecun + bias N(0,1)", "sigmoid", "lecun", bias_std=1.0),
    Remedy("sigmoid, xavier", "sigmoid", "xavier"),
    Remedy("sigmoid, 4x xavier", "sigmoid", "xavier", weight_scale=4.0),
    Remedy("tanh, xavier", "tanh", "xavier"),
    Remedy("relu, xavier", "relu", "xavier"),
    Remedy("relu, he", "relu", "he"),
    Remedy("leaky_relu, he", "leaky_relu", "he"),
    Remedy("tanh, normal std=1", "tanh", "normal", init_std=1.0),
    Remedy("relu, normal std=0.5", "relu", "normal", init_std=0.5),
)


def compare_remedies(X_train, y_train, X_eval, y_eval, remedies=DEFAULT_REMEDIES, *, depth=6,
                     width=32, seeds=range(3), optimizer=None, epochs=10, batch_size=32,
                     train_seed=0, train_seeds=None, keep_models=False):
    r"""Measure each remedy side by side: gradient norms at initialisation and accuracy after
    a short, fixed training budget.

    Every remedy gets the same architecture (``depth`` hidden layers of ``width``), the same
    data and the same training (``optimizer`` — a fresh copy per run, default
    ``SGD(lr=0.1, momentum=0.9)`` — for ``epochs`` epochs of mini-batches of ``batch_size``,
    shuffled with ``train_seed``; ``train_seed=None`` shuffles each run with its own initialisation
    seed, so that runs differ in both the initial weights and the order of the mini-batches). One
    network is trained per seed in ``train_seeds`` (default: the first of ``seeds`` only) and
    scored on (X_eval, y_eval): validation data, when the table is used to choose.

    Returns a DataFrame indexed by the remedy label with columns ``g1`` ... ``g<depth>``
    (mean :math:`\lVert\partial L/\partial b^l\rVert` of the hidden layers over ``seeds``),
    ``first/last`` (g1 / g<depth>: < 1 vanishing, > 1 exploding), ``acc`` (mean accuracy on the
    evaluation data over ``train_seeds``, NaN when a run diverged), ``acc_min``, ``acc_max`` and
    ``note`` (which runs diverged). ``df.attrs['acc_per_seed']`` maps label -> list of accuracies;
    with ``keep_models=True``, ``df.attrs['models']`` maps label -> the trained networks (one per
    training seed, diverged ones included), to look inside them afterwards.
    """
    import copy

    import pandas as pd

    from bplab.optim import SGD
    from bplab.training import DivergenceError, fit

    depth = check_int(depth, "depth", minimum=1)
    width = check_int(width, "width", minimum=1)
    seeds = _check_seeds(seeds)
    train_seeds = [seeds[0]] if train_seeds is None else _check_seeds(train_seeds)
    if train_seed is not None:
        train_seed = check_seed(train_seed, "train_seed")
    X_train, y_train, n_classes = _check_xy(X_train, y_train)
    X_eval, y_eval, _ = _check_xy(X_eval, y_eval, n_classes=n_classes)
    if X_eval.shape[1] != X_train.shape[1]:
        raise ValueError(f"X_eval has {X_eval.shape[1]} features but X_train has {X_train.shape[1]}")
    remedies = list(remedies)
    if not remedies or not all(isinstance(r, Remedy) for r in remedies):
        raise TypeError("remedies must be a non-empty list of bplab.chapters.ch04.experiments.Remedy")
    optimizer = SGD(lr=0.1, momentum=0.9) if optimizer is None else optimizer
    sizes = [X_train.shape[1]] + [width] * depth + [n_classes]
    rows, per_seed, models = [], {}, {}
    for r in remedies:
        g = gradient_norms_at_init(X_train, y_train, sizes, r.activation, seeds=seeds, **r.kwargs())
        hidden = g["grad_norm"].to_numpy()[:-1]
        row = {f"g{i + 1}": v for i, v in enumerate(hidden)}
        row["first/last"] = hidden[0] / hidden[-1]
        accs, notes = [], []
        models[r.label] = []
        for s in train_seeds:
            net = build_net(sizes, r.activation, seed=s, **r.kwargs())
            if keep_models:
                models[r.label].append(net)
            opt = copy.deepcopy(optimizer)
            opt.reset()
            try:
                with np.errstate(over="ignore", invalid="ignore"):   # divergence is reported, not warned
                    fit(net, X_train, y_train, optimizer=opt, epochs=epochs, batch_size=batch_size,
                        seed=s if train_seed is None else train_seed, progress=False)
                accs.append(net.accuracy(X_eval, y_eval))
            except DivergenceError as e:
                accs.append(np.nan)
                notes.append(f"seed {s} diverged (epoch {e.epoch})")
        per_seed[r.label] = accs
        a = np.array(accs, dtype=float)
        row["acc"] = float(a.mean())
        row["acc_min"] = float(a.min())
        row["acc_max"] = float(a.max())
        row["note"] = "; ".join(notes)
        rows.append(dict(remedy=r.label, **row))
    df = pd.DataFrame(rows).set_index("remedy")
    df.attrs["acc_per_seed"] = per_seed
    df.attrs["train_seeds"] = train_seeds
    if keep_models:
        df.attrs["models"] = models
    return df


def per_image_vs_averaged(model, X, y, head="softmax"):
    r"""The first hidden layer's gradient relative to the last hidden layer's, measured two ways.

    ``per_image``: the mean over the examples of :math:`\lVert\delta^1_x\rVert/\lVert\delta^{H}_x\rVert`
    (H the last hidden layer): what one image's error signal loses on its way back, the quantity a
    rule of thumb per layer predicts. ``averaged``: :math:`\lVert\partial L/\partial b^1\rVert /
    \lVert\partial L/\partial b^H\rVert`, the ratio of the gradients averaged over the examples
    (the ``first/last`` of :func:`compare_remedies`). ``agreement_first`` and ``agreement_last``
    (:func:`gradient_agreement` of layers 1 and H) link the two:
    averaged ≈ per_image × agreement_first / agreement_last. Returns a dict of floats."""
    model = _check_model(model)
    if model.n_layers < 3:
        raise ValueError("the model needs at least two hidden layers")
    d = error_signals(model, X, y, head=head)
    first, last = d[0], d[-2]
    n_last = np.linalg.norm(last, axis=1)
    ok = n_last > 0
    return dict(per_image=float(np.mean(np.linalg.norm(first, axis=1)[ok] / n_last[ok])),
                averaged=float(np.linalg.norm(first.sum(axis=0)) / np.linalg.norm(last.sum(axis=0))),
                agreement_first=_agreement(first), agreement_last=_agreement(last))


def saturated_fractions(model, X):
    """For every hidden layer, the fraction of its outputs (all units, all examples of X) whose slope
    f'(z) is below 10 % of its maximum (:meth:`Activation.saturated_fraction`): saturated sigmoid or
    tanh outputs, ReLU outputs on the zero side. A numpy array, first hidden layer first."""
    model = _check_model(model)
    _, cache = model.forward(X, return_cache=True)
    return np.array([act.saturated_fraction(A) for act, (_, _, A) in zip(model.activations[:-1], cache[:-1])])


def stuck_fractions(model, X):
    """For every hidden layer, the fraction of its *units* whose slope is below 10 % of its maximum on
    *every* example of X: units that pass nothing back and whose weights get no gradient from any
    of these examples (a dead ReLU, a sigmoid stuck on a flat tail). First hidden layer first."""
    model = _check_model(model)
    _, cache = model.forward(X, return_cache=True)
    out = []
    for act, (_, _, A) in zip(model.activations[:-1], cache[:-1]):
        flat = act.grad_from_output(A) < 0.1 * act.peak_slope()
        out.append(float(flat.all(axis=0).mean()))
    return np.array(out)


def scale_sweep(X, y, sizes, scales, activation="sigmoid", *, seeds=range(3), head="sigmoid", **init_kw):
    r"""Multiply the hidden layers' initial weights by each of ``scales`` (:func:`build_net`) and
    measure the trade-off, mean over ``seeds``: ``g1`` and ``g_last`` (:math:`\lVert\partial L/\partial b\rVert`
    of the first and the last hidden layer), ``first/last`` (ratio of those means), ``saturated``
    (:func:`saturated_fractions`, mean over the hidden layers) and ``rms_slope`` (:func:`rms_slope`,
    mean over the hidden layers). Returns a DataFrame indexed by the scale; the first hidden layer's
    gradient of every single network is in ``df.attrs['g1_per_seed']`` (shape (n_scales, n_seeds)).
    One forward and one backward pass per network: every column comes from the same pass."""
    import pandas as pd

    seeds = _check_seeds(seeds)
    head = check_choice("head", head, {"softmax", "sigmoid"})
    rows, g1_per_seed = [], []
    for sc in scales:
        g, sat, rms = [], [], []
        for s in seeds:
            net = build_net(sizes, activation, seed=s, weight_scale=sc, **init_kw)
            if not rows and not g:
                X, y = net.check_data(X, y)         # checked once
            _, As, grads = _backprop(net, X, y, head=head)
            g.append(_grad_norms(grads, "b")[:-1])
            hidden = list(zip(net.activations[:-1], As[1:-1]))
            sat.append(np.mean([act.saturated_fraction(A) for act, A in hidden]))
            rms.append(np.mean([np.sqrt(np.mean(act.grad_from_output(A) ** 2)) for act, A in hidden]))
        g = np.array(g)
        g1_per_seed.append(g[:, 0])
        mean = g.mean(axis=0)
        rows.append(dict(scale=sc, g1=mean[0], g_last=mean[-1], **{"first/last": mean[0] / mean[-1]},
                         saturated=float(np.mean(sat)), rms_slope=float(np.mean(rms))))
    df = pd.DataFrame(rows).set_index("scale")
    df.attrs["g1_per_seed"] = np.array(g1_per_seed)
    return df


def weight_vs_bias_gradients(model, X, y):
    r"""Why a layer's weights can move more, or less, than its bias gradient suggests.

    The weight gradient of layer l is :math:`\partial L/\partial W^l = \sum_x a^{l-1}_x \delta^{l\top}_x`
    (chapter 02's ``A_prev.T @ dZ``). When the layer's input :math:`a^{l-1}_x` is nearly the same
    for every example it is about :math:`\bar a\,(\sum_x\delta_x)^\top = \bar a\,(\partial L/\partial b^l)^\top`,
    and cancels between the examples exactly as the bias gradient does; when the input varies, the
    part of the error signal that goes with the input survives. Returns a DataFrame, one row per
    layer: ``db`` and ``dW`` (the norms), ``dW/db``, ``input_std`` (each input's std over the
    examples, mean over the inputs) and ``agreement`` (:func:`gradient_agreement` of the layer)."""
    import pandas as pd

    model = _check_model(model)
    X, y = model.check_data(X, y)
    deltas, As, grads = _backprop(model, X, y)
    rows = []
    for l in range(model.n_layers):
        db, dW = float(np.linalg.norm(grads[2 * l + 1])), float(np.linalg.norm(grads[2 * l]))
        rows.append(dict(layer=l + 1, db=db, dW=dW, **{"dW/db": dW / db if db > 0 else np.nan},
                         input_std=float(As[l].std(axis=0).mean()), agreement=_agreement(deltas[l])))
    return pd.DataFrame(rows).set_index("layer")
