"""Chapter 02's small experiments: each states a number the notebook's prose builds on."""
from __future__ import annotations

import numpy as np
import pytest

import bplab
from bplab.chapters.ch02 import experiments as ex


def test_saturated_neuron_gradients_match_finite_differences():
    # dL/dz of both losses at the start (z = 5, y = 0) against a central difference in z
    sig = lambda z: 1 / (1 + np.exp(-z))                       # noqa: E731
    h = 1e-6
    mse = lambda z: (sig(z) - 0.0) ** 2                         # noqa: E731
    ce = lambda z: -np.log(1 - sig(z))                          # noqa: E731
    for name, f in (("mse", mse), ("ce", ce)):
        dz = ex.saturated_neuron(name, steps=1)["dz"][0]
        assert dz == pytest.approx((f(5 + h) - f(5 - h)) / (2 * h), rel=1e-7)


def test_mse_learns_slowly_where_cross_entropy_does_not():
    mse, ce = ex.saturated_neuron("mse"), ex.saturated_neuron("ce")
    assert mse["a"][0] == ce["a"][0] == pytest.approx(0.99331, abs=1e-5)
    assert abs(ce["dz"][0]) > 50 * abs(mse["dz"][0])          # 0.99 vs 0.013
    assert mse["a"][50] > 0.95 and ce["a"][50] < 0.05          # MSE has barely moved
    assert ce["a"][10] < 0.3
    assert mse["a"][-1] < mse["a"][0]                          # it does learn, eventually
    with pytest.raises(ValueError, match="'mse' or 'ce'"):
        ex.saturated_neuron("hinge")


def test_stable_sigmoid_has_no_overflow():
    z = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(all="raise"):
        s = ex._sigmoid(z)
    assert s[0] == 0.0 and s[2] == 0.5 and s[-1] == 1.0
    assert s[1] == pytest.approx(np.exp(-30.0), rel=1e-3)


@pytest.fixture(scope="module")
def xor():
    return bplab.data.make_toy("xor", n=200, seed=0)


def test_equal_start_keeps_hidden_units_identical(xor):
    X, y = xor
    zeros = [np.zeros((2, 4)), np.zeros(4), np.zeros((4, 2)), np.zeros(2)]
    net0, losses0 = ex.train_from(zeros, X, y)
    assert ex.hidden_unit_spread(net0) == 0.0
    assert abs(losses0[-1] - np.log(2)) < 1e-3                  # all-zero: nothing but b2 learns
    assert np.abs(net0.params[0]).max() == 0.0
    equal = [np.full((2, 4), 0.5), np.zeros(4), np.full((4, 2), 0.5), np.zeros(2)]
    net1, _ = ex.train_from(equal, X, y)
    assert ex.hidden_unit_spread(net1) < 1e-12
    assert np.abs(net1.params[0] - 0.5).max() > 0.1              # the weights did move, together
    assert net1.accuracy(X, y) < 0.8
    rand, _ = ex.train_from(0, X, y)
    assert ex.hidden_unit_spread(rand) > 1
    assert rand.accuracy(X, y) >= 0.97


def test_kink_breaks_the_check_of_a_correct_relu_net():
    at = ex.kink_check(0.0)
    near = ex.kink_check(3e-7)
    far = ex.kink_check(1e-3)
    assert at.loc["W1", "rel_error"] > 1e-2 and near.loc["W1", "rel_error"] > 1e-2
    assert (far["rel_error"] < 1e-7).all()
    assert (at.loc[["W2", "b2"], "rel_error"] < 1e-7).all()     # above the kink: fine


def test_tiny_gradient_makes_a_correct_gradient_look_wrong():
    errs = {s: ex.tiny_gradient_check(s) for s in (1.0, 1e-4, 1e-8, 1e-10, 1e-11)}
    assert errs[1.0][0] < 1e-9
    assert errs[1e-10][0] > 1e-2 and errs[1e-11][0] > 0.5
    assert all(abs_err < 1e-9 for _, abs_err in errs.values())  # absolute error stays tiny


def test_float32_needs_a_larger_step():
    sweep = ex.float_step_sweep()
    f32, f64 = sweep["float32"], sweep["float64"]
    assert f32[1e-6] > 1e-2 and f64[1e-6] < 1e-9
    assert min(f32.values()) < 1e-4 and min(f32, key=f32.get) in (1e-2, 1e-3)
    assert min(f32.values()) > 100 * f64[1e-6]


def test_best_line_accuracy_known_answers():
    # separable by the vertical line x1 = 0: every point right
    X = np.array([[-2.0, 0.3], [-1.0, -1.0], [1.0, 0.5], [2.0, -0.7]])
    assert ex.best_line_accuracy(X, np.array([0, 0, 1, 1])) == 1.0
    assert ex.best_line_accuracy(X, np.array([1, 1, 0, 0])) == 1.0        # class 1 on either side
    # the four corners of XOR: any line gets at most 3 of 4 right
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    assert ex.best_line_accuracy(corners, np.array([0, 0, 1, 1])) == 0.75
    # identical points with different labels cannot be split
    same = np.zeros((4, 2))
    assert ex.best_line_accuracy(same, np.array([0, 1, 1, 1])) == 0.75


def test_best_line_accuracy_matches_brute_force_over_point_pairs():
    # the exact optimum is attained by a line through (near) two data points; try all of them
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    best = 0.0
    for i in range(30):
        for j in range(i + 1, 30):
            d = X[j] - X[i]
            normal = np.array([-d[1], d[0]])
            for shift in (-1e-9, 1e-9):
                for tilt in (-1e-7, 1e-7):
                    n = normal + tilt * d
                    side = (X - X[i]) @ n > shift
                    acc = np.mean(side == y)
                    best = max(best, acc, 1 - acc)
    ours = ex.best_line_accuracy(X, y, n_directions=20000)
    assert ours <= best + 1e-12 and ours >= best - 1 / 30 - 1e-12


def test_best_line_accuracy_on_xor_is_about_three_quarters():
    X, y = bplab.data.make_toy("xor", n=200, seed=0)
    assert 0.7 <= ex.best_line_accuracy(X, y) <= 0.8
    with pytest.raises(ValueError):
        ex.best_line_accuracy(X[:, :1], y)
    with pytest.raises(ValueError):
        ex.best_line_accuracy(X, y + 1)
