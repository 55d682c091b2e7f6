"""Tests for bplab.chapters.ch01.exercises: right answers pass, wrong ones get specific messages."""
import math

import numpy as np
import pytest

from bplab.chapters._shared.feedback import ExerciseError, NotWrittenYet
from bplab.engine import Value
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
    ({"a": 12, "b": -27, "c": -3, "d": -6}, "counts only one path. c reaches L twice: directly (the local derivative of L = d·c with respect to c is d = -3)"),
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


# ------------------------------------------------- check_graph_grads with a function
def test_check_graph_grads_takes_the_learners_function(capsys):
    def my_graph_grads():
        return {"d": -6.0, "c": -9.0, "a": 12.0, "b": -27.0}
    ch01.check_graph_grads.strict(my_graph_grads)
    assert capsys.readouterr().out.startswith("✓ Correct! all four gradients match backward()")

    def my_graph_grads():           # noqa: F811 - the untouched stub
        raise NotImplementedError
    with pytest.raises(NotWrittenYet, match="my_graph_grads is not written yet"):
        ch01.check_graph_grads.strict(my_graph_grads)
    with pytest.raises(ExerciseError, match=r"returned None: did you forget to `return` the dict\?"):
        ch01.check_graph_grads.strict(lambda: None)
    with pytest.raises(ExerciseError, match="counts only one path. c reaches L twice"):
        ch01.check_graph_grads.strict(lambda: {"d": -6.0, "c": -3.0, "a": 0.0, "b": -9.0})


# ------------------------------------------------------------- check_mul_backward
def make_mul(local="right", factor="grad", store="add"):
    """A learner's my_mul, right or with the given slips, written the way a learner would."""
    def my_mul(a, b):
        out = Value(a.data * b.data, _parents=(a, b), _op="*")

        def _backward():
            f = {"grad": out.grad, "none": 1.0, "data": out.data}[factor]
            to_a, to_b = (b.data, a.data) if local == "right" else (a.data, b.data)
            if store == "add":
                a.grad += to_a * f
                b.grad += to_b * f
            elif store == "set":
                a.grad = to_a * f
                b.grad = to_b * f
            else:
                a.grad -= to_a * f
                b.grad -= to_b * f
        out._backward = _backward
        return out
    return my_mul


def test_check_mul_backward_passes_right_answers(capsys):
    ch01.check_mul_backward.strict(make_mul())
    ch01.check_mul_backward.strict(Value.__mul__)            # the reference itself
    out = capsys.readouterr().out
    assert out.count("✓ Correct!") == 2
    assert out.startswith("✓ Correct! my_mul adds b·out.grad to a.grad and a·out.grad to b.grad")
    assert "finite differences confirm" in out


def test_check_mul_backward_untouched_stub():
    def my_mul(a, b):
        raise NotImplementedError  # your code here
    with pytest.raises(NotWrittenYet, match="my_mul is not written yet"):
        ch01.check_mul_backward.strict(my_mul)


@pytest.mark.parametrize("slip, words", [
    (dict(store="set"), "overwriting instead of accumulating (a.grad = … replaces what other paths already "
                        "sent). On L = x·x at x = 3, a and b are the same node, and your x.grad is 3 where "
                        "dL/dx = 2x = 6. Gradients add over paths"),
    (dict(factor="none"), "a forgotten out.grad factor: by the chain rule each input gets its local derivative "
                          "times the gradient arriving from above, a.grad += b.data * out.grad. On L = 2.5·(a·b) "
                          "at a = 2, b = -3 the product's out.grad is 2.5 and your a.grad is -3 where "
                          "dL/da = 2.5·b = -7.5."),
    (dict(local="swapped"), "swapped partials (a.grad += a.data * …): the derivative of a·b with respect to a is "
                            "the other factor, b"),
    (dict(factor="data"), "out.data where the chain rule needs out.grad"),
    (dict(store="sub"), "a minus sign: the chain rule adds each path's share"),
])
def test_check_mul_backward_names_each_slip(slip, words):
    with pytest.raises(ExerciseError) as info:
        ch01.check_mul_backward.strict(make_mul(**slip))
    msg = str(info.value)
    assert msg.startswith("my_mul's backward has a slip: ")
    assert words in msg
    assert "\n" not in msg


def test_check_mul_backward_names_every_slip_of_a_mix():
    with pytest.raises(ExerciseError) as info:
        ch01.check_mul_backward.strict(make_mul(local="swapped", factor="none", store="set"))
    msg = str(info.value)
    assert msg.startswith("my_mul's backward has 3 slips: (1) overwriting instead of accumulating")
    assert "(2) a forgotten out.grad factor" in msg and "(3) swapped partials" in msg


def test_every_way_of_slipping_the_rule_gives_its_own_probe_result():
    results = [ch01._probe_result(*rule) for rule in ch01._MUL_RULES]
    assert len(results) == 18
    for i, r in enumerate(results):
        for s in results[i + 1:]:
            assert max(abs(r[0] - s[0]), abs(r[1] - s[1])) > 0.1


def test_mul_graph_references_agree_with_finite_differences():
    for _, build, values in ch01.MUL_GRAPHS:
        want = ch01._graph_grads_with(Value.__mul__, build, values, "Value.__mul__")
        numeric = ch01._numeric_grads(build, values)
        for k in values:
            assert want[k] == pytest.approx(numeric[k], rel=1e-8)
    assert ch01._graph_grads_with(Value.__mul__, *ch01.MUL_GRAPHS[0][1:], "m") == {"x": 6.0}   # 2x at x = 3


def _mul_without_backward(a, b):
    return Value(a.data * b.data, _parents=(a, b), _op="*")


def _mul_calls_backward_at_once(a, b):
    out = Value(a.data * b.data, _parents=(a, b), _op="*")

    def _backward():
        a.grad += b.data * out.grad + 1.0
        b.grad += a.data * out.grad
    out._backward = _backward()                 # called instead of attached
    return out


def _mul_with(update):
    def my_mul(a, b):
        out = Value(a.data * b.data, _parents=(a, b), _op="*")

        def _backward():
            update(a, b, out)
        out._backward = _backward
        return out
    return my_mul


def _values_not_numbers(a, b, out):
    a.grad += b * out.grad
    b.grad += a * out.grad


def _only_a(a, b, out):
    a.grad += b.data * out.grad


def _neither(a, b, out):
    pass


def _off(a, b, out):
    a.grad += b.data * out.grad + 0.3
    b.grad += a.data * out.grad


def _shared_closure_bug():
    """Right on the probe, wrong in graphs: keeps the first product's inputs for every call."""
    first = []

    def my_mul(a, b):
        first.append((a, b))
        x, y = first[0]
        out = Value(a.data * b.data, _parents=(a, b), _op="*")

        def _backward():
            x.grad += y.data * out.grad
            y.grad += x.data * out.grad
        out._backward = _backward
        return out
    return my_mul


@pytest.mark.parametrize("fn, words", [
    (lambda a, b: None, "my_mul returned None: did you forget to `return out`?"),
    (lambda a, b: a.data * b.data, "my_mul should return a Value, out = Value(a.data * b.data, "
                                   "_parents=(a, b), _op='*'), got float -6."),
    (lambda a, b: a, "returned one of its inputs"),
    (lambda a, b: Value(a.data + b.data, _parents=(a, b)), "has out.data = -1; expected a.data * b.data = -6."),
    (lambda a, b: Value(a.data * b.data), "out.parents is (): pass _parents=(a, b)"),
    (_mul_without_backward, "out._backward is None: define an inner function _backward() and attach it"),
    (_mul_calls_backward_at_once, "changed a.grad or b.grad while computing the product"),
    (_mul_with(_values_not_numbers), "a.grad became a Value: add numbers, a.grad += b.data * out.grad "
                                     "(b.data, not b)."),
    (_mul_with(_only_a), "b.grad did not change: out._backward must send a share to both inputs"),
    (_mul_with(_neither), "neither a.grad nor b.grad changed"),
    (_mul_with(_off), "a.grad is -3.95 and b.grad 2.5; expected 0.25 + b·out.grad = -4.25 and "
                      "-0.5 + a·out.grad = 2.5."),
    (_shared_closure_bug(), "on L = x·x at x = 3, your x.grad is 0; expected 6 (Value.__mul__ and finite "
                            "differences agree on it)."),
])
def test_check_mul_backward_other_mistakes(fn, words):
    with pytest.raises(ExerciseError) as info:
        ch01.check_mul_backward.strict(fn)
    assert words in str(info.value)


# ------------------------------------------------------------ check_backward_walk
def make_walk(zero=True, reverse=True, once=True, root_one=True, skip_leaves=True, post_order=True,
              root_before_zeroing=False):
    """A learner's my_backward, right or with the given slips."""
    def my_backward(root):
        order, visited = [], set()

        def visit(node):
            if once:
                if node in visited:
                    return
                visited.add(node)
            if not post_order:
                order.append(node)
            for parent in node.parents:
                visit(parent)
            if post_order:
                order.append(node)

        visit(root)
        if root_before_zeroing:
            root.grad = 1.0
        if zero:
            for node in order:
                node.grad = 0.0
        if root_one and not root_before_zeroing:
            root.grad = 1.0
        for node in (reversed(order) if reverse else order):
            if node._backward is not None or not skip_leaves:
                node._backward()
    return my_backward


def test_check_backward_walk_passes_right_answer(capsys):
    ch01.check_backward_walk.strict(make_walk())
    out = capsys.readouterr().out
    assert out == ("✓ Correct! my_backward walks all 3 graphs like Value.backward: each node once, root first, "
                   "with the gradients of backward() and of finite differences, and the same again when "
                   "called twice.\n")


def test_check_backward_walk_untouched_stub():
    def my_backward(root):
        raise NotImplementedError  # your code here
    with pytest.raises(NotWrittenYet, match="my_backward is not written yet"):
        ch01.check_backward_walk.strict(my_backward)


@pytest.mark.parametrize("slip, words", [
    (dict(zero=False), "calling my_backward a second time on the same graph changed the gradients (exercise "
                       "1.2's graph: d.grad doubled, from -6 to -12): the grads were not zeroed, so each "
                       "_backward added (+=) onto what the last walk left behind. That is the 'zero the grads' "
                       "trap"),
    (dict(reverse=False), "your walk ran the nodes inputs-first (c, d, L) on exercise 1.2's graph: the "
                          "topological order must be walked reversed, root first"),
    (dict(once=False), "node c's _backward ran 2 times on exercise 1.2's graph: c is shared (used by d and L), "
                       "and your walk reached it once per path"),
    (dict(root_one=False), "root.grad was 0 when the root's _backward ran: set root.grad = 1.0 (dL/dL = 1)"),
    (dict(root_before_zeroing=True), "root.grad was 0 when the root's _backward ran"),
    (dict(skip_leaves=False), "my_backward raised TypeError: 'NoneType' object is not callable. An input (a "
                              "leaf, such as a or b) has no _backward: it is None."),
    (dict(post_order=False, reverse=False), "node s's _backward ran before that of t, which uses s, on section "
                                            "4's graph L = s² + 3s: s passed its gradient on before t had sent "
                                            "its share."),
    (dict(post_order=False), "your walk ran the nodes inputs-first"),
])
def test_check_backward_walk_names_each_slip(slip, words):
    with pytest.raises(ExerciseError) as info:
        ch01.check_backward_walk.strict(make_walk(**slip))
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_no_zeroing_doubles_every_gradient_on_a_second_walk():
    # the claim the 'zero the grads' message builds on, on the graph it quotes
    L, nodes = ch01.graph_exercise()
    walk = make_walk(zero=False)
    walk(L)
    first = {k: v.grad for k, v in nodes.items()}
    walk(L)
    assert nodes["d"].grad == 2 * first["d"] == -12.0


def _walk_with_default_set(root, visited=set()):       # noqa: B006 - the slip under test
    order = []

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        if node._backward is not None:
            node._backward()


def _walk_zeroes_only_what_it_orders(root):
    """Orders the nodes right but leaves the inputs out of the order, and so out of the zeroing."""
    order, visited = [], set()

    def visit(node):
        if node not in visited and node._backward is not None:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    for n in order:
        n.grad = 0.0
    root.grad = 1.0
    for n in reversed(order):
        n._backward()


def _walk_one_level_deep(root):
    """Zeroes every node, but orders only the root and its parents."""
    seen, stack = set(), [root]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            n.grad = 0.0
            stack.extend(n.parents)
    root.grad = 1.0
    for n in [root, *root.parents]:
        if n._backward is not None:
            n._backward()


def _walk_marks_nodes(root):
    root.visited = True


def _walk_micrograd_names(root):
    return root._prev


def _walk_uses_backward(root):
    root.backward()


def _walk_uses_nodes(root):
    for n in root.nodes():
        n.grad = 0.0
    root.grad = 1.0
    for n in reversed(root.nodes()):
        if n._backward is not None:
            n._backward()


def _walk_sets_grads_to_values(root):
    make_walk()(root)
    root.grad = Value(1.0)


@pytest.mark.parametrize("fn, words", [
    (_walk_with_default_set, "called a second time on the same graph (exercise 1.2's graph), "
                             "_walk_with_default_set ran no _backward at all: does its set of visited nodes "
                             "outlive the call (a default argument such as visited=set())?"),
    (_walk_zeroes_only_what_it_orders, "(exercise 1.2's graph: a.grad doubled, from 12 to 24): some grads were "
                                       "not zeroed, so they kept what the last walk left behind. Set every "
                                       "node's grad to 0.0 before the walk, the inputs' too."),
    (_walk_one_level_deep, "node s's _backward never ran on section 4's graph L = s² + 3s: your order misses "
                           "it. Does the search follow every parent of every node, down to the inputs?"),
    (_walk_marks_nodes, "'Value' object has no attribute 'visited'. Hint: a Value has a fixed set of "
                        "attributes"),
    (_walk_micrograd_names, "Hint: the Values a node was computed from are in node.parents (micrograd calls "
                            "them _prev)."),
    (_walk_uses_backward, "_walk_uses_backward calls backward(), bplab's own walk: write the walk yourself"),
    (_walk_uses_nodes, "_walk_uses_nodes uses root.nodes(), bplab's own topological order"),
    (lambda root: None, "my_backward ran no node's _backward on exercise 1.2's graph"),
    (_walk_sets_grads_to_values, "L.grad became a Value: grads are plain numbers"),
])
def test_check_backward_walk_other_mistakes(fn, words):
    with pytest.raises(ExerciseError) as info:
        ch01.check_backward_walk.strict(fn)
    assert words in str(info.value)


def test_check_backward_walk_restores_value_methods():
    nodes, backward = Value.nodes, Value.backward
    with pytest.raises(ExerciseError):
        ch01.check_backward_walk.strict(_walk_uses_nodes)
    with pytest.raises(ExerciseError):
        ch01.check_backward_walk.strict(lambda root: 1 / 0)
    assert Value.nodes is nodes and Value.backward is backward


def test_walk_graph_references_agree_with_finite_differences():
    for _, build, values in ch01.WALK_GRAPHS:
        root, inputs = build(values)
        root.backward()
        for k in values:
            up, down = dict(values), dict(values)
            up[k] += 1e-6
            down[k] -= 1e-6
            numeric = (build(up)[0].data - build(down)[0].data) / 2e-6
            assert inputs[k].grad == pytest.approx(numeric, rel=1e-7, abs=1e-9)
    # the first two graphs have a node used twice, the case the walk must get right
    for _, build, values in ch01.WALK_GRAPHS[:2]:
        root, _ = build(values)
        users = {}
        for n in root.nodes():
            for p in n.parents:
                users[id(p)] = users.get(id(p), 0) + 1
        assert max(users.values()) >= 2


# ----------------------------------------------- the notebook form: one line, never raises
@pytest.mark.parametrize("check, fn, start", [
    (ch01.check_mul_backward, make_mul(), "✓ Correct!"),
    (ch01.check_mul_backward, make_mul(store="set"), "✗ my_mul's backward has a slip: overwriting"),
    (ch01.check_mul_backward, lambda a, b: None, "✗ my_mul returned None"),
    (ch01.check_backward_walk, make_walk(), "✓ Correct!"),
    (ch01.check_backward_walk, make_walk(zero=False), "✗ calling my_backward a second time"),
    (ch01.check_backward_walk, make_walk(once=False), "✗ node c's _backward ran 2 times"),
    (ch01.check_backward_walk, lambda root: 1 / 0, "✗ my_backward raised ZeroDivisionError"),
])
def test_new_checks_print_one_line_in_the_notebook(capsys, check, fn, start):
    assert check(fn) is None
    out = capsys.readouterr().out
    assert out.startswith(start)
    assert out.count("\n") == 1


@pytest.mark.parametrize("check", [ch01.check_mul_backward, ch01.check_backward_walk,
                                   ch01.check_graph_grads, ch01.check_sigmoid_prime,
                                   ch01.check_neuron_grads])
def test_untouched_stubs_say_not_written_yet_in_the_notebook(capsys, check):
    def stub(*args):
        raise NotImplementedError  # your code here
    assert check(stub) is None
    assert capsys.readouterr().out.startswith("… stub is not written yet: replace `raise NotImplementedError`")
