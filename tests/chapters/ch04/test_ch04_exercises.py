"""Chapter-04 exercise checks: right answers pass, the usual slips get a specific message."""
import math

import numpy as np
import pytest

from bplab.chapters._shared.feedback import ExerciseError
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


# ---------------------------------------------------------------- norms from a trace
def test_layer_grad_norms_correct(capsys):
    ch04.check_layer_grad_norms.strict(lambda trace: np.array([np.linalg.norm(t["db"]) for t in trace]))
    out = capsys.readouterr().out
    assert "Correct" in out and "times less gradient" in out
    assert "6-5-4-4-3" in out and "not the MNIST one" in out


@pytest.mark.parametrize("wrong,match", [
    (lambda tr: np.array([np.linalg.norm(t["db"]) for t in tr])[::-1], "reverse"),
    (lambda tr: np.array([np.linalg.norm(t["dW"]) for t in tr]), "weight gradients"),
    (lambda tr: np.array([np.linalg.norm(t["dZ"]) for t in tr]), "sum"),
    (lambda tr: np.array([np.abs(t["db"]).sum() for t in tr]), "L1"),
    (lambda tr: np.array([np.sum(t["db"] ** 2) for t in tr]), "square root"),
    (lambda tr: np.array([np.linalg.norm(t["db"]) for t in tr[:-1]]), "one per layer"),
    (lambda tr: np.array([np.linalg.norm(t["db"]) * 1.01 for t in tr]), "off at layer"),
    (lambda tr: np.array([np.linalg.norm(t["dZ"].mean(axis=0)) for t in tr]),
     "25 times too small.*already includes the 1/n"),
    (lambda tr: np.array([np.linalg.norm(t["db"]) * len(t["dZ"]) for t in tr]), "25 times too large"),
])
def test_layer_grad_norms_slips(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch04.check_layer_grad_norms.strict(wrong)
