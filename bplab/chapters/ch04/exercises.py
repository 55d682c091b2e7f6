r"""Exercise checks for chapter 04 (vanishing and exploding gradients).

* :func:`check_sigmoid_prime`      -- ``sigmoid_prime(z)`` returns :math:`\sigma'(z) = \sigma(z)(1-\sigma(z))`
* :func:`check_sigmoid_prime_max`  -- the largest value :math:`\sigma'` ever takes (a number, or a
  function ``sigmoid_prime_max()`` that returns it)
* :func:`check_gradient_bound`     -- ``gradient_bound(k, weight_norm)`` returns :math:`(w/4)^k`, the
  largest factor by which k sigmoid layers whose weight matrices all have spectral norm at most
  w can change the length of one example's error signal (a factor that exceeds 1 when w > 4)
* :func:`check_he_std`             -- ``he_std(fan_in)`` returns :math:`\sqrt{2/n_{in}}`
* :func:`check_layer_grad_norms`   -- ``my_layer_grad_norms(net, X, y)`` runs the forward pass and its
  OWN backward loop and returns :math:`\lVert\partial L/\partial b^l\rVert` per layer, first layer
  first; checked against ``net.layer_trace`` and central finite differences
* :func:`check_predicted_shrink`   -- ``predicted_shrink(net, X)`` predicts, before any backward
  pass, how many times smaller each hidden layer's gradient is than the next layer's:
  1 / (rms slope of layer l × typical gain of :math:`W^{l+1}`), the chapter's formula
  (:func:`bplab.chapters.ch04.experiments.predicted_shrink_factors`)

Each check runs your function on a few inputs, compares with the reference and, when the
answer is off, names the usual slip behind it. :data:`ours` holds bplab's own answers, for the
cells that use an exercise's function whether or not yours is written yet.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from bplab.activations import sigmoid
from bplab.chapters._shared.feedback import (ExerciseError, NotWrittenYet, as_array, as_number,
                                              call_learner, check_close, check_shape, exercise_check,
                                              function_name, passed, same)
from bplab.gradcheck import numerical_gradient
from bplab.chapters.ch04 import experiments as V

__all__ = ["check_sigmoid_prime", "check_sigmoid_prime_max", "check_gradient_bound",
           "check_he_std", "check_layer_grad_norms", "check_predicted_shrink", "ours"]


# ------------------------------------------------------------------- 1. sigma'
@exercise_check
def check_sigmoid_prime(sigmoid_prime):
    """``sigmoid_prime(z)`` must return σ(z)(1 − σ(z)) element-wise for a numpy array z."""
    z = np.array([-30.0, -4.0, -1.0, 0.0, 0.5, 2.0, 6.0, 30.0])
    got = as_array(call_learner(sigmoid_prime, z.copy(), name="sigmoid_prime"), "sigmoid_prime(z)")
    check_shape("sigmoid_prime(z)", got, z.shape)
    s = sigmoid.f(z)
    want = s * (1 - s)
    if not same(got, want):
        if same(got, s):
            raise ExerciseError("you returned σ(z) itself; its slope is σ(z) * (1 - σ(z))")
        if same(got, z * (1 - z)):
            raise ExerciseError("you computed z * (1 - z): the formula a(1 - a) needs the sigmoid's "
                                "OUTPUT a = σ(z), not its input z. First s = 1/(1 + np.exp(-z)), then s * (1 - s)")
        if same(got, s * (1 + s)):
            raise ExerciseError("sign slip: the slope is σ(z) * (1 - σ(z)), with a minus")
        if same(got, 1 - s):
            raise ExerciseError("you returned 1 - σ(z); multiply it by σ(z): σ(z) * (1 - σ(z))")
        if same(got, 1 - np.tanh(z) ** 2):
            raise ExerciseError("that is the slope of tanh, 1 - tanh(z)²; the sigmoid's is σ(z)(1 - σ(z))")
        check_close("sigmoid_prime", got, want, at=z, rtol=1e-7, atol=1e-12)
    passed("σ'(z) = σ(z)(1 − σ(z)): a product of two numbers in (0, 1) that add up to 1.")


@exercise_check
def check_sigmoid_prime_max(value):
    """``value`` must be the maximum of σ'(z) over all z (reached at z = 0): a number, or a
    function of no arguments that returns it (``sigmoid_prime_max()``)."""
    if callable(value):
        value = call_learner(value, name=function_name(value, "sigmoid_prime_max"))
    v = as_number("your maximum", value)
    if math.isclose(v, 0.25, rel_tol=1e-3):
        passed("max σ' = σ'(0) = 1/2 · 1/2 = 1/4. Every sigmoid layer multiplies the backward "
               "signal by at most 1/4 (times what the weights do).")
        return
    if v == 0.0:
        raise ExerciseError("0 is WHERE the slope is largest (the z returned by argmax, z = 0), not how large "
                            "it is there: take the maximum of the slope values, sigmoid_prime(z).max(), "
                            "not z[sigmoid_prime(z).argmax()]")
    if float(v).is_integer() and v >= 2:
        raise ExerciseError(f"{v:.0f} looks like a position in your grid (np.argmax gives the index of the "
                            "largest entry, 1000 for np.linspace(-10, 10, 2001)); the question asks for the "
                            "largest VALUE: sigmoid_prime(z).max()")
    if math.isclose(v, 0.5, rel_tol=1e-3):
        raise ExerciseError("0.5 is σ(0), the value of the sigmoid at its steepest point; the "
                            "question asks for its SLOPE there, σ'(0) = σ(0)(1 - σ(0))")
    if math.isclose(v, 1.0, rel_tol=1e-3):
        raise ExerciseError("1 is the largest slope of tanh (at 0) and of ReLU; the sigmoid is "
                            "flatter: evaluate σ(0)(1 - σ(0))")
    if v < 0.25 and v > 0.2:
        raise ExerciseError(f"{v:.6g} is close but below the maximum: did your grid of z miss z = 0 "
                            "exactly? The maximum is at z = 0")
    raise ExerciseError(f"got {v:.6g}; hint: σ' is largest where the sigmoid is steepest, at z = 0, "
                        "where σ(0) = 1/2")


# ------------------------------------------------------------ 2. the bound
@exercise_check
def check_gradient_bound(gradient_bound):
    """``gradient_bound(k, weight_norm)``: the largest possible ratio ||δ¹|| / ||δ^{k+1}|| for
    one example after k sigmoid layers, each multiplying by W (spectral norm ≤ weight_norm) and
    σ' (≤ 1/4). A factor, not a fraction: it exceeds 1 when weight_norm > 4."""
    cases = [(1, 1.0), (3, 1.0), (3, 2.0), (5, 2.0), (2, 8.0), (0, 3.0)]
    for k, w in cases:
        got = as_number(f"gradient_bound({k}, {w})",
                        call_learner(gradient_bound, k, w, name="gradient_bound"))
        want = (w / 4.0) ** k
        if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-15):
            continue
        if want > 1 and math.isclose(got, 1.0, rel_tol=1e-9):
            raise ExerciseError(f"gradient_bound({k}, {w}) = 1, expected {want:.6g}: the bound is a factor, "
                                "not a fraction, so do not cap it at 1. With weight_norm > 4 each layer may "
                                "stretch the signal by up to weight_norm/4 > 1, and the bound grows with k")
        for step, words in ((1, "one layer too many"), (-1, "one layer too few")):
            if k + step >= 0 and math.isclose(got, (w / 4.0) ** (k + step), rel_tol=1e-9) \
                    and not math.isclose(w, 4.0):
                raise ExerciseError(f"gradient_bound({k}, {w}) = {got:.6g} = (weight_norm/4)**{k + step}: "
                                    f"{words}. Each of the k sigmoid layers contributes exactly one factor "
                                    "weight_norm/4, so the exponent is k")
        if math.isclose(got, 0.25 ** k, rel_tol=1e-9) and w != 1.0:
            raise ExerciseError(f"gradient_bound({k}, {w}) = {got:.6g} ignores the weights: each layer "
                                "multiplies by at most weight_norm * 1/4, so the bound is (weight_norm/4)**k")
        if math.isclose(got, w ** k / 4, rel_tol=1e-9):
            raise ExerciseError(f"gradient_bound({k}, {w}) = {got:.6g}: the 1/4 applies once per layer, "
                                "not once in total: (weight_norm/4)**k")
        if math.isclose(got, (w / 4) * k, rel_tol=1e-9):
            raise ExerciseError(f"gradient_bound({k}, {w}) = {got:.6g}: the factors multiply (chain rule), "
                                "they do not add: (weight_norm/4)**k, not k * weight_norm/4")
        if math.isclose(got, (4 / w) ** k, rel_tol=1e-9) or math.isclose(got, 4.0 ** k, rel_tol=1e-9):
            raise ExerciseError(f"gradient_bound({k}, {w}) = {got:.6g} is upside down: the ratio of the "
                                "early layer's gradient to the late one's is at most (weight_norm/4)**k")
        raise ExerciseError(f"gradient_bound({k}, {w}) is off: got {got:.6g}, expected {want:.6g}")
    passed("(w/4)^k: with weights of spectral norm ≤ 1 three sigmoid layers keep at most "
           f"1/64 ≈ {0.25 ** 3:.4f} of the gradient; only weights with norm > 4 could even allow growth.")


# --------------------------------------------------------------- 3. He std
@exercise_check
def check_he_std(he_std):
    """``he_std(fan_in)`` must return the He et al. (2015) standard deviation sqrt(2 / fan_in)."""
    from bplab.init import init_std

    for fan_in in (30, 64, 784, 2, 1):     # 30 first: there the usual slips all differ
        got = as_number(f"he_std({fan_in})", call_learner(he_std, fan_in, name="he_std"))
        want = init_std("he", fan_in, 1)
        if math.isclose(got, want, rel_tol=1e-9):
            continue
        if math.isclose(got, 2.0 / fan_in, rel_tol=1e-9):
            raise ExerciseError(f"he_std({fan_in}) = {got:.6g} is the VARIANCE 2/fan_in; the standard "
                                "deviation is its square root, sqrt(2 / fan_in)")
        if math.isclose(got, math.sqrt(1.0 / fan_in), rel_tol=1e-9):
            raise ExerciseError(f"he_std({fan_in}) = {got:.6g} is LeCun's sqrt(1/fan_in); He doubles the "
                                "variance because a ReLU zeroes about half its inputs: sqrt(2 / fan_in)")
        if math.isclose(got, math.sqrt(2.0) / fan_in, rel_tol=1e-9):
            raise ExerciseError(f"he_std({fan_in}) = {got:.6g}: take the square root of the whole ratio, "
                                "sqrt(2 / fan_in), not sqrt(2) / fan_in")
        raise ExerciseError(f"he_std({fan_in}) is off: got {got:.6g}, expected {want:.6g}")
    passed("He: std = sqrt(2/fan_in), e.g. 0.2582 for 30 inputs. bplab.MLP(..., init='he') uses exactly this.")


# ------------------------------------------- 4. gradient norms from your own backward
def _grad_problem():
    """The check's network and data: a 6-5-4-4-3 sigmoid MLP (Nielsen's initialisation) on 25
    random examples. Layers of different widths, so that a missing transpose cannot go unseen."""
    from bplab.network import MLP

    rng = np.random.default_rng(4)
    X = rng.random((25, 6))
    y = rng.integers(0, 3, size=25)
    return MLP([6, 5, 4, 4, 3], "sigmoid", seed=2, init="lecun", bias_std=1.0), X, y


def _norms_by_hand(net, X, y, *, slope="A", output_slope="linear", reduce="sum", which="db"):
    """Per-layer gradient norms from a hand-written backward loop, with the knobs the slips
    turn: ``reduce`` may also be 'norm_then_sum' (each row's length, summed); ``slope`` 'A' (right: f' from the output A), 'Z' (the sigmoid formula applied to Z) or
    'none'; ``output_slope`` 'linear' (right) or 'sigmoid' (a(1-a) at the affine output layer
    too); ``reduce`` 'sum' (right) or 'mean'; ``which`` 'db' (right), 'dW' or 'dZ'."""
    out, cache = net.forward(X, return_cache=True)
    _, dA = net.loss_fn(out, y)
    norms = [0.0] * net.n_layers
    for l in reversed(range(net.n_layers)):
        A_prev, Z, A = cache[l]
        hidden = l < net.n_layers - 1
        if slope == "none":
            f1 = 1.0
        elif hidden or output_slope == "sigmoid":
            f1 = A * (1 - A) if slope == "A" else Z * (1 - Z)
        else:
            f1 = 1.0
        dZ = dA * f1
        if reduce == "norm_then_sum":        # each example's length first, then added up
            norms[l] = float(np.linalg.norm(dZ, axis=1).sum())
        else:
            db = dZ.sum(axis=0) if reduce == "sum" else dZ.mean(axis=0)
            norms[l] = float(np.linalg.norm({"db": db, "dW": A_prev.T @ dZ, "dZ": dZ}[which]))
        dA = dZ @ net.weights[l].T
    return np.array(norms)


def _bias_grads_by_finite_differences(net, X, y, h=1e-6):
    """dL/db of every layer by central differences of the mean loss (float64)."""
    return [numerical_gradient(lambda: net.loss_value(X, y), b, h) for b in net.biases]


def _bplab_layer_grad_norms(net, X, y):
    """bplab's answer: ||dL/db|| of every layer from ``net.layer_trace`` (its own backward pass)."""
    return np.array([np.linalg.norm(t["db"]) for t in net.layer_trace(X, y)])


def _watch_backward(net):
    """Replace ``net.backward`` (and so layer_trace and loss_and_grads, which call it) by one that
    remembers it was called."""
    calls = []
    plain = net.backward

    def backward(*args, **kwargs):
        calls.append(1)
        return plain(*args, **kwargs)

    net.backward = backward
    return calls


@exercise_check
def check_layer_grad_norms(my_layer_grad_norms):
    """``my_layer_grad_norms(net, X, y)`` must run ``net.forward(X, return_cache=True)``, take the
    loss gradient from ``net.loss_fn`` and walk back through the layers itself (dZ = dA * slope,
    db = dZ.sum(axis=0), dA = dZ @ W.T), returning ||dL/db|| of every layer, first layer first."""
    name = function_name(my_layer_grad_norms, "my_layer_grad_norms")
    net, X, y = _grad_problem()
    n = len(X)
    want = _bplab_layer_grad_norms(net, X, y)
    fd = np.array([np.linalg.norm(g) for g in _bias_grads_by_finite_differences(net, X, y)])
    learner_net, _, _ = _grad_problem()
    backward_calls = _watch_backward(learner_net)
    try:
        res = call_learner(my_layer_grad_norms, learner_net, X.copy(), y.copy(), name=name)
    except NotWrittenYet:
        raise
    except ExerciseError as e:
        cause = e.__cause__
        if isinstance(cause, ValueError) and ("matmul" in str(cause) or "shapes" in str(cause)):
            raise ExerciseError(f"{e}. A shape mismatch in the step back? dA = dZ @ W.T: dZ has one column "
                                "per unit of the layer (W's fan_out) and W has shape (fan_in, fan_out), so W "
                                "needs its transpose") from None
        raise
    if backward_calls:
        raise ExerciseError(f"{name} called net.backward (directly, or through net.layer_trace or "
                            "net.loss_and_grads): this exercise asks for your OWN loop over the layers, "
                            "last layer first; net.backward is what the check compares it with")
    got = as_array(res, f"{name}(net, X, y)")
    layers = np.array([f"layer {i + 1}" for i in range(net.n_layers)])
    if got.ndim == 1 and got.size == net.n_layers - 1:
        raise ExerciseError(f"{name} returned {got.size} numbers; the network has {net.n_layers} layers "
                            "(the output layer counts too), so expected one per layer")
    if got.ndim == 1 and got.shape != want.shape:
        raise ExerciseError(f"{name} returned {got.size} numbers; the network has {net.n_layers} layers, "
                            f"so expected {net.n_layers} (one per layer)")
    check_shape(f"{name}(net, X, y)", got, want.shape)

    def hand(**kw):
        m, _, _ = _grad_problem()
        return _norms_by_hand(m, X, y, **kw)

    slips = [
        (want[::-1], "the norms are in reverse order: the backward loop visits the last layer first, "
                     "but return the first layer first (norms[l] for layer l+1)"),
        (hand(slope="none"), "the slope is missing: on the way back each layer multiplies by its activation's "
                             "slope, dZ = dA * f'(Z), before anything else (for the sigmoid layers "
                             "f'(Z) = A * (1 - A))"),
        (hand(slope="Z"), "the slope was evaluated at Z: σ'(z) = σ(z)(1 - σ(z)) needs the sigmoid's OUTPUT, "
                          "so it is A * (1 - A) with A from the cache (net.activations[l].grad_from_output(A)), "
                          "not Z * (1 - Z)"),
        (hand(output_slope="sigmoid"), "the output layer got a sigmoid slope too: it is affine (no activation, "
                                       "slope 1), so its dZ is the loss gradient itself. "
                                       "net.activations[l].grad_from_output(A) gives the right slope for every layer"),
        (hand(slope="Z", output_slope="sigmoid"), "the slope was evaluated at Z (it is A * (1 - A), from the "
                                                  "sigmoid's output A), and the affine output layer has slope 1: "
                                                  "use net.activations[l].grad_from_output(A) for every layer"),
        (hand(which="dW"), "you measured the weight gradients dW = A_prev.T @ dZ; this exercise asks for the "
                           "bias gradients, db = dZ.sum(axis=0) (Nielsen's 'speed of learning')"),
        (hand(which="dZ"), "you took the norm of the whole dZ matrix (one row per example); dL/db sums it over "
                           "the examples first: db = dZ.sum(axis=0)"),
        (hand(reduce="norm_then_sum"), "you took each example's length first and then added the lengths up "
                                       "(np.linalg.norm(dZ, axis=1).sum()): that is the sum of the per-image "
                                       "lengths, which never cancels. db sums the rows first, so images that "
                                       "push a bias in opposite directions cancel, and only then takes the "
                                       "length: np.linalg.norm(dZ.sum(axis=0))"),
        (want / n, f"your norms are exactly {n} times too small, and {n} is the number of examples: the 1/N of "
                   "the mean loss is already in the gradient net.loss_fn returns, so db = dZ.sum(axis=0); "
                   "dZ.mean(axis=0) (or dividing by N again) counts the 1/N twice"),
        (want * n, f"your norms are exactly {n} times too large ({n} examples): the gradient net.loss_fn "
                   "returns belongs to the MEAN loss (it includes 1/N); do not multiply by N or sum the "
                   "per-example losses' gradients without it"),
    ]
    if not same(got, want):
        for values, message in slips:
            if same(got, values):
                raise ExerciseError(message)
        if same(got, np.array([np.abs(t["db"]).sum() for t in net.layer_trace(X, y)])):
            raise ExerciseError("that is the sum of absolute values (L1); use the Euclidean length, "
                                "np.linalg.norm(db)")
        if same(got, want ** 2):
            raise ExerciseError("that is the squared length; take its square root (np.linalg.norm(db))")
        check_close(f"{name}(net, X, y)", got, want, at=layers, rtol=1e-7, atol=1e-12)
    check_close(f"{name}(net, X, y) against finite differences", got, fd, at=layers, rtol=1e-6, atol=1e-10)
    ratios = want[1:] / want[:-1]
    passed(f"your backward loop's ||dL/db|| agree with net.layer_trace and with central finite differences "
           f"(to 1e-6) on the check's 6-5-4-4-3 sigmoid network ({n} random examples): each layer gets "
           + ", ".join(f"{r:.2f}" for r in ratios) + " times less gradient than the next one.")


# ---------------------------------------------------------- 5. predict the shrink factor
def _shrink_problem():
    """A 7-6-5-4-3 sigmoid MLP (Nielsen's initialisation): every layer a different width, so that
    fan-in and fan-out, and this layer and the next, give different answers."""
    from bplab.network import MLP

    X = np.random.default_rng(8).random((40, 7))
    return MLP([7, 6, 5, 4, 3], "sigmoid", seed=3, init="lecun", bias_std=1.0), X


def _shrink_slips(net, X):
    """(values, message) for every recognised slip in predicting the shrink factors."""
    _, cache = net.forward(X, return_cache=True)
    A = [c[2] for c in cache[:-1]]
    Z = [c[1] for c in cache[:-1]]
    slope = np.array([np.sqrt(np.mean((a * (1 - a)) ** 2)) for a in A])
    W = net.weights
    gain = np.array([V.typical_gain(w) for w in W[1:]])
    rms_next = np.append(slope[1:], 1.0)                 # the next layer's (the output layer's slope is 1)
    return [
        (1 / slope, "the weights are missing: the step back is dA = dZ @ W.T and then the slope, so divide by "
                    "the rms slope TIMES the typical gain of the next layer's W"),
        (1 / (np.array([np.mean(a * (1 - a)) for a in A]) * gain),
         "that uses the MEAN slope; the length of a vector scales with the ROOT-MEAN-SQUARE of the factors its "
         "entries are multiplied by: rms slope = sqrt(mean(slope**2))"),
        (1 / (np.array([np.mean((a * (1 - a)) ** 2) for a in A]) * gain),
         "that is the mean SQUARED slope; take its square root (the root-mean-square slope)"),
        (1 / (0.25 * gain), "that uses the largest slope, 1/4, the bound's worst case; the prediction uses the "
                            "slopes the layer really has, their root-mean-square over the examples and units"),
        (1 / (slope * np.array([np.linalg.norm(w, 2) for w in W[1:]])),
         "that uses the spectral norm ||W||_2, the LARGEST stretch (the bound's); a typical signal is "
         "stretched by the typical gain ||W||_F / sqrt(fan_out)"),
        (1 / (slope * np.array([np.linalg.norm(w) / np.sqrt(w.shape[0]) for w in W[1:]])),
         "the typical gain divides by sqrt(fan_in); in dA = dZ @ W.T the signal dZ has fan_out entries "
         "(W has shape (fan_in, fan_out)), so the gain is ||W||_F / sqrt(fan_out) = ||W||_F / sqrt(W.shape[1])"),
        (1 / (slope * np.array([np.linalg.norm(w) for w in W[1:]])),
         "the gain ||W||_F is missing its 1/sqrt(fan_out): typical gain = ||W||_F / sqrt(W.shape[1])"),
        (slope * gain, "the fraction is upside down: a layer KEEPS rms slope × gain of the next layer's signal, "
                       "so it is 1 / (rms slope × gain) times smaller"),
        (1 / (rms_next * gain), "that uses the NEXT layer's slope; the signal reaching layer l is multiplied by "
                                "layer l's own slope (dZ_l = dA_l * slope_l), after passing through W of layer l+1"),
        (1 / (slope * np.array([V.typical_gain(w) for w in W[:-1]])),
         "that uses layer l's own W; the signal reaching layer l comes back through the NEXT layer's weights, "
         "dA_l = dZ_{l+1} @ W_{l+1}.T"),
        (1 / (np.array([np.sqrt(np.mean((z * (1 - z)) ** 2)) for z in Z]) * gain),
         "the slope was evaluated at Z: σ'(z) = a(1 - a) with the sigmoid's OUTPUT a (A from the cache), "
         "not Z * (1 - Z)"),
    ]


@exercise_check
def check_predicted_shrink(predicted_shrink):
    """``predicted_shrink(net, X)`` must return, for every hidden layer l (first first),
    1 / (rms slope of layer l × typical gain of W_{l+1}), with rms slope = sqrt(mean(slope**2))
    over the examples and units and typical gain = ||W||_F / sqrt(fan_out)."""
    name = function_name(predicted_shrink, "predicted_shrink")
    net, X = _shrink_problem()
    want = V.predicted_shrink_factors(net, X)
    mine, _ = _shrink_problem()
    backward_calls = _watch_backward(mine)
    got = as_array(call_learner(predicted_shrink, mine, X.copy(), name=name), f"{name}(net, X)")
    hidden = net.n_layers - 1
    if got.ndim == 1 and got.size == net.n_layers:
        raise ExerciseError(f"{name} returned {got.size} numbers; expected {hidden}, one per HIDDEN layer "
                            "(how many times smaller its gradient is than the next layer's; the output layer has "
                            "no next layer)")
    check_shape(f"{name}(net, X)", got, want.shape)
    if not same(got, want, rtol=1e-6):
        if same(got, want[::-1], rtol=1e-6):
            raise ExerciseError("the factors are in reverse order: first hidden layer first")
        for values, message in _shrink_slips(net, X):
            if same(got, values, rtol=1e-6):
                raise ExerciseError(message)
        check_close(f"{name}(net, X)", got, want, at=np.array([f"hidden {i + 1}" for i in range(hidden)]),
                    rtol=1e-6)
    note = (" (It ran a backward pass, which it did not need: the prediction uses only the forward pass and "
            "the weights.)" if backward_calls else "")
    passed(f"1 / (rms slope × typical gain of the next W), from the forward pass alone: on the check's 7-6-5-4-3 "
           "sigmoid network it predicts " + ", ".join(f"{v:.2f}" for v in want) + "." + note)


#: bplab's own answers, for the cells that use an exercise's function when yours is not written yet
ours = SimpleNamespace(
    gradient_bound=lambda k, weight_norm: (weight_norm / 4.0) ** k,
    layer_grad_norms=_bplab_layer_grad_norms,
    predicted_shrink=V.predicted_shrink_factors,
)
