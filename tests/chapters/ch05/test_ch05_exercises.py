"""bplab.chapters.ch05.exercises: right answers pass, each typical slip gets its own specific message."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bplab.chapters._shared.feedback import ExerciseError, NotWrittenYet
from bplab.chapters.ch05 import exercises as ch05


# ------------------------------------------------------------------ accuracy

def test_accuracy_correct(capsys):
    ch05.check_accuracy.strict(lambda t, p: float(np.mean(np.asarray(t) == np.asarray(p))))
    assert "✓ Correct!" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, msg", [
    (lambda t, p: int(np.sum(t == p)), "number of correct predictions"),
    (lambda t, p: 100 * np.mean(t == p), "percentage"),
    (lambda t, p: 1 - np.mean(t == p), "error rate"),
    (lambda t, p: 0.5, "expected accuracy 1, got 0.5"),
    (lambda t, p: None, "forget to `return`"),
    (lambda t, p: [1, 2], "one number"),
])
def test_accuracy_slips(wrong, msg):
    with pytest.raises(ExerciseError, match=msg):
        ch05.check_accuracy.strict(wrong)


def test_not_written_and_not_a_function():
    def todo(t, p):
        raise NotImplementedError

    with pytest.raises(ExerciseError, match="not written yet"):
        ch05.check_accuracy.strict(todo)
    with pytest.raises(ExerciseError, match="pass the function itself"):
        ch05.check_accuracy.strict(0.9)


# ------------------------------------------------------------------ confusion matrix

def _cm(t, p, k):
    C = np.zeros((k, k), dtype=int)
    for a, b in zip(t, p):
        C[a, b] += 1
    return C


def test_confusion_matrix_correct(capsys):
    ch05.check_confusion_matrix.strict(_cm)
    ch05.check_confusion_matrix.strict(lambda t, p, k: pd.DataFrame(_cm(t, p, k)))   # a DataFrame is fine
    assert capsys.readouterr().out.count("✓ Correct!") == 2


@pytest.mark.parametrize("wrong, msg", [
    (lambda t, p, k: _cm(t, p, k).T, "transposed"),
    (lambda t, p, k: _cm(t, p, k)[:-1], r"shape \(2, 3\), expected \(3, 3\)"),
    (lambda t, p, k: _cm(t, p, int(max(t.max(), p.max()) + 1)),
     r"shape \(2, 2\): class 2 never occurs but n_classes=3.*3×3.*not with the\s+largest label"),
    (lambda t, p, k: _cm(t, p, len(np.unique(np.concatenate([t, p])))), "class 2 never occurs but n_classes=3"),
    (lambda t, p, k: _cm(t, p, k) / np.maximum(_cm(t, p, k).sum(axis=1, keepdims=True), 1),
     "raw counts, not row shares"),
    (lambda t, p, k: _cm(t, p, k) / len(t), "divided by the number of examples"),
    (lambda t, p, k: 2 * _cm(t, p, k), "add up to 12"),
    (lambda t, p, k: _cm(t, p, k) + np.array([[-1, 1] + [0] * (k - 2)] + [[0] * k] * (k - 1)),
     r"cell \[true 0, predicted 0\] is 0, expected 1"),
])
def test_confusion_matrix_slips(wrong, msg):
    with pytest.raises(ExerciseError, match=msg):
        ch05.check_confusion_matrix.strict(wrong)


def test_confusion_matrix_buffered_fancy_index():
    def buffered(t, p, k):
        C = np.zeros((k, k), dtype=int)
        C[t, p] += 1               # a repeated (t, p) pair is counted once
        return C

    with pytest.raises(ExerciseError, match=r"cell \[true 1, predicted 1\] is 1, expected 2.*buffered"
                                            r".*np\.add\.at\(C, \(y_true, y_pred\), 1\).*loop"):
        ch05.check_confusion_matrix.strict(buffered)

    def with_add_at(t, p, k):
        C = np.zeros((k, k), dtype=int)
        np.add.at(C, (t, p), 1)
        return C

    ch05.check_confusion_matrix.strict(with_add_at)


# ------------------------------------------------------------------ softmax

def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_correct(capsys):
    ch05.check_softmax.strict(_softmax)
    assert "✓ Correct!" in capsys.readouterr().out


def test_softmax_naive_overflows():
    def naive(z):
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    with pytest.raises(ExerciseError, match="overflows.*Subtract each row's maximum"):
        ch05.check_softmax.strict(naive)


@pytest.mark.parametrize("wrong, msg", [
    (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), "sum over axis=1"),
    (lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0), "sum to"),
    (lambda z: _softmax(z)[0], "shape"),
    (lambda z: _softmax(2 * z), "is off"),
])
def test_softmax_slips(wrong, msg):
    with pytest.raises(ExerciseError, match=msg):
        ch05.check_softmax.strict(wrong)


def _no_keepdims_in_sum(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def _no_keepdims_in_max(z):
    e = np.exp(z - z.max(axis=1))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("wrong", [_no_keepdims_in_sum, _no_keepdims_in_max])
def test_softmax_without_keepdims_gets_the_keepdims_hint(wrong):
    with pytest.raises(ExerciseError, match=r"broadcast.*shape \(2, 3\).*keepdims=True \(shape \(n, 1\)\)"):
        ch05.check_softmax.strict(wrong)


@pytest.mark.parametrize("wrong", [_no_keepdims_in_sum, _no_keepdims_in_max])
def test_softmax_without_keepdims_on_square_logits(wrong):
    # square logits broadcast without an error: only the values give the slip away
    def only_square_wrong(z):
        return wrong(z) if z.shape[0] == z.shape[1] else _softmax(z)

    with pytest.raises(ExerciseError, match=r"square logits.*rows are mixed up with your columns.*keepdims=True"):
        ch05.check_softmax.strict(only_square_wrong)


def test_softmax_returning_log_softmax():
    def log_softmax(z):
        s = z - z.max(axis=1, keepdims=True)
        return s - np.log(np.exp(s).sum(axis=1, keepdims=True))

    with pytest.raises(ExerciseError, match=r"<= 0 and exp\(\) of each row sums to 1.*log-probabilities"):
        ch05.check_softmax.strict(log_softmax)


# ------------------------------------------------------------------ labels needed

def _needed(table, target):
    ok = table[table["accuracy"] >= target]
    return None if len(ok) == 0 else int(ok["n_labels"].min())


def test_labels_needed_correct_including_own_table(capsys):
    own = pd.DataFrame({"n_labels": [50, 100, 1168], "accuracy": [0.87, 0.95, 0.98]})
    ch05.check_labels_needed.strict(_needed, table=own)
    assert "✓ Correct!" in capsys.readouterr().out
    assert ch05.reference_labels_needed(own, 0.95) == 100
    assert ch05.reference_labels_needed(own, 0.99) is None


def test_labels_needed_slips():
    strict = lambda t, x: _needed(t[t["accuracy"] > x], x)          # > instead of >=
    with pytest.raises(ExerciseError, match="'at least' means >=, not >"):
        ch05.check_labels_needed.strict(strict)
    first_row = lambda t, x: int(t[t["accuracy"] >= x]["n_labels"].iloc[0]) if (t["accuracy"] >= x).any() else None
    with pytest.raises(ExerciseError, match=r"rows are not sorted.*smallest n_labels.*\(300\)"):
        ch05.check_labels_needed.strict(first_row)
    returns_acc = lambda t, x: float(t[t["accuracy"] >= x]["accuracy"].min())
    with pytest.raises(ExerciseError, match="an accuracy"):
        ch05.check_labels_needed.strict(returns_acc)
    never_none = lambda t, x: _needed(t, x) or int(t["n_labels"].max())
    with pytest.raises(ExerciseError, match="no row reaches the target, so return None"):
        ch05.check_labels_needed.strict(never_none)
    always_none = lambda t, x: None
    with pytest.raises(ExerciseError, match="got None"):
        ch05.check_labels_needed.strict(always_none)


# ------------------------------------------------------------------ your own training step

def make_step(slip=None):
    """A hand-written training step, right or with one classic slip built in."""
    from bplab.losses import softmax

    def my_train_step(net, xb, yb, lr):
        out, cache = net.forward(xb, return_cache=True)
        n = len(xb)
        p = softmax(out)
        loss = -np.mean(np.log(p[np.arange(n), yb]))
        dA = p.copy()
        if slip != "no_onehot":
            dA[np.arange(n), yb] -= 1
        if slip != "no_1_over_n":
            dA = dA / n
        if slip == "ascent":
            dA = -dA
        grads = [None] * len(net.params)
        for l in reversed(range(len(cache))):
            A_prev, Z, A = cache[l]
            W = net.weights[l]
            slope = {"no_slope": 1.0, "slope_of_Z": None}.get(slip, net.activations[l].grad_from_output(A))
            if slip == "slope_of_Z":
                slope = net.activations[l].grad_from_output(Z)
            dZ = dA * slope
            dW = {"dW_transposed": dZ.T @ A_prev if dZ.shape[1] == A_prev.shape[1] else None,
                  "dW_from_A": A.T @ dZ}.get(slip, A_prev.T @ dZ)
            db = dZ.mean(axis=0) if slip == "db_mean" else dZ.sum(axis=0)
            if slip == "update_first":
                W -= lr * dW
            dA = dZ @ W if slip == "W_not_WT" else dZ @ W.T
            grads[2 * l], grads[2 * l + 1] = dW, db
        for i, g in enumerate(grads):
            if slip == "rebind_local":
                p_ = net.params[i]
                p_ = p_ - lr * g               # binds a new array to the name; net.params unchanged
            elif slip == "rebind_list":
                net.params[i] = net.params[i] - lr * g
            elif slip != "update_first" or i % 2:
                net.params[i] -= lr * g
        if slip == "loss_after":
            return net.loss_value(xb, yb)
        if slip == "loss_sum":
            return loss * n
        if slip == "no_return":
            return None
        return loss

    return my_train_step


def test_train_step_correct(capsys):
    ch05.check_train_step.strict(make_step())
    out = capsys.readouterr().out
    assert out.startswith("✓ Correct!") and "finite differences" in out


def test_reference_step_agrees_with_finite_differences():
    for _, net, xb, yb, lr in ch05._step_cases():
        _, grads = net.loss_and_grads(xb, yb)
        for g, f in zip(grads, ch05._finite_difference_grads(net, xb, yb)):
            np.testing.assert_allclose(g, f, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("slip, msg", [
    ("no_1_over_n", r"N = 6 times too big.*Divide by N"),
    ("no_onehot", r"left out the one-hot labels.*dOut\[np.arange\(N\), yb\] -= 1"),
    ("no_slope", r"forgot the activation's slope.*grad_from_output\(A\)"),
    ("slope_of_Z", r"grad_from_output wants the layer's OUTPUT A.*not Z.*5-4-4-3 tanh"),
    ("W_not_WT", r"W instead of W.T: dA_prev = dZ @ W.T"),
    ("dW_transposed", r"dW is transposed"),
    ("dW_from_A", r"dW used the layer's OUTPUT A.*A_prev.T @ dZ"),
    ("db_mean", r"db is the MEAN of dZ.*dZ.sum\(axis=0\)"),
    ("update_first", r"updated a layer's W before passing the gradient back"),
    ("ascent", r"went uphill.*param -= lr \* g"),
    ("rebind_local", r"did not change net.params.*W = W - lr \* dW.*W -= lr \* dW"),
    ("rebind_list", r"right values, but .* put NEW arrays into net.params.*in place"),
    ("loss_after", r"loss AFTER the update"),
    ("loss_sum", r"SUM of the losses"),
    ("no_return", r"forget to `return`"),
])
def test_train_step_slips(slip, msg):
    with pytest.raises(ExerciseError, match=msg) as err:
        ch05.check_train_step.strict(make_step(slip))
    assert not isinstance(err.value, NotWrittenYet)


def test_train_step_using_bplabs_gradient_is_not_writing_it():
    def lazy(net, xb, yb, lr):
        loss, grads = net.loss_and_grads(xb, yb)
        for p, g in zip(net.params, grads):
            p -= lr * g
        return loss

    with pytest.raises(ExerciseError, match=r"called net.loss_and_grads.*write it yourself"):
        ch05.check_train_step.strict(lazy)

    def loss_fn_gradient(net, xb, yb, lr):
        out, cache = net.forward(xb, return_cache=True)
        loss, dOut = net.loss_fn(out, yb)
        for p, g in zip(net.params, net.backward(dOut, cache)):
            p -= lr * g
        return loss

    with pytest.raises(ExerciseError, match=r"called net.loss_fn\(out, yb\).*grad=False"):
        ch05.check_train_step.strict(loss_fn_gradient)


def test_train_step_shape_crash_gets_the_shape_hint():
    def transposed_everywhere(net, xb, yb, lr):
        return make_step("W_not_WT")(net, xb, yb, lr) if net.sizes[0] != net.sizes[1] else \
            make_step()(net, xb, yb, lr)

    with pytest.raises(ExerciseError, match=r"raised ValueError.*6-5-3 relu.*dA_prev = dZ @ W.T"):
        ch05.check_train_step.strict(transposed_everywhere)


def test_train_step_unknown_slip_is_located_by_finite_differences():
    def bias_twice(net, xb, yb, lr):
        loss = make_step()(net, xb, yb, lr)
        net.params[-1] -= 0.01                    # an extra nudge to the last bias
        return loss

    with pytest.raises(ExerciseError, match=r"gradient your step used for b2.*finite differences.*is off"):
        ch05.check_train_step.strict(bias_twice)


def test_train_step_not_written_and_notebook_form(capsys):
    def my_train_step(net, xb, yb, lr):
        raise NotImplementedError

    with pytest.raises(NotWrittenYet, match="my_train_step is not written yet"):
        ch05.check_train_step.strict(my_train_step)
    assert ch05.check_train_step(my_train_step) is None
    assert capsys.readouterr().out.startswith("… my_train_step is not written yet")
    for slip in ("no_1_over_n", "rebind_local", "W_not_WT"):
        assert ch05.check_train_step(make_step(slip)) is None
        out = capsys.readouterr().out
        assert out.startswith("✗ ") and out.count("\n") == 1
    assert not ch05.check_train_step.passes(make_step("no_slope"))
    assert ch05.check_train_step.passes(make_step())


# ------------------------------------------------------------------ your own training loop

def make_train(slip=None, step=None):
    """A hand-written training loop, right or with one classic slip built in."""
    step = step or make_step()

    def my_train(net, X, y, lr, epochs, batch_size, seed):
        rng = np.random.default_rng(seed)
        n = len(X)
        once = rng.permutation(n) if slip == "once" else None
        losses = []
        for epoch in range(1 if slip == "one_epoch" else epochs):
            if slip == "rng_per_epoch":
                perm_x = perm_y = np.random.default_rng(seed).permutation(n)
            elif slip == "once":
                perm_x = perm_y = once
            elif slip == "no_shuffle":
                perm_x = perm_y = np.arange(n)
            elif slip == "two_perms":
                perm_x, perm_y = rng.permutation(n), rng.permutation(n)
            elif slip == "global_rng":
                perm_x = perm_y = np.random.permutation(n)
            else:
                perm_x = perm_y = rng.permutation(n)
            stop = n - n % batch_size if slip == "drop_last" else n
            batch_losses = []
            for start in range(0, stop, batch_size):
                batch_losses.append(step(net, X[perm_x[start:start + batch_size]],
                                         y[perm_y[start:start + batch_size]], lr))
            if slip == "per_batch":
                losses.extend(batch_losses)
            else:
                losses.append(np.mean(batch_losses))
        if slip == "no_return":
            return None
        return losses

    return my_train


def test_train_correct(capsys):
    ch05.check_train.strict(make_train())
    out = capsys.readouterr().out
    assert out.startswith("✓ Correct!") and "at least 95 %" in out
    ch05.check_train.strict(ch05.reference_train)          # bplab.fit's loss (weighted by batch size) is fine


@pytest.mark.parametrize("slip, msg", [
    ("no_shuffle", r"batches come in the data's own order: shuffle every epoch"),
    ("once", r"same order: draw a FRESH\s+permutation at the start of each epoch"),
    ("rng_per_epoch", r"same order: draw a FRESH"),
    ("two_perms", r"two different permutations.*labels no\s+longer belong"),
    ("drop_last", r"dropped the last, shorter batch \(5 of the 37 examples\)"),
    ("one_epoch", r"trained only one epoch, 3 were asked for"),
    ("global_rng", r"weights differ from bplab.fit's.*rng = np.random.default_rng\(seed\) once"),
    ("no_return", r"returned None: return the list of epoch losses"),
    ("per_batch", r"returned 15 loss\(es\) for 3 epochs.*average them per epoch"),
])
def test_train_slips(slip, msg):
    with pytest.raises(ExerciseError, match=msg) as err:
        ch05.check_train.strict(make_train(slip))
    assert not isinstance(err.value, NotWrittenYet)


def test_train_with_a_wrong_step_or_on_a_copy():
    with pytest.raises(ExerciseError, match=r"weights differ from bplab.fit's.*pass ch05.check_train_step"):
        ch05.check_train.strict(make_train(step=make_step("no_slope")))

    def on_a_copy(net, X, y, lr, epochs, batch_size, seed):
        return make_train()(net.copy(), X, y, lr, epochs, batch_size, seed)

    with pytest.raises(ExerciseError, match=r"did not change the network it was given"):
        ch05.check_train.strict(on_a_copy)


def test_train_below_the_bar(monkeypatch):
    """A loop that replays fit exactly but, on the digits, stops too early fails on accuracy."""
    def lazy_on_digits(net, X, y, lr, epochs, batch_size, seed):
        return make_train()(net, X, y, 0.001 if len(X) > 100 else lr, epochs, batch_size, seed)

    with pytest.raises(ExerciseError, match=r"reads only \d+\.\d% of the validation digits; the bar is 95 %"):
        ch05.check_train.strict(lazy_on_digits)


def test_train_not_written_and_notebook_form(capsys):
    def my_train(net, X, y, lr, epochs, batch_size, seed):
        raise NotImplementedError

    with pytest.raises(NotWrittenYet, match="my_train is not written yet"):
        ch05.check_train.strict(my_train)
    assert ch05.check_train(my_train) is None
    assert capsys.readouterr().out.startswith("… my_train is not written yet")
    assert ch05.check_train(make_train("drop_last")) is None
    out = capsys.readouterr().out
    assert out.startswith("✗ ") and out.count("\n") == 1


def test_reference_train_matches_fit_on_the_digits_recipe():
    """The recipe the check uses: bplab.fit reaches the bar with a margin (about 0.98)."""
    import bplab
    from bplab.data import load_digits, train_val_test_split

    X, y = load_digits()
    X_tr, X_val, _, y_tr, y_val, _ = train_val_test_split(X, y, val_size=0.15, test_size=0.2, seed=0)
    r = ch05.DIGITS_RECIPE
    net = bplab.MLP(r["sizes"], activation=r["activation"], seed=r["seed"])
    losses = ch05.reference_train(net, X_tr, y_tr, r["lr"], r["epochs"], r["batch_size"], r["seed"])
    assert len(losses) == r["epochs"] and losses[-1] < losses[0] / 10
    assert net.accuracy(X_val, y_val) >= ch05.DIGITS_BAR + 0.02
