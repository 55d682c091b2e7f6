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
def test_backprop_and_inplace_forms_agree_with_plain_forms(name):
    act = ACTIVATIONS[name]
    z = _z(3)
    a = act(z)
    np.testing.assert_allclose(act.grad_from_output(a), act.derivative(z), rtol=0, atol=0)
    zz = z.copy()
    np.testing.assert_allclose(act.f_inplace(zz), a, rtol=1e-15, atol=1e-17)
    dA = np.random.default_rng(0).normal(size=z.shape)
    expected = dA * act.derivative(z)
    act.backprop(dA, a)                 # dA *= f'(z), in place
    np.testing.assert_allclose(dA, expected, rtol=1e-15, atol=1e-17)


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
        zi = z.copy()
        act.f_inplace(zi)
        dA = np.ones_like(z)
        act.backprop(dA, a)
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


def test_softmax_and_log_softmax_stable():
    z = np.array([[1e4, 1e4 - 1.0, -1e4], [-5.0, 0.0, 5.0]])
    with _Strict(), np.errstate(under="ignore"):
        p = L.softmax(z)
        lp = L.log_softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.exp(lp), p, rtol=1e-12, atol=1e-300)
    assert p[0, 0] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-14)
    assert np.isfinite(lp).all()


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
