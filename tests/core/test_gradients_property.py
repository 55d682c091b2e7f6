"""Property tests: for random architectures, activations and losses, backprop's gradients
equal central finite differences (float64, relative error < 1e-6).

The data come from a numpy RNG seeded by a hypothesis-drawn integer (not from raw
hypothesis floats: those love exact zeros, which put a ReLU exactly on its kink, where
the derivative is undefined and finite differences are meaningless)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bplab
from bplab.activations import ACTIVATIONS

TOL = 1e-6
# Finite-difference step. With h = 1e-6 round-off in the two loss evaluations (~1e-16 / h)
# already costs up to ~4e-7 relative error on some random nets (measured over 400 nets);
# h = 2e-5 balances it against the O(h^2) truncation error: worst case measured ~3e-8.
H = 2e-5
KINK_MARGIN = 1e-3
KINKED = {"relu", "leaky_relu"}


LOSSES = ("mse", "cross_entropy")
ACTS = sorted(ACTIVATIONS)


@st.composite
def problems(draw, losses=LOSSES, activations=tuple(ACTS)):
    loss = draw(st.sampled_from(losses))
    activation = draw(st.sampled_from(activations))
    n_layers = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 16), min_size=n_layers + 1, max_size=n_layers + 1))
    if loss == "cross_entropy":
        widths[-1] = max(widths[-1], 2)       # softmax over a single class is meaningless
    n = draw(st.integers(1, 6))
    data_seed = draw(st.integers(0, 2 ** 32 - 1))
    model_seed = draw(st.integers(0, 1000))
    bias_std = draw(st.sampled_from([0.0, 0.5]))
    return dict(loss=loss, activation=activation, sizes=widths, n=n, data_seed=data_seed,
                model_seed=model_seed, bias_std=bias_std)


def _build(p):
    net = bplab.MLP(p["sizes"], activation=p["activation"], loss=p["loss"], seed=p["model_seed"],
                    bias_std=p["bias_std"])
    rng = np.random.default_rng(p["data_seed"])
    X = rng.normal(size=(p["n"], p["sizes"][0]))
    if p["loss"] == "cross_entropy":
        y = rng.integers(0, p["sizes"][-1], size=p["n"])
    else:
        y = rng.normal(size=(p["n"], p["sizes"][-1]))
    return net, X, y


def _away_from_kinks(net, X, y, margin=KINK_MARGIN):
    """True unless some hidden pre-activation sits within `margin` of a ReLU kink."""
    if net.activation not in KINKED:
        return True
    trace = net.layer_trace(X, y)
    return all(np.abs(t["Z"]).min() > margin for t in trace[:-1])


def _rel(a, b):
    return bplab.relative_error(a, b)


def _compare(analytic, numeric):
    """Relative error of the whole gradient vector, and of each parameter array whose
    gradient is not negligible next to the largest one (a tiny array's error is
    dominated by the finite differences' own round-off)."""
    flat_a = np.concatenate([g.ravel() for g in analytic])
    flat_n = np.concatenate([g.ravel() for g in numeric])
    errors = [_rel(flat_a, flat_n)]
    scale = max(np.abs(flat_a).max(), 1e-300)
    for a, n in zip(analytic, numeric):
        if np.abs(a).max() > 1e-3 * scale:
            errors.append(_rel(a, n))
    return max(errors)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTS)
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_backprop_matches_finite_differences(activation, loss, data):
    """Every activation x loss, random depth (1-4 layers) and widths (1-16)."""
    p = data.draw(problems(losses=(loss,), activations=(activation,)))
    net, X, y = _build(p)
    assume(_away_from_kinks(net, X, y))
    value, grads = net.loss_and_grads(X, y)
    assert np.isfinite(value)
    assert [g.shape for g in grads] == [q.shape for q in net.params]
    numeric = [bplab.numerical_gradient(lambda: net.loss_value(X, y), q, h=H) for q in net.params]
    err = _compare(grads, numeric)
    assert err < TOL, (p, err)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(problems())
def test_gradient_check_table_agrees(p):
    net, X, y = _build(p)
    assume(_away_from_kinks(net, X, y))
    table = bplab.gradient_check(net, X, y, h=H)
    assert list(table.index) == net.param_names()
    _, grads = net.loss_and_grads(X, y)
    np.testing.assert_allclose(table["grad_norm"], [np.linalg.norm(g) for g in grads])
    # every array with a non-negligible gradient passes at 1e-6
    big = table["grad_norm"] > 1e-3 * table["grad_norm"].max()
    assert (table.loc[big, "rel_error"] < TOL).all(), table


@settings(max_examples=15, deadline=None, derandomize=True)
@given(problems())
def test_loss_and_grads_do_not_change_params_or_inputs(p):
    net, X, y = _build(p)
    before = [q.copy() for q in net.params]
    X0, y0 = X.copy(), y.copy()
    net.loss_and_grads(X, y)
    net.layer_trace(X, y)
    for q, b in zip(net.params, before):
        np.testing.assert_array_equal(q, b)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.integers(0, 2 ** 32 - 1), st.sampled_from(sorted(ACTIVATIONS)),
       st.sampled_from(["mse", "cross_entropy"]))
def test_gradient_is_mean_over_rows(seed, activation, loss):
    """The loss is a mean over rows, so the full-batch gradient is the mean of the
    single-row gradients (catches a missing or doubled 1/N)."""
    rng = np.random.default_rng(seed)
    net = bplab.MLP([3, 5, 4], activation=activation, loss=loss, seed=seed % 97)
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 4, size=6) if loss == "cross_entropy" else rng.normal(size=(6, 4))
    _, full = net.loss_and_grads(X, y)
    rows = [net.loss_and_grads(X[i:i + 1], y[i:i + 1])[1] for i in range(6)]
    for k, g in enumerate(full):
        np.testing.assert_allclose(g, np.mean([r[k] for r in rows], axis=0), rtol=1e-10, atol=1e-14)


def test_numerical_gradient_handles_non_contiguous_arrays():
    """numerical_gradient perturbs x in place; that must also work for views that are not
    C-contiguous (a transposed or Fortran-ordered array)."""
    base = np.arange(6.0).reshape(2, 3)
    for x in (np.asfortranarray(base.copy()), base.copy().T, base.copy()[:, ::2]):
        g = bplab.numerical_gradient(lambda: float((x ** 2).sum()), x)
        np.testing.assert_allclose(g, 2 * x, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_restores_x_exactly():
    x = np.random.default_rng(0).normal(size=(3, 4))
    x0 = x.copy()
    bplab.numerical_gradient(lambda: float(np.sin(x).sum()), x)
    np.testing.assert_array_equal(x, x0)


def test_numerical_gradient_bad_input():
    with pytest.raises(TypeError, match="float numpy array"):
        bplab.numerical_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="float numpy array"):
        bplab.numerical_gradient(lambda: 0.0, np.arange(3))
    with pytest.raises(ValueError, match="positive step"):
        bplab.numerical_gradient(lambda: 0.0, np.zeros(3), h=0)


def test_gradient_check_catches_a_wrong_gradient():
    """The checker itself can fail: break backprop on purpose and it must notice."""
    rng = np.random.default_rng(0)
    net = bplab.MLP([3, 4, 2], activation="tanh", seed=0)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    real = net.loss_and_grads

    def wrong(X, y):
        loss, grads = real(X, y)
        grads[0] = grads[0] * 1.01
        return loss, grads
    net.loss_and_grads = wrong
    table = bplab.gradient_check(net, X, y)
    assert not table.loc["W1", "ok"] and table.loc["W1", "rel_error"] > 1e-3
    assert table.loc[["b1", "W2", "b2"], "ok"].all()


def test_gradient_check_refuses_float32():
    net = bplab.MLP([2, 3, 2], dtype=np.float32)
    with pytest.raises(TypeError, match="float64"):
        bplab.gradient_check(net, np.zeros((2, 2)), [0, 1])


def test_relative_error():
    assert bplab.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert bplab.relative_error([1.0], [3.0]) == pytest.approx(0.5)
    assert bplab.relative_error([0.0], [0.0]) == 0.0
    with pytest.raises(ValueError, match="shapes differ"):
        bplab.relative_error(np.zeros(2), np.zeros(3))
