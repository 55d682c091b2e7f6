"""Chapter-04 exercise checks: right answers pass, the usual slips get a specific message."""
import math

import numpy as np
import pytest

from bplab.chapters._shared.feedback import ExerciseError, NotWrittenYet
from bplab.chapters.ch04 import exercises as ch04


def _sig(z):
    return 1 / (1 + np.exp(-z))


# ---------------------------------------------------------------- sigma'
def test_sigmoid_prime_correct(capsys):
    ch04.check_sigmoid_prime.strict(lambda z: _sig(z) * (1 - _sig(z)))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong,match", [
    (lambda z: _sig(z), "σ\\(z\\) itself"),
    (lambda z: z * (1 - z), "OUTPUT"),
    (lambda z: _sig(z) * (1 + _sig(z)), "sign"),
    (lambda z: 1 - np.tanh(z) ** 2, "tanh"),
    (lambda z: 0.9 * _sig(z) * (1 - _sig(z)), "off at"),
    (lambda z: None, "return"),
    (lambda z: np.zeros(3), "shape"),
])
def test_sigmoid_prime_slips(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch04.check_sigmoid_prime.strict(wrong)


def test_not_written_yet():
    def sigmoid_prime(z):
        raise NotImplementedError
    with pytest.raises(ExerciseError, match="not written yet"):
        ch04.check_sigmoid_prime.strict(sigmoid_prime)


def test_passing_the_result_instead_of_the_function():
    with pytest.raises(ExerciseError, match="without calling"):
        ch04.check_sigmoid_prime.strict(np.zeros(8))


def test_sigmoid_prime_max(capsys):
    ch04.check_sigmoid_prime_max.strict(0.25)
    ch04.check_sigmoid_prime_max.strict(np.float64(0.2500001))
    assert capsys.readouterr().out.count("Correct") == 2
    for wrong, match in [(0.5, "σ\\(0\\)"), (1.0, "tanh"), (0.24, "z = 0"), (0.1, "steepest"),
                         (None, "return"), ("0.25", "should be a number, got str"), (math.nan, "finite")]:
        with pytest.raises(ExerciseError, match=match):
            ch04.check_sigmoid_prime_max.strict(wrong)


# ---------------------------------------------------------------- the bound
def test_gradient_bound_correct(capsys):
    ch04.check_gradient_bound.strict(lambda k, w: (w / 4) ** k)
    out = capsys.readouterr().out
    assert "Correct" in out and "1/64 ≈ 0.0156" in out


@pytest.mark.parametrize("wrong,match", [
    (lambda k, w: 0.25 ** k, "ignores the weights"),
    (lambda k, w: w ** k / 4, "once per layer"),
    (lambda k, w: (w / 4) * k, "multiply"),
    (lambda k, w: (4 / w) ** k, "upside down"),
    (lambda k, w: (w / 2) ** k, "off"),
    (lambda k, w: min(1.0, (w / 4) ** k), "not a fraction"),
    (lambda k, w: (w / 4) ** (k + 1), "one layer too many"),
    (lambda k, w: (w / 4) ** (k - 1), "one layer too few"),
])
def test_gradient_bound_slips(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch04.check_gradient_bound.strict(wrong)


# ---------------------------------------------------------------- He
def test_he_std_correct(capsys):
    ch04.check_he_std.strict(lambda n: math.sqrt(2 / n))
    assert "0.2582" in capsys.readouterr().out


@pytest.mark.parametrize("wrong,match", [
    (lambda n: 2 / n, "VARIANCE"),
    (lambda n: math.sqrt(1 / n), "LeCun"),
    (lambda n: math.sqrt(2) / n, "square root of the whole"),
    (lambda n: math.sqrt(2 / (n + 1)), "off"),
])
def test_he_std_slips(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch04.check_he_std.strict(wrong)


def test_sigmoid_prime_max_as_a_function(capsys):
    ch04.check_sigmoid_prime_max.strict(lambda: 0.25)
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="σ\\(0\\)"):
        ch04.check_sigmoid_prime_max.strict(lambda: 0.5)


@pytest.mark.parametrize("argmax_slip,match", [
    (lambda: float(np.linspace(-10, 10, 2001)[np.argmax(np.ones(2001) - np.linspace(-10, 10, 2001) ** 2)]),
     "WHERE the slope is largest .*argmax"),
    (lambda: int(np.argmax(-np.linspace(-10, 10, 2001) ** 2)), "position in your grid .*index"),
])
def test_sigmoid_prime_max_argmax_slips(argmax_slip, match):
    with pytest.raises(ExerciseError, match=match):
        ch04.check_sigmoid_prime_max.strict(argmax_slip)

    def sigmoid_prime_max():
        raise NotImplementedError
    with pytest.raises(NotWrittenYet, match="sigmoid_prime_max is not written yet"):
        ch04.check_sigmoid_prime_max.strict(sigmoid_prime_max)


# ---------------------------------------------------------------- norms from your own backward
def _backward_norms(slope="A", out_slope="linear", reduce="sum", which="db", order="first first",
                    transpose=True, dout="mean", norm=np.linalg.norm, layers="all"):
    """A hand-written backward loop with a knob for every slip the check recognises."""
    def my_layer_grad_norms(net, X, y):
        out, cache = net.forward(X, return_cache=True)
        _, dA = net.loss_fn(out, y)
        if dout == "sum":
            dA = dA * len(X)                   # the gradient of the summed loss
        norms = []
        for l in reversed(range(net.n_layers)):
            A_prev, Z, A = cache[l]
            hidden = l < net.n_layers - 1
            if slope == "none" or (not hidden and out_slope == "linear"):
                f1 = 1.0
            else:
                f1 = A * (1 - A) if slope == "A" else Z * (1 - Z)
            dZ = dA * f1
            if reduce == "norm_then_sum":
                norms.append(np.linalg.norm(dZ, axis=1).sum())
            else:
                db = dZ.sum(axis=0) if reduce == "sum" else dZ.mean(axis=0)
                norms.append(norm({"db": db, "dW": A_prev.T @ dZ, "dZ": dZ}[which]))
            W = net.weights[l]
            dA = dZ @ (W.T if transpose else W)
        norms = np.array(norms[::-1] if order == "first first" else norms)
        return norms[:-1] if layers == "hidden" else norms
    return my_layer_grad_norms


def test_layer_grad_norms_right(capsys):
    ch04.check_layer_grad_norms.strict(_backward_norms())
    out = capsys.readouterr().out
    assert out.startswith("✓ Correct!") and "net.layer_trace and with central finite differences" in out
    assert "6-5-4-4-3" in out and "times less gradient" in out


def test_layer_grad_norms_with_bplabs_slopes(capsys):
    def my_layer_grad_norms(net, X, y):
        out, cache = net.forward(X, return_cache=True)
        _, dA = net.loss_fn(out, y)
        norms = [None] * net.n_layers
        for l in range(net.n_layers - 1, -1, -1):
            dZ = dA * net.activations[l].grad_from_output(cache[l][2])
            norms[l] = np.sqrt((dZ.sum(axis=0) ** 2).sum())
            dA = dZ @ net.weights[l].T
        return norms                           # a list is fine
    ch04.check_layer_grad_norms.strict(my_layer_grad_norms)
    assert "✓ Correct!" in capsys.readouterr().out


@pytest.mark.parametrize("wrong,match", [
    (_backward_norms(slope="none"), r"the slope is missing: .*dZ = dA \* f'\(Z\)"),
    (_backward_norms(slope="Z"), r"evaluated at Z: .*A \* \(1 - A\).*not Z \* \(1 - Z\)"),
    (_backward_norms(out_slope="sigmoid"), "the output layer got a sigmoid slope too"),
    (_backward_norms(slope="Z", out_slope="sigmoid"), "evaluated at Z .*the affine output layer has slope 1"),
    (_backward_norms(order="last first"), "reverse order"),
    (_backward_norms(which="dW"), "weight gradients dW"),
    (_backward_norms(which="dZ"), r"whole dZ matrix.*sums it over the examples"),
    (_backward_norms(reduce="norm_then_sum"), r"each example's length first and then added.*np.linalg.norm\(dZ.sum\(axis=0\)\)"),
    (_backward_norms(reduce="mean"), "exactly 25 times too small.*counts the 1/N twice"),
    (_backward_norms(dout="sum"), "exactly 25 times too large"),
    (_backward_norms(transpose=False), r"raised ValueError: matmul.*dA = dZ @ W.T.*needs its transpose"),
    (_backward_norms(norm=lambda v: np.abs(v).sum()), "L1"),
    (_backward_norms(norm=lambda v: (v ** 2).sum()), "squared length"),
    (_backward_norms(layers="hidden"), "returned 3 numbers; the network has 4 layers \\(the output layer counts too\\)"),
    (lambda net, X, y: np.ones(7), r"returned 7 numbers; .*expected 4"),
    (lambda net, X, y: None, "is None"),
    (lambda net, X, y: ch04.ours.layer_grad_norms(net, X, y), "called net.backward .*your OWN loop"),
    (lambda net, X, y: [np.linalg.norm(g) for g in net.loss_and_grads(X, y)[1][1::2]], "called net.backward"),
    (_backward_norms(norm=lambda v: 1.01 * np.linalg.norm(v)), "is off at layer"),
])
def test_layer_grad_norms_slips(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch04.check_layer_grad_norms.strict(wrong)


def test_layer_grad_norms_is_also_held_to_finite_differences(monkeypatch):
    """A learner who matches a (hypothetically) wrong bplab is still caught by the finite differences."""
    real = ch04._bplab_layer_grad_norms
    monkeypatch.setattr(ch04, "_bplab_layer_grad_norms", lambda net, X, y: real(net, X, y) * 1.001)
    with pytest.raises(ExerciseError, match="against finite differences is off"):
        ch04.check_layer_grad_norms.strict(lambda net, X, y: real(ch04._grad_problem()[0], X, y) * 1.001)


# ---------------------------------------------------------------- predict the shrink factor
def _predict(slope="rms", gain="fro/out", which_slope="this", which_W="next", at="A", invert=False,
             order="first first", layers="hidden"):
    def predicted_shrink(net, X):
        _, cache = net.forward(X, return_cache=True)
        n_hidden = net.n_layers - 1
        res = []
        for l in range(n_hidden if layers == "hidden" else net.n_layers):
            k = l + 1 if which_slope == "next" else l
            A, Z = cache[min(k, n_hidden - 1)][2], cache[min(k, n_hidden - 1)][1]
            s_all = (A * (1 - A)) if at == "A" else (Z * (1 - Z))
            if which_slope == "next" and k == n_hidden:
                s_all = np.ones(1)
            s = {"rms": np.sqrt(np.mean(s_all ** 2)), "mean": np.mean(s_all), "ms": np.mean(s_all ** 2),
                 "max": 0.25, "none": 1.0}[slope]
            W = net.weights[min(l + 1, net.n_layers - 1) if which_W == "next" else l]
            g = {"fro/out": np.linalg.norm(W) / np.sqrt(W.shape[1]), "fro/in": np.linalg.norm(W) / np.sqrt(W.shape[0]),
                 "fro": np.linalg.norm(W), "spectral": np.linalg.norm(W, 2), "none": 1.0}[gain]
            res.append(s * g if invert else 1 / (s * g))
        return np.array(res if order == "first first" else res[::-1])
    return predicted_shrink


def test_predicted_shrink_right(capsys):
    ch04.check_predicted_shrink.strict(_predict())
    out = capsys.readouterr().out
    assert out.startswith("✓ Correct!") and "7-6-5-4-3" in out and "It ran a backward pass" not in out


def test_predicted_shrink_via_bplab_is_right_but_a_backward_pass_is_noted(capsys):
    from bplab.chapters.ch04 import experiments as V
    ch04.check_predicted_shrink.strict(V.predicted_shrink_factors)
    ch04.check_predicted_shrink.strict(lambda net, X: (net.layer_trace(X, np.zeros(len(X), int)),
                                                       V.predicted_shrink_factors(net, X))[1])
    out = capsys.readouterr().out
    assert out.count("✓ Correct!") == 2 and out.count("It ran a backward pass") == 1


@pytest.mark.parametrize("wrong,match", [
    (_predict(gain="none"), "the weights are missing"),
    (_predict(slope="mean"), "MEAN slope.*ROOT-MEAN-SQUARE"),
    (_predict(slope="ms"), "mean SQUARED slope"),
    (_predict(slope="max"), "largest slope, 1/4, the bound's worst case"),
    (_predict(gain="spectral"), r"spectral norm \|\|W\|\|_2"),
    (_predict(gain="fro/in"), r"divides by sqrt\(fan_in\)"),
    (_predict(gain="fro"), r"missing its 1/sqrt\(fan_out\)"),
    (_predict(invert=True), "upside down"),
    (_predict(which_slope="next"), "NEXT layer's slope"),
    (_predict(which_W="this"), "layer l's own W"),
    (_predict(at="Z"), "evaluated at Z"),
    (_predict(order="last first"), "reverse order"),
    (_predict(layers="all"), "returned 4 numbers; expected 3, one per HIDDEN layer"),
    (lambda net, X: np.ones(2), r"has shape \(2,\), expected \(3,\)"),
    (lambda net, X: 1.01 * _predict()(net, X), "is off at hidden"),
])
def test_predicted_shrink_slips(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch04.check_predicted_shrink.strict(wrong)


def test_predicted_shrink_matches_the_measured_factor_on_nielsens_network():
    """The chapter's formula predicts the measured shrink of ||dL/db|| within 10% (ten networks)."""
    import bplab
    from bplab.chapters.ch04 import experiments as V
    X, y = bplab.data.load_digits()
    sizes = [64, 30, 30, 30, 10]
    nets = [bplab.MLP(sizes, "sigmoid", seed=s, init="lecun", bias_std=1.0) for s in range(10)]
    predicted = np.mean([V.predicted_shrink_factors(n, X) for n in nets], axis=0)
    measured = V.shrink_factors(np.mean([ch04.ours.layer_grad_norms(n, X, y) for n in nets], axis=0))
    assert np.all(np.abs(predicted / measured - 1) < 0.1), (predicted, measured)


# ---------------------------------------------------------------- not written yet, notebook form
def _todo(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [ch04.check_sigmoid_prime, ch04.check_sigmoid_prime_max, ch04.check_gradient_bound,
                                   ch04.check_he_std, ch04.check_layer_grad_norms, ch04.check_predicted_shrink])
def test_untouched_stubs_are_not_written_yet(check):
    with pytest.raises(NotWrittenYet, match="is not written yet: replace `raise NotImplementedError`"):
        check.strict(_todo)


@pytest.mark.parametrize("check, answer", [
    (ch04.check_layer_grad_norms, _backward_norms()),
    (ch04.check_layer_grad_norms, _backward_norms(slope="Z")),
    (ch04.check_layer_grad_norms, _backward_norms(transpose=False)),
    (ch04.check_layer_grad_norms, _todo),
    (ch04.check_predicted_shrink, _predict()),
    (ch04.check_predicted_shrink, _predict(gain="spectral")),
    (ch04.check_predicted_shrink, _todo),
    (ch04.check_sigmoid_prime_max, _todo),
    (ch04.check_gradient_bound, lambda k, w: 1 / 0),
])
def test_notebook_form_prints_one_line_and_never_raises(check, answer, capsys):
    assert check(answer) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n"), out
    assert out[0] in "…✗✓"
