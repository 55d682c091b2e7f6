"""Chapter 03 exercise checks: right answers pass, common mistakes get specific messages."""
import numpy as np
import pytest

from bplab.chapters._shared.feedback import ExerciseError
from bplab.chapters.ch03 import exercises as ch03


# ----------------------------------------------------------------------------- gd_step

def test_gd_step_right(capsys):
    ch03.check_gd_step.strict(lambda p, g, lr: p - lr * g)
    assert "Correct" in capsys.readouterr().out


def test_gd_step_in_place_is_fine(capsys):
    def gd_step(p, g, lr):
        p -= lr * g
        return p
    ch03.check_gd_step.strict(gd_step)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (lambda p, g, lr: p + lr * g, "goes uphill"),
    (lambda p, g, lr: p - g, "ignores the learning rate"),
    (lambda p, g, lr: -lr * g, "returned the step itself"),
    (lambda p, g, lr: p, "did not move"),
    (lambda p, g, lr: p - lr * np.sign(g), "not its square or its sign"),
    (lambda p, g, lr: None, "is None: did you forget to `return`"),
    (lambda p, g, lr: (p - lr * g)[:1], r"has shape \(1,\), expected \(2,\)"),
    (lambda p, g, lr: p - 2 * lr * g, r"is off at index \(1,\): got -2.8, expected -2.4"),
])
def test_gd_step_wrong(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch03.check_gd_step.strict(fn)


def test_not_implemented_and_crashes():
    def todo(p, g, lr):
        raise NotImplementedError
    with pytest.raises(ExerciseError, match="not written yet"):
        ch03.check_gd_step.strict(todo)
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        ch03.check_gd_step.strict(lambda p, g, lr: 1 / 0)
    with pytest.raises(ExerciseError, match="expected a function"):
        ch03.check_gd_step.strict(3.0)


# ----------------------------------------------------------------------------- momentum

def _momentum(p, v, g, lr, mu):
    v = mu * v - lr * g
    return p + v, v


def test_momentum_right(capsys):
    ch03.check_momentum_step.strict(_momentum)
    assert "matches bplab.SGD(lr, momentum)" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (lambda p, v, g, lr, mu: (p + (mu * v + lr * g), mu * v + lr * g), "accelerates uphill"),
    (lambda p, v, g, lr, mu: (p + v - lr * g, v - lr * g), "not decayed: multiply it by mu"),
    (lambda p, v, g, lr, mu: (p + mu * v - g, mu * v - g), "not scaled by the learning rate"),
    (lambda p, v, g, lr, mu: (p - lr * g, -lr * g), "forgets the old one"),
    (lambda p, v, g, lr, mu: (p + mu * v - (1 - mu) * lr * g, mu * v - (1 - mu) * lr * g), "exponential average"),
    (lambda p, v, g, lr, mu: (p + v, mu * v - lr * g), "moved by the OLD velocity"),
    (lambda p, v, g, lr, mu: (p - (mu * v - lr * g), mu * v - lr * g), "move against the velocity"),
    (lambda p, v, g, lr, mu: (p - lr * g, mu * v - lr * g), "took a plain gradient step"),
    (lambda p, v, g, lr, mu: p + mu * v - lr * g, "must return two arrays"),
    (lambda p, v, g, lr, mu: (mu * v - lr * g, p + mu * v - lr * g),
     r"swapped.*return \(new_params, new_velocity\) in that order"),
    (lambda p, v, g, lr, mu: (p + 1.01 * (mu * v - lr * g), 1.01 * (mu * v - lr * g)),
     r"the new velocity is off .*\(largest difference"),
])
def test_momentum_wrong(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch03.check_momentum_step.strict(fn)


# ----------------------------------------------------------------------------- RMSProp

def _rmsprop(p, s, g, lr, rho, eps):
    s = rho * s + (1 - rho) * g * g
    return p - lr * g / (np.sqrt(s) + eps), s


def test_rmsprop_right(capsys):
    ch03.check_rmsprop_step.strict(_rmsprop)
    assert "matches bplab.RMSProp" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (lambda p, s, g, lr, rho, eps: (p, rho * s + (1 - rho) * g), "SQUARED gradient"),
    (lambda p, s, g, lr, rho, eps: (p, rho * s + g * g), r"needs the weight \(1 - rho\)"),
    (lambda p, s, g, lr, rho, eps: (p, (1 - rho) * s + rho * g * g), "swapped"),
    (lambda p, s, g, lr, rho, eps: (p - lr * g / (rho * s + (1 - rho) * g * g + eps), rho * s + (1 - rho) * g * g),
     "square ROOT"),
    (lambda p, s, g, lr, rho, eps: (p - lr * g / (np.sqrt(s) + eps), rho * s + (1 - rho) * g * g), "OLD sq"),
    (lambda p, s, g, lr, rho, eps: (p + lr * g / (np.sqrt(rho * s + (1 - rho) * g * g) + eps),
                                    rho * s + (1 - rho) * g * g), "goes uphill"),
    (lambda p, s, g, lr, rho, eps: (p - lr * g / np.sqrt(rho * s + (1 - rho) * g * g + eps),
                                    rho * s + (1 - rho) * g * g),
     r"ε goes outside the square root: np.sqrt\(sq\) \+ eps"),
])
def test_rmsprop_wrong(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch03.check_rmsprop_step.strict(fn)


# ----------------------------------------------------------------------------- stability limit

def test_max_stable_lr_right(capsys):
    ch03.check_max_stable_lr.strict(lambda A: 2.0 / np.linalg.eigvalsh(A).max())
    out = capsys.readouterr().out
    assert "Correct" in out and "0.2857" in out and "(converging)" in out and "(diverged)" in out


def test_max_stable_lr_accepts_numpy_scalars_and_arrays(capsys):
    ch03.check_max_stable_lr.strict(lambda A: np.array([2.0 / np.linalg.eigvalsh(A).max()]))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (lambda A: 1.0 / np.linalg.eigvalsh(A).max(), "that is 1/λ_max"),
    (lambda A: 2.0 / np.linalg.eigvalsh(A).min(), "SMALLEST eigenvalue"),
    (lambda A: 2.0 / np.diag(A).max(), r"largest diagonal entry.*EIGENVALUES"),
    (lambda A: np.linalg.eigvalsh(A).max() / 2.0, "upside down"),
    (lambda A: None, "returned None"),
    (lambda A: "0.2", "one number"),
    (lambda A: 0.123, r"you returned 0.123, expected 0.2$"),
    (lambda A: 2.0 / (np.linalg.eigvalsh(A).min() + np.linalg.eigvalsh(A).max()),
     r"that is η\* = 2/\(λ_min\+λ_max\), the fastest rate.*the question asks for the edge, 2/λ_max"),
    (lambda A: 2.0 / np.trace(A), r"that is 2/trace\(A\).*The question asks for the edge, 2/λ_max"),
    # right on the 2x2 matrices, 2/trace on the 3x3 one
    (lambda A: 2.0 / np.linalg.eigvalsh(A).max() if len(A) == 2 else 2.0 / np.trace(A), r"2/trace\(A\)"),
    (lambda A: 2.0 / (np.linalg.eigvalsh(A).min() + np.linalg.eigvalsh(A).max()) if len(A) == 3 else
     2.0 / np.linalg.eigvalsh(A).max(), r"η\* = 2/\(λ_min\+λ_max\)"),
])
def test_max_stable_lr_wrong(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch03.check_max_stable_lr.strict(fn)


# ----------------------------------------------------------------------------- not written yet

def _todo2(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check, spec", [
    (ch03.check_gd_step.strict, r"gd_step\(params, grad, lr\) .*returns the new parameters.*params - lr \* grad"),
    (ch03.check_momentum_step.strict, r"momentum_step\(params, velocity, grad, lr, mu\) returns two arrays, "
                               r"\(new_params, new_velocity\) in that order.*mu \* velocity - lr \* grad"),
    (ch03.check_rmsprop_step.strict, r"rmsprop_step\(params, sq, grad, lr, rho, eps\) returns two arrays, "
                              r"\(new_params, new_sq\).*np.sqrt\(new_sq\) \+ eps"),
    (ch03.check_max_stable_lr.strict, r"max_stable_lr\(A\) takes a symmetric positive-definite matrix.*one number"),
])
def test_not_written_yet_restates_the_spec(check, spec):
    with pytest.raises(ExerciseError, match="not written yet") as info:
        check(_todo2)
    assert "What it should do:" in str(info.value)
    import re
    assert re.search(spec, str(info.value), re.S)


def test_crash_inside_the_bowl_replay_is_explained():
    calls = []

    def flaky(p, v, g, lr, mu):          # right on the unit cases, crashes in the 5-step replay
        calls.append(1)
        if len(calls) > 2:
            raise KeyError("oops")
        v = mu * v - lr * g
        return p + v, v
    with pytest.raises(ExerciseError, match="momentum_step raised KeyError"):
        ch03.check_momentum_step.strict(flaky)


def test_tiny_mismatch_shows_its_size():
    def almost(p, s, g, lr, rho, eps):
        s = rho * s + (1 - rho) * g * g
        return p - lr * g / (np.sqrt(s) + eps) * (1 + 3e-9), s
    with pytest.raises(ExerciseError, match=r"largest difference \d"):
        ch03.check_rmsprop_step.strict(almost)
