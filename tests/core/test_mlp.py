"""The MLP: parameter layout, dtypes, forward/predict, per-layer diagnostics, copy and
set_params, and the weight initialisers."""
from __future__ import annotations

import numpy as np
import pytest

import bplab
from bplab import init as I
from bplab.losses import softmax


def _data(n=10, d=4, k=3, seed=0, loss="cross_entropy"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n) if loss == "cross_entropy" else rng.normal(size=(n, k))
    return X, y


# --------------------------------------------------------------- parameter layout

@pytest.mark.parametrize("sizes", [[4, 3], [4, 5, 3], [7, 1, 6, 2], [2, 16, 16, 16, 2]])
def test_params_shapes_and_default_dtype(sizes):
    net = bplab.MLP(sizes)
    assert len(net.params) == 2 * (len(sizes) - 1)
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        assert net.params[2 * l].shape == (fan_in, fan_out)
        assert net.params[2 * l + 1].shape == (fan_out,)
    assert all(p.dtype == np.float64 for p in net.params)
    assert net.dtype == np.float64
    assert net.n_layers == len(sizes) - 1
    assert net.n_params == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    assert net.param_names()[:2] == ["W1", "b1"]
    assert net.weights[0] is net.params[0] and net.biases[0] is net.params[1]
    np.testing.assert_array_equal(net.params[1], 0.0)            # biases start at zero


def test_forward_is_the_documented_formula():
    X, _ = _data(d=4)
    net = bplab.MLP([4, 5, 6, 3], activation="tanh", bias_std=0.5, seed=3)
    W1, b1, W2, b2, W3, b3 = net.params
    expected = np.tanh(np.tanh(X @ W1 + b1) @ W2 + b2) @ W3 + b3    # output layer affine
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-13)
    np.testing.assert_allclose(net(X), expected, rtol=1e-13)
    np.testing.assert_allclose(net.predict_proba(X), softmax(expected), rtol=1e-13)
    np.testing.assert_array_equal(net.predict(X), expected.argmax(axis=1))


def test_params_are_the_models_own_arrays():
    X, y = _data()
    net = bplab.MLP([4, 5, 3], seed=1)
    before = net.forward(X)
    net.params[0] *= 2.0                 # in-place change to the list's array is the model's
    assert not np.allclose(net.forward(X), before)


def test_seed_controls_initialisation():
    a, b, c = bplab.MLP([4, 5, 3], seed=1), bplab.MLP([4, 5, 3], seed=1), bplab.MLP([4, 5, 3], seed=2)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(a.params[0], c.params[0])


def test_predict_labels_for_classifier_and_outputs_for_mse():
    X, _ = _data()
    clf = bplab.MLP([4, 5, 3], loss="cross_entropy")
    labels = clf.predict(X)
    assert labels.shape == (10,) and labels.dtype.kind == "i"
    assert set(labels) <= {0, 1, 2}
    reg = bplab.MLP([4, 5, 3], loss="mse")
    out = reg.predict(X)
    assert out.shape == (10, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out, reg.forward(X))
    with pytest.raises(TypeError, match="cross_entropy"):
        reg.predict_proba(X)
    with pytest.raises(TypeError, match="cross_entropy"):
        reg.accuracy(X, np.zeros((10, 3)))


def test_single_row_1d_input_is_one_sample():
    net = bplab.MLP([4, 5, 3], seed=0)
    X, _ = _data()
    np.testing.assert_array_equal(net.forward(X[0]), net.forward(X[:1]))


def test_loss_and_accuracy_helpers_agree():
    X, y = _data()
    net = bplab.MLP([4, 6, 3], seed=0)
    loss, _ = net.loss_and_grads(X, y)
    assert net.loss_value(X, y) == pytest.approx(loss, rel=1e-14)
    acc = float((net.predict(X) == y).mean())
    assert net.accuracy(X, y) == acc
    ev = net.evaluate(X, y)
    assert ev["loss"] == pytest.approx(loss, rel=1e-14) and ev["accuracy"] == acc


# ----------------------------------------------------------------------- float32

def test_float32_stays_float32_through_forward_grads_and_fit():
    X, y = _data(n=40)
    net = bplab.MLP([4, 8, 3], activation="tanh", dtype=np.float32, seed=0)
    assert all(p.dtype == np.float32 for p in net.params) and net.dtype == np.float32
    assert net.forward(X).dtype == np.float32            # float64 X is converted
    loss, grads = net.loss_and_grads(X, y)
    assert isinstance(loss, float)
    assert all(g.dtype == np.float32 for g in grads)
    for opt in (bplab.SGD(0.1, momentum=0.9), bplab.RMSProp(1e-2), bplab.Adam(1e-2)):
        bplab.fit(net, X, y, optimizer=opt, epochs=2, batch_size=8, progress=False)
        assert all(p.dtype == np.float32 for p in net.params), type(opt).__name__
    trace = net.layer_trace(X, y)
    assert all(t["dW"].dtype == np.float32 for t in trace)


def test_float32_mse_model():
    X, y = _data(loss="mse", n=20)
    net = bplab.MLP([4, 8, 3], activation="sigmoid", loss="mse", dtype="float32")
    assert net.predict(X).dtype == np.float32
    _, grads = net.loss_and_grads(X, y)
    assert all(g.dtype == np.float32 for g in grads)
    bplab.fit(net, X, y, optimizer=bplab.SGD(0.1), epochs=2, batch_size=5, progress=False)
    assert all(p.dtype == np.float32 for p in net.params)


def test_float32_gradients_close_to_float64():
    X, y = _data(n=12)
    n64 = bplab.MLP([4, 8, 3], activation="tanh", seed=5)
    n32 = bplab.MLP([4, 8, 3], activation="tanh", seed=5, dtype=np.float32)
    n32.set_params(n64.params)
    _, g64 = n64.loss_and_grads(X, y)
    _, g32 = n32.loss_and_grads(X, y)
    for a, b in zip(g64, g32):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


# ------------------------------------------------------- per-layer diagnostics

@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_layer_trace_consistent_with_loss_and_grads(activation, loss):
    X, y = _data(n=9, d=4, k=3, seed=1, loss=loss)
    net = bplab.MLP([4, 6, 5, 3], activation=activation, loss=loss, seed=2, bias_std=0.1)
    _, grads = net.loss_and_grads(X, y)
    trace = net.layer_trace(X, y)
    assert len(trace) == 3
    A_prev = X
    for l, t in enumerate(trace):
        W, b = net.params[2 * l], net.params[2 * l + 1]
        assert t["name"] == f"layer {l + 1}"
        assert t["activation"] == (activation if l < 2 else "linear")
        np.testing.assert_allclose(t["Z"], A_prev @ W + b, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(t["dW"], grads[2 * l], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(t["db"], grads[2 * l + 1], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(t["dZ"].sum(axis=0), t["db"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(t["dW"], A_prev.T @ t["dZ"], rtol=1e-12, atol=1e-15)
        act = bplab.ACTIVATIONS[t["activation"]]
        np.testing.assert_allclose(t["slope"], act.derivative(t["Z"]), rtol=1e-13)
        A_prev = t["A"]
    np.testing.assert_allclose(trace[-1]["A"], net.forward(X), rtol=1e-13)


def test_layer_trace_is_forward_and_backward_layer_by_layer():
    X, y = _data(n=30, d=4, k=3)
    net = bplab.MLP([4, 6, 5, 3], activation="sigmoid", seed=0)
    _, grads = net.loss_and_grads(X, y)
    trace = net.layer_trace(X, y)
    assert [t["name"] for t in trace] == ["layer 1", "layer 2", "layer 3"]
    assert [t["activation"] for t in trace] == ["sigmoid", "sigmoid", "linear"]
    for l, t in enumerate(trace):
        np.testing.assert_array_equal(t["dW"], grads[2 * l])        # the same pass, not a copy
        np.testing.assert_array_equal(t["db"], grads[2 * l + 1])
        np.testing.assert_array_equal(t["db"], t["dZ"].sum(axis=0))
        A_prev = X if l == 0 else trace[l - 1]["A"]
        np.testing.assert_allclose(t["Z"], A_prev @ net.weights[l] + net.biases[l], rtol=1e-13)
    s = trace[0]["A"] * (1 - trace[0]["A"])                         # sigma' = a (1 - a)
    np.testing.assert_array_equal(trace[0]["slope"], s)


def test_saturation_detected_for_huge_sigmoid_weights():
    X, y = _data(n=50, d=4, k=3)
    sig = bplab.activations.sigmoid
    net = bplab.MLP([4, 20, 3], activation="sigmoid", init="normal", init_std=50.0, seed=0)
    assert sig.saturated_fraction(net.layer_trace(X, y)[0]["A"]) > 0.8
    calm = bplab.MLP([4, 20, 3], activation="sigmoid", init="normal", init_std=0.01, seed=0)
    assert sig.saturated_fraction(calm.layer_trace(X, y)[0]["A"]) == 0.0


# ------------------------------------------------------------- copy / set_params

def test_copy_is_independent():
    X, y = _data()
    net = bplab.MLP([4, 5, 3], seed=0)
    twin = net.copy()
    assert type(twin) is bplab.MLP
    np.testing.assert_array_equal(twin.forward(X), net.forward(X))
    bplab.fit(twin, X, y, optimizer=bplab.SGD(0.5), epochs=3, batch_size=4, progress=False)
    assert not np.array_equal(twin.params[0], net.params[0])
    fresh = bplab.MLP([4, 5, 3], seed=0)
    for p, q in zip(net.params, fresh.params):
        np.testing.assert_array_equal(p, q)        # the original did not move
    assert all(p is not q for p, q in zip(net.params, twin.params))


def test_set_params_overwrites_in_place():
    net = bplab.MLP([4, 5, 3], seed=0)
    ids = [id(p) for p in net.params]
    new = [np.full(p.shape, 0.5) for p in net.params]
    net.set_params(new)
    assert [id(p) for p in net.params] == ids
    for p in net.params:
        np.testing.assert_array_equal(p, 0.5)
    new[0][...] = 9.0                                # later changes to the source don't leak in
    assert net.params[0][0, 0] == 0.5


@pytest.mark.parametrize("mutate,exc,msg", [
    (lambda ps: ps[:-1], ValueError, "expected 4 arrays, got 3"),
    (lambda ps: ps[:3] + [np.zeros(7)], ValueError, r"b2 must have shape \(3,\), got \(7,\)"),
    (lambda ps: ps[:3] + [np.array([1.0, np.nan, 0.0])], ValueError, "b2 must be finite"),
    (lambda ps: ps[:3] + [np.array(["a", "b", "c"])], ValueError, "b2 must be finite numbers"),
])
def test_set_params_is_all_or_nothing(mutate, exc, msg):
    net = bplab.MLP([4, 5, 3], seed=0)
    before = [p.copy() for p in net.params]
    new = mutate([np.full(p.shape, 7.0) for p in net.params])
    with pytest.raises(exc, match=msg):
        net.set_params(new)
    for p, b in zip(net.params, before):
        np.testing.assert_array_equal(p, b)          # W1, b1, W2 were valid yet untouched


def test_replaced_parameter_is_reported():
    X, y = _data()
    net = bplab.MLP([4, 5, 3], seed=0)
    net.params[0] = np.zeros((5, 4))
    with pytest.raises(ValueError, match=r"W1 has been replaced .*\(5, 4\).*\(4, 5\)"):
        net.loss_and_grads(X, y)


def test_repr():
    r = repr(bplab.MLP([4, 5, 3], activation="tanh"))
    assert "[4, 5, 3]" in r and "tanh" in r and "cross_entropy" in r


# ----------------------------------------------------------------- initialisers

FAN_IN, FAN_OUT = 400, 600


@pytest.mark.parametrize("scheme,expected", [
    ("xavier", np.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("glorot", np.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("he", np.sqrt(2 / FAN_IN)),
    ("lecun", np.sqrt(1 / FAN_IN)),
])
def test_init_std_matches_formula(scheme, expected):
    assert I.init_std(scheme, FAN_IN, FAN_OUT) == pytest.approx(expected, rel=1e-15)
    net = bplab.MLP([FAN_IN, FAN_OUT], loss="mse", init=scheme, seed=0)
    W = net.params[0]
    # 240 000 samples: the sample std is within ~0.15 % of the true std (1 sigma)
    assert W.std() == pytest.approx(expected, rel=0.01)
    assert abs(W.mean()) < 0.01 * expected


def test_init_normal_uses_init_std():
    net = bplab.MLP([FAN_IN, FAN_OUT], loss="mse", init="normal", init_std=1.5, seed=0)
    assert net.params[0].std() == pytest.approx(1.5, rel=0.01)
    with pytest.raises(ValueError, match="init_std"):
        bplab.MLP([3, 2], init="normal")
    with pytest.raises(ValueError, match="only applies to init='normal'"):
        bplab.MLP([3, 2], init="he", init_std=1.0)


@pytest.mark.parametrize("activation,scheme", [
    ("relu", "he"), ("leaky_relu", "he"), ("tanh", "xavier"), ("sigmoid", "xavier"), ("linear", "xavier"),
])
def test_auto_init_per_activation(activation, scheme):
    assert I.default_init(activation) == scheme
    auto = bplab.MLP([FAN_IN, 300, 10], activation=activation, seed=4)
    explicit = bplab.MLP([FAN_IN, 300, 10], activation=activation, seed=4, init=scheme)
    for p, q in zip(auto.params, explicit.params):
        np.testing.assert_array_equal(p, q)
    assert auto.params[0].std() == pytest.approx(I.init_std(scheme, FAN_IN, 300), rel=0.02)


def test_bias_std():
    net = bplab.MLP([3, 5000, 2], bias_std=0.3, seed=0)
    assert net.params[1].std() == pytest.approx(0.3, rel=0.05)
    assert net.params[3].shape == (2,)
    with pytest.raises(ValueError, match="bias_std must be >= 0"):
        bplab.MLP([3, 2], bias_std=-1.0)


def test_unknown_init_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown init 'kaiming'.*'he'.*'lecun'.*'xavier'"):
        bplab.MLP([3, 2], init="kaiming")
    with pytest.raises(ValueError, match="choose one of"):
        I.init_std("bogus", 3, 2)


def test_init_weights_direct():
    rng = np.random.default_rng(0)
    ps = I.init_weights([3, 4, 2], "tanh", rng=rng, dtype=np.float32)
    assert [p.shape for p in ps] == [(3, 4), (4,), (4, 2), (2,)]
    assert all(p.dtype == np.float32 for p in ps)
