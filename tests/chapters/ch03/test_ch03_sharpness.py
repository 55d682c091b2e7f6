"""The Hessian-vector product, the largest-eigenvalue finder and the full-batch loop of chapter 03."""
import numpy as np
import pytest

import bplab
from bplab.chapters.ch03 import sharpness


@pytest.fixture
def small():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 4))
    y = rng.integers(0, 3, 40)
    net = bplab.MLP([4, 5, 3], activation="relu", seed=1, bias_std=0.1)
    return net, X, y


def _flat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def _fd_hvp(net, X, y, V, eps=1e-5):
    saved = [p.copy() for p in net.params]
    for p, v in zip(net.params, V):
        p += eps * v
    gp = net.loss_and_grads(X, y)[1]
    for p, s, v in zip(net.params, saved, V):
        p[...] = s - eps * v
    gm = net.loss_and_grads(X, y)[1]
    for p, s in zip(net.params, saved):
        p[...] = s
    return (_flat(gp) - _flat(gm)) / (2 * eps)


def _full_hessian(net, X, y):
    d = sum(p.size for p in net.params)
    cols = []
    for j in range(d):
        e = np.zeros(d)
        e[j] = 1.0
        cols.append(_flat(sharpness.hessian_vector_product(net, X, y, sharpness._unflat(e, net.params))))
    return np.column_stack(cols)


@pytest.mark.parametrize("sizes, activation", [([4, 5, 3], "relu"), ([4, 6, 5, 3], "relu"),
                                                ([4, 5, 3], "leaky_relu"), ([4, 5, 3], "linear")])
def test_hvp_matches_finite_differences(sizes, activation):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 4)), rng.integers(0, 3, 30)
    net = bplab.MLP(sizes, activation=activation, seed=2, bias_std=0.1)
    V = [rng.standard_normal(p.shape) for p in net.params]
    exact = _flat(sharpness.hessian_vector_product(net, X, y, V))
    fd = _fd_hvp(net, X, y, V)
    assert np.linalg.norm(exact - fd) / np.linalg.norm(exact) < 1e-6


def test_hessian_is_symmetric_and_top_eigenvalue_is_right(small):
    net, X, y = small
    H = _full_hessian(net, X, y)
    np.testing.assert_allclose(H, H.T, atol=1e-10)
    lams = np.linalg.eigvalsh(H)
    assert lams[0] < -1e-6 or lams[-1] > 0          # a real network: not a bowl in general
    assert sharpness.top_eigenvalue(net, X, y, iters=40) == pytest.approx(lams[-1], rel=1e-6)
    # Lanczos must return the most POSITIVE eigenvalue even if a negative one is larger in size
    assert sharpness.top_eigenvalue(net, X, y, iters=40) >= lams[-1] - 1e-8


def test_top_eigenvalue_on_the_digits_is_cheap_and_converged():
    from bplab.data import load_digits, train_val_test_split
    X, y = load_digits()
    X_tr, _, _, y_tr, _, _ = train_val_test_split(X, y, val_size=0.15, test_size=0.15, seed=0)
    net = bplab.MLP([64, 32, 10], activation="relu", seed=0)
    a = sharpness.top_eigenvalue(net, X_tr, y_tr, iters=12)
    b = sharpness.top_eigenvalue(net, X_tr, y_tr, iters=40, seed=5)
    assert a == pytest.approx(b, rel=1e-4)
    assert 2.2 < a < 3.0                               # the notebook's "2.60, above 2/eta = 2"


def test_full_batch_descent_is_plain_gradient_descent(small):
    net, X, y = small
    twin = net.copy()
    hist = sharpness.full_batch_descent(net, X, y, 0.3, 5, validation=(X, y), sharpness_at=[0, 5])
    losses = []
    for _ in range(5):
        loss, grads = twin.loss_and_grads(X, y)
        losses.append(loss)
        for p, g in zip(twin.params, grads):
            p -= 0.3 * g
    losses.append(twin.loss_value(X, y))
    np.testing.assert_allclose(hist["loss"].to_numpy(), losses, rtol=1e-12)
    np.testing.assert_allclose(hist["val_loss"].to_numpy(), losses, rtol=1e-12)
    for p, q in zip(net.params, twin.params):
        np.testing.assert_allclose(p, q, rtol=1e-12)
    assert list(hist["sharpness"].dropna().index) == [0, 5]
    assert list(hist.index) == list(range(6))


def test_unsupported_networks_are_refused():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    net = bplab.MLP([3, 4, 2], activation="sigmoid", seed=0)
    with pytest.raises(ValueError, match="piecewise linear"):
        sharpness.hessian_vector_product(net, X, y, [np.zeros_like(p) for p in net.params])
    reg = bplab.MLP([3, 4, 2], activation="relu", loss="mse", seed=0)
    with pytest.raises(ValueError, match="cross-entropy"):
        sharpness.hessian_vector_product(reg, X, rng.standard_normal((10, 2)), [np.zeros_like(p) for p in reg.params])
