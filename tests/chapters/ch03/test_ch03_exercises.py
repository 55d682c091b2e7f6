"""Chapter 03 exercise checks: right answers pass, common mistakes get specific messages."""
import numpy as np
import pytest

from bplab.chapters._shared.feedback import ExerciseError, NotWrittenYet
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
    ch03.check_max_stable_lr.strict(lambda H: 2.0 / np.linalg.eigvalsh(H).max())
    out = capsys.readouterr().out
    assert "Correct" in out and "0.2857" in out and "(converging)" in out and "(diverged)" in out


def test_max_stable_lr_accepts_numpy_scalars_and_arrays(capsys):
    ch03.check_max_stable_lr.strict(lambda H: np.array([2.0 / np.linalg.eigvalsh(H).max()]))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (lambda H: 1.0 / np.linalg.eigvalsh(H).max(), "that is 1/λ_max"),
    (lambda H: 2.0 / np.linalg.eigvalsh(H).min(), "SMALLEST eigenvalue"),
    (lambda H: 2.0 / np.diag(H).max(), r"largest diagonal entry.*EIGENVALUES"),
    (lambda H: np.linalg.eigvalsh(H).max() / 2.0, "upside down"),
    (lambda H: None, "returned None"),
    (lambda H: "0.2", "one number"),
    (lambda H: 0.123, r"you returned 0.123, expected 0.2$"),
    (lambda H: 2.0 / (np.linalg.eigvalsh(H).min() + np.linalg.eigvalsh(H).max()),
     r"that is η\* = 2/\(λ_min\+λ_max\), the fastest rate.*the question asks for the edge, 2/λ_max"),
    (lambda H: 2.0 / np.trace(H), r"that is 2/trace\(H\).*The question asks for the edge, 2/λ_max"),
    # right on the 2x2 matrices, 2/trace on the 3x3 one
    (lambda H: 2.0 / np.linalg.eigvalsh(H).max() if len(H) == 2 else 2.0 / np.trace(H), r"2/trace\(H\)"),
    (lambda H: 2.0 / (np.linalg.eigvalsh(H).min() + np.linalg.eigvalsh(H).max()) if len(H) == 3 else
     2.0 / np.linalg.eigvalsh(H).max(), r"η\* = 2/\(λ_min\+λ_max\)"),
])
def test_max_stable_lr_wrong(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch03.check_max_stable_lr.strict(fn)


# ----------------------------------------------------------------------------- not written yet

def _todo2(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check, spec", [
    (ch03.check_gd_step.strict, r"gd_step\(params, grad, lr\) returns the parameters after one step"),
    (ch03.check_momentum_step.strict, r"momentum_step\(params, velocity, grad, lr, mu\) returns the pair "
                                      r"\(new_params, new_velocity\)"),
    (ch03.check_rmsprop_step.strict, r"rmsprop_step\(params, sq, grad, lr, rho, eps\) returns the pair "
                                     r"\(new_params, new_sq\)"),
    (ch03.check_max_stable_lr.strict, r"max_stable_lr\(H\) takes a symmetric positive-definite matrix.*one number"),
])
def test_not_written_yet_restates_the_spec(check, spec):
    with pytest.raises(ExerciseError, match="not written yet") as info:
        check(_todo2)
    assert "What it should do:" in str(info.value)
    import re
    assert re.search(spec, str(info.value), re.S)
    # it says what to write, not the formula: no update rule is given away
    assert not re.search(r"lr \* grad|np\.sqrt|eigvalsh|mu \* v", str(info.value)), str(info.value)


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


# ----------------------------------------------------------------------------- the training loops

def _loop(update=None, *, order="fit", cut="all", make_v="once", labels="same", in_place=True, calls="batch"):
    """A mini-batch training loop with knobs for every slip the checks recognise; by default it is
    right (plain SGD with ``update=None``; ``update(v, i, p, g, lr, mu)`` for momentum loops)."""
    def train(net, X, y, lr, *rest):
        mu, (epochs, batch_size, seed) = (rest[0], rest[1:]) if len(rest) == 4 else (None, rest)
        n = len(X)
        rng = np.random.default_rng(seed)
        fixed = np.random.default_rng(seed).permutation(n)      # drawn once (the "once" slip)
        other = np.random.default_rng(seed + 1)
        vel = [np.zeros_like(p) for p in net.params]
        for epoch in range(epochs):
            if make_v == "every epoch":
                vel = [np.zeros_like(p) for p in net.params]
            if order == "fit":
                perm = rng.permutation(n)
            elif order == "none":
                perm = np.arange(n)
            elif order == "once":
                perm = fixed
            elif order == "rng in loop":
                perm = np.random.default_rng(seed).permutation(n)
            elif order == "other rng":
                perm = other.permutation(n)
            stop = n - n % batch_size if cut == "drop last" else n
            starts = [0] if cut == "full batch" else range(0, stop, batch_size)
            for start in starts:
                if order == "per batch":
                    idx = rng.permutation(n)[start:start + batch_size]
                elif order == "per batch, first":
                    idx = rng.permutation(n)[:batch_size]
                else:
                    idx = perm if cut == "full batch" else perm[start:start + batch_size]
                yb = y[idx] if labels == "same" else y[np.sort(idx)]
                loss, grads = net.loss_and_grads(X[idx], yb)
                if calls == "twice":
                    net.loss_and_grads(X, y)
                for i, (p, g) in enumerate(zip(net.params, grads)):
                    if update is None:
                        new = p - lr * g
                    else:
                        new = p.copy()
                        update(vel, i, new, g, lr, mu)
                    if in_place == "rebind":
                        p = new                          # noqa: F841  (the slip: a new local array)
                    elif in_place == "replace":
                        net.params[i] = new
                    else:
                        p[...] = new
            if cut == "one epoch":
                return
    return train


def _sgd(rule):
    """A plain-SGD loop whose update of one array is ``rule(i, p, g, lr, batch_len)``."""
    def train(net, X, y, lr, epochs, batch_size, seed):
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            perm = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                idx = perm[start:start + batch_size]
                _, grads = net.loss_and_grads(X[idx], y[idx])
                for i, (p, g) in enumerate(zip(net.params, grads)):
                    rule(i, p, g, lr, len(idx))
    return train


def _momentum_right(v, i, p, g, lr, mu):
    v[i] = mu * v[i] - lr * g
    p += v[i]


def test_sgd_train_right(capsys):
    ch03.check_sgd_train.strict(_loop())
    out = capsys.readouterr().out
    assert out.startswith("✓ Correct!") and "same weights as bplab.fit" in out and "SGD(0.1)" in out


def test_sgd_train_right_with_shuffled_copies_and_augmented_assignment(capsys):
    def my_sgd_train(net, X, y, lr, epochs, batch_size, seed):
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            perm = rng.permutation(len(X))
            Xs, ys = X[perm], y[perm]
            for s in range(0, len(X), batch_size):
                _, grads = net.loss_and_grads(Xs[s:s + batch_size], ys[s:s + batch_size])
                for p, g in zip(net.params, grads):
                    p -= lr * g
        return "ignored"
    ch03.check_sgd_train.strict(my_sgd_train)
    assert "✓ Correct!" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (_loop(order="none"), "no shuffling: the mini-batches come in the data's own order"),
    (_loop(order="per batch"), "a new permutation was drawn for every mini-batch"),
    (_loop(order="per batch, first"), "all 15 mini-batches had 5 examples.*a new permutation was drawn for every"),
    (_loop(order="once"), "every epoch used the same shuffled order: draw a new permutation"),
    (_loop(order="rng in loop"), r"every epoch used the same shuffled order.*inside the loop"),
    (_loop(order="other rng"), "not the one bplab.fit uses"),
    (_loop(cut="drop last"), "the last, smaller mini-batch of every epoch is dropped"),
    (_loop(cut="full batch"), "every step used the whole data set"),
    (_loop(cut="one epoch"), "only one epoch was run"),
    (_loop(calls="twice"), r"the network saw 30 mini-batches of sizes \[5, 23, 5, 23"),
    (_loop(labels="sorted"), "the labels do not travel with their examples"),
    (_loop(in_place="rebind"), r"net.params did not change: .*`p = p - lr \* g` makes a new array"),
    (_loop(in_place="replace"), r"replaced by new ones \(net.params\[i\] = ...\). The numbers are right, but"),
    (_sgd(lambda i, p, g, lr, nb: p.__iadd__(lr * g)), "went uphill: you added the gradient"),
    (_sgd(lambda i, p, g, lr, nb: p.__isub__(g)), "ignores the learning rate"),
    (_sgd(lambda i, p, g, lr, nb: p.__isub__(lr * lr * g)), r"applied twice \(the steps are lr\*\*2 \* g\)"),
    (_sgd(lambda i, p, g, lr, nb: p.__isub__(2 * lr * g)), r"applied twice \(the steps are 2 \* lr \* g\)"),
    (_sgd(lambda i, p, g, lr, nb: p.__isub__(lr * g / nb)), "batch_size times too small.*MEAN loss"),
    (_sgd(lambda i, p, g, lr, nb: p.__isub__(lr * g) if i % 2 == 0 else None), "only the weights W moved"),
    (_sgd(lambda i, p, g, lr, nb: p.__isub__(lr * g) if i % 2 else None), "only the biases b moved"),
    (_sgd(lambda i, p, g, lr, nb: p.__isub__(1.001 * lr * g)), r"W1 after train's training is off at index"),
])
def test_sgd_train_slips(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch03.check_sgd_train.strict(fn)


def test_sgd_train_rebinding_net_params():
    def train(net, X, y, lr, epochs, batch_size, seed):
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            perm = rng.permutation(len(X))
            for s in range(0, len(X), batch_size):
                idx = perm[s:s + batch_size]
                _, grads = net.loss_and_grads(X[idx], y[idx])
                net.params = [p - lr * g for p, g in zip(net.params, grads)]
    with pytest.raises(ExerciseError, match=r"replaced by new ones \(net.params = \[...\]\)\. The numbers are right"):
        ch03.check_sgd_train.strict(train)


def test_sgd_train_that_never_calls_loss_and_grads():
    with pytest.raises(ExerciseError, match="never called net.loss_and_grads"):
        ch03.check_sgd_train.strict(lambda net, X, y, lr, epochs, batch_size, seed: None)


def test_momentum_train_right(capsys):
    ch03.check_momentum_train.strict(_loop(_momentum_right))
    out = capsys.readouterr().out
    assert out.startswith("✓ Correct!") and "SGD(0.05, momentum=0.9)" in out


def _shared_velocity(net, X, y, lr, mu, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    v = 0.0
    for _ in range(epochs):
        perm = rng.permutation(len(X))
        for s in range(0, len(X), batch_size):
            idx = perm[s:s + batch_size]
            _, grads = net.loss_and_grads(X[idx], y[idx])
            for p, g in zip(net.params, grads):
                v = mu * v - lr * g                # one velocity for every array
                p += v


def _one_velocity_array(net, X, y, lr, mu, epochs, batch_size, seed):
    v = np.zeros_like(np.array(net.params, dtype=float))  # ragged: numpy 1.x and 2.x both refuse
    _loop(_momentum_right)(net, X, y, lr, mu, epochs, batch_size, seed)
    return v


def _reset_every_step(v, i, p, g, lr, mu):
    v[i] = np.zeros_like(p)
    v[i] = mu * v[i] - lr * g
    p += v[i]


def _uphill(v, i, p, g, lr, mu):
    v[i] = mu * v[i] + lr * g
    p += v[i]


def _minus(v, i, p, g, lr, mu):
    v[i] = mu * v[i] - lr * g
    p -= v[i]


def _old(v, i, p, g, lr, mu):
    p += v[i]
    v[i] = mu * v[i] - lr * g


def _no_lr(v, i, p, g, lr, mu):
    v[i] = mu * v[i] - g
    p += v[i]


def _no_mu(v, i, p, g, lr, mu):
    v[i] = v[i] - lr * g
    p += v[i]


def _off(v, i, p, g, lr, mu):
    v[i] = mu * v[i] - 1.001 * lr * g
    p += v[i]


def _rebind_velocity(net, X, y, lr, mu, epochs, batch_size, seed):
    """The classic slip: `v = mu * v - lr * g` rebinds the loop's local name; the list stays zero."""
    rng = np.random.default_rng(seed)
    velocity = [np.zeros_like(p) for p in net.params]
    for _ in range(epochs):
        perm = rng.permutation(len(X))
        for s in range(0, len(X), batch_size):
            idx = perm[s:s + batch_size]
            _, grads = net.loss_and_grads(X[idx], y[idx])
            for p, g, v in zip(net.params, grads, velocity):
                v = mu * v - lr * g                # noqa: PLW2901  (a new array; velocity[i] stays zero)
                p += v


@pytest.mark.parametrize("fn, match", [
    (_rebind_velocity, r"binds the local name v.*v \*= mu; v -= lr \* g"),
    (_loop(_reset_every_step), "never remember anything: every step starts again from zero, so this is plain SGD"),
    (_loop(_momentum_right, make_v="every epoch"), "reset at the start of every epoch"),
    (_loop(_uphill), r"go uphill: with v = mu \* v - lr \* g"),
    (_loop(_minus), r"go uphill.*or p -= v, walks up the slope"),
    (_loop(_old), "moved by the OLD velocity"),
    (_loop(_no_lr), "not scaled by the learning rate"),
    (_loop(_no_mu), "not decayed: multiply it by mu"),
    (_shared_velocity, r"raised ValueError .*one velocity is shared by arrays of different shapes"),
    (_one_velocity_array, r"raised ValueError .*one velocity per parameter array"),
    (_loop(_momentum_right, order="none"), "no shuffling"),
    (_loop(_momentum_right, cut="drop last"), "last, smaller mini-batch"),
    (_loop(_momentum_right, in_place="rebind"), "net.params did not change"),
    (_loop(_off), r"W1 after my_momentum_train's training is off"),
])
def test_momentum_train_slips(fn, match):
    fn.__name__ = "my_momentum_train"
    with pytest.raises(ExerciseError, match=match):
        ch03.check_momentum_train.strict(fn)


@pytest.mark.parametrize("check, spec", [
    (ch03.check_sgd_train, r"my_sgd_train\(net, X, y, lr, epochs, batch_size, seed\) trains net in place"),
    (ch03.check_momentum_train, r"my_momentum_train\(net, X, y, lr, mu, epochs, batch_size, seed\) is "
                                r"my_sgd_train with one velocity per parameter array"),
])
def test_training_loops_not_written_yet(check, spec):
    def my_loop(*args):
        raise NotImplementedError
    with pytest.raises(NotWrittenYet, match="my_loop is not written yet.*What it should do: " + spec):
        check.strict(my_loop)


@pytest.mark.parametrize("check, answer", [
    (ch03.check_gd_step, lambda p, g, lr: p + lr * g),
    (ch03.check_gd_step, lambda p, g, lr: p - lr * g),
    (ch03.check_momentum_step, lambda *a: 1 / 0),
    (ch03.check_sgd_train, _loop(order="none")),
    (ch03.check_sgd_train, _loop()),
    (ch03.check_sgd_train, _todo2),
    (ch03.check_momentum_train, _loop(_uphill)),
    (ch03.check_momentum_train, _shared_velocity),
    (ch03.check_momentum_train, _loop(_momentum_right)),
    (ch03.check_momentum_train, _todo2),
    (ch03.check_max_stable_lr, _todo2),
])
def test_notebook_form_prints_one_line_and_never_raises(check, answer, capsys):
    assert check(answer) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n"), out
    assert out[0] in "…✗✓"
