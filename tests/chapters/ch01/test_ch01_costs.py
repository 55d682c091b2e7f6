"""Tests for bplab.chapters.ch01.costs: the sum over paths against one backward sweep."""
import math

import pytest

from bplab import Value
from bplab.chapters.ch01.costs import (count_backward, count_paths, forward_order, gradient_by_paths, ladder,
                                       local_derivatives, network_memory, peak_live)


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


def test_ladder_labels_its_layer_values():
    L, x = ladder(2)
    labels = {n.label for n in L.nodes()} - {""}
    assert {"x", "v0", "u1", "v1", "u2", "v2", "L"} <= labels


def _neuron(n):
    ws = [Value(0.01 * i) for i in range(n)]
    xs = [Value(1.0) for _ in range(n)]
    z = sum((w * x for w, x in zip(ws, xs)), Value(0.1))
    return (z.sigmoid() - 1.0) ** 2


def test_forward_order_is_topological_and_complete():
    for root in (_neuron(7), ladder(6)[0]):
        order = forward_order(root)
        assert len(order) == len(root.nodes())
        seen = set()
        for n in order:
            assert all(id(p) in seen for p in n.parents)
            seen.add(id(n))
        assert order[-1] is root
    deep, _ = ladder(2000)                  # no recursion limit
    assert len(forward_order(deep)) == 3 + 4 * 2000


def test_peak_live_by_hand():
    x = Value(0.3)
    chain = x.tanh().sigmoid().tanh()       # three operations in a row: at most input + output held
    assert peak_live(chain) == {"operations": 3, "peak_live": 2}
    # the neuron: running sum and one product, plus the new sum while it is computed
    for n in (5, 20, 200):
        assert peak_live(_neuron(n)) == {"operations": 2 * n + 4, "peak_live": 3}
    # the ladder: u, v and the sum and product of the next layer
    for depth in (2, 10, 300):
        assert peak_live(ladder(depth)[0]) == {"operations": 4 * depth + 2, "peak_live": 4}


def test_network_memory_matches_what_mlp_backward_reads():
    import numpy as np
    import bplab
    sizes, batch = [6, 5, 4, 3], 7
    m = network_memory(sizes, batch)
    net = bplab.MLP(sizes, activation="sigmoid", loss="cross_entropy", seed=0)
    X = np.random.default_rng(0).normal(size=(batch, sizes[0]))
    y = np.arange(batch) % sizes[-1]
    assert m["parameters"] == net.n_params
    out, cache = net.forward(X, return_cache=True)
    # X and every layer's A, each counted once (a layer's A is the next layer's A_prev)
    read = {id(arr): arr.size for A_prev, Z, A in cache for arr in (A_prev, A)}
    assert m["stored_for_backward"] == sum(read.values()) == batch * sum(sizes)
    assert m["forward_only"] == batch * max(a + b for a, b in zip(sizes[:-1], sizes[1:]))
    # backward reads only A_prev and A: replacing every Z by NaN changes no gradient
    _, dOut = net.loss_fn(out, y)
    grads = net.backward(dOut, cache)
    assert any(np.abs(g).max() > 0 for g in grads)
    blind = [(A_prev, np.full_like(Z, np.nan), A) for A_prev, Z, A in cache]
    grads_blind = net.backward(dOut, blind)
    for g, gb in zip(grads, grads_blind):
        np.testing.assert_array_equal(g, gb)


def test_network_memory_rejects_nonsense():
    with pytest.raises(ValueError):
        network_memory([784], 32)
    with pytest.raises(ValueError):
        network_memory([784, 10], 0)
