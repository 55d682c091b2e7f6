"""The scalar autodiff engine ``bplab.Value``: every operator against finite differences,
the chain rule over shared paths, graph access, deep graphs, bad input, and agreement with
the vectorised MLP on the same small network."""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import bplab
from bplab import Value

H = 1e-6


def _fd(f, *xs, i):
    """Central difference of the float-valued f(*xs) with respect to argument i."""
    up = list(xs)
    down = list(xs)
    up[i] += H
    down[i] -= H
    return (f(*up) - f(*down)) / (2 * H)


def _check_grads(build, *xs, rel=1e-7):
    """build(*Values) -> Value. Backprop its gradient and compare with central differences
    of the forward values (computed by the same build on plain numbers wrapped in Values)."""
    vals = [Value(x) for x in xs]
    out = build(*vals)
    out.backward()

    def f(*ys):
        return build(*[Value(y) for y in ys]).data

    for i, v in enumerate(vals):
        num = _fd(f, *xs, i=i)
        assert v.grad == pytest.approx(num, rel=rel, abs=1e-8), (i, v.grad, num)
    return out


# ------------------------------------------------------------------ forward values

@pytest.mark.parametrize("a,b", [(2.0, -3.0), (-0.7, 1.3), (0.25, 4.0)])
def test_forward_values_match_plain_python(a, b):
    A, B = Value(a), Value(b)
    assert (A + B).data == a + b
    assert (A - B).data == a - b
    assert (A * B).data == a * b
    assert (A / B).data == pytest.approx(a / b, rel=1e-15)
    assert (-A).data == -a
    assert (A ** 3).data == pytest.approx(a ** 3, rel=1e-15)
    assert A.exp().data == math.exp(a)
    assert A.tanh().data == math.tanh(a)
    assert A.sigmoid().data == pytest.approx(1 / (1 + math.exp(-a)), rel=1e-15)
    assert A.relu().data == max(a, 0.0)
    if a > 0:
        assert A.log().data == math.log(a)


# ------------------------------------------------------- each operator vs finite diffs

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "mixed": lambda a, b: (a * b + a / b - b) * a,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("a,b", [(2.0, -3.0), (-0.7, 1.3), (0.25, 4.0)])
def test_binary_operator_gradients(name, a, b):
    _check_grads(BINARY[name], a, b)


UNARY = {
    "neg": lambda x: -x,
    "pow2": lambda x: x ** 2,
    "pow3": lambda x: x ** 3,
    "pow_neg1": lambda x: x ** -1,
    "pow_neg2.5": lambda x: x ** -2.5,
    "pow_half": lambda x: x ** 0.5,
    "pow_np_float": lambda x: x ** np.float64(1.5),
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "composite": lambda x: (x.tanh() * x.exp() + (x ** 2).sigmoid()).log(),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("x", [0.3, 1.7, 2.5])
def test_unary_operator_gradients_positive(name, x):
    _check_grads(UNARY[name], x)


@pytest.mark.parametrize("name", ["neg", "pow2", "pow3", "pow_neg1", "exp", "tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("x", [-0.4, -2.2])
def test_unary_operator_gradients_negative(name, x):
    _check_grads(UNARY[name], x)


def test_relu_gradient_is_zero_for_negative_and_one_for_positive():
    for x, g in [(-1.5, 0.0), (2.0, 1.0)]:
        v = Value(x)
        v.relu().backward()
        assert v.grad == g


def test_sigmoid_is_stable_for_huge_inputs():
    for x, s in [(1000.0, 1.0), (-1000.0, 0.0)]:
        v = Value(x)
        out = v.sigmoid()
        assert out.data == s
        out.backward()
        assert v.grad == 0.0
    assert Value(-30.0).sigmoid().data == pytest.approx(1 / (1 + math.exp(30.0)), rel=1e-14)


@pytest.mark.parametrize("op", [
    lambda v: v + 2, lambda v: 2 + v, lambda v: v - 2, lambda v: 2 - v, lambda v: v * 2,
    lambda v: 2 * v, lambda v: v / 2, lambda v: 2 / v, lambda v: v + 1.5, lambda v: 1.5 * v,
    lambda v: np.float64(2.0) * v, lambda v: v * np.float64(2.0), lambda v: np.int64(3) + v,
])
def test_numbers_on_either_side(op):
    x = 1.25
    v = Value(x)
    out = op(v)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(op(x))
    out.backward()
    assert v.grad == pytest.approx(_fd(op, x, i=0), rel=1e-7)


def test_rsub_and_rtruediv_gradients():
    v = Value(0.8)
    (3.0 - v).backward()
    assert v.grad == -1.0
    v = Value(0.8)
    (3.0 / v).backward()
    assert v.grad == pytest.approx(-3.0 / 0.8 ** 2, rel=1e-12)


def test_pow_zero_exponent_at_zero_has_zero_gradient():
    # d(x^0)/dx = 0 everywhere, including x = 0 (0**-1 must not be evaluated)
    v = Value(0.0)
    out = v ** 0
    out.backward()
    assert out.data == 1.0
    assert v.grad == 0.0


def test_pow_with_infinite_slope_at_zero_raises_clear_error():
    v = Value(0.0)
    out = v ** 0.5
    assert out.data == 0.0
    with pytest.raises(ValueError, match=r"(?i)infinite|undefined"):
        out.backward()


# ------------------------------------------------------------------ the chain rule

def test_gradient_adds_over_shared_paths_square():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_gradient_adds_over_shared_paths_sum():
    a = Value(-2.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_gradient_adds_over_two_branches():
    a, b = Value(0.5), Value(-1.5)
    c = a * b
    d = a.tanh()
    e = c + d + a       # a reaches e along three paths
    e.backward()
    assert a.grad == pytest.approx(b.data + (1 - math.tanh(0.5) ** 2) + 1.0, rel=1e-14)
    assert b.grad == pytest.approx(a.data, rel=1e-14)
    assert c.grad == 1.0 and d.grad == 1.0


def test_diamond_graph_matches_finite_differences():
    def build(x, y):
        u = x * y
        v = u.tanh()
        w = u.exp()
        return (v * w + u ** 2 - v / (w + 1.0)).sigmoid()
    _check_grads(build, 0.4, -0.9)


def test_backward_twice_does_not_double():
    a, b = Value(2.0), Value(-3.0)
    out = a * b + a * a
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first == (2 * 2.0 - 3.0, 2.0)


def test_backward_on_subgraph_then_full_graph_is_fresh():
    a = Value(1.5)
    mid = a * 4.0
    out = mid.exp()
    mid.backward()
    assert a.grad == 4.0
    out.backward()
    assert a.grad == pytest.approx(4.0 * math.exp(6.0), rel=1e-14)
    assert mid.grad == pytest.approx(math.exp(6.0), rel=1e-14)


# -------------------------------------------------------------------- graph access

def test_nodes_edges_op_label():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    nodes = d.nodes()
    assert nodes[-1] is d
    assert {id(n) for n in nodes} == {id(a), id(b), id(c), id(d)}
    assert len(nodes) == 4
    pos = {id(n): i for i, n in enumerate(nodes)}
    for n in nodes:                         # topological: parents before children
        for p in n.parents:
            assert pos[id(p)] < pos[id(n)]
    edges = {(p.label, ch.label) for p, ch in d.edges()}
    assert edges == {("a", "c"), ("b", "c"), ("c", "d"), ("a", "d")}
    assert (a.op, c.op, d.op) == ("", "*", "+")
    assert [n.label for n in (a, b)] == ["a", "b"]
    assert a.parents == ()
    assert c.parents == (a, b)


@pytest.mark.parametrize("fn,op", [
    (lambda v: v.exp(), "exp"), (lambda v: v.log(), "log"), (lambda v: v.tanh(), "tanh"),
    (lambda v: v.sigmoid(), "sigmoid"), (lambda v: v.relu(), "relu"), (lambda v: v ** 2, "**2"),
    (lambda v: v + 1, "+"), (lambda v: v * 2, "*"),
])
def test_op_names(fn, op):
    out = fn(Value(1.5))
    assert out.op == op
    assert len(out.parents) in (1, 2)


def test_repr_shows_label_data_and_grad():
    v = Value(2.5, label="w")
    assert "w" in repr(v) and "2.5" in repr(v)


def test_deep_chain_does_not_hit_recursion_limit():
    depth = 5000
    assert depth > sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = y * 1.0001
    assert len(y.nodes()) == 2 * depth + 1       # x, each constant and each product
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** depth, rel=1e-9)
    assert len(y.edges()) == 2 * depth


def test_deep_tanh_chain_gradient():
    x = Value(0.3)
    y = x
    for _ in range(2000):
        y = (y + 0.001).tanh()
    y.backward()

    def f(v):
        for _ in range(2000):
            v = math.tanh(v + 0.001)
        return v
    assert x.grad == pytest.approx(_fd(f, 0.3, i=0), rel=1e-6)


# ---------------------------------------------------------------------- bad input

@pytest.mark.parametrize("bad", ["1.0", None, [1.0], True, 1 + 2j])
def test_value_rejects_non_real_data(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


def test_value_of_value_rejected():
    with pytest.raises(TypeError, match="already a Value"):
        Value(Value(1.0))


@pytest.mark.parametrize("op", [
    lambda v: v + "a", lambda v: "a" + v, lambda v: v * "a", lambda v: "a" * v,
    lambda v: v - "a", lambda v: "a" - v, lambda v: v / "a", lambda v: "a" / v,
    lambda v: v + None, lambda v: v * [1.0],
])
def test_operators_reject_strings_and_other_objects(op):
    with pytest.raises(TypeError, match="unsupported operand|Value"):
        op(Value(1.0))


def test_value_to_value_power_rejected():
    with pytest.raises(TypeError, match="exponent must be a number"):
        Value(2.0) ** Value(3.0)


def test_power_with_string_exponent_rejected():
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** "2"


@pytest.mark.parametrize("x", [0.0, -1.0, -1e-300])
def test_log_of_non_positive_raises(x):
    with pytest.raises(ValueError, match="positive"):
        Value(x).log()


def test_exp_overflow_raises():
    with pytest.raises(ValueError, match="overflow"):
        Value(1000.0).exp()


def test_negative_base_fractional_power_raises():
    with pytest.raises(ValueError, match="not a real number"):
        Value(-2.0) ** 0.5


def test_zero_to_negative_power_raises():
    with pytest.raises(ValueError, match="division by zero"):
        Value(0.0) ** -1


def test_division_by_zero_raises():
    with pytest.raises(ZeroDivisionError, match="zero"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match="zero"):
        1.0 / Value(0.0)


# --------------------------------------------- Value vs the vectorised engine (MLP)

def _value_forward(net, X):
    """The MLP's forward pass written with Value scalars; returns (Value params, outputs)."""
    Vparams = [np.vectorize(Value, otypes=[object])(p) for p in net.params]
    rows = []
    for x in X:
        a = [float(t) for t in x]
        for l in range(net.n_layers):
            W, b = Vparams[2 * l], Vparams[2 * l + 1]
            z = [sum((a[i] * W[i, j] for i in range(W.shape[0])), b[j]) for j in range(W.shape[1])]
            a = [zj.tanh() for zj in z] if l < net.n_layers - 1 else z
        rows.append(a)
    return Vparams, rows


def _grads_of(Vparams):
    return [np.vectorize(lambda v: v.grad, otypes=[float])(P) for P in Vparams]


def test_value_engine_matches_mlp_mse():
    rng = np.random.default_rng(3)
    net = bplab.MLP([3, 4, 2], activation="tanh", loss="mse", seed=1, bias_std=0.3)
    X = rng.normal(size=(5, 3))
    Y = rng.normal(size=(5, 2))
    Vp, out = _value_forward(net, X)
    terms = [(out[n][k] - float(Y[n, k])) ** 2 for n in range(5) for k in range(2)]
    loss = sum(terms) / len(terms)
    loss.backward()
    ref_loss, grads = net.loss_and_grads(X, Y)
    assert loss.data == pytest.approx(ref_loss, rel=1e-12)
    for g_val, g_net in zip(_grads_of(Vp), grads):
        np.testing.assert_allclose(g_val, g_net, rtol=1e-10, atol=1e-12)


def test_value_engine_matches_mlp_cross_entropy():
    rng = np.random.default_rng(4)
    net = bplab.MLP([3, 4, 2], activation="tanh", loss="cross_entropy", seed=2, bias_std=0.3)
    X = rng.normal(size=(6, 3))
    y = np.array([0, 1, 1, 0, 1, 0])
    Vp, out = _value_forward(net, X)
    nll = []
    for z, label in zip(out, y):
        exps = [zk.exp() for zk in z]
        nll.append(-(exps[label] / sum(exps)).log())
    loss = sum(nll) / len(nll)
    loss.backward()
    ref_loss, grads = net.loss_and_grads(X, y)
    assert loss.data == pytest.approx(ref_loss, rel=1e-12)
    for g_val, g_net in zip(_grads_of(Vp), grads):
        np.testing.assert_allclose(g_val, g_net, rtol=1e-10, atol=1e-12)
