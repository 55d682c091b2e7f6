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
velocity used instead of the new one, ...).
"""
from __future__ import annotations

import numpy as np

from ._feedback import ExerciseError, call_learner, check_close, check_shape, passed

__all__ = ["check_gd_step", "check_momentum_step", "check_rmsprop_step", "check_max_stable_lr"]


def _arr(x, what):
    if x is None:
        raise ExerciseError(f"{what} is None: did you forget to `return` it?")
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what} should be a numpy array, got {type(x).__name__}") from None


def _same(a, b):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-9, atol=1e-12)


def _cases():
    rng = np.random.default_rng(3)
    return [
        (np.array([1.0, -2.0]), np.array([0.5, 4.0]), 0.1),
        (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 0.03),
    ]


# --------------------------------------------------------------------------- 1. one GD step

def check_gd_step(gd_step):
    """``gd_step(params, grad, lr)`` must return the new parameters ``params - lr * grad``."""
    for p, g, lr in _cases():
        got = call_learner(gd_step, p.copy(), g.copy(), lr, name="gd_step")
        got = _arr(got, "gd_step's result")
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
            check_close("gd_step's result", got, want, rtol=1e-9, atol=1e-12)
    passed("gd_step moves the parameters against the gradient, scaled by the learning rate: "
           "θ ← θ − η∇L.")


# --------------------------------------------------------------------------- 2. momentum

def _unpack2(res, fname, names):
    if not isinstance(res, (tuple, list)) or len(res) != 2:
        raise ExerciseError(f"{fname} must return two arrays, ({names[0]}, {names[1]}); got "
                            f"{type(res).__name__}" + (f" of length {len(res)}" if hasattr(res, '__len__') else ""))
    return _arr(res[0], f"the new {names[0]}"), _arr(res[1], f"the new {names[1]}")


def check_momentum_step(momentum_step):
    """``momentum_step(params, velocity, grad, lr, mu)`` returns ``(new_params, new_velocity)``
    with ``v = mu * velocity - lr * grad`` and ``params + v`` (heavy ball, Polyak 1964)."""
    rng = np.random.default_rng(7)
    for p, g, lr in _cases():
        v = 0.5 * rng.normal(size=p.shape)
        mu = 0.9
        res = call_learner(momentum_step, p.copy(), v.copy(), g.copy(), lr, mu, name="momentum_step")
        new_p, new_v = _unpack2(res, "momentum_step", ("params", "velocity"))
        check_shape("the new params", new_p, p.shape)
        check_shape("the new velocity", new_v, p.shape)
        want_v = mu * v - lr * g
        want_p = p + want_v
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
            check_close("the new velocity", new_v, want_v, rtol=1e-9, atol=1e-12)
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
            check_close("the new params", new_p, want_p, rtol=1e-9, atol=1e-12)
    # the same five steps as bplab.SGD(lr, momentum) on a quadratic bowl
    from ..optim import SGD
    A = np.array([[1.0, 0.0], [0.0, 10.0]])
    mine, theirs = np.array([-4.5, 1.5]), np.array([-4.5, 1.5])
    v = np.zeros(2)
    opt = SGD(0.05, momentum=0.8)
    for t in range(5):
        mine, v = _unpack2(momentum_step(mine, v, A @ mine, 0.05, 0.8), "momentum_step", ("params", "velocity"))
        opt.step([theirs], [A @ theirs])
        check_close(f"your params after step {t + 1} on the bowl", mine, theirs, rtol=1e-9, atol=1e-12)
    passed("your heavy-ball update matches bplab.SGD(lr, momentum) step for step: "
           "v ← μv − η∇L, θ ← θ + v.")


# --------------------------------------------------------------------------- 3. RMSProp

def check_rmsprop_step(rmsprop_step):
    """``rmsprop_step(params, sq, grad, lr, rho, eps)`` returns ``(new_params, new_sq)`` with
    ``sq = rho * sq + (1 - rho) * grad**2`` and ``params - lr * grad / (sqrt(sq) + eps)``."""
    rng = np.random.default_rng(11)
    for p, g, lr in _cases():
        s = rng.uniform(0.1, 2.0, size=p.shape)
        rho, eps = 0.9, 1e-8
        res = call_learner(rmsprop_step, p.copy(), s.copy(), g.copy(), lr, rho, eps, name="rmsprop_step")
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
            check_close("the new sq", new_s, want_s, rtol=1e-9, atol=1e-12)
        if not _same(new_p, want_p):
            if _same(new_p, p - lr * g / (want_s + eps)):
                raise ExerciseError("divide by the square ROOT of sq (the root-mean-square gradient): "
                                    "params - lr * grad / (np.sqrt(sq) + eps)")
            if _same(new_p, p - lr * g / (np.sqrt(s) + eps)):
                raise ExerciseError("the step used the OLD sq: update sq first, then divide by its root")
            if _same(new_p, p + lr * g / (np.sqrt(want_s) + eps)):
                raise ExerciseError("the step goes uphill: subtract lr * grad / (sqrt(sq) + eps)")
            check_close("the new params", new_p, want_p, rtol=1e-9, atol=1e-12)
    from ..optim import RMSProp
    A = np.array([[1.0, 0.0], [0.0, 10.0]])
    mine, theirs = np.array([-4.5, 1.5]), np.array([-4.5, 1.5])
    s = np.zeros(2)
    opt = RMSProp(0.1, rho=0.9, eps=1e-8)
    for t in range(5):
        mine, s = _unpack2(rmsprop_step(mine, s, A @ mine, 0.1, 0.9, 1e-8), "rmsprop_step", ("params", "sq"))
        opt.step([theirs], [A @ theirs])
        check_close(f"your params after step {t + 1} on the bowl", mine, theirs, rtol=1e-9, atol=1e-12)
    passed("your update matches bplab.RMSProp step for step: each coordinate's step is divided by "
           "its own recent root-mean-square gradient.")


# --------------------------------------------------------------------------- 4. stability limit

_MATRICES = [
    np.array([[1.0, 0.0], [0.0, 10.0]]),
    np.array([[3.0, 2.0], [2.0, 6.0]]),       # eigenvalues 7 and 2: the diagonal alone misleads
    np.array([[50.0, 0.0], [0.0, 0.5]]),
    np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]]),
]


def check_max_stable_lr(max_stable_lr):
    """``max_stable_lr(A)`` must return the largest learning rate for which plain gradient
    descent on :math:`\\tfrac12 p^\\top A p` does not diverge: :math:`2/\\lambda_{\\max}(A)`."""
    answers = []
    for A in _MATRICES:
        got = call_learner(max_stable_lr, A.copy(), name="max_stable_lr")
        if got is None:
            raise ExerciseError("max_stable_lr returned None: did you forget to `return` it?")
        try:
            if isinstance(got, (str, bytes)):
                raise TypeError
            val = float(np.asarray(got, dtype=np.float64).reshape(()))
        except (TypeError, ValueError):
            raise ExerciseError(f"max_stable_lr should return one number, got {got!r:.60}") from None
        answers.append(val)
        lam = np.linalg.eigvalsh(A)
        lmax, lmin = float(lam[-1]), float(lam[0])
        want = 2.0 / lmax
        if np.isclose(val, want, rtol=1e-6):
            continue
        hint = ""
        if np.isclose(val, 1.0 / lmax, rtol=1e-6):
            hint = ("that is 1/λ_max, the learning rate that removes the steepest direction in ONE step; "
                    "descent still converges (oscillating) up to twice that: 2/λ_max")
        elif np.isclose(val, 2.0 / lmin, rtol=1e-6):
            hint = ("you used the SMALLEST eigenvalue; the steepest direction (largest eigenvalue) is the "
                    "one that blows up first: 2/λ_max")
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
    from ..optim import SGD
    from ..surfaces import Quadratic, run_path
    q = Quadratic(_MATRICES[1])
    lim = answers[1]
    below = run_path(q, SGD(0.98 * lim), steps=300)
    above = run_path(q, SGD(1.02 * lim), steps=300)
    passed(f"2/λ_max. On A = [[3, 2], [2, 6]] your limit is {lim:.4f}: gradient descent at 0.98× it "
           f"ends at loss {below.final_loss:.2e} ({below.status}), at 1.02× it ends at "
           f"{above.final_loss:.2e} ({above.status}).")
