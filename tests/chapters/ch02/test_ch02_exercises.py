"""Tests for bplab.chapters.ch02.exercises: right answers pass, each usual slip gets its own message."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from bplab.chapters._shared.feedback import ExerciseError
from bplab.chapters.ch02 import exercises as ch02
from bplab.losses import softmax


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _fails(check, fn, *args, match):
    with pytest.raises(ExerciseError, match=match):
        check(fn, *args)


# ------------------------------------------------------------------ dense backward
def dense_ok(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def test_dense_backward_accepts_right_answer(capsys):
    ch02.check_dense_backward.strict(dense_ok)
    out = capsys.readouterr().out
    assert out.startswith("✓ Correct! dense_ok returns the right dX, dW and db")
    assert "db = Σ_n dZ (sum over the batch, axis 0)" in out


@pytest.mark.parametrize("order", [("dW", "db", "dX"), ("dW", "dX", "db"), ("db", "dW", "dX"),
                                   ("dX", "db", "dW")])
def test_dense_backward_recognises_right_arrays_in_wrong_order(order):
    def reordered(dZ, X, W):
        grads = dict(zip(("dX", "dW", "db"), dense_ok(dZ, X, W)))
        return tuple(grads[k] for k in order)

    _fails(ch02.check_dense_backward.strict, reordered,
           match=re.escape(f"computes all three gradients correctly but returns them as "
                           f"({', '.join(order)}): return (dX, dW, db) in that order"))


@pytest.mark.parametrize("fn, match", [
    (lambda dZ, X, W: (dZ @ W, X.T @ dZ, dZ.sum(0)),
     r"raised ValueError \(with X \(5, 4\), W \(4, 3\), dZ \(5, 3\)\): a matrix product got shapes "
     r"that don't fit\. dX = dZ @ W cannot work: dZ is \(N, fan_out\), W is \(fan_in, fan_out\).*use W\.T"),
    (lambda dZ, X, W: (dZ @ W.T, X @ dZ, dZ.sum(0)), r"dW = X @ dZ cannot work.*use X\.T"),
    (lambda dZ, X, W: (W @ dZ, X.T @ dZ, dZ.sum(0)), r"Check the shapes of each product"),
    (lambda dZ, X, W: (np.dot(dZ, W), X.T @ dZ, dZ.sum(0)), r"dX = dZ @ W cannot work"),
])
def test_dense_backward_mismatched_matmul_gets_a_hint(fn, match):
    _fails(ch02.check_dense_backward.strict, fn, match=match)


def test_dense_backward_other_value_errors_pass_through():
    def bad(dZ, X, W):
        raise ValueError("something else")

    _fails(ch02.check_dense_backward.strict, bad, match="raised ValueError: something else")


def test_dense_backward_accepts_library_version_and_lists(capsys):
    from bplab.layers import dense_backward
    ch02.check_dense_backward.strict(lambda dZ, X, W: dense_backward(dZ, X, W))
    ch02.check_dense_backward.strict(lambda dZ, X, W: [v.tolist() for v in dense_ok(dZ, X, W)])
    assert capsys.readouterr().out.count("✓ Correct!") == 2


@pytest.mark.parametrize("fn, match", [
    (lambda dZ, X, W: (dZ @ W.T, dZ.T @ X, dZ.sum(0)),
     re.escape("dW has shape (3, 4), expected (4, 3): that is the transpose")),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum(1)),
     re.escape("db has shape (5,), expected (3,): you summed over the wrong axis")),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum(0, keepdims=True)), "drop the extra axis"),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum()), "summed over everything"),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ), "sum dZ over the batch rows"),
    (lambda dZ, X, W: ((dZ @ W.T).T, X.T @ dZ, dZ.sum(0)),
     re.escape("dX has shape (4, 5), expected (5, 4): that is the transpose")),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.mean(0)), "db is N = 5 times too small"),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ / len(X), dZ.sum(0)), "dW is N = 5 times too small"),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ),
     re.escape("should return three arrays (dX, dW, db), in that order; got a tuple of 2")),
    (lambda dZ, X, W: None, "three arrays"),
    (lambda dZ, X, W: (None, X.T @ dZ, dZ.sum(0)), "dX is None"),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ + 1e-3, dZ.sum(0)),
     r"dW \(with X \(5, 4\), W \(4, 3\), dZ \(5, 3\)\) is off at index \(\d+, \d+\): got .*, expected"),
    (lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum(0) * 2), r"db .* is off at index \(\d+,\)"),
    (lambda dZ, X, W: (dZ @ W.T * 2, X.T @ dZ, dZ.sum(0)), r"dX .* is off at index"),
])
def test_dense_backward_specific_messages(fn, match):
    _fails(ch02.check_dense_backward.strict, fn, match=match)


def test_dense_backward_square_case_catches_hidden_transposes():
    # with X (3, 3), W (3, 3), dZ (3, 3) a transpose keeps its shape: the values must catch it
    def dW_transposed(dZ, X, W):
        dX, dW, db = dense_ok(dZ, X, W)
        return dX, (dZ.T @ X) if X.shape == W.shape == dZ.shape else dW, db

    def dX_no_transpose(dZ, X, W):
        dX, dW, db = dense_ok(dZ, X, W)
        return (dZ @ W) if X.shape == W.shape == dZ.shape else dX, dW, db

    _fails(ch02.check_dense_backward.strict, dW_transposed, match="dW is the transpose of the right answer")
    _fails(ch02.check_dense_backward.strict, dX_no_transpose, match=re.escape("dX uses W where it needs W.T"))


def test_dense_backward_in_place_and_crashes():
    def in_place(dZ, X, W):
        X *= 2
        return dense_ok(dZ, X / 2, W)

    def not_written(dZ, X, W):
        raise NotImplementedError

    _fails(ch02.check_dense_backward.strict, in_place, match="changed its input X in place")
    _fails(ch02.check_dense_backward.strict, not_written, match="not written yet")
    _fails(ch02.check_dense_backward.strict, lambda dZ, X, W: X @ dZ, match="raised ValueError")
    _fails(ch02.check_dense_backward.strict, dense_ok(np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1))),
           match="expected a function")


# ------------------------------------------------------------- activation derivatives
def test_sigmoid_derivative_accepts_right_answers(capsys):
    ch02.check_sigmoid_derivative.strict(lambda z: _sig(z) * (1 - _sig(z)))
    ch02.check_activation_derivative.strict(lambda z: 1 - np.tanh(z) ** 2, "tanh")
    ch02.check_activation_derivative.strict(lambda z: np.where(z > 0, 1.0, 0.0), "relu")
    ch02.check_activation_derivative.strict(lambda z: np.where(z > 0, 1.0, 0.01), "leaky_relu")
    ch02.check_activation_derivative.strict(lambda z: np.ones_like(z), "linear")
    out = capsys.readouterr().out
    assert out.count("✓ Correct!") == 5
    assert "sigmoid' at x = 2, -1, 0.5, -3, 0, 5, -8" in out
    assert "relu' at x = 2, -1, 0.5, -3, 5, -8" in out     # no check at the kink


def test_sigmoid_derivative_off_at_x2_names_point_and_values():
    def bumped(z):
        return _sig(z) * (1 - _sig(z)) + np.where(z == 2, 0.1, 0.0)

    with pytest.raises(ExerciseError) as e:
        ch02.check_sigmoid_derivative.strict(bumped)
    assert str(e.value) == "your sigmoid' is off at x=2: got 0.204994, expected 0.104994"


@pytest.mark.parametrize("name, fn, match", [
    ("sigmoid", _sig, "returned sigmoid\\(z\\) itself"),
    ("sigmoid", lambda z: z * (1 - z), "z·\\(1 − z\\)"),
    ("sigmoid", lambda z: _sig(z) * (1 + _sig(z)), "with a minus"),
    ("sigmoid", lambda z: -_sig(z) * (1 - _sig(z)), "sign is flipped"),
    ("tanh", lambda z: 1 - z ** 2, "1 − z²"),
    ("tanh", np.tanh, "returned tanh\\(z\\) itself"),
    ("leaky_relu", lambda z: np.where(z > 0, 1.0, 0.0), "that is ReLU's slope"),
    ("relu", lambda z: np.where(z > 0, 1.0, 0.5), "off at x=-1: got 0.5, expected 0"),
    ("sigmoid", lambda z: np.array([0.25]), "has shape \\(1,\\)"),
    ("sigmoid", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2 * np.where(z < -5, np.inf, 1),
     "gives inf at x=-8"),
])
def test_activation_derivative_specific_messages(name, fn, match):
    _fails(ch02.check_activation_derivative.strict, fn, name, match=match)


def test_scalar_only_function_gets_numpy_hint():
    def math_sigmoid_prime(z):
        s = 1 / (1 + math.exp(-z))
        return s * (1 - s)

    _fails(ch02.check_sigmoid_derivative.strict, math_sigmoid_prime,
           match="works on a single number but not on an array")


def test_activation_derivative_bad_arguments():
    with pytest.raises(ValueError, match="unknown name"):
        ch02.check_activation_derivative.strict(np.tanh, "softplus")
    with pytest.raises(ValueError, match="points"):
        ch02.check_activation_derivative.strict(np.tanh, "tanh", points=[])
    with pytest.raises(ValueError, match="points"):
        ch02.check_activation_derivative.strict(np.tanh, "tanh", points=["a"])


# ------------------------------------------------------------ softmax cross-entropy
def ce_grad(logits, labels):
    p = softmax(logits)
    p[np.arange(len(labels)), labels] -= 1
    return p / len(labels)


def test_softmax_ce_grad_accepts_right_answer(capsys):
    ch02.check_softmax_ce_grad.strict(ce_grad)
    assert "✓ Correct! ce_grad returns (softmax − onehot) / N" in capsys.readouterr().out


def test_softmax_ce_grad_matches_bplab_loss():
    from bplab.losses import cross_entropy
    ch02.check_softmax_ce_grad.strict(lambda z, y: cross_entropy(z, y)[1])


def _naive(logits, labels):
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    return p / len(labels)


@pytest.mark.parametrize("fn, match", [
    (lambda z, y: ce_grad(z, y) * len(y), "N = 4 times too large"),
    (lambda z, y: -ce_grad(z, y), "sign is flipped"),
    (lambda z, y: softmax(z) / len(y), "you returned the softmax"),
    (lambda z, y: ce_grad(z, y).T, re.escape("shape (3, 4), expected (4, 3) (the shape of the logits): "
                                             "that is the transpose")),
    (lambda z, y: ce_grad(z, y).sum(1), "not one number per row"),
    (lambda z, y: ce_grad(z, y) + 0.01, "row 0 sums to 0.03"),
    (lambda z, y: None, "is None"),
])
def test_softmax_ce_grad_specific_messages(fn, match):
    _fails(ch02.check_softmax_ce_grad.strict, fn, match=match)


def _softmax_cols(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _whole_columns(z, y):
    p = softmax(z)
    p[:, y] -= 1
    return p / len(y)


def _softmax_axis0(z, y):
    p = _softmax_cols(z)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def _axis0_sum_only(z, y):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=0, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def _no_keepdims(z, y):
    e = np.exp(z - z.max(axis=1))
    p = e / e.sum(axis=1)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def _no_keepdims_in_sum(z, y):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


@pytest.mark.parametrize("fn, match", [
    (_whole_columns, re.escape("you subtracted 1 in whole columns (logits of shape (4, 3), labels "
                               "[0, 2, 1, 2]): p[:, labels] picks every row") + ".*"
     + re.escape("p[np.arange(N), labels] -= 1")),
    (lambda z, y: _whole_columns(z, y) * len(y), "subtracted 1 in whole columns"),
    (_softmax_axis0, re.escape("your softmax normalises each column, not each row") + ".*axis=1"),
    (_axis0_sum_only, "normalises each column, not each row"),
    (_no_keepdims, re.escape("raised ValueError (logits of shape (4, 3), labels [0, 2, 1, 2]): "
                             "operands could not be broadcast") + ".*keepdims=True"),
    (_no_keepdims_in_sum, r"has shape \(4,\), which numpy cannot line up with the \(4, 3\) logits"),
])
def test_softmax_ce_grad_row_and_axis_slips(fn, match):
    _fails(ch02.check_softmax_ce_grad.strict, fn, match=match)


def test_softmax_ce_grad_overflow_hint():
    with np.errstate(all="ignore"):
        _fails(ch02.check_softmax_ce_grad.strict, _naive, match="Subtract each row's maximum")


def test_ch02_reachable_lazily():
    import bplab
    assert bplab.chapters.ch02.exercises is ch02
