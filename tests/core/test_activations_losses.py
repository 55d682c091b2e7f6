"""Activations and losses: values, derivatives against finite differences, numerical
stability for huge inputs, and (when PyTorch is installed) agreement with PyTorch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from bplab import activations as A
from bplab import losses as L
from bplab.activations import ACTIVATIONS, get_activation

NAMES = sorted(ACTIVATIONS)
REFERENCE = {
    "sigmoid": lambda z: np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))),
                                  np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z)))),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "linear": lambda z: z,
}
HUGE = np.array([-1e4, -1e3, -710.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 710.0, 1e3, 1e4])


def _z(seed=0, n=200):
    z = np.random.default_rng(seed).normal(scale=3.0, size=n)
    return z[np.abs(z) > 1e-3]           # keep away from the ReLU kink


class _Strict:
    """Any floating-point overflow / invalid / divide, or any warning, becomes an error."""

    def __enter__(self):
        self._err = np.errstate(over="raise", invalid="raise", divide="raise")
        self._err.__enter__()
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self._w.__exit__(*exc)
        self._err.__exit__(*exc)


# ----------------------------------------------------------------------- activations

def test_registry_has_the_documented_activations():
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "linear"}
    for name in NAMES:
        assert get_activation(name).name == name


@pytest.mark.parametrize("name", NAMES)
def test_activation_values_match_reference(name):
    z = _z(1)
    np.testing.assert_allclose(ACTIVATIONS[name](z), REFERENCE[name](z), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    z = _z(2)
    h = 1e-6
    num = (act(z + h) - act(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z), num, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_grad_from_output_is_the_derivative(name):
    act = ACTIVATIONS[name]
    z = _z(3)
    np.testing.assert_allclose(act.grad_from_output(act(z)), act.derivative(z), rtol=0, atol=0)


def test_an_activation_added_by_a_learner_works_everywhere(monkeypatch):
    """The documented recipe (two functions, then register) gives a network that really
    computes softplus, forward and backward, and diagnostics that agree."""
    import bplab
    softplus = A.Activation("softplus", lambda z: np.logaddexp(0, z), lambda a: -np.expm1(-a))
    monkeypatch.setitem(ACTIVATIONS, "softplus", softplus)
    net = bplab.MLP([3, 4, 2], activation="softplus", seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    W1, b1, W2, b2 = net.params
    expected = np.logaddexp(0, X @ W1 + b1) @ W2 + b2
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-13)
    check = bplab.gradient_check(net, X, [0, 1, 0, 1, 1])
    assert check["ok"].all(), check
    trace = net.layer_trace(X, [0, 1, 0, 1, 1])
    sig = 1 / (1 + np.exp(-(X @ W1 + b1)))                       # softplus' = sigmoid
    np.testing.assert_allclose(trace[0]["slope"], sig, rtol=1e-12)
    assert softplus.peak_slope() == pytest.approx(1.0, abs=1e-4)


def test_a_broken_activation_is_refused():
    with pytest.raises(TypeError, match="Activation 'cube': grad_from_output must be a function"):
        A.Activation("cube", lambda z: z ** 3, None)
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        A.Activation("", np.tanh, lambda a: 1 - a * a)


def test_known_derivative_values():
    assert A.sigmoid.derivative(np.array([0.0]))[0] == 0.25
    assert A.tanh.derivative(np.array([0.0]))[0] == 1.0
    np.testing.assert_array_equal(A.relu.derivative(np.array([-2.0, 3.0])), [0.0, 1.0])
    np.testing.assert_array_equal(A.leaky_relu.derivative(np.array([-2.0, 3.0])), [0.01, 1.0])
    np.testing.assert_array_equal(A.leaky_relu(np.array([-2.0, 3.0])), [-0.02, 3.0])
    np.testing.assert_array_equal(A.linear.derivative(np.array([-2.0, 3.0])), [1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_no_overflow_for_huge_inputs(name, dtype):
    act = ACTIVATIONS[name]
    z = HUGE.astype(dtype)
    with _Strict():
        a = act(z)
        d = act.derivative(z)
        dA = np.ones_like(z) * act.grad_from_output(a)
    assert np.isfinite(a).all() and np.isfinite(d).all() and np.isfinite(dA).all()
    assert a.dtype == dtype and d.dtype == dtype


def test_sigmoid_saturates_exactly():
    out = A.sigmoid(np.array([-1000.0, 1000.0, -1e4, 1e4]))
    np.testing.assert_array_equal(out, [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.sigmoid.derivative(np.array([-1000.0, 1000.0])), [0.0, 0.0])
    s = A.sigmoid(np.linspace(-50, 50, 1001))
    assert (s >= 0).all() and (s <= 1).all() and (np.diff(s) >= 0).all()


def test_sigmoid_accuracy():
    z = np.linspace(-40, 40, 2001)
    ref = REFERENCE["sigmoid"](z)
    # absolute accuracy everywhere, relative accuracy where the value is not tiny
    np.testing.assert_allclose(A.sigmoid(z), ref, rtol=0, atol=5e-16)
    mid = np.abs(z) <= 8
    np.testing.assert_allclose(A.sigmoid(z[mid]), ref[mid], rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    z = np.linspace(-3, 3, 7, dtype=np.float32)
    assert ACTIVATIONS[name](z).dtype == np.float32
    assert ACTIVATIONS[name].derivative(z).dtype == np.float32


def test_unknown_activation_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*leaky_relu.*relu.*sigmoid.*tanh"):
        get_activation("swish")
    with pytest.raises(TypeError, match="activation must be a string"):
        get_activation(3)


# ---------------------------------------------------------------------------- losses

def _ce_direct(z, y):
    z = np.asarray(z, dtype=np.float64)
    logp = np.array([[zk - np.log(np.sum(np.exp(row - row.max()))) - row.max() for zk in row] for row in z])
    return -np.mean(logp[np.arange(len(y)), y])


def test_mse_equals_mean_squared_difference():
    rng = np.random.default_rng(0)
    out, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    out0, y0 = out.copy(), y.copy()
    loss, grad = L.mse(out, y)
    assert loss == pytest.approx(np.mean((out - y) ** 2), rel=1e-14)
    np.testing.assert_allclose(grad, 2 * (out - y) / out.size, rtol=1e-14)
    assert L.mse(out, y, grad=False) == loss
    np.testing.assert_array_equal(out, out0)       # inputs untouched
    np.testing.assert_array_equal(y, y0)


def test_mse_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    out, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    _, grad = L.mse(out, y)
    num = np.zeros_like(out)
    h = 1e-6
    for idx in np.ndindex(out.shape):
        up, dn = out.copy(), out.copy()
        up[idx] += h
        dn[idx] -= h
        num[idx] = (L.mse(up, y, grad=False) - L.mse(dn, y, grad=False)) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-7, atol=1e-10)


def test_cross_entropy_equals_direct_minus_log_softmax():
    rng = np.random.default_rng(2)
    z = rng.normal(scale=2, size=(9, 4))
    y = rng.integers(0, 4, size=9)
    z0 = z.copy()
    loss, grad = L.cross_entropy(z, y)
    assert loss == pytest.approx(_ce_direct(z, y), rel=1e-13)
    # plain textbook formula too
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(9), y])), rel=1e-13)
    onehot = np.eye(4)[y]
    np.testing.assert_allclose(grad, (p - onehot) / 9, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(z, z0)            # logits untouched
    assert L.cross_entropy(z, y, grad=False) == loss


def test_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 3))
    y = np.array([0, 2, 1, 1, 0])
    _, grad = L.cross_entropy(z, y)
    num = np.zeros_like(z)
    h = 1e-6
    for idx in np.ndindex(z.shape):
        up, dn = z.copy(), z.copy()
        up[idx] += h
        dn[idx] -= h
        num[idx] = (L.cross_entropy(up, y, grad=False) - L.cross_entropy(dn, y, grad=False)) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-7, atol=1e-10)


def test_cross_entropy_stable_for_huge_logits():
    z = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4], [1e4, 1e4, 1e4]])
    y = np.array([1, 2, 0])
    with _Strict(), np.errstate(under="ignore"):
        loss, grad = L.cross_entropy(z, y)
    # row 0: -log softmax = 1e4; row 1: log 2; row 2: log 3
    expected = (1e4 + np.log(2) + np.log(3)) / 3
    assert np.isfinite(loss) and loss == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(grad, np.array([[1, -1, 0], [0, .5, -.5], [-2 / 3, 1 / 3, 1 / 3]]) / 3,
                               atol=1e-15)
    # a confident correct answer costs (almost) nothing
    assert L.cross_entropy(np.array([[1e4, -1e4]]), np.array([0]), grad=False) == 0.0


def test_softmax_stable():
    z = np.array([[1e4, 1e4 - 1.0, -1e4], [-5.0, 0.0, 5.0]])
    with _Strict(), np.errstate(under="ignore"):
        p = L.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    assert p[0, 0] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-14)
    assert np.isfinite(p).all()


def test_float32_losses_stay_float32():
    z = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    _, g = L.cross_entropy(z, np.array([0, 1, 2, 0]))
    assert g.dtype == np.float32
    _, g = L.mse(z, np.zeros_like(z))
    assert g.dtype == np.float32


def test_unknown_loss_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'.*cross_entropy.*mse"):
        L.get_loss("hinge")
    assert L.get_loss("Cross-Entropy") == "cross_entropy"
