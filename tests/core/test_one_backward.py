"""One backward pass: MLP.backward is right, and everything that needs gradients runs it.

The loop notebook 02 teaches (``layers.dense_backward`` and each activation's one derivative,
``MLP.backward``) is the one bplab runs: ``loss_and_grads``, ``fit``, ``layer_trace``, chapter
04's experiments and the Autoencoder are built on it, not beside it. These tests count the
calls, so a second copy of backprop would be caught, not just agree.
"""
from __future__ import annotations

import numpy as np
import pytest

import bplab
from bplab import layers, network

ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]


def _data(n=7, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, size=n)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_backward_equals_finite_differences(activation, loss):
    X, labels = _data()
    net = bplab.MLP([4, 5, 6, 3], activation, loss, seed=1, bias_std=0.3)
    y = labels if loss == "cross_entropy" else np.random.default_rng(2).normal(size=(7, 3))
    out, cache = net.forward(X, return_cache=True)
    _, dOut = net.loss_fn(out, y)
    grads = net.backward(dOut, cache)

    def L():
        return net.loss_fn(net.forward(X), y, grad=False)

    for name, p, g in zip(net.param_names(), net.params, grads):
        err = bplab.relative_error(g, bplab.numerical_gradient(L, p))
        assert err < 1e-7, (name, err)


def test_backward_is_composed_of_dense_backward(monkeypatch):
    calls = []
    real = layers.dense_backward

    def spy(dZ, X, W, **kw):
        calls.append(W.shape)
        return real(dZ, X, W, **kw)

    monkeypatch.setattr(network, "dense_backward", spy)
    X, y = _data()
    net = bplab.MLP([4, 5, 6, 3], "tanh", seed=0)
    net.loss_and_grads(X, y)
    assert calls == [(6, 3), (5, 6), (4, 5)]           # last layer first, once each


def test_backward_returns_dZ_on_request():
    X, y = _data()
    net = bplab.MLP([4, 5, 3], "sigmoid", seed=0)
    out, cache = net.forward(X, return_cache=True)
    _, dOut = net.loss_fn(out, y)
    grads, dZs = net.backward(dOut, cache, return_dZ=True)
    np.testing.assert_array_equal(dZs[-1], dOut)       # affine output layer: dZ = dOut
    for l, dZ in enumerate(dZs):
        np.testing.assert_array_equal(grads[2 * l + 1], dZ.sum(axis=0))


class _Counter:
    """Counts MLP.backward calls (on any MLP, Autoencoders included)."""

    def __init__(self, monkeypatch):
        self.n = 0
        real = bplab.MLP.backward

        def counted(model, *args, **kwargs):
            self.n += 1
            return real(model, *args, **kwargs)

        monkeypatch.setattr(bplab.MLP, "backward", counted)


def test_everything_that_needs_gradients_runs_mlp_backward(monkeypatch):
    from bplab.chapters.ch04 import experiments as V
    count = _Counter(monkeypatch)
    X, y = _data(n=20, d=4)
    net = bplab.MLP([4, 5, 5, 3], "sigmoid", seed=0)
    net.loss_and_grads(X, y)
    assert count.n == 1
    net.layer_trace(X, y)
    assert count.n == 2
    V.error_signals(net, X, y)
    V.jacobian_bound_check(net, X, y)
    V.sigmoid_head_gradient_norms(net, X, y)
    assert count.n == 5
    bplab.fit(net, X, y, optimizer=bplab.SGD(0.1), epochs=2, batch_size=10, progress=False)
    assert count.n == 5 + 4                              # 2 epochs x 2 batches
    ae = bplab.Autoencoder([4, 3, 2], activation="tanh", seed=0, noise=0.1)
    ae.loss_and_grads(X)
    assert count.n == 10
    bplab.fit(ae, X, optimizer=bplab.Adam(0.01), epochs=1, batch_size=5, progress=False)
    assert count.n == 14


def test_autoencoder_gradients_are_an_mlps_with_y_equal_x():
    X, _ = _data(n=6, d=5)
    ae = bplab.Autoencoder([5, 3], activation="tanh", seed=3, bias_std=0.1)
    mlp = bplab.MLP(ae.sizes, "tanh", "mse", seed=3, bias_std=0.1)
    mlp.activations = list(ae.activations)               # the code layer is affine
    mlp.set_params(ae.params)
    loss_ae, g_ae = ae.loss_and_grads(X)
    loss_mlp, g_mlp = mlp.loss_and_grads(X, X)
    assert loss_ae == loss_mlp
    for a, b in zip(g_ae, g_mlp):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------- fit and the optimisers
def _hand_loop(net, X, y, opt, epochs, batch_size, seed=0):
    """fit's four lines, written out: the same batches, the same steps."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        perm = rng.permutation(len(X))
        for s in range(0, len(X), batch_size):
            xb, yb = X[perm][s:s + batch_size], y[perm][s:s + batch_size]
            out, cache = net.forward(xb, return_cache=True)
            _, dOut = net.loss_fn(out, yb)
            opt.step(net.params, net.backward(dOut, cache))


@pytest.mark.parametrize("make_opt", [lambda: bplab.SGD(0.1), lambda: bplab.SGD(0.05, momentum=0.9),
                                      lambda: bplab.RMSProp(0.01), lambda: bplab.Adam(0.01)])
def test_fit_is_the_four_line_loop_bit_for_bit(make_opt):
    X, y = _data(n=50, d=4)
    a, b = bplab.MLP([4, 8, 3], "tanh", seed=0), bplab.MLP([4, 8, 3], "tanh", seed=0)
    bplab.fit(a, X, y, optimizer=make_opt(), epochs=3, batch_size=16, progress=False)
    _hand_loop(b, X, y, make_opt(), epochs=3, batch_size=16)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)


def test_optimizer_state_survives_switching_between_fit_and_manual_steps():
    X, y = _data(n=40, d=4)
    a, b = bplab.MLP([4, 6, 3], seed=0), bplab.MLP([4, 6, 3], seed=0)
    opt_a, opt_b = bplab.Adam(0.01), bplab.Adam(0.01)
    bplab.fit(a, X, y, optimizer=opt_a, epochs=2, batch_size=10, progress=False)   # 8 steps
    assert opt_a.t == 8
    _, grads = a.loss_and_grads(X, y)
    m_before = [m.copy() for m in opt_a.m]
    opt_a.step(a.params, grads)                                  # a manual step continues ...
    assert opt_a.t == 9
    np.testing.assert_allclose(opt_a.m[0], 0.9 * m_before[0] + 0.1 * grads[0], rtol=1e-14)
    bplab.fit(a, X, y, optimizer=opt_a, epochs=1, batch_size=10, progress=False)   # ... and fit too
    assert opt_a.t == 13
    # the same 13 steps, all by hand, end at the same weights
    _hand_loop(b, X, y, opt_b, epochs=2, batch_size=10)
    _, grads_b = b.loss_and_grads(X, y)
    opt_b.step(b.params, grads_b)
    _hand_loop(b, X, y, opt_b, epochs=1, batch_size=10)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)


def test_a_new_model_gets_fresh_optimizer_state():
    X, y = _data(n=40, d=4)
    opt = bplab.Adam(0.01)
    bplab.fit(bplab.MLP([4, 6, 3], seed=0), X, y, optimizer=opt, epochs=1, batch_size=10, progress=False)
    fresh = bplab.MLP([4, 6, 3], seed=1)
    bplab.fit(fresh, X, y, optimizer=opt, epochs=1, batch_size=10, progress=False)
    assert opt.t == 4                                            # restarted for the new arrays
    ref = bplab.MLP([4, 6, 3], seed=1)
    bplab.fit(ref, X, y, optimizer=bplab.Adam(0.01), epochs=1, batch_size=10, progress=False)
    for p, q in zip(fresh.params, ref.params):
        np.testing.assert_array_equal(p, q)


def test_adam_is_the_textbook_rule():
    rng = np.random.default_rng(0)
    p = rng.normal(size=5)
    q = p.copy()
    opt = bplab.Adam(0.1, beta1=0.8, beta2=0.9, eps=1e-6)
    m = v = np.zeros(5)
    for t in range(1, 6):
        g = rng.normal(size=5)
        opt.step([p], [g])
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        q = q - 0.1 * (m / (1 - 0.8 ** t)) / (np.sqrt(v / (1 - 0.9 ** t)) + 1e-6)
        np.testing.assert_allclose(p, q, rtol=1e-14, atol=1e-15)
