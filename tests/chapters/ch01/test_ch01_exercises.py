"""Tests for bplab.chapters.ch01.exercises: right answers pass, wrong ones get specific messages."""
import math

import numpy as np
import pytest

from bplab.chapters._shared.feedback import ExerciseError
from bplab.chapters.ch01 import exercises as ch01


def sig(z):
    return 1 / (1 + math.exp(-z))


# ---------------------------------------------------------------- check_derivative
def g(x):
    return x * math.exp(-x * x)


def dg(x):
    return math.exp(-x * x) * (1 - 2 * x * x)


def test_check_derivative_passes_right_answer(capsys):
    ch01.check_derivative.strict(g, dg)
    out = capsys.readouterr().out
    assert "✓" in out and "dg" in out and "8 points" in out


def test_check_derivative_reports_the_worst_point_and_a_table():
    def dg_bad(x):
        return math.exp(-x * x) * (1 - x * x)
    with pytest.raises(ExerciseError) as info:
        ch01.check_derivative.strict(g, dg_bad)
    msg = str(info.value)
    # the error is largest at x = ±1 (e^-1 = 0.3679), not at the first point x = -2
    assert "off at 7 of 8 points; the largest error is at x=-1: dg_bad(-1) = 0," in msg
    assert "slope of -0.367879." in msg
    lines = msg.splitlines()
    table = lines[lines.index(next(ln for ln in lines if ln.strip().startswith("x "))):]
    assert len(table) == 1 + 7                              # header + one row per failing point
    assert "dg_bad(x)" in table[0] and "slope of g" in table[0]
    assert sum("← largest error" in ln for ln in table) == 1
    assert "← largest error" in next(ln for ln in table if ln.split()[0] == "-1")
    assert not any(ln.split()[0] == "0" for ln in table[1:])   # x = 0 is right: not listed


def test_check_derivative_wrong_only_at_one_point():
    def almost(x):
        return dg(x) + (0.5 if x == 1.5 else 0.0)
    with pytest.raises(ExerciseError, match=r"off at 1 of 8 points; the largest error is at x=1\.5") as info:
        ch01.check_derivative.strict(g, almost)
    assert "← largest error" not in str(info.value)          # no marker needed for a single row
    assert "Likely cause" not in str(info.value)


def test_check_derivative_spots_sign_error():
    with pytest.raises(ExerciseError, match="wrong sign"):
        ch01.check_derivative.strict(g, lambda x: -dg(x), points=[0.3])
    with pytest.raises(ExerciseError, match="wrong sign at every point"):
        ch01.check_derivative.strict(math.sin, lambda x: -math.cos(x))   # (not "swapped": -cos' = sin)


@pytest.mark.parametrize("slip, words", [
    (lambda x: math.exp(-x * x) * (1 + x), "forgot the chain rule's inner derivative"),
    (lambda x: math.exp(-x * x) * (1 - x * x), "−2x, not −x"),
    (lambda x: math.exp(-x * x) * (1 + 2 * x * x), "wrong sign: it is −2x"),
    (lambda x: -2 * x * x * math.exp(-x * x), "dropped (x)'·e^{−x²}"),
    (lambda x: math.exp(-x * x), "dropped x·(e^{−x²})'"),
    (lambda x: -2 * x * math.exp(-x * x), "derivative of e^{−x²} alone"),
])
def test_check_derivative_recognises_the_usual_slips_for_the_bump(slip, words):
    with pytest.raises(ExerciseError) as info:
        ch01.check_derivative.strict(g, slip)
    msg = str(info.value)
    assert "Likely cause: " in msg and words in msg
    assert msg.startswith("your derivative is off at")
    assert "df(x)" in msg                                   # a lambda is called df, not <lambda>
    assert "<lambda>" not in msg


def test_check_derivative_slips_are_only_claimed_for_the_bump():
    # e^{-x^2}(1 + x) is a slip for g, but for another f the check must not guess
    with pytest.raises(ExerciseError) as info:
        ch01.check_derivative.strict(math.sin, lambda x: math.exp(-x * x) * (1 + x))
    assert "Likely cause" not in str(info.value)


def test_check_derivative_catches_swapped_arguments():
    with pytest.raises(ExerciseError, match=r"arguments look swapped.*check_derivative\(g, dg\)\."):
        ch01.check_derivative.strict(dg, g)


def test_check_derivative_catches_returning_f_itself():
    with pytest.raises(ExerciseError, match="Likely cause: g returns g's own values, not its slope"):
        ch01.check_derivative.strict(g, g)


def test_check_derivative_spots_a_constant_factor():
    with pytest.raises(ExerciseError, match=r"every value is 2 × the true slope"):
        ch01.check_derivative.strict(lambda x: x**3 - 2 * x, lambda x: 2 * (3 * x * x - 2))
    with pytest.raises(ExerciseError) as info:                # not a constant factor: no such claim
        ch01.check_derivative.strict(g, lambda x: dg(x) + 0.1 * x)
    assert "Likely cause" not in str(info.value)


def test_check_derivative_names_lambdas_sensibly(capsys):
    ch01.check_derivative.strict(lambda x: x * x, lambda x: 2 * x)
    assert "✓ Correct! df matches the finite-difference slope of f" in capsys.readouterr().out


def test_check_derivative_lists_at_most_eight_rows():
    pts = [0.1 * i for i in range(1, 21)]
    with pytest.raises(ExerciseError) as info:
        ch01.check_derivative.strict(g, lambda x: dg(x) + x, points=pts)
    msg = str(info.value)
    assert "off at 20 of 20 points; the largest error is at x=2:" in msg
    assert "(and 12 more)" in msg


def test_check_derivative_learner_errors():
    def not_yet(x):
        raise NotImplementedError
    with pytest.raises(ExerciseError, match="not written yet"):
        ch01.check_derivative.strict(g, not_yet)
    with pytest.raises(ExerciseError, match="forget to `return`"):
        ch01.check_derivative.strict(g, lambda x: None)
    with pytest.raises(ExerciseError, match="expected a function"):
        ch01.check_derivative.strict(g, dg(1.0))
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        ch01.check_derivative.strict(g, lambda x: 1 / 0)
    with pytest.raises(ExerciseError, match="should be a number, got str"):
        ch01.check_derivative.strict(g, lambda x: "0.5")


def test_check_derivative_bad_arguments():
    with pytest.raises(ValueError, match="points"):
        ch01.check_derivative.strict(g, dg, points=[])
    with pytest.raises(ValueError, match="points"):
        ch01.check_derivative.strict(g, dg, points="abc")
    with pytest.raises(ValueError, match="h="):
        ch01.check_derivative.strict(g, dg, h=0)


# ------------------------------------------------------------- check_sigmoid_prime
def test_check_sigmoid_prime_passes(capsys):
    def sigmoid_prime(z):
        s = sig(z)
        return s * (1 - s)
    ch01.check_sigmoid_prime.strict(sigmoid_prime)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (sig, "returned σ(z) itself"),
    (lambda z: z * (1 - z), "z·(1 − z)"),
    (lambda z: sig(z) * (1 + sig(z)), "σ(z)·(1 + σ(z))"),
    (lambda z: -sig(z) * (1 - sig(z)), "sign is flipped"),
    (lambda z: 1 - sig(z), "returned 1 − σ(z)"),
    (lambda z: sig(z) * (1 - sig(z)) ** 2, "squared (1 − σ(z))"),
    (lambda z: sig(z) ** 2 * (1 - sig(z)), "squared σ(z)"),
    (lambda z: (sig(z) * (1 - sig(z))) ** 2, "squared the whole derivative"),
    (lambda z: 1 - sig(z) ** 2, "rule for tanh"),
])
def test_check_sigmoid_prime_diagnoses_common_slips(wrong, words):
    with pytest.raises(ExerciseError) as info:
        ch01.check_sigmoid_prime.strict(wrong)
    msg = str(info.value)
    assert words in msg
    if wrong is not sig:
        assert msg.startswith("your σ': ")                  # lambdas get a readable name
    assert "the largest error is at z=" in msg


def test_check_sigmoid_prime_reports_the_largest_error_not_the_first():
    def squared(z):
        s = sig(z)
        return s * (1 - s) ** 2
    with pytest.raises(ExerciseError) as info:
        ch01.check_sigmoid_prime.strict(squared)
    msg = str(info.value)
    # the first point, z = -6, is off by only 6e-6; the worst is z = 0.5: 0.0887 vs 0.2350
    assert "off at 7 of 7 points; the largest error is at z=0.5: got 0.0887235, expected 0.235004." in msg
    assert "squared(z)" in msg and "σ'(z)" in msg


def test_check_sigmoid_prime_names_the_point():
    def off_at_2(z):
        return sig(z) * (1 - sig(z)) + (0.1 if z == 2.0 else 0.0)
    with pytest.raises(ExerciseError) as info:
        ch01.check_sigmoid_prime.strict(off_at_2)
    msg = str(info.value)
    assert msg.startswith("off_at_2 is off at 1 of 7 points; the largest error is at z=2: "
                          "got 0.204994, expected 0.104994.")
    assert len(msg.splitlines()) == 3                       # summary, table header, one row


def test_check_sigmoid_prime_overflowing_formula_is_reported():
    def naive(z):
        return math.exp(-z) / (1 + math.exp(-z)) ** 2   # fine at these points: passes
    ch01.check_sigmoid_prime.strict(naive)
    with pytest.raises(ExerciseError, match="OverflowError"):
        ch01.check_sigmoid_prime.strict(naive, points=[-1000.0])


# ------------------------------------------------------- graph_exercise / grads
def test_graph_exercise_builds_the_stated_graph():
    L, nodes = ch01.graph_exercise()
    assert {k: v.data for k, v in nodes.items()} == {"a": 3.0, "b": -2.0, "c": -6.0, "d": -3.0, "L": 18.0}
    assert all(v.grad == 0.0 for v in nodes.values())
    assert len(L.nodes()) == 5


def test_check_graph_grads_passes(capsys):
    ch01.check_graph_grads.strict({"a": 12, "b": -27, "c": -9, "d": -6})
    ch01.check_graph_grads.strict({"a": 12.0, "b": -27.0, "c": -9.0, "d": -6.0, "L": 1.0})
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize("grads, words", [
    ({"a": 12, "b": -27, "c": -3, "d": -6}, "counts only one path. c reaches L twice: directly (∂L/∂c with d held fixed is d = -3)"),
    ({"a": 12, "b": -27, "c": -6, "d": -6}, "counts only one path"),
    ({"a": 18, "b": -27, "c": -9, "d": -6}, "counts only one path. a is used twice"),
    ({"a": -6, "b": -27, "c": -9, "d": -6}, "a is used twice"),
    ({"a": 12, "b": 18, "c": -9, "d": -6}, "multiply by b instead of a? c = a·b, so ∂c/∂b = a."),
    ({"a": 12, "b": -20, "c": -9, "d": -6}, "∂L/∂b is off: got -20, expected -27."),
    ({"a": 12, "b": -27, "c": -9, "d": -3}, "∂L/∂d is off: got -3, expected -6."),
    ({"a": 12, "b": -27, "c": 5, "d": -6}, "∂L/∂c is off: got 5, expected -9."),
    ({"a": 1, "b": -27, "c": -9, "d": -6}, "∂L/∂a is off: got 1, expected 12."),
    ({"a": 12, "b": -27, "c": -9, "d": -6, "L": 0}, "∂L/∂L is 1"),
    ({"a": 12, "b": -27, "c": -9}, "missing 'd'"),
    ({"a": 12, "b": -27, "c": -9, "d": -6, "e": 0}, "unknown node name"),
    ({"a": 12, "b": -27, "c": -9, "d": None}, "grads['d'] is None"),
    ({"a": 12, "b": -27, "c": -9, "d": "x"}, "should be a number"),
    ({"a": 12, "b": -27, "c": -9, "d": float("nan")}, "expected a finite number"),
    ([12, -27, -9, -6], "pass a dict"),
])
def test_check_graph_grads_explains_mistakes(grads, words):
    with pytest.raises(ExerciseError) as info:
        ch01.check_graph_grads.strict(grads)
    assert words in str(info.value)
    assert str(info.value).endswith((".", "?"))


def test_check_graph_grads_rejects_value_objects():
    L, nodes = ch01.graph_exercise()
    L.backward()
    with pytest.raises(ExerciseError, match="is a Value"):
        ch01.check_graph_grads.strict({k: nodes[k] for k in "abcd"})
    ch01.check_graph_grads.strict({k: nodes[k].grad for k in "abcd"})   # .grad is right


# -------------------------------------------------------------- check_neuron_grads
def neuron_grads(x, w, b, y):
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    a = sig(z)
    dz = 2 * (a - y) * a * (1 - a)
    return [dz * xi for xi in x], dz


def test_check_neuron_grads_passes(capsys):
    ch01.check_neuron_grads.strict(neuron_grads)
    ch01.check_neuron_grads.strict(lambda x, w, b, y: (np.array(neuron_grads(x, w, b, y)[0]),
                                                np.float64(neuron_grads(x, w, b, y)[1])))
    assert capsys.readouterr().out.count("✓") == 2


def test_neuron_reference_matches_finite_differences():
    for case in ch01.NEURON_CASES:
        x, w, b, y = case["x"], case["w"], case["b"], case["y"]
        L, dw, db = ch01.neuron_loss(x, w, b, y)

        def loss(ww, bb):
            return (sig(sum(a * c for a, c in zip(ww, x)) + bb) - y) ** 2
        h = 1e-6
        assert L == pytest.approx(loss(w, b), rel=1e-12)
        for i in range(len(w)):
            wp, wm = list(w), list(w)
            wp[i] += h
            wm[i] -= h
            assert dw[i] == pytest.approx((loss(wp, b) - loss(wm, b)) / (2 * h), rel=1e-6, abs=1e-10)
        assert db == pytest.approx((loss(w, b + h) - loss(w, b - h)) / (2 * h), rel=1e-6, abs=1e-10)


def _scaled(factor):
    def fn(x, w, b, y):
        dw, db = neuron_grads(x, w, b, y)
        return [v * factor for v in dw], db * factor
    return fn


def no_sigmoid_slope(x, w, b, y):
    a = sig(sum(wi * xi for wi, xi in zip(w, x)) + b)
    dz = 2 * (a - y)
    return [dz * xi for xi in x], dz


def uses_weights(x, w, b, y):
    _, dz = neuron_grads(x, w, b, y)
    return [dz * wi for wi in w], dz


def wrong_db(x, w, b, y):
    dw, dz = neuron_grads(x, w, b, y)
    return dw, dz * 2


def wrong_dw1(x, w, b, y):
    dw, dz = neuron_grads(x, w, b, y)
    return [dw[0]] + [v + 1 for v in dw[1:]], dz


@pytest.mark.parametrize("fn, words", [
    (_scaled(0.5), "dropped the 2"),
    (_scaled(-1.0), "wrong sign"),
    (no_sigmoid_slope, "skipped the sigmoid's own derivative"),
    (uses_weights, "∂z/∂w_i is the input x_i"),
    (wrong_db, "∂L/∂b is off"),
    (wrong_dw1, "∂L/∂w[1] is off"),
    (lambda x, w, b, y: (neuron_grads(x, w, b, y)[0][:1], 0.0), "dw has 1 entry"),
    (lambda x, w, b, y: neuron_grads(x, w, b, y)[0], "should return a pair"),
    (lambda x, w, b, y: (None, 0.0), "dw is None"),
    (lambda x, w, b, y: ([0.0] * len(w), None), "db is None"),
    (lambda x, w, b, y: (["a"] * len(w), 0.0), "dw should be a list of numbers"),
    (lambda x, w, b, y: neuron_grads(x, w, b, y)[::-1], "returned (db, dw) = (-0.08236, [-0.08236, 0.1647]): "
                                                        "the order is swapped"),
    (lambda x, w, b, y: None, "returned None: did you forget to `return dw, db`?"),
    (lambda x, w, b, y: (neuron_grads(x, w, b, y)[1],) * 2, "did you return only dw?"),
    (lambda x, w, b, y: ([neuron_grads(x, w, b, y)[1]] * len(w), neuron_grads(x, w, b, y)[1]),
     "every ∂L/∂w_i equals ∂L/∂z"),
    (lambda x, w, b, y: ([v + 1 for v in neuron_grads(x, w, b, y)[0]], neuron_grads(x, w, b, y)[1]),
     "∂L/∂w is off at indices [0, 1]: got [0.9176, 1.165], expected [-0.08236, 0.1647]."),
])
def test_check_neuron_grads_explains_mistakes(fn, words):
    with pytest.raises(ExerciseError) as info:
        ch01.check_neuron_grads.strict(fn)
    assert words in str(info.value)
    assert str(info.value).startswith("for x=[1.0, -2.0], w=[0.5, -0.3], b=0.1, y=1.0:")
    assert "<lambda>" not in str(info.value)


def test_check_neuron_grads_swapped_scalars_with_one_weight():
    def swapped_when_one_input(x, w, b, y):
        dw, db = neuron_grads(x, w, b, y)
        return ([db], dw[0]) if len(w) == 1 else (dw, db)
    with pytest.raises(ExerciseError, match=r"for x=\[2\.0\].*dw and db are swapped"):
        ch01.check_neuron_grads.strict(swapped_when_one_input)


def test_check_neuron_grads_short_rendering_never_cuts_numbers():
    with pytest.raises(ExerciseError) as info:
        ch01.check_neuron_grads.strict(lambda x, w, b, y: (0.123456789123, [0.987654321987] * 9))
    assert "(0.1235, [0.9877, 0.9877, 0.9877, 0.9877, 0.9877, 0.9877, …])" in str(info.value)


def test_check_neuron_grads_reports_case():
    def only_two_inputs(x, w, b, y):
        if len(x) != 2:
            return [0.0] * len(x), 0.0
        return neuron_grads(x, w, b, y)
    with pytest.raises(ExerciseError, match=r"for x=\[0\.5, 1\.5, -1\.0\]"):
        ch01.check_neuron_grads.strict(only_two_inputs)
