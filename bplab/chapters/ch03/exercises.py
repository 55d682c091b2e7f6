r"""Exercise checks for chapter 03 (gradient descent and its tuning).

* :func:`check_gd_step`       -- ``gd_step(params, grad, lr)`` returns :math:`\theta - \eta g`
* :func:`check_momentum_step` -- ``momentum_step(params, velocity, grad, lr, mu)`` returns the new
  ``(params, velocity)`` with :math:`v \leftarrow \mu v - \eta g,\ \theta \leftarrow \theta + v`
* :func:`check_rmsprop_step`  -- ``rmsprop_step(params, sq, grad, lr, rho, eps)`` returns the new
  ``(params, sq)`` with :math:`s \leftarrow \rho s + (1-\rho) g^2,\
  \theta \leftarrow \theta - \eta g / (\sqrt{s} + \epsilon)`
* :func:`check_max_stable_lr` -- ``max_stable_lr(H)`` returns :math:`2/\lambda_{\max}(H)`
* :func:`check_sgd_train`     -- ``my_sgd_train(net, X, y, lr, epochs, batch_size, seed)``, the
  mini-batch SGD loop, must leave the weights ``bplab.fit`` with ``bplab.SGD(lr)`` leaves
* :func:`check_momentum_train` -- ``my_momentum_train(net, X, y, lr, mu, epochs, batch_size, seed)``,
  the same loop with one velocity per array, against ``bplab.fit`` with ``SGD(lr, momentum=mu)``

Each check calls your function on a few inputs, compares with the reference, and says what
is wrong when it is (recognising the usual slips: a wrong sign, a missing factor, the old
velocity used instead of the new one, ...). The two training loops are run on a small network
whose ``loss_and_grads`` is watched, so that the check sees every mini-batch the loop feeds it
(no shuffling, one order for every epoch, a dropped last batch, ...) before it compares the
weights with ``bplab.fit``'s and with what each classic slip would have left. H function that
still raises ``NotImplementedError`` gets the specification restated: what it takes and what it
returns.
"""
from __future__ import annotations

import functools

import numpy as np

from bplab.chapters._shared.feedback import (ExerciseError, NotWrittenYet, as_array, call_learner,
                                              check_close, check_shape, exercise_check, function_name,
                                              passed, same)

__all__ = ["check_gd_step", "check_momentum_step", "check_rmsprop_step", "check_max_stable_lr",
           "check_sgd_train", "check_momentum_train", "SPECS"]

# what each exercise asks for, restated when the learner's function is not written yet
SPECS = {
    "gd_step": "gd_step(params, grad, lr) returns the parameters after one step of plain gradient descent "
               "(section 1), an array shaped like params.",
    "momentum_step": "momentum_step(params, velocity, grad, lr, mu) returns the pair (new_params, new_velocity) "
                     "after one heavy-ball step (section 5): the velocity first, then the parameters.",
    "rmsprop_step": "rmsprop_step(params, sq, grad, lr, rho, eps) returns the pair (new_params, new_sq) after one "
                    "RMSProp step (section 7): the running average of grad**2 first, then the parameters.",
    "max_stable_lr": "max_stable_lr(H) takes a symmetric positive-definite matrix H (2×2 or larger) and returns "
                     "one number, the edge of stability of plain gradient descent on ½ θᵀHθ (section 3).",
    "my_sgd_train": "my_sgd_train(net, X, y, lr, epochs, batch_size, seed) trains net in place with mini-batch "
                    "SGD, shuffling as the exercise text describes, and returns nothing.",
    "my_momentum_train": "my_momentum_train(net, X, y, lr, mu, epochs, batch_size, seed) is my_sgd_train with "
                         "one velocity per parameter array, kept for the whole run; it returns nothing.",
}


def _call(fn, *args, name, spec=None):
    """Call the learner's function; if it is not written yet, restate what it should do
    (``SPECS[spec]``, by default ``SPECS[name]``)."""
    if callable(fn):
        try:
            return fn(*args)
        except NotImplementedError:
            raise NotWrittenYet(f"{name} is not written yet: replace `raise NotImplementedError` with "
                                f"your code. What it should do: {SPECS[spec or name]}") from None
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
    H = np.array([[1.0, 0.0], [0.0, 10.0]])
    mine, theirs = np.array([-4.5, 1.5]), np.array([-4.5, 1.5])
    v = np.zeros(2)
    opt = SGD(0.05, momentum=0.8)
    for t in range(5):
        mine, v = _unpack2(_call(momentum_step, mine, v, H @ mine, 0.05, 0.8, name="momentum_step"),
                           "momentum_step", ("params", "velocity"))
        opt.step([theirs], [H @ theirs])
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
    H = np.array([[1.0, 0.0], [0.0, 10.0]])
    mine, theirs = np.array([-4.5, 1.5]), np.array([-4.5, 1.5])
    s = np.zeros(2)
    opt = RMSProp(0.1, rho=0.9, eps=1e-8)
    for t in range(5):
        mine, s = _unpack2(_call(rmsprop_step, mine, s, H @ mine, 0.1, 0.9, 1e-8, name="rmsprop_step"),
                           "rmsprop_step", ("params", "sq"))
        opt.step([theirs], [H @ theirs])
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
    """``max_stable_lr(H)`` must return the largest learning rate for which plain gradient
    descent on :math:`\\tfrac12 p^\\top H p` does not diverge: :math:`2/\\lambda_{\\max}(H)`."""
    answers = []
    for H in _MATRICES:
        got = _call(max_stable_lr, H.copy(), name="max_stable_lr")
        if got is None:
            raise ExerciseError("max_stable_lr returned None: did you forget to `return` it?")
        try:
            if isinstance(got, (str, bytes)):
                raise TypeError
            val = float(np.asarray(got, dtype=np.float64).reshape(()))
        except (TypeError, ValueError):
            raise ExerciseError(f"max_stable_lr should return one number, got {got!r:.60}") from None
        answers.append(val)
    eig = [np.linalg.eigvalsh(H) for H in _MATRICES]
    # slips recognised from the answers to ALL matrices (the 3x3 one tells the trace from λmin+λmax)
    patterns = [
        ([2.0 / (lam[0] + lam[-1]) for lam in eig],
         "that is η* = 2/(λ_min+λ_max), the fastest rate (it balances the flattest and the steepest "
         "direction); the question asks for the edge, 2/λ_max"),
        ([2.0 / np.trace(H) for H in _MATRICES],
         "that is 2/trace(H); the trace is the sum of ALL the eigenvalues, so this stays below the edge. "
         "The question asks for the edge, 2/λ_max, with the largest eigenvalue alone"),
    ]
    pattern_hint = next((h for vals, h in patterns if np.allclose(answers, vals, rtol=1e-6)), "")
    for H, lam, val in zip(_MATRICES, eig, answers):
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
            hint = patterns[0][1] + (" (for a 2×2 matrix 2/trace(H) is the same number)" if len(H) == 2 else "")
        elif np.isclose(val, 2.0 / np.trace(H), rtol=1e-6):
            hint = patterns[1][1]
        elif np.isclose(val, 2.0 / np.diag(H).max(), rtol=1e-6):
            hint = ("you used the largest diagonal entry; for a tilted bowl the curvatures are the "
                    "EIGENVALUES of H (np.linalg.eigvalsh(H)): 2/λ_max")
        elif np.isclose(val, lmax / 2.0, rtol=1e-6):
            hint = "the fraction is upside down: 2/λ_max, not λ_max/2"
        elif np.isclose(val, 2.0 / lmax ** 2, rtol=1e-6) or np.isclose(val, 2.0 / np.abs(H).sum(), rtol=1e-6):
            hint = "use the largest eigenvalue itself: 2/λ_max"
        msg = f"for H = {H.tolist()} (eigenvalues {np.round(lam[::-1], 4).tolist()}) you returned {val:.6g}, " \
              f"expected {want:.6g}"
        raise ExerciseError(msg + (f": {hint}" if hint else ""))
    # show it is the real edge: just below converges, just above diverges
    from bplab.optim import SGD
    from bplab.chapters.ch03.surfaces import Quadratic, run_path
    q = Quadratic(_MATRICES[1])
    lim = answers[1]
    below = run_path(q, SGD(0.98 * lim), steps=300)
    above = run_path(q, SGD(1.02 * lim), steps=300)
    passed(f"2/λ_max. On H = [[3, 2], [2, 6]] your limit is {lim:.4f}: gradient descent at 0.98× it "
           f"ends at loss {below.final_loss:.2e} ({below.status}), at 1.02× it ends at "
           f"{above.final_loss:.2e} ({above.status}).")


# --------------------------------------------------------------------------- 5. the SGD loop

# the check's problem: a 4-5-3 tanh network, 23 examples (four mini-batches of 5 and one of 3)
_LOOP = dict(lr=0.1, epochs=3, batch_size=5, seed=7)
_MOMENTUM_LOOP = dict(lr=0.05, mu=0.9, epochs=3, batch_size=5, seed=7)


def _loop_problem():
    from bplab.network import MLP

    rng = np.random.default_rng(5)
    X = rng.normal(size=(23, 4))
    y = rng.integers(0, 3, size=23)
    return MLP([4, 5, 3], activation="tanh", seed=1), X, y


class _Watched:
    """Watch a network's ``loss_and_grads``: which rows of X (and which labels) every call got."""

    def __init__(self, net, X, y):
        self.net, self.X, self.y = net, X, y
        self.rows = {x.tobytes(): i for i, x in enumerate(X)}
        self.calls = []                 # per call: the indices of the rows (None: not rows of X), labels ok
        self.original = net.params      # the list and ...
        self.arrays = list(net.params)  # ... the arrays the loop should update in place
        self.start = [p.copy() for p in net.params]
        plain = net.loss_and_grads

        def loss_and_grads(xb, yb):
            self.calls.append(self._which(xb, yb))
            return plain(xb, yb)

        net.loss_and_grads = loss_and_grads

    def _which(self, xb, yb):
        try:
            xb = np.ascontiguousarray(np.asarray(xb, dtype=np.float64))
            idx = np.array([self.rows[x.tobytes()] for x in xb.reshape(len(xb), -1)], dtype=int)
        except (KeyError, TypeError, ValueError):
            return None, False
        try:
            labels_ok = np.array_equal(np.asarray(yb).reshape(-1), self.y[idx])
        except (TypeError, ValueError):
            labels_ok = False
        return idx, labels_ok


def _fit_batches(n, epochs, batch_size, seed):
    """The mini-batches bplab.fit makes: one rng.permutation per epoch, cut in order."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        batches += [perm[s:s + batch_size] for s in range(0, n, batch_size)]
    return batches


def _check_batches(watch, name, *, epochs, batch_size, seed):
    """Raise ExerciseError naming what is wrong with the mini-batches the loop fed the network."""
    n = len(watch.X)
    calls = watch.calls
    per_epoch = -(-n // batch_size)
    last = n - (per_epoch - 1) * batch_size
    plan = (f"with {n} examples and batch_size={batch_size} every epoch has {per_epoch} mini-batches "
            f"({per_epoch - 1} of {batch_size} and a last one of {last}), {per_epoch * epochs} in {epochs} epochs")
    if not calls:
        raise ExerciseError(f"{name} never called net.loss_and_grads: for every mini-batch, "
                            "loss, grads = net.loss_and_grads(X[idx], y[idx]) gives the gradients to step with")
    if any(idx is None for idx, _ in calls):
        raise ExerciseError("a mini-batch held rows that are not rows of X: pass X[idx] (whole rows of the "
                            "data, as they are) to net.loss_and_grads")
    if not all(ok for _, ok in calls):
        raise ExerciseError("the labels do not travel with their examples: index X and y with the same "
                            "indices, net.loss_and_grads(X[idx], y[idx])")
    sizes = [len(idx) for idx, _ in calls]
    want = _fit_batches(n, epochs, batch_size, seed)
    if sizes != [len(b) for b in want]:
        if len(calls) == epochs * (n // batch_size) and set(sizes) == {batch_size}:
            raise ExerciseError(f"the last, smaller mini-batch of every epoch is dropped: {plan}. "
                                "range(0, len(X), batch_size) with idx = perm[start:start + batch_size] keeps it")
        if len(calls) == epochs * per_epoch and set(sizes) == {batch_size}:
            raise ExerciseError(f"all {len(calls)} mini-batches had {batch_size} examples, so within an epoch some "
                                "examples came twice and others not at all: it looks like a new permutation was "
                                "drawn for every mini-batch. Draw ONE permutation per epoch and cut all of that "
                                f"epoch's mini-batches from it; the last one holds the {last} left over")
        if len(calls) == epochs and set(sizes) == {n}:
            raise ExerciseError(f"every step used the whole data set (one step per epoch): cut each epoch into "
                                f"mini-batches instead; {plan}")
        if sizes == [len(b) for b in want[:per_epoch]]:
            raise ExerciseError(f"only one epoch was run: repeat the shuffle-and-step loop `epochs` times; {plan}")
        shown = sizes[:8] + (["…"] if len(sizes) > 8 else [])
        raise ExerciseError(f"the network saw {len(calls)} mini-batches of sizes {shown}, but {plan}")
    got = [idx for idx, _ in calls]
    epochs_seen = [np.concatenate(got[e * per_epoch:(e + 1) * per_epoch]) for e in range(epochs)]
    if all(np.array_equal(e, np.arange(n)) for e in epochs_seen):
        raise ExerciseError("no shuffling: the mini-batches come in the data's own order in every epoch. "
                            "Draw perm = rng.permutation(len(X)) at the start of each epoch and cut the "
                            "mini-batches from it")
    if not all(np.array_equal(np.sort(e), np.arange(n)) for e in epochs_seen):
        raise ExerciseError("within an epoch some examples came twice and others not at all: a new permutation "
                            "was drawn for every mini-batch. Draw ONE permutation per epoch and cut all of that "
                            "epoch's mini-batches from it, so that each example is used exactly once per epoch")
    if epochs > 1 and all(np.array_equal(e, epochs_seen[0]) for e in epochs_seen):
        raise ExerciseError("every epoch used the same shuffled order: draw a new permutation at the start of "
                            "EVERY epoch, from one generator made before the loop "
                            "(np.random.default_rng(seed) made inside the loop starts the same sequence again)")
    if any(not np.array_equal(a, b) for a, b in zip(got, want)):
        raise ExerciseError("your shuffled order is not the one bplab.fit uses, so the weights cannot be compared: "
                            "make rng = np.random.default_rng(seed) once, before the epochs, draw "
                            "perm = rng.permutation(len(X)) at the start of each epoch (and nothing else from rng), "
                            "and cut it in order, idx = perm[start:start + batch_size]")


def _reference_loop(net, X, y, *, epochs, batch_size, seed, step, epoch_start=None):
    """bplab.fit's loop with any update rule ``step(params, grads, state, batch_len)`` (and
    ``epoch_start(state, params, epoch)`` called before each epoch): used to find out which slip a
    learner's loop made."""
    state = {}
    per_epoch = -(-len(X) // batch_size)
    for k, idx in enumerate(_fit_batches(len(X), epochs, batch_size, seed)):
        if epoch_start is not None and k % per_epoch == 0:
            epoch_start(state, net.params, k // per_epoch)
        _, grads = net.loss_and_grads(X[idx], y[idx])
        step(net.params, grads, state, len(idx))
    return net.params


def _same_params(a, b) -> bool:
    return all(_same(p, q) for p, q in zip(a, b))


def _check_in_place(watch, name, want):
    """The loop must update the model's own arrays in place."""
    net = watch.net
    same_arrays = (isinstance(net.params, list) and len(net.params) == len(watch.arrays)
                   and all(p is q for p, q in zip(net.params, watch.arrays)))
    if same_arrays and _same_params(net.params, watch.start):
        raise ExerciseError(f"net.params did not change: {name} trained copies. `p = p - lr * g` makes a new "
                            "array and points the name p at it, leaving the model's own array as it was; "
                            "update it in place: p -= lr * g (or p[...] = p - lr * g)")
    if not same_arrays:
        how = "net.params = [...]" if net.params is not watch.original else "net.params[i] = ..."
        right = " The numbers are right, but" if _same_params(net.params, want) else ""
        raise ExerciseError(f"the arrays of net.params were replaced by new ones ({how}).{right} update the "
                            "model's own arrays in place, p -= lr * g, as bplab's optimisers do, so that "
                            "everything that holds them (an optimiser, a plot, your own variables) sees the change")


def _compare_with_slips(name, net, want, slips):
    """Name the slip whose weights the learner's ``net`` ended with, or report the worst
    difference from ``want`` (bplab.fit's weights)."""
    got = net.params
    if _same_params(got, want):
        return
    for message, params in slips:
        if _same_params(got, params):
            raise ExerciseError(message)
    for pname, g, w in zip(net.param_names(), got, want):
        check_close(f"{pname} after {name}'s training", g, w, rtol=1e-9, atol=1e-12)


def _run_loop(fn, name, spec, args):
    """Run the learner's loop on the check's problem: (the watched network, X, y)."""
    net, X, y = _loop_problem()
    watch = _Watched(net, X, y)
    _call(fn, net, X.copy(), y.copy(), *args, name=name, spec=spec)
    return watch, X, y


@exercise_check
def check_sgd_train(my_sgd_train):
    """``my_sgd_train(net, X, y, lr, epochs, batch_size, seed)`` is bplab.fit's loop with plain SGD:
    shuffle with ``np.random.default_rng(seed).permutation`` each epoch, cut mini-batches (the last
    one may be smaller), ``net.loss_and_grads(xb, yb)``, ``p -= lr * g`` for every array in place."""
    from bplab.optim import SGD
    from bplab.training import fit

    lr, epochs, bs, seed = _LOOP["lr"], _LOOP["epochs"], _LOOP["batch_size"], _LOOP["seed"]
    name = function_name(my_sgd_train, "my_sgd_train")
    watch, X, y = _run_loop(my_sgd_train, name, "my_sgd_train", (lr, epochs, bs, seed))
    _check_batches(watch, name, epochs=epochs, batch_size=bs, seed=seed)

    ref, _, _ = _loop_problem()
    fit(ref, X, y, optimizer=SGD(lr), epochs=epochs, batch_size=bs, seed=seed, progress=False)
    _check_in_place(watch, name, ref.params)

    def variant(update):
        """The weights a loop that updates each array with ``update(i, p, g, batch_len)`` leaves."""
        def step(params, grads, state, nb):
            for i, (p, g) in enumerate(zip(params, grads)):
                update(i, p, g, nb)
        net, _, _ = _loop_problem()
        return _reference_loop(net, X, y, epochs=epochs, batch_size=bs, seed=seed, step=step)

    def sub(p, d):
        p -= d

    slips = [
        ("the weights went uphill: you added the gradient. It points where the loss grows fastest, so "
         "subtract it: p -= lr * g", variant(lambda i, p, g, nb: sub(p, -lr * g))),
        ("the step ignores the learning rate: p -= lr * g, not p -= g", variant(lambda i, p, g, nb: sub(p, g))),
        ("the learning rate is applied twice (the steps are lr**2 * g): multiply the gradient by lr once, "
         "p -= lr * g", variant(lambda i, p, g, nb: sub(p, lr * lr * g))),
        ("the learning rate is applied twice (the steps are 2 * lr * g): subtract lr * g once per step",
         variant(lambda i, p, g, nb: sub(p, 2 * lr * g))),
        ("every step is batch_size times too small: net.loss_and_grads already returns the gradient of the "
         "MEAN loss over the mini-batch, so do not divide by its size again",
         variant(lambda i, p, g, nb: sub(p, lr * g / nb))),
        ("only the weights W moved; the biases b kept their first values: update every array of net.params "
         "([W1, b1, W2, b2, ...], each with its own gradient)",
         variant(lambda i, p, g, nb: sub(p, lr * g) if i % 2 == 0 else None)),
        ("only the biases b moved; the weights W kept their first values: update every array of net.params "
         "([W1, b1, W2, b2, ...], each with its own gradient)",
         variant(lambda i, p, g, nb: sub(p, lr * g) if i % 2 == 1 else None)),
    ]
    _compare_with_slips(name, watch.net, ref.params, slips)
    per_epoch = -(-len(X) // bs)
    passed(f"{name} trained the check's 4-5-3 network ({len(X)} examples, {epochs} epochs of {per_epoch} "
           f"mini-batches, the last of each epoch {len(X) - (per_epoch - 1) * bs} examples) to the same weights "
           f"as bplab.fit(net, X, y, optimizer=bplab.SGD({lr}), epochs={epochs}, batch_size={bs}, seed={seed}): "
           "shuffle, cut, backprop, step.")


# --------------------------------------------------------------------------- 6. momentum in the loop

def _explain_crash(e, name):
    """H crash that usually means one velocity was shared by arrays of different shapes."""
    cause = e.__cause__
    text = str(cause) if cause is not None else ""
    if isinstance(cause, ValueError) and any(w in text for w in ("broadcast", "inhomogeneous", "shape")):
        return ExerciseError(f"{name} raised ValueError ({text}): this usually means one velocity is shared "
                             "by arrays of different shapes. Keep one velocity per parameter array, "
                             "velocity = [np.zeros_like(p) for p in net.params], and step each array with "
                             "its own: v = mu * v - lr * g; p += v")
    return e


@exercise_check
def check_momentum_train(my_momentum_train):
    """``my_momentum_train(net, X, y, lr, mu, epochs, batch_size, seed)``: the SGD loop with one
    velocity per parameter array, ``v = mu * v - lr * g; p += v``, against bplab.fit with
    ``SGD(lr, momentum=mu)``."""
    from bplab.optim import SGD
    from bplab.training import fit

    lr, mu = _MOMENTUM_LOOP["lr"], _MOMENTUM_LOOP["mu"]
    epochs, bs, seed = _MOMENTUM_LOOP["epochs"], _MOMENTUM_LOOP["batch_size"], _MOMENTUM_LOOP["seed"]
    name = function_name(my_momentum_train, "my_momentum_train")
    try:
        watch, X, y = _run_loop(my_momentum_train, name, "my_momentum_train", (lr, mu, epochs, bs, seed))
    except NotWrittenYet:
        raise
    except ExerciseError as e:
        raise _explain_crash(e, name) from None
    _check_batches(watch, name, epochs=epochs, batch_size=bs, seed=seed)

    ref, _, _ = _loop_problem()
    fit(ref, X, y, optimizer=SGD(lr, momentum=mu), epochs=epochs, batch_size=bs, seed=seed, progress=False)
    _check_in_place(watch, name, ref.params)

    def variant(update, *, every_epoch=False):
        """The weights a loop that updates each array with ``update(velocities, i, p, g)`` leaves,
        the velocities made before the first epoch (or before every epoch)."""
        def epoch_start(state, params, epoch):
            if epoch == 0 or every_epoch:
                state["v"] = [np.zeros_like(p) for p in params]

        def step(params, grads, state, nb):
            for i, (p, g) in enumerate(zip(params, grads)):
                update(state["v"], i, p, g)
        net, _, _ = _loop_problem()
        return _reference_loop(net, X, y, epochs=epochs, batch_size=bs, seed=seed, step=step,
                               epoch_start=epoch_start)

    def right(v, i, p, g):
        v[i] = mu * v[i] - lr * g
        p += v[i]

    def reset(v, i, p, g):                      # a new zero velocity at every step
        p += mu * 0.0 - lr * g

    def uphill(v, i, p, g):
        v[i] = mu * v[i] + lr * g
        p += v[i]

    # (v = mu v - lr g with p -= v is the same walk uphill: its velocity is minus this one)
    def old_velocity(v, i, p, g):
        p += v[i]
        v[i] = mu * v[i] - lr * g

    def no_lr(v, i, p, g):
        v[i] = mu * v[i] - g
        p += v[i]

    def no_mu(v, i, p, g):
        v[i] = v[i] - lr * g
        p += v[i]

    slips = [
        ("the velocities never remember anything: every step starts again from zero, so this is plain SGD. "
         "The usual cause is `v = mu * v - lr * g` inside the loop over the arrays: it makes a new array and "
         "binds the local name v to it, while the array kept in your velocity list stays zero. Update that "
         "array in place, `v *= mu; v -= lr * g` (or `v[...] = mu * v - lr * g`), then `p += v`; and make "
         "the velocities once, before the epochs", variant(reset)),
        ("the velocity is reset at the start of every epoch: make it once, before the epoch loop, so that it "
         "carries on from one epoch to the next as bplab.SGD's does", variant(right, every_epoch=True)),
        ("the parameters go uphill: with v = mu * v - lr * g (minus the gradient) the velocity points "
         "downhill, and p += v follows it; v = mu * v + lr * g, or p -= v, walks up the slope",
         variant(uphill)),
        ("the parameters moved by the OLD velocity: update the velocity first (v = mu * v - lr * g), "
         "then p += v", variant(old_velocity)),
        ("the gradient is not scaled by the learning rate: v = mu * v - lr * g", variant(no_lr)),
        ("the old velocity is not decayed: multiply it by mu, v = mu * v - lr * g", variant(no_mu)),
    ]
    _compare_with_slips(name, watch.net, ref.params, slips)
    passed(f"{name} leaves the same weights as bplab.fit(net, X, y, optimizer=bplab.SGD({lr}, momentum={mu}), "
           f"epochs={epochs}, batch_size={bs}, seed={seed}): one velocity per array, kept from step to step "
           "and from epoch to epoch.")
