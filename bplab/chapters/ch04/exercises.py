r"""Exercise checks for chapter 04 (vanishing and exploding gradients).

* :func:`check_sigmoid_prime`      -- ``sigmoid_prime(z)`` returns :math:`\sigma'(z) = \sigma(z)(1-\sigma(z))`
* :func:`check_sigmoid_prime_max`  -- the largest value :math:`\sigma'` ever takes (a number)
* :func:`check_gradient_bound`     -- ``gradient_bound(k, weight_norm)`` returns :math:`(w/4)^k`, the
  largest factor by which k sigmoid layers whose weight matrices all have spectral norm at most
  w can change the length of one example's error signal (a factor that exceeds 1 when w > 4)
* :func:`check_he_std`             -- ``he_std(fan_in)`` returns :math:`\sqrt{2/n_{in}}`
* :func:`check_layer_grad_norms`   -- ``layer_grad_norms(trace)`` turns ``model.layer_trace(X, y)``
  into the array of :math:`\lVert\partial C/\partial b^l\rVert`, first layer first

Each check runs your function on a few inputs, compares with the reference and, when the
answer is off, names the usual slip behind it.
"""
from __future__ import annotations

import math

import numpy as np

from bplab.activations import sigmoid
from bplab.chapters._shared.feedback import (ExerciseError, as_array, as_number, call_learner,
                                              check_close, check_shape, exercise_check, passed,
                                              same)

__all__ = ["check_sigmoid_prime", "check_sigmoid_prime_max", "check_gradient_bound",
           "check_he_std", "check_layer_grad_norms"]


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
    """``value`` must be the maximum of σ'(z) over all z (reached at z = 0)."""
    v = as_number("your maximum", value)
    if math.isclose(v, 0.25, rel_tol=1e-3):
        passed("max σ' = σ'(0) = 1/2 · 1/2 = 1/4. Every sigmoid layer multiplies the backward "
               "signal by at most 1/4 (times what the weights do).")
        return
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


# ------------------------------------------------- 4. norms from a trace
def _trace_case():
    from bplab.network import MLP

    rng = np.random.default_rng(4)
    X = rng.random((25, 6))
    y = rng.integers(0, 3, size=25)
    net = MLP([6, 5, 4, 4, 3], "sigmoid", seed=2, init="lecun", bias_std=1.0)
    return net.layer_trace(X, y)


@exercise_check
def check_layer_grad_norms(layer_grad_norms):
    """``layer_grad_norms(trace)`` must return a numpy array with ||dC/db|| for every layer of
    ``trace = model.layer_trace(X, y)``, first layer first. (``t['dZ']`` already includes the
    1/n of the mean cost, so ``t['db'] = t['dZ'].sum(axis=0)``.)"""
    trace = _trace_case()
    n = trace[0]["dZ"].shape[0]
    got = as_array(call_learner(layer_grad_norms, [dict(t) for t in trace], name="layer_grad_norms"),
                    "layer_grad_norms(trace)")
    want = np.array([np.linalg.norm(t["db"]) for t in trace])
    if got.ndim == 1 and got.shape != want.shape:
        raise ExerciseError(f"layer_grad_norms(trace) has {got.size} entries; the trace has "
                            f"{len(trace)} layers, so expected {len(trace)} (one per layer)")
    check_shape("layer_grad_norms(trace)", got, want.shape)
    if not same(got, want):
        if same(got, want[::-1]):
            raise ExerciseError("the norms are in reverse order: put the first layer first "
                                "(trace[0] is layer 1)")
        if same(got, np.array([np.linalg.norm(t["dW"]) for t in trace])):
            raise ExerciseError("you measured the weight gradients dW; this exercise asks for the "
                                "bias gradients, t['db'] (Nielsen's 'speed of learning')")
        if same(got, np.array([np.linalg.norm(t["dZ"]) for t in trace])):
            raise ExerciseError("you took the norm of the whole delta matrix (one row per example); "
                                "dC/db sums delta over the examples first: t['db'] = delta.sum(axis=0)")
        if same(got * n, want):
            raise ExerciseError(f"your norms are exactly {n} times too small, and {n} is the number of "
                                "examples in the trace: did you average delta over the examples? "
                                "t['dZ'] already includes the 1/n of the mean cost, so dC/db is its plain "
                                "sum, delta.sum(axis=0), which is t['db']")
        if same(got, want * n):
            raise ExerciseError(f"your norms are exactly {n} times too large ({n} examples in the trace): "
                                "t['db'] (= t['dZ'].sum(axis=0)) is already the gradient of the MEAN cost; "
                                "do not multiply by the number of examples")
        if same(got, np.array([np.abs(t["db"]).sum() for t in trace])):
            raise ExerciseError("that is the sum of absolute values (L1); use the Euclidean length, "
                                "np.linalg.norm(t['db'])")
        if same(got, np.array([np.sum(t["db"] ** 2) for t in trace])):
            raise ExerciseError("that is the squared length; take its square root (np.linalg.norm)")
        check_close("layer_grad_norms(trace)", got, want,
                    at=np.array([f"layer {i + 1}" for i in range(len(trace))]), rtol=1e-7)
    ratios = want[1:] / want[:-1]
    passed("one number per layer, first to last. On the check's own small test network (a 6-5-4-4-3 "
           f"sigmoid MLP on {n} random examples, not the MNIST one) each layer gets "
           + ", ".join(f"{r:.2f}" for r in ratios) + " times less gradient than the next one.")
