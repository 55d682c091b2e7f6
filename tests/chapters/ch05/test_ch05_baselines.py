"""bplab.chapters.ch05.baselines: nearest neighbour on raw pixels and training with weight decay."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import bplab  # noqa: E402
from bplab.chapters.ch05 import plots as dp  # noqa: E402
from bplab.chapters.ch05.baselines import (fit_weight_decay, l2_penalty,  # noqa: E402
                                           nearest_neighbour_predict, pairwise_sq_distances)
from bplab.data import load_digits, train_test_split, train_val_test_split  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return train_val_test_split(X, y, val_size=0.15, test_size=0.2, seed=0)


# ----------------------------------------------------------------- distances
def test_pairwise_sq_distances_match_the_plain_sum():
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    loop = np.array([[np.sum((a - b) ** 2) for b in B] for a in A])
    D = pairwise_sq_distances(A, B)
    assert D.shape == (7, 4)
    np.testing.assert_allclose(D, loop, rtol=1e-12, atol=1e-12)
    assert (pairwise_sq_distances(A, A).diagonal() == 0).all()      # clipped, never -1e-16


def test_pairwise_sq_distances_reject_mismatched_columns():
    with pytest.raises(ValueError, match="same number of columns"):
        pairwise_sq_distances(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="2-D"):
        pairwise_sq_distances(np.ones(3), np.ones((2, 3)))


# ------------------------------------------------------------ nearest neighbour
def test_one_nn_returns_the_label_of_the_closest_point():
    X_train = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    y_train = np.array([3, 5, 7])
    X_query = np.array([[1.0, 1.0], [9.0, 2.0], [1.0, 8.0], [6.0, 0.0]])
    np.testing.assert_array_equal(nearest_neighbour_predict(X_train, y_train, X_query), [3, 5, 7, 5])


def test_k_nn_votes_and_breaks_ties_towards_the_nearer_neighbour():
    X_train = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    y_train = np.array([1, 2, 2, 4, 4])
    # query 0.2: neighbours 0 (label 1), 1 (2), 2 (2): majority 2
    assert nearest_neighbour_predict(X_train, y_train, np.array([[0.2]]), k=3)[0] == 2
    # query 0.2 with k = 2: one vote each for 1 and 2, the nearer (label 1) wins
    assert nearest_neighbour_predict(X_train, y_train, np.array([[0.2]]), k=2)[0] == 1
    assert nearest_neighbour_predict(X_train, y_train, np.array([[9.0]]), k=2)[0] == 4


def test_batching_does_not_change_the_answers(digits):
    X_tr, X_val, _, y_tr, y_val, _ = digits
    whole = nearest_neighbour_predict(X_tr, y_tr, X_val, k=3)
    np.testing.assert_array_equal(whole, nearest_neighbour_predict(X_tr, y_tr, X_val, k=3, batch=17))


def test_one_nn_reads_the_validation_digits_as_the_notebook_says(digits):
    X_tr, X_val, _, y_tr, y_val, _ = digits
    acc = np.mean(nearest_neighbour_predict(X_tr, y_tr, X_val, k=1) == y_val)
    assert acc >= 0.985                               # the notebook: about 99 %
    train_acc = np.mean(nearest_neighbour_predict(X_tr, y_tr, X_tr, k=1) == y_tr)
    assert train_acc >= 0.99                          # each training digit is its own neighbour (bar duplicates)


@pytest.mark.parametrize("k", [0, -1, 2.0, True, 10_000])
def test_bad_k_is_rejected(k):
    with pytest.raises(ValueError, match="k must be an integer"):
        nearest_neighbour_predict(np.ones((3, 2)), np.arange(3), np.ones((1, 2)), k=k)


def test_rows_and_labels_must_match():
    with pytest.raises(ValueError, match="3 rows but y_train has 2"):
        nearest_neighbour_predict(np.ones((3, 2)), np.arange(2), np.ones((1, 2)))


# --------------------------------------------------------------- weight decay
def test_lam_zero_is_exactly_bplab_fit(digits):
    X_tr, X_val, _, y_tr, y_val, _ = digits
    a, b = bplab.MLP([64, 16, 10], seed=3), bplab.MLP([64, 16, 10], seed=3)
    h_fit = bplab.fit(a, X_tr, y_tr, optimizer=bplab.Adam(3e-3), epochs=3, batch_size=50, seed=4,
                      validation=(X_val, y_val), progress=False)
    h_wd = fit_weight_decay(b, X_tr, y_tr, optimizer=bplab.Adam(3e-3), lam=0.0, epochs=3, batch_size=50,
                            seed=4, validation=(X_val, y_val))
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)
    for col in ["loss", "accuracy", "val_loss", "val_accuracy"]:
        np.testing.assert_allclose(h_wd[col].to_numpy(), h_fit[col].to_numpy(), rtol=1e-12)
    assert (h_wd["penalty"] == 0).all()


def test_one_step_follows_the_gradient_of_the_penalised_loss():
    """Full batch, plain SGD with lr = 1, one epoch: the step is minus the gradient of
    L + (λ/2) ΣW², which we check against central finite differences of that objective."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 5)), rng.integers(0, 3, size=12)
    lam = 0.3
    net = bplab.MLP([5, 4, 3], activation="tanh", seed=1)
    before = [p.copy() for p in net.params]

    def objective(params):
        probe = net.copy()
        probe.set_params(params)
        return probe.loss_value(X, y) + l2_penalty(probe, lam)

    fit_weight_decay(net, X, y, optimizer=bplab.SGD(1.0), lam=lam, epochs=1, batch_size=12, seed=0)
    eps = 1e-6
    for i, p in enumerate(before):
        step = before[i] - net.params[i]               # = gradient, since lr = 1
        for idx in [(0,) * p.ndim, tuple(s - 1 for s in p.shape)]:
            plus = [q.copy() for q in before]
            minus = [q.copy() for q in before]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            numeric = (objective(plus) - objective(minus)) / (2 * eps)
            assert step[idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_weight_decay_shrinks_the_weights_and_lowers_overfitting(digits):
    X_tr, X_val, _, y_tr, y_val, _ = digits
    _, X_l, _, y_l = train_test_split(X_tr, y_tr, test_size=200, seed=0)
    runs = {}
    for lam in (0.0, 1e-3, 1e-2):
        net = bplab.MLP([64, 64, 10], seed=0)
        h = fit_weight_decay(net, X_l, y_l, optimizer=bplab.Adam(3e-3), lam=lam, epochs=60, batch_size=32,
                             seed=0, validation=(X_val, y_val))
        runs[lam] = (sum(float(np.sum(W ** 2)) for W in net.weights), h)
    norms = [runs[lam][0] for lam in (0.0, 1e-3, 1e-2)]
    assert norms[0] > norms[1] > norms[2]                  # more decay, smaller weights
    assert runs[0.0][1]["accuracy"].iloc[-1] == 1.0        # without decay: every training digit fitted
    assert runs[1e-2][1]["loss"].iloc[-1] > 5 * runs[0.0][1]["loss"].iloc[-1]   # the penalty holds it back
    assert runs[1e-2][1]["penalty"].iloc[-1] == pytest.approx(0.5 * 1e-2 * norms[2], rel=1e-9)


def test_monitor_scores_extra_sets_each_epoch_without_changing_training(digits):
    """Two halves of the validation set as monitors: their losses average (weighted by size) to the
    validation loss, every epoch, and the training is the same as without monitors."""
    X_tr, X_val, _, y_tr, y_val, _ = digits
    XA, XB, yA, yB = train_test_split(X_val, y_val, test_size=0.5, seed=0)
    a, b = bplab.MLP([64, 16, 10], seed=2), bplab.MLP([64, 16, 10], seed=2)
    kw = dict(optimizer=bplab.Adam(3e-3), lam=1e-3, epochs=4, batch_size=64, seed=1, validation=(X_val, y_val))
    h_plain = fit_weight_decay(a, X_tr, y_tr, **kw)
    kw["optimizer"] = bplab.Adam(3e-3)
    h = fit_weight_decay(b, X_tr, y_tr, monitor={"A": (XA, yA), "B": (XB, yB)}, **kw)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)
    assert {"A_loss", "A_accuracy", "B_loss", "B_accuracy"} <= set(h.columns)
    pooled = (len(yA) * h["A_loss"] + len(yB) * h["B_loss"]) / len(y_val)
    np.testing.assert_allclose(pooled.to_numpy(), h_plain["val_loss"].to_numpy(), rtol=1e-9)
    assert h["B_loss"].iloc[-1] == pytest.approx(b.evaluate(XB, yB)["loss"], rel=1e-12)
    with pytest.raises(TypeError, match="monitor must be a dict"):
        fit_weight_decay(bplab.MLP([64, 10]), X_tr, y_tr, optimizer=bplab.SGD(0.1), lam=0.0, epochs=1,
                         batch_size=50, monitor=[(XA, yA)])


@pytest.mark.parametrize("lam", [-0.1, "0.1", True, float("nan")])
def test_bad_lam_is_rejected(lam):
    with pytest.raises(ValueError, match="lam must be a number >= 0"):
        fit_weight_decay(bplab.MLP([4, 3]), np.ones((5, 4)), np.zeros(5, dtype=int), optimizer=bplab.SGD(0.1),
                         lam=lam, epochs=1, batch_size=5)


def test_a_diverging_run_raises_instead_of_returning_nan():
    X, y = np.ones((4, 3)) * 100, np.array([0, 1, 0, 1])
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="the loss became"):
        fit_weight_decay(bplab.MLP([3, 8, 2], activation="linear"), X, y, optimizer=bplab.SGD(1e3), lam=0.0,
                         epochs=50, batch_size=4)


# ------------------------------------------------------------------- the figure
def test_overfitting_curves_draws_every_run():
    ep = pd.Index([1, 2, 3], name="epoch")
    h = pd.DataFrame({"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.7, 0.8], "val_accuracy": [0.5, 0.8, 0.8]},
                     index=ep)
    fig = dp.overfitting_curves({"a": h, "b": h * 0.9}, title="t")
    ax_l, ax_a = fig.axes
    assert len(ax_l.lines) == 4 and len(ax_a.lines) == 2
    np.testing.assert_array_equal(ax_l.lines[1].get_ydata(), [1.1, 0.7, 0.8])
    assert ax_l.get_yscale() == "log"
    plt.close(fig)


def test_overfitting_curves_rejects_bad_input():
    with pytest.raises(TypeError, match="non-empty dict"):
        dp.overfitting_curves({})
    with pytest.raises(ValueError, match="lacks the columns"):
        dp.overfitting_curves({"a": pd.DataFrame({"loss": [1.0]})})
