r"""Exercise checks for chapter 03 (gradient descent and its tuning).

* :func:`check_gd_step`       -- ``gd_step(params, grad, lr)`` returns :math:`\theta - \eta g`
* :func:`check_momentum_step` -- ``momentum_step(params, velocity, grad, lr, mu)`` returns the new
  ``(params, velocity)`` with :math:`v \leftarrow \mu v - \eta g,\ \theta \leftarrow \theta + v`
* :func:`check_rmsprop_step`  -- ``rmsprop_step(params, sq, grad, lr, rho, eps)`` returns the new
  ``(params, sq)`` with :math:`s \leftarrow \rho s + (1-\rho) g^2,\
  \theta \leftarrow \theta - \eta g / (\sqrt{s} + \epsilon)`
* :func:`check_max_stable_lr` -- ``max_stable_lr(A)`` returns :math:`2/\lambda_{\max}(A)`

Each check calls your function on a few inputs, compares with the reference, and says what
is wrong when it is (recognising the usual slips: a wrong sign, a missing factor, the old
velocity used instead of the new one, ...). A function that still raises
``NotImplementedError`` gets the specification restated: what it takes and what it returns.
"""
from __future__ import annotations

import functools

import numpy as np

from bplab.chapters._shared.feedback import (ExerciseError, NotWrittenYet, as_array, call_learner,
                                              check_close, check_shape, exercise_check, passed,
                                              same)

__all__ = ["check_gd_step", "check_momentum_step", "check_rmsprop_step", "check_max_stable_lr", "SPECS"]

# what each exercise asks for, restated when the learner's function is not written yet
SPECS = {
    "gd_step": "gd_step(params, grad, lr) takes the parameters, the gradient of the loss (an array "
               "shaped like params) and the learning rate lr, and returns the new parameters after one "
               "step of gradient descent: params - lr * grad (θ ← θ − η∇L).",
    "momentum_step": "momentum_step(params, velocity, grad, lr, mu) returns two arrays, "
                     "(new_params, new_velocity) in that order: first new_velocity = mu * velocity - lr * grad, "
                     "then new_params = params + new_velocity (v ← μv − η∇L, θ ← θ + v).",
    "rmsprop_step": "rmsprop_step(params, sq, grad, lr, rho, eps) returns two arrays, (new_params, new_sq) "
                    "in that order: first new_sq = rho * sq + (1 - rho) * grad**2, then "
                    "new_params = params - lr * grad / (np.sqrt(new_sq) + eps), all element-wise.",
    "max_stable_lr": "max_stable_lr(A) takes a symmetric positive-definite matrix A (2×2 or larger) and "
                     "returns one number: the largest learning rate for which plain gradient descent on "
                     "½ θᵀAθ does not diverge. Section 3 derives it from the eigenvalues of A "
                     "(np.linalg.eigvalsh(A) returns them).",
}


def _call(fn, *args, name):
    """Call the learner's function; if it is not written yet, restate what it should do."""
    if callable(fn):
        try:
            return fn(*args)
        except NotImplementedError:
            raise NotWrittenYet(f"{name} is not written yet: replace `raise NotImplementedError` with "
                                f"your code.\nWhat it should do: {SPECS[name]}") from None
        except Exception as e:
            raise ExerciseError(f"{name} raised {type(e).__name__}: {e}") from e
    return call_learner(fn, *args, name=name)      # explains what to pass instead


def _close(what, got, want):
    """``check_close`` at a tight tolerance, adding the size of the difference to its message
    (so two values that agree to six digits still show how far apart they are)."""
    try:
        check_close(what, got, want, rtol=1e-9, atol=1e-12)
    except ExerciseError as e:
        g = np.asarray(got, dtype=np.float64).reshape(np.shape(want))
        diff = np.abs(g - np.asarray(want, dtype=np.float64))
        if np.isfinite(diff).all():
            raise ExerciseError(f"{e} (largest difference {diff.max():.3g})") from None
        raise



# the optimiser steps are compared at _close's tight tolerance
_same = functools.partial(same, rtol=1e-9, atol=1e-12)


def _cases():
    rng = np.random.default_rng(3)
    return [
        (np.array([1.0, -2.0]), np.array([0.5, 4.0]), 0.1),
        (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 0.03),
    ]


# --------------------------------------------------------------------------- 1. one GD step

@exercise_check
def check_gd_step(gd_step):
    """``gd_step(params, grad, lr)`` must return the new parameters ``params - lr * grad``."""
    for p, g, lr in _cases():
        got = _call(gd_step, p.copy(), g.copy(), lr, name="gd_step")
        got = as_array(got, "gd_step's result")
        check_shape("gd_step's result", got, p.shape)
        want = p - lr * g
        if not _same(got, want):
            if _same(got, p + lr * g):
                raise ExerciseError("your step goes uphill: you added lr * grad. The gradient points "
                                    "to where the loss grows fastest, so subtract it: params - lr * grad")
            if _same(got, p - g):
                raise ExerciseError("the step ignores the learning rate: multiply the gradient by lr "
                                    "(params - lr * grad)")
            if _same(got, -lr * g) or _same(got, lr * g):
                raise ExerciseError("you returned the step itself, not the new parameters: "
                                    "return params - lr * grad")
            if _same(got, p):
                raise ExerciseError("the parameters did not move: return params - lr * grad")
            if _same(got, p - lr * g * g) or _same(got, p - lr * np.sign(g)):
                raise ExerciseError("use the gradient itself (not its square or its sign): params - lr * grad")
            _close("gd_step's result", got, want)
    passed("gd_step moves the parameters against the gradient, scaled by the learning rate: "
           "θ ← θ − η∇L.")


# --------------------------------------------------------------------------- 2. momentum

def _unpack2(res, fname, names):
    if not isinstance(res, (tuple, list)) or len(res) != 2:
        raise ExerciseError(f"{fname} must return two arrays, ({names[0]}, {names[1]}); got "
                            f"{type(res).__name__}" + (f" of length {len(res)}" if hasattr(res, '__len__') else ""))
    return as_array(res[0], f"the new {names[0]}"), as_array(res[1], f"the new {names[1]}")


@exercise_check
def check_momentum_step(momentum_step):
    """``momentum_step(params, velocity, grad, lr, mu)`` returns ``(new_params, new_velocity)``
    with ``v = mu * velocity - lr * grad`` and ``params + v`` (heavy ball, Polyak 1964)."""
    rng = np.random.default_rng(7)
    for p, g, lr in _cases():
        v = 0.5 * rng.normal(size=p.shape)
        mu = 0.9
        res = _call(momentum_step, p.copy(), v.copy(), g.copy(), lr, mu, name="momentum_step")
        new_p, new_v = _unpack2(res, "momentum_step", ("params", "velocity"))
        check_shape("the new params", new_p, p.shape)
        check_shape("the new velocity", new_v, p.shape)
        want_v = mu * v - lr * g
        want_p = p + want_v
        if _same(new_p, want_v) and _same(new_v, want_p):
            raise ExerciseError("the two results are swapped: you returned (new_velocity, new_params); "
                                "return (new_params, new_velocity) in that order")
        if not _same(new_v, want_v):
            if _same(new_v, mu * v + lr * g):
                raise ExerciseError("the velocity accelerates uphill: it should be mu * velocity - lr * grad "
                                    "(minus the gradient)")
            if _same(new_v, v - lr * g):
                raise ExerciseError("the old velocity is not decayed: multiply it by mu "
                                    "(velocity = mu * velocity - lr * grad)")
            if _same(new_v, mu * v - g):
                raise ExerciseError("the gradient is not scaled by the learning rate: "
                                    "velocity = mu * velocity - lr * grad")
            if _same(new_v, -lr * g):
                raise ExerciseError("the new velocity forgets the old one: velocity = mu * velocity - lr * grad")
            if _same(new_v, mu * v - (1 - mu) * g * lr) or _same(new_v, mu * v - (1 - mu) * g):
                raise ExerciseError("that is the 'exponential average' form of momentum; here use the "
                                    "heavy-ball form bplab.SGD uses: velocity = mu * velocity - lr * grad")
            _close("the new velocity", new_v, want_v)
        if not _same(new_p, want_p):
            if _same(new_p, p + v):
                raise ExerciseError("the parameters moved by the OLD velocity: update the velocity first, "
                                    "then params + new_velocity")
            if _same(new_p, p - want_v):
                raise ExerciseError("the parameters move against the velocity: it already points downhill, "
                                    "so use params + velocity")
            if _same(new_p, p - lr * g):
                raise ExerciseError("the parameters took a plain gradient step; with momentum they move by "
                                    "the new velocity: params + velocity")
            _close("the new params", new_p, want_p)
    # the same five steps as bplab.SGD(lr, momentum) on a quadratic bowl
    from bplab.optim import SGD
    A = np.array([[1.0, 0.0], [0.0, 10.0]])
    mine, theirs = np.array([-4.5, 1.5]), np.array([-4.5, 1.5])
    v = np.zeros(2)
    opt = SGD(0.05, momentum=0.8)
    for t in range(5):
        mine, v = _unpack2(_call(momentum_step, mine, v, A @ mine, 0.05, 0.8, name="momentum_step"),
                           "momentum_step", ("params", "velocity"))
        opt.step([theirs], [A @ theirs])
        _close(f"your params after step {t + 1} on the bowl", mine, theirs)
    passed("your heavy-ball update matches bplab.SGD(lr, momentum) step for step: "
           "v ← μv − η∇L, θ ← θ + v.")


# --------------------------------------------------------------------------- 3. RMSProp

@exercise_check
def check_rmsprop_step(rmsprop_step):
    """``rmsprop_step(params, sq, grad, lr, rho, eps)`` returns ``(new_params, new_sq)`` with
    ``sq = rho * sq + (1 - rho) * grad**2`` and ``params - lr * grad / (sqrt(sq) + eps)``."""
    rng = np.random.default_rng(11)
    # the last case has a large eps, so that where eps goes makes a visible difference
    for (p, g, lr), eps in zip(_cases() + [(np.array([1.0, -2.0]), np.array([0.5, 0.01]), 0.1)],
                               [1e-8, 1e-8, 1e-2]):
        s = rng.uniform(0.1, 2.0, size=p.shape) if eps < 1e-3 else np.array([0.3, 1e-4])
        rho = 0.9
        res = _call(rmsprop_step, p.copy(), s.copy(), g.copy(), lr, rho, eps, name="rmsprop_step")
        new_p, new_s = _unpack2(res, "rmsprop_step", ("params", "sq"))
        check_shape("the new params", new_p, p.shape)
        check_shape("the new sq", new_s, p.shape)
        want_s = rho * s + (1 - rho) * g * g
        want_p = p - lr * g / (np.sqrt(want_s) + eps)
        if not _same(new_s, want_s):
            if _same(new_s, rho * s + (1 - rho) * g):
                raise ExerciseError("sq should average the SQUARED gradient: rho * sq + (1 - rho) * grad**2")
            if _same(new_s, rho * s + g * g):
                raise ExerciseError("the new squared gradient needs the weight (1 - rho): "
                                    "rho * sq + (1 - rho) * grad**2")
            if _same(new_s, (1 - rho) * s + rho * g * g):
                raise ExerciseError("rho and 1 - rho are swapped: the OLD average keeps the weight rho "
                                    "(rho * sq + (1 - rho) * grad**2)")
            _close("the new sq", new_s, want_s)
        if not _same(new_p, want_p):
            if _same(new_p, p - lr * g / np.sqrt(want_s + eps)):
                raise ExerciseError("ε goes outside the square root: np.sqrt(sq) + eps, not "
                                    "np.sqrt(sq + eps). (Both keep the division safe, but RMSProp and "
                                    "bplab.RMSProp add eps after the root.)")
            if _same(new_p, p - lr * g / (want_s + eps)):
                raise ExerciseError("divide by the square ROOT of sq (the root-mean-square gradient): "
                                    "params - lr * grad / (np.sqrt(sq) + eps)")
            if _same(new_p, p - lr * g / (np.sqrt(s) + eps)):
                raise ExerciseError("the step used the OLD sq: update sq first, then divide by its root")
            if _same(new_p, p + lr * g / (np.sqrt(want_s) + eps)):
                raise ExerciseError("the step goes uphill: subtract lr * grad / (sqrt(sq) + eps)")
            _close("the new params", new_p, want_p)
    from bplab.optim import RMSProp
    A = np.array([[1.0, 0.0], [0.0, 10.0]])
    mine, theirs = np.array([-4.5, 1.5]), np.array([-4.5, 1.5])
    s = np.zeros(2)
    opt = RMSProp(0.1, rho=0.9, eps=1e-8)
    for t in range(5):
        mine, s = _unpack2(_call(rmsprop_step, mine, s, A @ mine, 0.1, 0.9, 1e-8, name="rmsprop_step"),
                           "rmsprop_step", ("params", "sq"))
        opt.step([theirs], [A @ theirs])
        _close(f"your params after step {t + 1} on the bowl", mine, theirs)
    passed("your update matches bplab.RMSProp step for step: each coordinate's step is divided by "
           "its own recent root-mean-square gradient.")


# --------------------------------------------------------------------------- 4. stability limit

_MATRICES = [
    np.array([[1.0, 0.0], [0.0, 10.0]]),
    np.array([[3.0, 2.0], [2.0, 6.0]]),       # eigenvalues 7 and 2: the diagonal alone misleads
    np.array([[50.0, 0.0], [0.0, 0.5]]),
    np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]]),
]


@exercise_check
def check_max_stable_lr(max_stable_lr):
    """``max_stable_lr(A)`` must return the largest learning rate for which plain gradient
    descent on :math:`\\tfrac12 p^\\top A p` does not diverge: :math:`2/\\lambda_{\\max}(A)`."""
    answers = []
    for A in _MATRICES:
        got = _call(max_stable_lr, A.copy(), name="max_stable_lr")
        if got is None:
            raise ExerciseError("max_stable_lr returned None: did you forget to `return` it?")
        try:
            if isinstance(got, (str, bytes)):
                raise TypeError
            val = float(np.asarray(got, dtype=np.float64).reshape(()))
        except (TypeError, ValueError):
            raise ExerciseError(f"max_stable_lr should return one number, got {got!r:.60}") from None
        answers.append(val)
    eig = [np.linalg.eigvalsh(A) for A in _MATRICES]
    # slips recognised from the answers to ALL matrices (the 3x3 one tells the trace from λmin+λmax)
    patterns = [
        ([2.0 / (lam[0] + lam[-1]) for lam in eig],
         "that is η* = 2/(λ_min+λ_max), the fastest rate (it balances the flattest and the steepest "
         "direction); the question asks for the edge, 2/λ_max"),
        ([2.0 / np.trace(A) for A in _MATRICES],
         "that is 2/trace(A); the trace is the sum of ALL the eigenvalues, so this stays below the edge. "
         "The question asks for the edge, 2/λ_max, with the largest eigenvalue alone"),
    ]
    pattern_hint = next((h for vals, h in patterns if np.allclose(answers, vals, rtol=1e-6)), "")
    for A, lam, val in zip(_MATRICES, eig, answers):
        lmax, lmin = float(lam[-1]), float(lam[0])
        want = 2.0 / lmax
        if np.isclose(val, want, rtol=1e-6):
            continue
        hint = pattern_hint
        if hint:
            pass
        elif np.isclose(val, 1.0 / lmax, rtol=1e-6):
            hint = ("that is 1/λ_max, the learning rate that removes the steepest direction in ONE step; "
                    "descent still converges (oscillating) up to twice that: 2/λ_max")
        elif np.isclose(val, 2.0 / lmin, rtol=1e-6):
            hint = ("you used the SMALLEST eigenvalue; the steepest direction (largest eigenvalue) is the "
                    "one that blows up first: 2/λ_max")
        elif np.isclose(val, 2.0 / (lmin + lmax), rtol=1e-6):
            hint = patterns[0][1] + (" (for a 2×2 matrix 2/trace(A) is the same number)" if len(A) == 2 else "")
        elif np.isclose(val, 2.0 / np.trace(A), rtol=1e-6):
            hint = patterns[1][1]
        elif np.isclose(val, 2.0 / np.diag(A).max(), rtol=1e-6):
            hint = ("you used the largest diagonal entry; for a tilted bowl the curvatures are the "
                    "EIGENVALUES of A (np.linalg.eigvalsh(A)): 2/λ_max")
        elif np.isclose(val, lmax / 2.0, rtol=1e-6):
            hint = "the fraction is upside down: 2/λ_max, not λ_max/2"
        elif np.isclose(val, 2.0 / lmax ** 2, rtol=1e-6) or np.isclose(val, 2.0 / np.abs(A).sum(), rtol=1e-6):
            hint = "use the largest eigenvalue itself: 2/λ_max"
        msg = f"for A = {A.tolist()} (eigenvalues {np.round(lam[::-1], 4).tolist()}) you returned {val:.6g}, " \
              f"expected {want:.6g}"
        raise ExerciseError(msg + (f": {hint}" if hint else ""))
    # show it is the real edge: just below converges, just above diverges
    from bplab.optim import SGD
    from bplab.chapters.ch03.surfaces import Quadratic, run_path
    q = Quadratic(_MATRICES[1])
    lim = answers[1]
    below = run_path(q, SGD(0.98 * lim), steps=300)
    above = run_path(q, SGD(1.02 * lim), steps=300)
    passed(f"2/λ_max. On A = [[3, 2], [2, 6]] your limit is {lim:.4f}: gradient descent at 0.98× it "
           f"ends at loss {below.final_loss:.2e} ({below.status}), at 1.02× it ends at "
           f"{above.final_loss:.2e} ({above.status}).")
