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


# ------------------------------------------------------------------- whole MLP backward
from bplab.chapters._shared.feedback import NotWrittenYet  # noqa: E402
from bplab.gradcheck import numerical_gradient, relative_error  # noqa: E402
from bplab.layers import dense_backward  # noqa: E402
from bplab.network import MLP  # noqa: E402


def make_mlp_backward(slope="A", output_slope="own", transpose_W=True, dW_T=False, order="last_first",
                      listing="params", extra_N=False):
    """A learner's my_mlp_backward, right or with one slip, written as a learner would."""
    def my_mlp_backward(net, dOut, cache):
        n = len(cache)
        grads, listed = [None] * len(net.params), []
        dA = dOut / len(dOut) if extra_N else dOut
        for l in (reversed(range(n)) if order == "last_first" else range(n)):
            A_prev, Z, A = cache[l]
            act = net.activations[0] if output_slope == "hidden" else net.activations[l]
            if slope == "none":
                dZ = dA
            else:
                dZ = dA * act.grad_from_output({"A": A, "Z": Z, "A_prev": A_prev}[slope])
            W = net.weights[l]
            dW = dZ.T @ A_prev if dW_T else A_prev.T @ dZ
            db = dZ.sum(axis=0)
            dA = dZ @ (W.T if transpose_W else W)
            grads[2 * l], grads[2 * l + 1] = dW, db
            listed += [dW, db]
        return grads if listing == "params" else listed
    return my_mlp_backward


def test_mlp_backward_accepts_right_answers(capsys):
    def my_mlp_backward(net, dOut, cache):
        grads = [None] * len(net.params)
        dA = dOut
        for l in reversed(range(len(cache))):
            A_prev, Z, A = cache[l]
            dZ = dA * net.activations[l].grad_from_output(A)
            dA, dW, db = dense_backward(dZ, A_prev, net.weights[l])
            grads[2 * l], grads[2 * l + 1] = dW, db
        return grads

    ch02.check_mlp_backward.strict(my_mlp_backward)
    ch02.check_mlp_backward.strict(make_mlp_backward())
    ch02.check_mlp_backward.strict(MLP.backward)                        # the library's own
    ch02.check_mlp_backward.strict(lambda net, dOut, cache: tuple(net.backward(dOut, cache)))
    out = capsys.readouterr().out
    assert out.count("✓ Correct!") == 4
    assert out.startswith("✓ Correct! my_mlp_backward gives net.backward's gradients, lined up with "
                          "net.params, for 3 networks (tanh, sigmoid, relu; cross-entropy and MSE), and "
                          "finite differences agree with them.")


def test_mlp_backward_untouched_stub():
    def my_mlp_backward(net, dOut, cache):
        raise NotImplementedError  # your code here
    with pytest.raises(NotWrittenYet, match="my_mlp_backward is not written yet"):
        ch02.check_mlp_backward.strict(my_mlp_backward)


@pytest.mark.parametrize("slip, match", [
    (dict(slope="none"), r"^forgotten activation slope: dZ = dA \* f'\(Z\), with the slope "
                         r"net\.activations\[l\]\.grad_from_output\(A\); you passed dA on as dZ \(on MLP\(\[3, 3, 3, 3\], "
                         r"'tanh', loss='cross_entropy'\) on 6 examples\)$"),
    (dict(slope="Z"), r"^the slope was computed from Z: grad_from_output takes the layer's output A"),
    (dict(slope="A_prev"), r"^the slope was taken from A_prev, the layer's input"),
    (dict(output_slope="hidden"), r"^the output layer got the hidden activation's slope: the output layer is "
                                  r"affine \(linear, slope 1\)"),
    (dict(transpose_W=False), r"^dA for the layer below is dZ @ W\.T, not dZ @ W"),
    (dict(dW_T=True), r"^dW is transposed: dW = A_prev\.T @ dZ has W's shape"),
    (dict(order="first_first"), r"^the layers were walked first to last: backpropagation starts at the output"),
    (dict(extra_N=True), r"^every gradient is N times too small: dOut already holds the 1/N of the mean loss"),
    (dict(listing="as_walked"), r"returned the gradients last layer first \(dW3, db3, dW2, db2, dW1, db1\): the "
                                r"list must line up with net\.params = \[W1, b1, W2, b2, W3, b3\]"),
])
def test_mlp_backward_names_each_slip(slip, match):
    _fails(ch02.check_mlp_backward.strict, make_mlp_backward(**slip), match=match)


def test_mlp_backward_slips_are_caught_by_values_on_the_square_net_but_by_shape_elsewhere():
    # on the (non-square) second network alone a transposed dW is a shape error
    net, X, y, _ = ch02._mlp_cases()[1]
    out, cache = net.forward(X, return_cache=True)
    _, dOut = net.loss_fn(out, y)
    grads = make_mlp_backward(dW_T=True)(net, dOut, cache)
    assert grads[0].shape == net.params[0].shape[::-1] != net.params[0].shape
    assert all(W.shape[0] == W.shape[1] for W in ch02._mlp_cases()[0][0].weights)


def _mlp_ok(net, dOut, cache):
    return net.backward(dOut, cache)


def _mlp_off_in_layer_2(net, dOut, cache):
    grads = _mlp_ok(net, dOut, cache)
    grads[2] = grads[2] + 0.1
    return grads


def _mlp_in_place(net, dOut, cache):
    grads = _mlp_ok(net, dOut.copy(), cache)
    dOut *= 2
    return grads


def _mlp_crosses_shapes(net, dOut, cache):
    if len(cache) == 3 and cache[0][0].shape[1] == 4:         # the second network
        return make_mlp_backward(transpose_W=False)(net, dOut, cache)
    return _mlp_ok(net, dOut, cache)


@pytest.mark.parametrize("fn, match", [
    (lambda net, dOut, cache: None, r"returned None: did you forget to `return grads`\?"),
    (lambda net, dOut, cache: np.zeros(3), r"should return a list \[dW1, db1, dW2, db2, \.\.\.\] lined up with "
                                          r"net\.params, got ndarray"),
    (lambda net, dOut, cache: [tuple(_mlp_ok(net, dOut, cache)[2 * l:2 * l + 2]) for l in range(len(cache))],
     r"returned one \(dW, db\) pair per layer: return one flat list \[dW1, db1, dW2, db2, \.\.\.\]"),
    (lambda net, dOut, cache: _mlp_ok(net, dOut, cache)[:-1], r"returned 5 arrays, expected 6: one per "
                                                              r"parameter, \[dW1, db1, dW2, db2, dW3, db3\]"),
    (lambda net, dOut, cache: [g for pair in zip(_mlp_ok(net, dOut, cache)[1::2], _mlp_ok(net, dOut, cache)[0::2])
                               for g in pair],
     r"computes the right gradients but puts them in the wrong places \(db1, dW1, db2, dW2, db3, dW3\)"),
    (lambda net, dOut, cache: _mlp_ok(net, dOut, cache)[:-1] + [np.ones(len(dOut))],
     r"db3 has shape \(6,\), expected b3's shape \(3,\) .*: sum dZ over the batch rows, dZ\.sum\(axis=0\)"),
    (lambda net, dOut, cache: _mlp_ok(net, dOut, cache)[::-1],
     r"returned the gradients last layer first \(db3, dW3, db2, dW2, db1, dW1\)"),
    (_mlp_off_in_layer_2, r"dW2 \(on MLP\(\[3, 3, 3, 3\].*\) \(the layers above it are right: look at how layer "
                          r"2's dZ is made from what layer 3 passes down\) is off at index"),
    (_mlp_in_place, r"changed dOut in place \(e\.g\. dA \*= slope\): compute new arrays instead"),
    (_mlp_crosses_shapes, r"_mlp_crosses_shapes raised ValueError: .* \(on MLP\(\[4, 6, 5, 2\], 'sigmoid', "
                          r"loss='mse'\) on 6 examples\): shapes that don't fit\. Walk the layers last to first"),
])
def test_mlp_backward_other_mistakes(fn, match):
    _fails(ch02.check_mlp_backward.strict, fn, match=match)


def test_mlp_cases_agree_with_finite_differences():
    for net, X, y, _ in ch02._mlp_cases():
        _, grads = net.loss_and_grads(X, y)
        for p, g in zip(net.params, grads):
            assert relative_error(g, numerical_gradient(lambda: net.loss_value(X, y), p)) < 1e-7


def test_mlp_slips_change_the_answer_on_the_networks_that_catch_them():
    # each slip gives other gradients than the right answer on the first (square tanh) network,
    # so no slip can pass unnoticed and no right answer can be mistaken for a slip
    net, X, y, _ = ch02._mlp_cases()[0]
    out, cache = net.forward(X, return_cache=True)
    _, dOut = net.loss_fn(out, y)
    want = net.backward(dOut, cache)
    for slip in ch02._MLP_SLIPS:
        got = ch02._mlp_variant(net, dOut, cache, slip)
        assert got is not None and not all(np.allclose(g, w) for g, w in zip(got, want)), slip


@pytest.mark.parametrize("fn, start", [
    (make_mlp_backward(), "✓ Correct!"),
    (make_mlp_backward(slope="none"), "✗ forgotten activation slope"),
    (make_mlp_backward(listing="as_walked"), "✗ my_mlp_backward returned the gradients last layer first"),
    (lambda net, dOut, cache: 1 / 0, "✗ my_mlp_backward raised ZeroDivisionError"),
])
def test_mlp_backward_prints_one_line_in_the_notebook(capsys, fn, start):
    assert ch02.check_mlp_backward(fn) is None
    out = capsys.readouterr().out
    assert out.startswith(start) and out.count("\n") == 1


@pytest.mark.parametrize("check", [ch02.check_dense_backward, ch02.check_sigmoid_derivative,
                                   ch02.check_softmax_ce_grad, ch02.check_mlp_backward])
def test_untouched_stubs_say_not_written_yet_in_the_notebook(capsys, check):
    def stub(*args):
        raise NotImplementedError  # your code here
    assert check(stub) is None
    assert capsys.readouterr().out.startswith("… stub is not written yet: replace `raise NotImplementedError`")
