"""Tests for bplab.chapters.ch01.costs: the sum over paths against one backward sweep."""
import math

import pytest

from bplab import Value
from bplab.chapters.ch01.costs import (count_backward, count_paths, gradient_by_paths, ladder,
                                       local_derivatives)


def numeric(depth, x0=0.5, h=1e-6):
    def f(x):
        return ladder(depth, x)[0].data
    return (f(x0 + h) - f(x0 - h)) / (2 * h)


@pytest.mark.parametrize("depth", [0, 1, 2, 5, 9])
def test_paths_double_per_layer_and_both_sums_agree(depth):
    L, x = ladder(depth)
    assert count_paths(L, x) == 2 ** (depth + 1)
    total, n_paths, n_products = gradient_by_paths(L, x)
    assert n_paths == 2 ** (depth + 1)
    L.backward()
    assert total == pytest.approx(x.grad, rel=1e-12, abs=1e-15)
    assert x.grad == pytest.approx(numeric(depth), rel=1e-6, abs=1e-10)


def test_products_are_the_sum_of_path_lengths():
    L, x = ladder(1)
    # paths: x -> (+ or *) -> (tanh or sigmoid) -> L: 3 edges each (2 of them), and
    # x -> tanh -> (+ or *) -> (tanh or sigmoid) -> L: 4 edges each (2 of them)
    assert gradient_by_paths(L, x)[1:] == (4, 2 * 3 + 2 * 4)


@pytest.mark.parametrize("depth", [0, 3, 10])
def test_backward_evaluates_one_local_derivative_per_edge(depth):
    L, x = ladder(depth)
    counts = count_backward(L)
    assert counts["nodes"] == 3 + 4 * depth
    assert counts["edges"] == 3 + 6 * depth
    assert counts["local_derivatives"] == counts["edges"]
    assert counts["backward_calls"] == counts["nodes"] - 1      # every node but the leaf x
    # the spies are removed again: a second, plain backward gives the same gradient
    g = x.grad
    L.backward()
    assert x.grad == g
    assert all(n._backward is None or n._backward.__name__ == "_backward" for n in L.nodes())


def test_local_derivatives_and_restoring_grads():
    a, b = Value(3.0), Value(-2.0)
    c = a * b
    a.grad, b.grad, c.grad = 5.0, 6.0, 7.0
    assert local_derivatives(c) == [-2.0, 3.0]
    assert (a.grad, b.grad, c.grad) == (5.0, 6.0, 7.0)
    t = a.tanh()
    assert local_derivatives(t) == [pytest.approx(1 - math.tanh(3.0) ** 2)]
    assert local_derivatives(a) == []
    with pytest.raises(ValueError, match="appears twice"):
        local_derivatives(a * a)


def test_ladder_rejects_negative_depth():
    with pytest.raises(ValueError, match="depth"):
        ladder(-1)
