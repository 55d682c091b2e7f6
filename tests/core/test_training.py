"""bplab.fit: real learning (XOR, digits), the history it returns, determinism, progress
output, and divergence handling."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import bplab
from bplab.data import load_digits, make_xor, train_test_split

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.2, seed=0)      # X_tr, X_te, y_tr, y_te


def _toy(n=60, seed=0, loss="cross_entropy"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) if loss == "cross_entropy" else X @ [[1.0], [-2.0], [0.5]]
    return X, y


# ------------------------------------------------------------------------ learning

@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_xor_reaches_100_percent(activation):
    net = bplab.MLP([2, 8, 2], activation=activation, seed=0)
    assert net.accuracy(XOR_X, XOR_Y) < 1.0
    hist = bplab.fit(net, XOR_X, XOR_Y, optimizer=bplab.SGD(0.5, momentum=0.9), epochs=300,
                     batch_size=4, progress=False)
    assert net.accuracy(XOR_X, XOR_Y) == 1.0
    assert hist["accuracy"].iloc[-1] == 1.0
    assert hist["loss"].iloc[-1] < 0.05 < hist["loss"].iloc[0]


def test_noisy_xor_toy_set():
    X, y = make_xor(n=200, noise=0.1, seed=0)
    net = bplab.MLP([2, 16, 2], activation="tanh", seed=0)
    bplab.fit(net, X, y, optimizer=bplab.Adam(0.02), epochs=100, batch_size=32, progress=False)
    assert net.accuracy(X, y) == 1.0


def test_digits_relu_net_reaches_96_percent(digits):
    X_tr, X_te, y_tr, y_te = digits
    net = bplab.MLP([64, 128, 10], activation="relu", seed=0)
    hist = bplab.fit(net, X_tr, y_tr, optimizer=bplab.SGD(0.1, momentum=0.9), epochs=20,
                     batch_size=32, validation=(X_te, y_te), progress=False)
    acc = net.accuracy(X_te, y_te)
    assert acc >= 0.96, acc
    assert hist["val_accuracy"].iloc[-1] == acc
    assert hist["loss"].iloc[-1] < hist["loss"].iloc[0] / 5
    assert hist.attrs["steps"] == 20 * math.ceil(len(X_tr) / 32)


def test_digits_float32_trains(digits):
    X_tr, X_te, y_tr, y_te = digits
    net = bplab.MLP([64, 128, 10], activation="relu", seed=0, dtype=np.float32)
    bplab.fit(net, X_tr, y_tr, optimizer=bplab.SGD(0.1, momentum=0.9), epochs=20, batch_size=32,
              progress=False)
    assert all(p.dtype == np.float32 for p in net.params)
    assert net.accuracy(X_te, y_te) >= 0.95


@pytest.mark.parametrize("opt", [bplab.RMSProp(1e-3), bplab.Adam(1e-3)], ids=["rmsprop", "adam"])
def test_digits_adaptive_optimisers_learn(digits, opt):
    X_tr, X_te, y_tr, y_te = digits
    net = bplab.MLP([64, 128, 10], activation="relu", seed=0)
    assert net.accuracy(X_te, y_te) < 0.3
    bplab.fit(net, X_tr, y_tr, optimizer=opt, epochs=20, batch_size=32, progress=False)
    assert net.accuracy(X_te, y_te) >= 0.95


def test_regression_learns_a_linear_map():
    X, y = _toy(n=100, loss="mse")
    net = bplab.MLP([3, 1], activation="linear", loss="mse", seed=0)
    hist = bplab.fit(net, X, y, optimizer=bplab.SGD(0.1), epochs=200, batch_size=100, progress=False)
    np.testing.assert_allclose(net.params[0].ravel(), [1.0, -2.0, 0.5], atol=1e-6)
    assert list(hist.columns) == ["loss"]
    assert hist["loss"].iloc[-1] < 1e-12


# ------------------------------------------------------------------------- history

def test_history_columns_and_index():
    X, y = _toy()
    net = bplab.MLP([3, 5, 2], seed=0)
    hist = bplab.fit(net, X, y, optimizer=bplab.SGD(0.1), epochs=4, batch_size=16,
                     validation=(X[:20], y[:20]), progress=False)
    assert isinstance(hist, pd.DataFrame)
    assert list(hist.columns) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert list(hist.index) == [1, 2, 3, 4] and hist.index.name == "epoch"
    ev = net.evaluate(X[:20], y[:20])
    assert hist["val_loss"].iloc[-1] == pytest.approx(ev["loss"], rel=1e-14)
    assert hist["val_accuracy"].iloc[-1] == ev["accuracy"]
    hist = bplab.fit(net, X, y, optimizer=bplab.SGD(0.1), epochs=2, batch_size=16, progress=False)
    assert list(hist.columns) == ["loss", "accuracy"]


def test_mse_history_columns():
    X, y = _toy(loss="mse")
    net = bplab.MLP([3, 4, 1], activation="tanh", loss="mse")
    hist = bplab.fit(net, X, y, optimizer=bplab.SGD(0.01), epochs=3, batch_size=10,
                     validation=(X, y), progress=False)
    assert list(hist.columns) == ["loss", "val_loss"]
    assert list(hist.index) == [1, 2, 3]


def test_full_batch_first_epoch_reports_the_initial_loss():
    X, y = _toy()
    net = bplab.MLP([3, 5, 2], activation="tanh", seed=1)
    loss0, acc0 = net.loss_value(X, y), net.accuracy(X, y)
    hist = bplab.fit(net, X, y, optimizer=bplab.SGD(0.1), epochs=3, batch_size=1000, progress=False)
    assert hist["loss"].iloc[0] == pytest.approx(loss0, rel=1e-14)
    assert hist["accuracy"].iloc[0] == acc0
    assert hist.attrs["steps"] == 3                  # batch larger than data = full batch


def test_fit_is_plain_gradient_descent():
    """One full-batch epoch of SGD is exactly params - lr * grads."""
    X, y = _toy()
    net = bplab.MLP([3, 5, 2], activation="sigmoid", seed=2)
    _, grads = net.loss_and_grads(X, y)
    expected = [p - 0.3 * g for p, g in zip(net.params, grads)]
    bplab.fit(net, X, y, optimizer=bplab.SGD(0.3), epochs=1, batch_size=len(X), progress=False)
    for p, e in zip(net.params, expected):
        np.testing.assert_allclose(p, e, rtol=1e-13, atol=1e-15)


def test_mini_batch_loss_is_weighted_mean_of_batches():
    """With a tiny learning rate the model barely moves, so the epoch loss must be the
    (size-weighted) mean of the batch losses = the full-data loss (to ~lr)."""
    X, y = _toy(n=50)
    net = bplab.MLP([3, 5, 2], activation="tanh", seed=3)
    loss0 = net.loss_value(X, y)
    hist = bplab.fit(net, X, y, optimizer=bplab.SGD(1e-9), epochs=1, batch_size=7, progress=False)
    assert hist["loss"].iloc[0] == pytest.approx(loss0, rel=1e-7)
    assert hist.attrs["steps"] == math.ceil(50 / 7)


def test_fit_trains_arrays_put_into_params_by_hand():
    """params is a plain list the learner may fill with arrays of their own; fit must train
    exactly those arrays (and give the same result as the untouched model)."""
    X, y = _toy()
    ref = bplab.MLP([3, 5, 2], activation="tanh", seed=4)
    net = bplab.MLP([3, 5, 2], activation="tanh", seed=4)
    mine = [p.copy() for p in net.params]
    net.params[:] = mine
    h_ref = bplab.fit(ref, X, y, optimizer=bplab.SGD(0.1, momentum=0.9), epochs=3, batch_size=8,
                      progress=False)
    h_net = bplab.fit(net, X, y, optimizer=bplab.SGD(0.1, momentum=0.9), epochs=3, batch_size=8,
                      progress=False)
    assert all(p is q for p, q in zip(net.params, mine))
    pd.testing.assert_frame_equal(h_ref, h_net, rtol=1e-12)
    for p, q in zip(ref.params, net.params):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------- determinism

def _train(seed, fit_seed, opt=None):
    X, y = _toy(n=80)
    net = bplab.MLP([3, 6, 2], activation="tanh", seed=seed)
    hist = bplab.fit(net, X, y, optimizer=opt or bplab.SGD(0.2, momentum=0.5), epochs=5,
                     batch_size=8, seed=fit_seed, validation=(X, y), progress=False)
    return net, hist


def test_same_seed_same_history_and_params():
    n1, h1 = _train(0, 7)
    n2, h2 = _train(0, 7)
    pd.testing.assert_frame_equal(h1, h2)
    for p, q in zip(n1.params, n2.params):
        np.testing.assert_array_equal(p, q)
    n3, h3 = _train(0, 7, bplab.Adam(0.01))
    n4, h4 = _train(0, 7, bplab.Adam(0.01))
    pd.testing.assert_frame_equal(h3, h4)


def test_different_fit_seed_different_shuffles():
    n1, h1 = _train(0, 7)
    n2, h2 = _train(0, 8)
    assert not np.array_equal(h1["loss"].to_numpy(), h2["loss"].to_numpy())
    assert not np.array_equal(n1.params[0], n2.params[0])


def test_reusing_an_optimizer_object_on_a_new_model():
    opt = bplab.SGD(0.2, momentum=0.9)
    _, h1 = _train(0, 1, opt)
    _, h2 = _train(0, 1, opt)             # a new model: momentum must start from zero again
    pd.testing.assert_frame_equal(h1, h2)


# ------------------------------------------------------------------------ progress

def test_progress_false_prints_nothing(capsys):
    X, y = _toy()
    bplab.fit(bplab.MLP([3, 4, 2]), X, y, optimizer=bplab.SGD(0.1), epochs=3, batch_size=16,
              progress=False)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_true_shows_a_labelled_bar(capsys):
    X, y = _toy()
    bplab.fit(bplab.MLP([3, 4, 2]), X, y, optimizer=bplab.SGD(0.1), epochs=3, batch_size=16,
              progress=True, desc="my run")
    out, err = capsys.readouterr()
    assert "my run" in out + err and "3/3" in out + err


# ---------------------------------------------------------------------- divergence

def _diverge(lr=1e3, activation="linear", epochs=50, batch_size=8):
    X, y = _toy(n=40, loss="mse")
    net = bplab.MLP([3, 8, 1], activation=activation, loss="mse", seed=0)
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(bplab.DivergenceError) as info:
            bplab.fit(net, X, y, optimizer=bplab.SGD(lr), epochs=epochs, batch_size=batch_size,
                      validation=(X, y), progress=False)
    return net, info.value


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid"])
def test_huge_learning_rate_raises_divergence_error(activation):
    net, e = _diverge(activation=activation, epochs=200)
    msg = str(e)
    assert isinstance(e, RuntimeError)
    assert e.epoch >= 1 and e.step >= e.epoch
    assert f"epoch {e.epoch}" in msg and f"step {e.step}" in msg
    assert "lr=1000" in msg and "lower" in msg and "learning rate" in msg and "lr=100)" in msg
    assert e.lr == 1000.0
    assert not math.isfinite(e.loss)
    for p in net.params:
        assert np.isfinite(p).all()
    assert isinstance(e.history, pd.DataFrame)
    assert len(e.history) == e.epoch - 1
    if len(e.history):
        assert list(e.history.index) == list(range(1, e.epoch))
        assert list(e.history.columns) == ["loss", "val_loss"]


@pytest.mark.parametrize("batch_size", [8, 40])
def test_divergence_rolls_back_weights_that_overflowed(batch_size):
    """lr = 1e308: the very first update sends the weights to inf. fit must notice (through
    the next batch's loss, or the end-of-epoch weight check for a full batch) and restore
    the epoch's starting weights, here the initial ones."""
    X, y = _toy(n=40, loss="mse")
    net = bplab.MLP([3, 8, 1], activation="linear", loss="mse", seed=0)
    start = [p.copy() for p in net.params]
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(bplab.DivergenceError) as info:
            bplab.fit(net, X, y, optimizer=bplab.SGD(1e308), epochs=3, batch_size=batch_size,
                      progress=False)
    e = info.value
    assert (e.epoch, e.step) == ((1, 2) if batch_size == 8 else (1, 1))
    assert ("the loss" if batch_size == 8 else "a weight") in str(e)
    for p, s0 in zip(net.params, start):
        np.testing.assert_array_equal(p, s0)


def test_divergence_after_some_epochs_keeps_their_history():
    net, e = _diverge(lr=1.0, batch_size=40, epochs=100)     # full batch: one step per epoch
    assert e.epoch > 2 and e.step == e.epoch
    assert len(e.history) == e.epoch - 1
    assert np.isfinite(e.history["loss"]).all()
    assert all(np.isfinite(p).all() for p in net.params)
