"""Tests for bplab.chapters.ch01.costs: the sum over paths against one backward sweep."""
import math

import pytest

from bplab import Value
from bplab.chapters.ch01.costs import (count_backward, count_paths, forward_order, gradient_by_paths, ladder,
                                       local_derivatives, network_memory, peak_live, read_by_backward)


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
    # every layer's A, each counted once (a layer's A is the next layer's A_prev); the input X apart
    read = {id(arr): arr.size for A_prev, Z, A in cache for arr in (A_prev, A)}
    x_in = cache[0][0]
    assert m["input"] == read.pop(id(x_in)) == batch * sizes[0]
    assert m["stored_for_backward"] == sum(read.values()) == batch * (5 + 4 + 3)
    assert m["forward_only"] == batch * max(5, 5 + 4, 4 + 3)
    # backward reads only A_prev and A: replacing every Z by NaN changes no gradient
    _, dOut = net.loss_fn(out, y)
    grads = net.backward(dOut, cache)
    assert any(np.abs(g).max() > 0 for g in grads)
    blind = [(A_prev, np.full_like(Z, np.nan), A) for A_prev, Z, A in cache]
    grads_blind = net.backward(dOut, blind)
    for g, gb in zip(grads, grads_blind):
        np.testing.assert_array_equal(g, gb)


def test_network_memory_the_numbers_in_the_notebook():
    one = network_memory([784, 128, 10], 32)
    assert one["stored_for_backward"] == one["forward_only"] == 32 * 138
    ten = network_memory([784] + [128] * 10 + [10], 32)
    assert (ten["stored_for_backward"], ten["forward_only"]) == (41_280, 8_192)


def _grads(root):
    root.backward()
    return [n.grad for n in root.nodes()]


def test_read_by_backward_by_hand():
    # the neuron: only the sigmoid's output and the difference the square reads, whatever its width
    for n in (3, 20, 200):
        root = _neuron(n)
        read = read_by_backward(root)
        assert len(read) == 2
        assert {node.op for node in read} == {"sigmoid", "+"}
        # with the leaves: also every weight and input (read by the products) and the 1.0 and -1 of "- 1.0"
        assert len(read_by_backward(root, include_leaves=True)) == 2 + 2 * n + 2
    # the ladder: v0, and u_k, v_k of every layer
    for depth in (0, 1, 10, 300):
        assert len(read_by_backward(ladder(depth)[0])) == 1 + 2 * depth
    x = Value(0.3)
    assert read_by_backward(x + x) == [] and read_by_backward((x + x) + 1.0) == []
    s = x + 1.0
    assert read_by_backward(s * 2.0) == [s] and read_by_backward(s ** 3) == [s]
    assert read_by_backward(s.log()) == [s] and read_by_backward(s.relu()) == [s]
    for make in (Value.exp, Value.tanh, Value.sigmoid):
        out = make(s)
        assert read_by_backward(out) == [out]


def test_values_not_read_are_not_needed():
    # blind every non-leaf value a rule does not read (NaN): backward's gradients do not change
    for build in (lambda: _neuron(20), lambda: ladder(8)[0],
                  lambda: (((Value(0.4) * 3.0 + 1.0).log() ** 2).relu() + Value(2.0)).exp()):
        root = build()
        clean = _grads(root)
        keep = {id(n) for n in read_by_backward(root)}
        for n in root.nodes():
            if n.parents and id(n) not in keep:
                n.data = float("nan")
        assert _grads(root) == clean
    # and a value that *is* read by its consumer's input rule is needed: blinding it spoils a gradient
    a = Value(1.5)
    s = a + 1.0
    root = s * s
    s.data = float("nan")
    assert math.isnan(_grads(root)[0])


def test_output_readers_hold_their_output():
    # tanh, sigmoid and exp read their own output: the rule's closure holds exactly out.data
    x = Value(0.3)
    for out in (x.tanh(), x.sigmoid(), x.exp()):
        held = [c.cell_contents for c in out._backward.__closure__
                if isinstance(c.cell_contents, float)]
        assert held == [out.data]


def test_read_by_backward_rejects_unknown_operations():
    x = Value(1.0)
    odd = Value(2.0, _parents=(x,), _op="sin")
    with pytest.raises(ValueError, match="unknown operation"):
        read_by_backward(odd)


def test_network_memory_rejects_nonsense():
    with pytest.raises(ValueError):
        network_memory([784], 32)
    with pytest.raises(ValueError):
        network_memory([784, 10], 0)
