"""The exercise helpers every chapter shares (bplab.chapters._shared.feedback)."""
import functools

import numpy as np
import pytest

from bplab.chapters._shared.feedback import ExerciseError, as_number, function_name, same
from bplab.engine import Value


def test_function_name_falls_back_for_nameless_callables():
    def mine(x):
        return x

    assert function_name(mine, "f") == "mine"
    assert function_name(lambda x: x, "f") == "f"
    assert function_name(functools.partial(mine), "f") == "f"


@pytest.mark.parametrize("value", [0.25, 1, np.float32(0.25), np.array(0.25), np.array([[0.25]])])
def test_as_number_accepts_one_number(value):
    assert as_number("x", value) == pytest.approx(0.25 if value != 1 else 1.0)


@pytest.mark.parametrize("value, words", [
    (None, "x is None: did you forget to `return` it?"),
    (Value(1.0), "x is a Value; return a plain number"),
    (True, "x should be a number, got bool"),
    ("0.25", "x should be a number, got str '0.25'."),
    ([0.25], "x should be a number, got list [0.25]."),
    (np.ones(3), "x should be a single number, got an array of shape (3,)."),
    (float("inf"), "x is inf: expected a finite number."),
])
def test_as_number_says_what_it_got(value, words):
    with pytest.raises(ExerciseError) as info:
        as_number("x", value)
    assert words in str(info.value)


def test_as_number_array_hint():
    with pytest.raises(ExerciseError, match=r"shape \(2,\): average them\.$"):
        as_number("x", np.ones(2), array_hint="average them")


def test_same_checks_shape_and_tolerance():
    a = np.array([1.0, 2.0])
    assert same(a, a * (1 + 1e-8)) and not same(a, a * (1 + 1e-6))
    assert same(a, a * (1 + 1e-6), rtol=1e-5)
    assert not same(a, a[None, :])


# ------------------------------------------------------------- the notebook form of a check
from bplab.chapters._shared.feedback import (ExerciseError, NotWrittenYet, call_learner,  # noqa: E402
                                             exercise_check, passed, yours_or_ours)


@exercise_check
def _check_double(fn):
    got = call_learner(fn, 3, name="my_double")
    if got == 3:
        raise ExerciseError("my_double returned its input unchanged: multiply it by 2")
    if got != 6:
        raise ExerciseError(f"my_double(3) is {got}, expected 6")
    passed("my_double doubles.")


def _stub(x):
    raise NotImplementedError


def test_untouched_stub_says_not_written_yet_without_a_traceback(capsys):
    assert _check_double(_stub) is None
    assert not _check_double.passes(_stub)
    assert capsys.readouterr().out == ("… my_double is not written yet: replace `raise "
                                       "NotImplementedError` with your code, then run its cell "
                                       "and this one again\n")


def test_a_slip_is_named_and_nothing_raises(capsys):
    assert _check_double(lambda x: x) is None
    assert not _check_double.passes(lambda x: x)
    assert capsys.readouterr().out == "✗ my_double returned its input unchanged: multiply it by 2\n"


def test_right_answer_is_confirmed(capsys):
    assert _check_double(lambda x: 2 * x) is None
    assert _check_double.passes(lambda x: 2 * x)
    assert capsys.readouterr().out == "✓ Correct! my_double doubles.\n"


def test_strict_form_raises_for_tests():
    with pytest.raises(NotWrittenYet):
        _check_double.strict(_stub)
    with pytest.raises(ExerciseError, match="unchanged"):
        _check_double.strict(lambda x: x)


def test_yours_or_ours_falls_back_until_the_exercise_is_done(capsys):
    def ours(x):
        return 2 * x

    assert yours_or_ours(_stub, ours, _check_double, "doubling") is ours
    assert capsys.readouterr().out == "doubling: using bplab’s version (yours is not finished yet)\n"

    def mine(x):
        return x + x

    assert yours_or_ours(mine, ours, _check_double, "doubling") is mine
    assert capsys.readouterr().out == "doubling: using your version\n"
