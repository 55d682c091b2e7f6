"""Optimisers: each step equals its textbook formula computed by hand; the caller's
grads are left alone; bad hyper-parameters are rejected."""
from __future__ import annotations

import math

import numpy as np
import pytest

import bplab


def _problem(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=4).astype(dtype)]
    grad_seq = [[rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=4).astype(dtype)]
                for _ in range(4)]
    return params, grad_seq


def _run(opt, params, grad_seq):
    ps = [p.copy() for p in params]
    for grads in grad_seq:
        kept = [g.copy() for g in grads]
        opt.step(ps, grads)
        for g, k in zip(grads, kept):
            np.testing.assert_array_equal(g, k)          # the caller's grads are untouched
    return ps


def test_sgd_plain():
    params, gs = _problem()
    out = _run(bplab.SGD(0.1), params, gs)
    expected = [p.copy() for p in params]
    for grads in gs:
        expected = [p - 0.1 * g for p, g in zip(expected, grads)]
    for a, b in zip(out, expected):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_sgd_momentum():
    params, gs = _problem(1)
    lr, mu = 0.05, 0.9
    out = _run(bplab.SGD(lr, momentum=mu), params, gs)
    theta = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for grads in gs:
        v = [mu * vi - lr * g for vi, g in zip(v, grads)]
        theta = [t + vi for t, vi in zip(theta, v)]
    for a, b in zip(out, theta):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_rmsprop():
    params, gs = _problem(2)
    lr, rho, eps = 0.01, 0.8, 1e-6
    out = _run(bplab.RMSProp(lr, rho=rho, eps=eps), params, gs)
    theta = [p.copy() for p in params]
    s = [np.zeros_like(p) for p in params]
    for grads in gs:
        s = [rho * si + (1 - rho) * g ** 2 for si, g in zip(s, grads)]
        theta = [t - lr * g / (np.sqrt(si) + eps) for t, g, si in zip(theta, grads, s)]
    for a, b in zip(out, theta):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_adam_matches_kingma_ba():
    params, gs = _problem(3)
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-3      # unusual values so every term matters
    out = _run(bplab.Adam(lr, beta1=b1, beta2=b2, eps=eps), params, gs)
    theta = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t, grads in enumerate(gs, start=1):
        m = [b1 * mi + (1 - b1) * g for mi, g in zip(m, grads)]
        v = [b2 * vi + (1 - b2) * g ** 2 for vi, g in zip(v, grads)]
        mhat = [mi / (1 - b1 ** t) for mi in m]
        vhat = [vi / (1 - b2 ** t) for vi in v]
        theta = [th - lr * mh / (np.sqrt(vh) + eps) for th, mh, vh in zip(theta, mhat, vhat)]
    for a, b in zip(out, theta):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    p = [np.array([1.0, -2.0, 3.0])]
    bplab.Adam(0.1, eps=1e-12).step(p, [np.array([5.0, -0.01, 0.0])])
    np.testing.assert_allclose(p[0], [0.9, -1.9, 3.0], rtol=1e-9)


def test_adam_defaults():
    opt = bplab.Adam()
    assert (opt.lr, opt.beta1, opt.beta2, opt.eps) == (1e-3, 0.9, 0.999, 1e-8)
    assert bplab.SGD(0.1).momentum == 0.0


@pytest.mark.parametrize("make", [lambda: bplab.SGD(0.1, momentum=0.5), lambda: bplab.RMSProp(0.01),
                                  lambda: bplab.Adam(0.01)])
def test_steps_update_in_place_and_keep_dtype(make):
    for dtype in (np.float64, np.float32):
        params, gs = _problem(4, dtype)
        ids = [id(p) for p in params]
        before = [p.copy() for p in params]
        opt = make()
        opt.step(params, gs[0])
        assert [id(p) for p in params] == ids
        assert all(p.dtype == dtype for p in params)
        assert all(not np.array_equal(p, b) for p, b in zip(params, before))


def test_reset_forgets_state():
    params, gs = _problem(5)
    a = bplab.SGD(0.1, momentum=0.9)
    pa = _run(a, params, gs[:2])
    a.reset()
    assert a.t == 0
    pa2 = [p.copy() for p in pa]
    a.step(pa2, gs[2])
    fresh = [p.copy() for p in pa]
    bplab.SGD(0.1, momentum=0.9).step(fresh, gs[2])
    for x, y in zip(pa2, fresh):
        np.testing.assert_array_equal(x, y)


def test_step_counter():
    params, gs = _problem()
    opt = bplab.Adam(0.01)
    _run(opt, params, gs)
    assert opt.t == len(gs)


def test_new_param_list_resets_state():
    params, gs = _problem(6)
    opt = bplab.SGD(0.1, momentum=0.9)
    _run(opt, params, gs[:2])
    other = [p.copy() for p in params]
    opt.step(other, gs[0])            # different arrays: momentum starts from zero
    expected = [p - 0.1 * g for p, g in zip(params, gs[0])]
    for a, b in zip(other, expected):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_fresh_arrays_never_inherit_state_from_dead_ones():
    """State is matched to the param arrays; a new array that happens to reuse the memory
    (and so the id()) of a freed one must still start with zero momentum."""
    opt = bplab.SGD(0.1, momentum=0.9)

    def one_step():
        p = [np.ones(3)]
        opt.step(p, [np.ones(3)])
        return p[0].copy()
    for _ in range(4):
        np.testing.assert_allclose(one_step(), 0.9, rtol=1e-15)


# ------------------------------------------------------------------- bad input

@pytest.mark.parametrize("make,exc,msg", [
    (lambda: bplab.SGD(0), ValueError, "lr must be > 0, got 0"),
    (lambda: bplab.SGD(-0.1), ValueError, "lr must be > 0"),
    (lambda: bplab.SGD(float("nan")), ValueError, "lr must be finite"),
    (lambda: bplab.SGD(float("inf")), ValueError, "lr must be finite"),
    (lambda: bplab.SGD("0.1"), TypeError, "lr must be a number"),
    (lambda: bplab.SGD(None), TypeError, "lr must be a number"),
    (lambda: bplab.SGD(True), TypeError, "lr must be a number"),
    (lambda: bplab.SGD(0.1, momentum=1.0), ValueError, "momentum must be < 1"),
    (lambda: bplab.SGD(0.1, momentum=1.5), ValueError, "momentum must be < 1"),
    (lambda: bplab.SGD(0.1, momentum=-0.1), ValueError, "momentum must be >= 0"),
    (lambda: bplab.RMSProp(0.0), ValueError, "lr must be > 0"),
    (lambda: bplab.RMSProp(0.01, rho=1.0), ValueError, "rho must be < 1"),
    (lambda: bplab.RMSProp(0.01, eps=0.0), ValueError, "eps must be > 0"),
    (lambda: bplab.Adam(-1e-3), ValueError, "lr must be > 0"),
    (lambda: bplab.Adam(1e-3, beta1=1.0), ValueError, "beta1 must be < 1"),
    (lambda: bplab.Adam(1e-3, beta2=1.2), ValueError, "beta2 must be < 1"),
    (lambda: bplab.Adam(1e-3, beta1=-0.5), ValueError, "beta1 must be >= 0"),
    (lambda: bplab.Adam(1e-3, eps=-1.0), ValueError, "eps must be > 0"),
])
def test_bad_hyperparameters_rejected(make, exc, msg):
    with pytest.raises(exc, match=msg):
        make()


@pytest.mark.parametrize("make", [lambda: bplab.SGD(0.1), lambda: bplab.SGD(0.1, momentum=0.9),
                                  lambda: bplab.RMSProp(0.01), lambda: bplab.Adam(0.01)])
def test_step_rejects_mismatched_grads_every_time(make):
    """Shape checks must hold on every step, not only the first: numpy would otherwise
    broadcast a (1,)-shaped gradient over a whole bias vector without a word."""
    params, gs = _problem(7)
    opt = make()
    opt.step(params, gs[0])
    before = [p.copy() for p in params]
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(1,\), but params\[1\] has shape \(4,\)"):
        opt.step(params, [gs[1][0], np.ones(1)])
    with pytest.raises(ValueError, match="got 2 params but 1 grads"):
        opt.step(params, gs[1][:1])
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p, b)          # nothing half-updated
    fresh = make()
    with pytest.raises(ValueError, match="got 2 params but 3 grads"):
        fresh.step(params, gs[1] + [np.ones(2)])


def test_repr_lists_hyperparameters():
    assert repr(bplab.SGD(0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9)"
    assert "beta2=0.999" in repr(bplab.Adam())
    assert math.isclose(bplab.RMSProp(0.5).lr, 0.5)
