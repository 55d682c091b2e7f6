"""The training hot path's speed-ups change nothing but speed.

An MLP's parameters are views of one contiguous buffer, so ``bplab.fit`` updates the whole
model in a few vectorised operations and backprop writes into a reused gradient buffer.
These tests pin down that this gives exactly (bit for bit) the numbers of the plain
per-array path, which fit still takes when someone has put a new array into ``params``.
Speed itself is measured in benchmarks/, never asserted here.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import bplab


def _data(n=90, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, rng.integers(0, k, size=n)


def _unpack(model):
    """Force fit's per-array path: replace each parameter by an equal, standalone array."""
    for i, p in enumerate(model.params):
        model.params[i] = p.copy()
    assert model._flat_params() is None
    return model


OPTIMIZERS = [lambda: bplab.SGD(0.1), lambda: bplab.SGD(0.05, momentum=0.9),
              lambda: bplab.RMSProp(0.01), lambda: bplab.Adam(0.01)]


def test_params_are_views_of_one_buffer():
    net = bplab.MLP([6, 5, 4, 3], seed=0, dtype=np.float32)
    flat = net._flat_params()
    assert flat is not None and flat.ndim == 1 and flat.size == net.n_params
    assert flat.dtype == np.float32
    assert all(np.shares_memory(p, flat) for p in net.params)
    assert [p.shape for p in net.params] == [(6, 5), (5,), (5, 4), (4,), (4, 3), (3,)]
    flat[0] = 123.0                                   # the buffer and W1[0, 0] are one number
    assert net.params[0][0, 0] == 123.0


@pytest.mark.parametrize("make_opt", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_path_is_bitwise_the_per_array_path(make_opt, dtype):
    X, y = _data()
    fast = bplab.MLP([6, 8, 3], activation="tanh", seed=1, dtype=dtype)
    slow = _unpack(bplab.MLP([6, 8, 3], activation="tanh", seed=1, dtype=dtype))
    opt_f, opt_s = make_opt(), make_opt()
    for epochs, seed in ((3, 0), (2, 5)):             # a second fit continues the optimiser state
        hf = bplab.fit(fast, X, y, optimizer=opt_f, epochs=epochs, batch_size=16, seed=seed,
                       validation=(X, y), progress=False)
        hs = bplab.fit(slow, X, y, optimizer=opt_s, epochs=epochs, batch_size=16, seed=seed,
                       validation=(X, y), progress=False)
        assert hf.to_numpy().tobytes() == hs.to_numpy().tobytes()
    assert fast._flat_params() is not None
    for p, q in zip(fast.params, slow.params):
        assert p.dtype == q.dtype and p.tobytes() == q.tobytes()


def test_autoencoder_fast_path_with_noise_is_bitwise_the_per_array_path():
    X, _ = _data(n=64, d=8)
    fast = bplab.Autoencoder([8, 5, 2], noise=0.1, seed=0)
    slow = _unpack(bplab.Autoencoder([8, 5, 2], noise=0.1, seed=0))
    hf = bplab.fit(fast, X, optimizer=bplab.Adam(0.01), epochs=3, batch_size=10, progress=False)
    hs = bplab.fit(slow, X, optimizer=bplab.Adam(0.01), epochs=3, batch_size=10, progress=False)
    assert hf.to_numpy().tobytes() == hs.to_numpy().tobytes()
    for p, q in zip(fast.params, slow.params):
        assert p.tobytes() == q.tobytes()


def test_fit_trains_the_arrays_in_params_after_one_was_replaced():
    X, y = _data()
    net = bplab.MLP([6, 8, 3], seed=0)
    W1 = np.array(net.params[0])                      # a new array, put in by hand
    net.params[0] = W1
    before = W1.copy()
    bplab.fit(net, X, y, optimizer=bplab.SGD(0.1), epochs=2, batch_size=16, progress=False)
    assert net.params[0] is W1 and not np.array_equal(W1, before)


def test_copy_and_deepcopy_train_their_own_parameters():
    X, y = _data()
    net = bplab.MLP([6, 8, 3], seed=0)
    start = [p.copy() for p in net.params]
    twin, deep = net.copy(), copy.deepcopy(net)
    assert twin._flat_params() is not None            # copy() repacks into a buffer of its own
    assert not np.shares_memory(twin._flat_params(), net._flat_params())
    for model in (twin, deep):
        bplab.fit(model, X, y, optimizer=bplab.SGD(0.1, momentum=0.9), epochs=2, batch_size=16,
                  progress=False)
    for p, q, s in zip(twin.params, deep.params, start):
        assert p.tobytes() == q.tobytes()             # both trained the same, both moved
    assert not np.array_equal(twin.params[0], start[0])
    for p, s in zip(net.params, start):
        np.testing.assert_array_equal(p, s)           # the original is untouched


def test_divergence_restores_the_packed_parameters():
    X, y = _data()
    T = X[:, :2] * 3.0
    net = bplab.MLP([6, 8, 2], activation="linear", loss="mse", seed=0)
    start = [p.copy() for p in net.params]
    with np.errstate(all="ignore"), pytest.raises(bplab.DivergenceError) as info:
        bplab.fit(net, X, T, optimizer=bplab.SGD(1e308), epochs=3, batch_size=90,
                  progress=False)                     # full batch: the first step overflows
    e = info.value
    assert (e.epoch, e.step) == (1, 1) and "a weight" in str(e)
    assert net._flat_params() is not None             # restored in place, still one buffer
    for p, s in zip(net.params, start):
        np.testing.assert_array_equal(p, s)


def test_train_batch_writes_into_the_given_buffer():
    X, y = _data(n=20)
    net = bplab.MLP([6, 8, 3], seed=0)
    loss, grads = net.loss_and_grads(X, y)
    out = [np.full_like(p, np.nan) for p in net.params]
    loss2, grads2, correct = net._train_batch(X, y, None, out)
    assert loss2 == loss and all(g2 is o for g2, o in zip(grads2, out))
    for g, g2 in zip(grads, grads2):
        assert g.tobytes() == g2.tobytes()
    assert correct == int((net.predict(X) == y).sum())


@pytest.mark.parametrize("cls,kwargs", [(bplab.RMSProp, dict(lr=0.01, rho=0.9, eps=1e-8)),
                                        (bplab.Adam, dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8))])
def test_adaptive_optimisers_match_the_textbook_formulas_bitwise(cls, kwargs):
    """The scratch buffers change where numbers are stored, not how they are computed."""
    rng = np.random.default_rng(3)
    p = rng.normal(size=(4, 5))
    mine = [p.copy()]
    opt = cls(**kwargs)
    s = np.zeros_like(p)
    m = np.zeros_like(p)
    for t in range(1, 6):
        g = rng.normal(size=p.shape)
        opt.step(mine, [g])
        if cls is bplab.RMSProp:
            s = s * kwargs["rho"] + (1.0 - kwargs["rho"]) * (g * g)
            p = p - (g * kwargs["lr"]) / (np.sqrt(s) + kwargs["eps"])
        else:
            b1, b2 = kwargs["beta1"], kwargs["beta2"]
            m = m * b1 + (1.0 - b1) * g
            s = s * b2 + (g * g) * (1.0 - b2)
            lr_t = kwargs["lr"] * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
            eps_t = kwargs["eps"] * math.sqrt(1.0 - b2 ** t)
            p = p - m / (np.sqrt(s) + eps_t) * lr_t
        assert mine[0].tobytes() == p.tobytes()
