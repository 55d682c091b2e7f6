"""bplab.chapters.ch04.experiments (chapter 04 experiments) and bplab.chapters.ch04.plots."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import bplab  # noqa: E402
from bplab.chapters.ch04 import experiments as V  # noqa: E402
from bplab.data import load_digits, load_mnist_subset, train_test_split  # noqa: E402
from bplab.chapters.ch04 import plots as vplots  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def digits_split(digits):
    return train_test_split(*digits, test_size=0.2, seed=0)


DEEP = [64, 30, 30, 30, 30, 10]     # 4 hidden sigmoid layers


# ------------------------------------------------------------ gradient norms
def test_gradient_norms_at_init_shape_and_columns(digits):
    X, y = digits
    df = V.gradient_norms_at_init(X, y, DEEP, "sigmoid", init="lecun", bias_std=1.0, seeds=[0, 1, 2])
    assert list(df.index) == [1, 2, 3, 4, 5]
    assert list(df.columns) == ["kind", "grad_norm", "std", "shrink"]
    assert df["kind"].tolist() == ["hidden"] * 4 + ["output"]
    per_seed = df.attrs["per_seed"]
    assert per_seed.shape == (3, 5)
    np.testing.assert_allclose(df["grad_norm"], per_seed.mean(axis=0))
    np.testing.assert_allclose(df["shrink"].to_numpy()[:-1],
                               df["grad_norm"].to_numpy()[1:] / df["grad_norm"].to_numpy()[:-1])
    assert np.isnan(df["shrink"].iloc[-1])


@pytest.mark.parametrize("activation,which", [("tanh", "W"), ("sigmoid", "b"), ("relu", "b"),
                                              ("leaky_relu", "W")])
def test_gradient_norms_are_the_networks_own_backward(digits, activation, which, monkeypatch):
    """The experiments run MLP.backward itself (one implementation, not an agreeing copy):
    every seed calls it once, and the norms are those of layer_trace's dW / db."""
    X, y = digits
    calls = []
    real_backward = bplab.MLP.backward

    def counting_backward(self, *args, **kwargs):
        calls.append(self.seed)
        return real_backward(self, *args, **kwargs)

    monkeypatch.setattr(bplab.MLP, "backward", counting_backward)
    df = V.gradient_norms_at_init(X, y, DEEP, activation, init="lecun", bias_std=0.5, seeds=[4, 5],
                                  which=which)
    assert calls == [4, 5]
    key = "db" if which == "b" else "dW"
    want = [[np.linalg.norm(t[key]) for t in
             bplab.MLP(DEEP, activation, seed=s, init="lecun", bias_std=0.5).layer_trace(X, y)]
            for s in (4, 5)]
    np.testing.assert_array_equal(df.attrs["per_seed"], want)


def test_jacobian_check_uses_the_trace_deltas(digits):
    X, y = digits
    net = bplab.MLP(DEEP, "sigmoid", seed=0, init="lecun", bias_std=1.0)
    trace = net.layer_trace(X[:200], y[:200])
    df = V.jacobian_bound_check(net, X[:200], y[:200])
    ratio = np.linalg.norm(trace[0]["dZ"], axis=1) / np.linalg.norm(trace[1]["dZ"], axis=1)
    assert df.loc[1, "ratio_mean"] == pytest.approx(ratio.mean(), rel=1e-10)
    assert df.loc[1, "rms_slope"] == pytest.approx(np.sqrt(np.mean(trace[0]["slope"] ** 2)), rel=1e-10)


def test_error_signals_are_the_trace_deltas_and_sum_to_db(digits):
    X, y = digits
    net = bplab.MLP(DEEP, "sigmoid", seed=0, init="lecun", bias_std=1.0)
    trace = net.layer_trace(X[:200], y[:200])
    deltas = V.error_signals(net, X[:200], y[:200])
    assert len(deltas) == len(trace) == 5
    for d, t in zip(deltas, trace):
        np.testing.assert_allclose(d, t["dZ"], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(d.sum(axis=0), t["db"], rtol=1e-10, atol=1e-15)
    # Nielsen's head: the output rows are (sigmoid(z) - onehot) / n, the hidden layers follow
    sig = V.error_signals(net, X[:200], y[:200], head="sigmoid")
    a = 1 / (1 + np.exp(-net.forward(X[:200])))
    np.testing.assert_allclose(sig[-1], (a - np.eye(10)[y[:200]]) / 200, rtol=1e-10)
    np.testing.assert_allclose([np.linalg.norm(d.sum(axis=0)) for d in sig],
                               V.sigmoid_head_gradient_norms(net, X[:200], y[:200]), rtol=1e-10)


def test_gradient_agreement_links_per_example_and_averaged_ratios(digits):
    X, y = digits
    net = bplab.MLP(DEEP, "sigmoid", seed=1, init="normal", init_std=1.0, bias_std=1.0)
    agree = V.gradient_agreement(net, X, y)
    deltas = V.error_signals(net, X, y)
    assert agree.shape == (5,) and np.all((agree > 0) & (agree <= 1 + 1e-12))
    lengths = [np.linalg.norm(d, axis=1).sum() for d in deltas]
    averaged = [np.linalg.norm(d.sum(axis=0)) for d in deltas]
    for l in range(4):   # averaged ratio = ratio of summed per-example lengths * agreement ratio
        assert averaged[l] / averaged[l + 1] == pytest.approx(
            lengths[l] / lengths[l + 1] * agree[l] / agree[l + 1], rel=1e-10)
    check = V.jacobian_bound_check(net, X, y)
    np.testing.assert_allclose(check["agreement"], agree[:4], rtol=1e-12)
    np.testing.assert_allclose(check["agreement_next"], agree[1:], rtol=1e-12)
    # identical examples agree perfectly
    same = np.repeat(X[:1], 20, axis=0)
    np.testing.assert_allclose(V.gradient_agreement(net, same, np.repeat(y[:1], 20)), 1.0, rtol=1e-10)


def test_jacobian_check_head_changes_only_the_backward_numbers(digits):
    X, y = digits
    net = bplab.MLP(DEEP, "sigmoid", seed=0, init="lecun", bias_std=1.0)
    soft = V.jacobian_bound_check(net, X[:300], y[:300])
    sig = V.jacobian_bound_check(net, X[:300], y[:300], head="sigmoid")
    for col in ("spectral_norm", "max_slope", "bound", "rms_slope"):
        np.testing.assert_allclose(sig[col], soft[col])
    assert not np.allclose(sig["ratio_mean"], soft["ratio_mean"])
    assert (sig["holds"] == 1.0).all()
    d = V.error_signals(net, X[:300], y[:300], head="sigmoid")
    ratio = np.linalg.norm(d[0], axis=1) / np.linalg.norm(d[1], axis=1)
    assert sig.loc[1, "ratio_mean"] == pytest.approx(ratio.mean(), rel=1e-10)


def test_sigmoid_lecun_bias_vanishes_about_5x_per_layer(digits):
    X, y = digits
    g = V.gradient_norms_at_init(X, y, DEEP, "sigmoid", init="lecun", bias_std=1.0,
                                 seeds=range(5))["grad_norm"].to_numpy()
    hidden = g[:-1]
    assert hidden[0] * 50 < hidden[-1]                  # three steps of ~5x: > 50x in total
    factors = V.shrink_factors(hidden)
    assert np.all((factors > 3.5) & (factors < 6.5)), factors


def test_relu_he_is_roughly_flat(digits):
    X, y = digits
    g = V.gradient_norms_at_init(X, y, DEEP, "relu", init="he", seeds=range(3))["grad_norm"].to_numpy()[:-1]
    assert g.max() / g.min() < 2.5, g


def test_large_init_explodes_toward_the_input(digits):
    X, y = digits
    g = V.gradient_norms_at_init(X, y, DEEP, "relu", init="normal", init_std=0.5,
                                 seeds=range(3))["grad_norm"].to_numpy()[:-1]
    assert g[0] > 4 * g[-1], g                           # grows ~1.9x per layer going back
    assert np.all(np.diff(g) < 0), g


def test_reproduces_nielsen_with_his_output_layer():
    """784-30-30-30-10, W ~ N(0, 1/n_in), b ~ N(0, 1), sigmoid outputs + cross-entropy:
    Nielsen (2015) reports 0.012, 0.060, 0.283 for one network; our 10-network mean is within 10 %."""
    X, y = load_mnist_subset()
    df = V.gradient_norms_at_init(X, y, [784, 30, 30, 30, 10], "sigmoid", init="lecun", bias_std=1.0,
                                  seeds=range(10), head="sigmoid")
    np.testing.assert_allclose(df["grad_norm"].to_numpy()[:3], V.NIELSEN_2015, rtol=0.10)


def _nielsen_cost(net, X, y):
    A = X
    for l in range(net.n_layers):
        Z = A @ net.weights[l] + net.biases[l]
        A = 1 / (1 + np.exp(-Z)) if (l == net.n_layers - 1 or net.activation == "sigmoid") else np.tanh(Z)
    Y = np.eye(A.shape[1])[y]
    return float(-(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum(axis=1).mean())


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_sigmoid_head_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(0)
    X = rng.random((12, 5))
    y = rng.integers(0, 3, size=12)
    net = bplab.MLP([5, 4, 4, 3], activation, seed=1, init="lecun", bias_std=1.0)
    got_b = V.sigmoid_head_gradient_norms(net, X, y, which="b")
    got_W = V.sigmoid_head_gradient_norms(net, X, y, which="W")
    h = 1e-6
    for l in range(net.n_layers):
        for p, got in ((net.biases[l], got_b[l]), (net.weights[l], got_W[l])):
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                up = _nielsen_cost(net, X, y)
                p[idx] = old - h
                down = _nielsen_cost(net, X, y)
                p[idx] = old
                g[idx] = (up - down) / (2 * h)
            assert got == pytest.approx(np.linalg.norm(g), rel=1e-6)


def test_shrink_factors_values_and_errors():
    np.testing.assert_allclose(V.shrink_factors([0.012, 0.060, 0.283]), [5.0, 0.283 / 0.060])
    with pytest.raises(ValueError, match="norms"):
        V.shrink_factors([1.0])
    with pytest.raises(ValueError, match="positive"):
        V.shrink_factors([1.0, 0.0])


# ------------------------------------------------------------ why: the bound
@pytest.mark.parametrize("activation,init", [("sigmoid", "lecun"), ("tanh", "xavier"), ("relu", "he")])
def test_jacobian_bound_holds(digits, activation, init):
    X, y = digits
    net = bplab.MLP(DEEP, activation, seed=0, init=init, bias_std=1.0 if activation == "sigmoid" else 0.0)
    df = V.jacobian_bound_check(net, X[:300], y[:300])
    assert list(df.index) == [1, 2, 3, 4]
    assert (df["holds"] == 1.0).all()
    assert (df["ratio_max"] <= df["bound"] * (1 + 1e-9)).all()
    if activation == "sigmoid":
        assert (df["max_slope"] <= 0.25).all()
        # ratio is (roughly) weight gain times rms slope, about 0.2 per layer
        assert ((df["ratio_mean"] > 0.1) & (df["ratio_mean"] < 0.3)).all()
        assert ((df["rms_slope"] > 0.15) & (df["rms_slope"] <= 0.25)).all()


def test_rms_slope_and_activation_spread(digits):
    X, _ = digits
    net = bplab.MLP(DEEP, "sigmoid", seed=0, init="lecun", bias_std=1.0)
    r = V.rms_slope(net, X)
    assert r.shape == (4,) and np.all((r > 0) & (r <= 0.25))
    s = V.activation_spread(net, X)
    assert s.shape == (5,)
    assert s[0] > 10 * s[3]          # input differences fade forward through sigmoid layers
    relu = bplab.MLP(DEEP, "relu", seed=0, init="he")
    assert V.activation_spread(relu, X)[3] > 0.05


def _saturation(net, X, y):
    return [act.saturated_fraction(t["A"]) for act, t in zip(net.activations, net.layer_trace(X, y))]


def test_saturation_with_large_weights(digits):
    X, y = digits
    small = _saturation(bplab.MLP(DEEP, "sigmoid", seed=0, init="lecun", bias_std=1.0), X, y)
    big = _saturation(bplab.MLP(DEEP, "sigmoid", seed=0, init="normal", init_std=1.0, bias_std=1.0), X, y)
    assert np.mean(big[:4]) > np.mean(small[:4]) + 0.1


# ------------------------------------------------------------ training
def test_weight_change_per_epoch_shape_and_values(digits_split):
    X_tr, _, y_tr, _ = digits_split
    net = V.make_net(3, 20, n_in=64, activation="sigmoid", init="lecun + bias N(0,1)")
    before = [W.copy() for W in net.weights]
    clone = net.copy()
    changes, hist = V.weight_change_per_epoch(net, X_tr, y_tr, optimizer=bplab.SGD(0.1), epochs=3,
                                              batch_size=32, seed=5)
    assert changes.shape == (3, 4)
    assert list(changes.columns) == ["layer 1", "layer 2", "layer 3", "layer 4"]
    assert list(changes.index) == [1, 2, 3] and list(hist.index) == [1, 2, 3]
    assert (changes.to_numpy() > 0).all()
    # epoch 1 reproduced by hand with the same shuffling seed
    bplab.fit(clone, X_tr, y_tr, optimizer=bplab.SGD(0.1), epochs=1, batch_size=32,
              seed=5 * 100_003 + 1, progress=False)
    want = [np.linalg.norm(W - B) / np.linalg.norm(B) for W, B in zip(clone.weights, before)]
    np.testing.assert_allclose(changes.iloc[0].to_numpy(), want, rtol=1e-12)


def test_first_layers_barely_learn_with_sigmoid(digits_split):
    X_tr, _, y_tr, _ = digits_split
    sig = V.make_net(5, 30, n_in=64, activation="sigmoid", init="lecun + bias N(0,1)")
    ch_sig, _ = V.weight_change_per_epoch(sig, X_tr, y_tr, optimizer=bplab.SGD(0.1), epochs=3, batch_size=32)
    relu = V.make_net(5, 30, n_in=64, activation="relu", init="he")
    ch_relu, _ = V.weight_change_per_epoch(relu, X_tr, y_tr, optimizer=bplab.SGD(0.1), epochs=3, batch_size=32)
    m_sig, m_relu = ch_sig.mean(), ch_relu.mean()
    assert m_sig["layer 1"] < m_sig["layer 6"] / 50
    assert m_relu["layer 1"] > m_relu["layer 6"] / 3


def test_weight_change_divergence_carries_partial_changes(digits_split):
    X_tr, _, y_tr, _ = digits_split
    net = V.make_net(4, 30, n_in=64, activation="leaky_relu", init="he")
    with np.errstate(all="ignore"), pytest.raises(bplab.DivergenceError) as info:
        V.weight_change_per_epoch(net, X_tr, y_tr, optimizer=bplab.SGD(10.0), epochs=3, batch_size=32)
    assert isinstance(info.value.changes, pd.DataFrame)
    assert list(info.value.changes.columns) == [f"layer {i}" for i in range(1, 6)]
    assert all(np.isfinite(p).all() for p in net.params)


# ------------------------------------------------------------ remedies
def test_compare_remedies_table(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    rem = [V.Remedy("sigmoid", "sigmoid", "lecun", bias_std=1.0), V.Remedy("relu he", "relu", "he"),
           V.Remedy("leaky, huge lr victim", "leaky_relu", "normal", init_std=1.0)]
    df = V.compare_remedies(X_tr, y_tr, X_te, y_te, rem, depth=4, width=20, seeds=[0, 1], epochs=3,
                            optimizer=bplab.SGD(0.1))
    assert list(df.index) == ["sigmoid", "relu he", "leaky, huge lr victim"]
    assert list(df.columns) == ["g1", "g2", "g3", "g4", "first/last", "acc", "acc_min", "acc_max", "note"]
    np.testing.assert_allclose(df["first/last"], df["g1"] / df["g4"])
    assert df.loc["sigmoid", "first/last"] < 0.05
    assert 0.4 < df.loc["relu he", "first/last"] < 2.5
    assert df.loc["relu he", "acc"] > df.loc["sigmoid", "acc"] + 0.3
    assert df.loc["leaky, huge lr victim", "note"] == "seed 0 diverged (epoch 1)"
    assert np.isnan(df.loc["leaky, huge lr victim", "acc"])


def test_compare_remedies_over_training_seeds(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    rem = [V.Remedy("relu he", "relu", "he"), V.Remedy("sigmoid 4x", "sigmoid", "xavier", weight_scale=4.0)]
    df = V.compare_remedies(X_tr, y_tr, X_te, y_te, rem, depth=3, width=20, seeds=[0], train_seeds=[0, 1, 2],
                            epochs=2, optimizer=bplab.SGD(0.1))
    per_seed = df.attrs["acc_per_seed"]["relu he"]
    assert len(per_seed) == 3
    assert df.loc["relu he", "acc"] == pytest.approx(np.mean(per_seed))
    assert df.loc["relu he", "acc_min"] == min(per_seed) and df.loc["relu he", "acc_max"] == max(per_seed)
    # the trained seed-1 network is the one MLP(seed=1) builds
    net = V.build_net([64, 20, 20, 20, 10], "relu", seed=1, init="he")
    bplab.fit(net, X_tr, y_tr, optimizer=bplab.SGD(0.1), epochs=2, batch_size=32, seed=0, progress=False)
    assert net.accuracy(X_te, y_te) == per_seed[1]


def test_compare_remedies_shuffles_each_run_with_its_own_seed(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    rem = [V.Remedy("relu he", "relu", "he")]
    kw = dict(depth=3, width=20, seeds=[0], train_seeds=[0, 1], epochs=2, optimizer=bplab.SGD(0.1))
    per_run = V.compare_remedies(X_tr, y_tr, X_te, y_te, rem, train_seed=None, keep_models=True, **kw)
    fixed = V.compare_remedies(X_tr, y_tr, X_te, y_te, rem, keep_models=True, **kw)   # train_seed=0
    # seed 0: both shuffle with 0, the same run; seed 1: shuffled with 1 instead of 0, a different run
    m_run, m_fixed = per_run.attrs["models"]["relu he"], fixed.attrs["models"]["relu he"]
    np.testing.assert_array_equal(m_run[0].weights[0], m_fixed[0].weights[0])
    assert not np.allclose(m_run[1].weights[0], m_fixed[1].weights[0])
    net = V.build_net([64, 20, 20, 20, 10], "relu", seed=1, init="he")
    bplab.fit(net, X_tr, y_tr, optimizer=bplab.SGD(0.1), epochs=2, batch_size=32, seed=1, progress=False)
    np.testing.assert_array_equal(net.weights[0], m_run[1].weights[0])
    with pytest.raises(ValueError, match="train_seed"):
        V.compare_remedies(X_tr, y_tr, X_te, y_te, rem, train_seed=-1, **kw)


def test_weight_scale_multiplies_the_hidden_weights_only():
    plain = V.build_net([8, 5, 5, 3], "sigmoid", seed=3, init="xavier")
    big = V.build_net([8, 5, 5, 3], "sigmoid", seed=3, init="xavier", weight_scale=4.0)
    for Wp, Wb in zip(plain.weights[:-1], big.weights[:-1]):
        np.testing.assert_allclose(Wb, 4 * Wp)
    np.testing.assert_allclose(big.weights[-1], plain.weights[-1])
    np.testing.assert_allclose(big.biases[0], plain.biases[0])
    # 4x xavier lifts a deep sigmoid net's first/last gradient ratio by orders of magnitude
    X, y = bplab.data.load_digits()
    g = {s: V.gradient_norms_at_init(X[:300], y[:300], [64] + [30] * 5 + [10], "sigmoid", init="xavier",
                                     seeds=[0, 1], weight_scale=s)["grad_norm"].to_numpy() for s in (1.0, 4.0)}
    assert g[4.0][0] / g[4.0][4] > 10 * g[1.0][0] / g[1.0][4]
    with pytest.raises(ValueError, match="weight_scale"):
        V.build_net([8, 5, 3], "sigmoid", weight_scale=-1)


def test_per_image_vs_averaged_links_the_two_ratios(digits):
    X, y = digits
    net = V.make_net(5, 30, n_in=64, activation="relu", init="xavier", seed=0)
    r = V.per_image_vs_averaged(net, X[:500], y[:500])
    d = V.error_signals(net, X[:500], y[:500])
    assert r["averaged"] == pytest.approx(np.linalg.norm(d[0].sum(0)) / np.linalg.norm(d[4].sum(0)))
    # relu + xavier: per image about 0.707**4 = 0.25 (the rule of thumb), averaged larger
    assert 0.15 < r["per_image"] < 0.35
    assert r["averaged"] > r["per_image"]
    assert r["agreement_first"] > r["agreement_last"]


def test_default_remedies_cover_the_chapter():
    labels = [r.label for r in V.DEFAULT_REMEDIES]
    acts = {r.activation for r in V.DEFAULT_REMEDIES}
    inits = {r.init for r in V.DEFAULT_REMEDIES}
    assert {"sigmoid", "tanh", "relu", "leaky_relu"} <= acts
    assert {"lecun", "xavier", "he", "normal"} <= inits
    assert len(labels) == len(set(labels))


# ------------------------------------------------------------ construction and bad input
def test_make_net_and_presets():
    net = V.make_net(3, 16, n_in=64, activation="tanh", init="xavier")
    assert net.sizes == [64, 16, 16, 16, 10] and net.activation == "tanh"
    net = V.make_net(2, 8, n_in=5, n_out=3, init="lecun + bias N(0,1)")
    assert np.std(np.concatenate(net.biases)) > 0.3          # biases drawn from N(0, 1)
    net = V.make_net(2, 8, n_in=5, n_out=3, init="normal std=1 (too large)")
    assert np.std(net.weights[1]) > 0.6
    for name in V.INIT_PRESETS:
        V.make_net(1, 4, n_in=3, n_out=2, init=name)


@pytest.mark.parametrize("call,exc,match", [
    (lambda X, y: V.make_net(0, 4, n_in=3), ValueError, "depth"),
    (lambda X, y: V.make_net(2, 4, n_in=3, activation="swish"), ValueError, "activation"),
    (lambda X, y: V.make_net(2, 4, n_in=3, init="kaiming"), ValueError, "init"),
    (lambda X, y: V.init_preset("big"), ValueError, "init preset"),
    (lambda X, y: V.gradient_norms_at_init(X, y, [64, 10], "sigmoid"), ValueError, "sizes"),
    (lambda X, y: V.gradient_norms_at_init(X, y, [64, 8, 10], "sigmoid", seeds=[]), ValueError, "seeds"),
    (lambda X, y: V.gradient_norms_at_init(X, y, [64, 8, 10], "sigmoid", seeds=[-1]), ValueError, r"seeds\[0\] must be a non-negative integer"),
    (lambda X, y: V.gradient_norms_at_init(X, y, [64, 8, 10], "sigmoid", head="tanh"), ValueError, "head"),
    (lambda X, y: V.gradient_norms_at_init(X, y, [64, 8, 10], "sigmoid", which="Z"), ValueError, "which"),
    (lambda X, y: V.gradient_norms_at_init(X, y, [32, 8, 10], "sigmoid"), ValueError, "features"),
    (lambda X, y: V.gradient_norms_at_init(X, y, [64, 8, 5], "sigmoid"), ValueError, "label"),
    (lambda X, y: V.sigmoid_head_gradient_norms("net", X, y), TypeError, "model"),
    (lambda X, y: V.error_signals(bplab.MLP([64, 3, 10]), X, y, head="tanh"), ValueError, "head"),
    (lambda X, y: V.gradient_agreement("net", X, y), TypeError, "model"),
    (lambda X, y: V.jacobian_bound_check(bplab.MLP([64, 3, 10]), X, y, head="relu"), ValueError, "head"),
    (lambda X, y: V.jacobian_bound_check(bplab.MLP([64, 3, 2], loss="mse"), X, y), TypeError, "classifier"),
    (lambda X, y: V.weight_change_per_epoch(bplab.MLP([64, 3, 10]), X, y, optimizer=bplab.SGD(0.1),
                                            epochs=0, batch_size=8), ValueError, "epochs"),
    (lambda X, y: V.Remedy("x", "relu", "he", init_std=-1.0), ValueError, "init_std"),
    (lambda X, y: V.compare_remedies(X, y, X, y, ["relu"]), TypeError, "Remedy"),
])
def test_bad_input_names_the_argument(digits, call, exc, match):
    X, y = digits
    with pytest.raises(exc, match=match):
        call(X[:50], y[:50])


# ------------------------------------------------------------ plots
def test_plots_return_figures_with_the_data(digits):
    X, y = digits
    fig = vplots.layer_norm_bars({"a": [0.01, 0.05, 0.25], "b": [0.003, 0.015, 0.08]})
    heights = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_allclose(heights, [0.01, 0.05, 0.25, 0.003, 0.015, 0.08])
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)

    fig = vplots.layer_norm_bars({"a": [0.01, 0.05, 0.25], "b": [0.003, 0.015, 0.08]},
                                 errors={"a": [0.002, 0.01, 0.04]})
    from matplotlib.container import ErrorbarContainer
    (bars,) = [c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]   # only "a"
    segs = bars.lines[2][0].get_segments()
    np.testing.assert_allclose([(s_[0][1], s_[1][1]) for s_ in segs],
                               [(0.008, 0.012), (0.04, 0.06), (0.21, 0.29)])
    assert fig.axes[0].get_ylim()[1] >= 0.29
    plt.close(fig)

    fig = vplots.sigmoid_slope()
    line = fig.axes[1].lines[0]
    assert max(line.get_ydata()) == pytest.approx(0.25, abs=1e-6)
    plt.close(fig)

    nets = {"small": bplab.MLP(DEEP, "sigmoid", seed=0, init="lecun", bias_std=1.0),
            "big": bplab.MLP(DEEP, "sigmoid", seed=0, init="normal", init_std=1.0, bias_std=1.0)}
    fig = vplots.activation_histograms(nets, X)
    assert len(fig.axes) == 8
    np.testing.assert_allclose(fig.saturated["big"], _saturation(nets["big"], X, y)[:4])
    assert fig.axes[4].get_title().endswith("of outputs saturated")
    assert len(fig.axes[0].get_yticklabels()) > 0 and "density" in fig.axes[0].get_ylabel()
    plt.close(fig)

    changes = pd.DataFrame({"layer 1": [1e-4, 2e-4], "layer 2": [1e-2, 3e-2]}, index=[1, 2])
    fig = vplots.weight_change_lines({"x": changes, "y": changes * 2})
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 2
    l1, l2 = fig.axes[0].lines                 # layers tell apart by colour AND marker
    assert l1.get_color() != l2.get_color() and l1.get_marker() != l2.get_marker()
    plt.close(fig)

    table = pd.DataFrame({"g1": [1e-3, 0.2, 0.2], "g2": [1e-2, 0.2, 0.2], "first/last": [0.1, 1.0, 1.0]},
                         index=["s", "r", "leaky"])
    fig = vplots.remedy_lines(table, note="r and leaky coincide")
    assert any("coincide" in t.get_text() for t in fig.axes[0].texts)
    lines = fig.axes[0].lines
    assert len(lines) == 3
    # equal rows stay distinguishable: different dash pattern, marker, and a small sideways nudge
    assert lines[1].get_linestyle() != lines[2].get_linestyle()
    assert lines[1].get_marker() != lines[2].get_marker()
    assert not np.allclose(lines[1].get_xdata(), lines[2].get_xdata())
    np.testing.assert_allclose(lines[2].get_ydata(), [0.2, 0.2])
    plt.close(fig)

    fig = vplots.gradient_explorer_figure([0.01, 0.1, 1.0], [np.nan] * 3, message="Training diverged")
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert any("diverged" in t for t in texts)
    plt.close(fig)


def test_plot_bad_input():
    with pytest.raises(TypeError, match="series"):
        vplots.layer_norm_bars([1, 2])
    with pytest.raises(TypeError, match="errors"):
        vplots.layer_norm_bars({"a": [1.0, 2.0]}, errors={"b": [0.1, 0.1]})
    with pytest.raises(ValueError, match="entries"):
        vplots.layer_norm_bars({"a": [1.0, 2.0]}, errors={"a": [0.1]})
    with pytest.raises(ValueError, match="g1"):
        vplots.remedy_lines(pd.DataFrame({"x": [1.0]}))


# ---------------------------------------------------------------- the forward-pass prediction
def test_typical_gain_is_the_expected_stretch_of_a_random_backward_signal():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(7, 4)) * 0.3
    V_ = rng.normal(size=(200_000, 4))                     # rows with no preferred direction
    stretch = np.sqrt(np.mean(np.sum((V_ @ W.T) ** 2, axis=1)) / np.mean(np.sum(V_ ** 2, axis=1)))
    assert V.typical_gain(W) == pytest.approx(np.linalg.norm(W) / 2.0)
    assert V.typical_gain(W) == pytest.approx(stretch, rel=0.01)
    with pytest.raises(ValueError, match=r"W must be a weight matrix of shape \(fan_in, fan_out\), got shape \(3,\)"):
        V.typical_gain(np.ones(3))


def test_predicted_shrink_factors_from_the_forward_pass():
    rng = np.random.default_rng(1)
    X = rng.random((30, 5))
    net = bplab.MLP([5, 6, 4, 3], "sigmoid", seed=0, init="lecun", bias_std=1.0)
    got = V.predicted_shrink_factors(net, X)
    _, cache = net.forward(X, return_cache=True)
    want = [1 / (np.sqrt(np.mean((A * (1 - A)) ** 2)) * np.linalg.norm(W) / np.sqrt(W.shape[1]))
            for (_, _, A), W in zip(cache[:-1], net.weights[1:])]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.shape == (2,)
    with pytest.raises(TypeError, match="model must be a bplab.MLP"):
        V.predicted_shrink_factors("net", X)


def test_digit_rows_shows_one_image_of_each_digit():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from bplab.chapters.ch04 import plots as vplots

    X, y = bplab.data.load_digits()
    fig = vplots.digit_rows({"digits": (X, y)})
    idx = fig.shown["digits"]
    assert [int(y[i]) for i in idx] == list(range(10))
    first = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(first, X[idx[0]].reshape(8, 8))
    plt.close(fig)
    with pytest.raises(ValueError, match="square"):
        vplots.digit_rows({"bad": (np.zeros((3, 10)), np.arange(3))})
    with pytest.raises(TypeError, match="dict"):
        vplots.digit_rows([])


# ------------------------------------------------- fresh-reader additions (round 2)
def test_stuck_fractions_dead_relus_and_alive():
    X = np.random.default_rng(0).random((40, 6))
    net = bplab.MLP([6, 5, 4, 3], "relu", seed=0, init="he")
    net.biases[0][:] = -100.0            # every unit of hidden layer 1 negative on every example: dead
    net.biases[1][:] = 100.0             # layer 2 then gets constant input + 100: every unit alive
    np.testing.assert_allclose(V.stuck_fractions(net, X), [1.0, 0.0])
    net.biases[0][:2] = 100.0            # two of five units alive again
    assert V.stuck_fractions(net, X)[0] == pytest.approx(3 / 5)


def test_saturated_fractions_matches_definition():
    X = np.random.default_rng(1).random((50, 6))
    net = V.build_net([6, 8, 8, 3], "sigmoid", seed=2, init="lecun", weight_scale=6.0, bias_std=1.0)
    _, cache = net.forward(X, return_cache=True)
    expect = [np.mean(A * (1 - A) < 0.025) for _, _, A in cache[:-1]]
    np.testing.assert_allclose(V.saturated_fractions(net, X), expect)


def test_scale_sweep_trade_off(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    sizes = [64, 20, 20, 20, 10]
    df = V.scale_sweep(X, y, sizes, [1, 4, 16], seeds=[0, 1], init="lecun", bias_std=1.0)
    ref = V.gradient_norms_at_init(X, y, sizes, "sigmoid", init="lecun", bias_std=1.0, seeds=[0, 1],
                                   head="sigmoid")["grad_norm"].to_numpy()
    assert df.loc[1, "g1"] == pytest.approx(ref[0])
    assert df.loc[1, "first/last"] == pytest.approx(ref[0] / ref[2])
    assert df["saturated"].is_monotonic_increasing and df.loc[16, "saturated"] > 0.3
    assert df["rms_slope"].is_monotonic_decreasing
    assert df["first/last"].is_monotonic_increasing
    # every network's own g1, and the saturation and slopes from the same forward pass as the gradients
    per_seed = df.attrs["g1_per_seed"]
    assert per_seed.shape == (3, 2)
    np.testing.assert_allclose(per_seed.mean(axis=1), df["g1"])
    for sc in (1, 16):
        nets = [V.build_net(sizes, "sigmoid", seed=s, weight_scale=sc, init="lecun", bias_std=1.0) for s in (0, 1)]
        assert df.loc[sc, "saturated"] == pytest.approx(np.mean([V.saturated_fractions(m, X).mean() for m in nets]))
        assert df.loc[sc, "rms_slope"] == pytest.approx(np.mean([V.rms_slope(m, X).mean() for m in nets]))


def test_weight_vs_bias_gradients_matches_layer_trace(digits):
    X, y = digits
    X, y = X[:200], y[:200]
    net = V.make_net(3, 20, n_in=64, activation="sigmoid", init="lecun + bias N(0,1)", seed=1)
    df = V.weight_vs_bias_gradients(net, X, y)
    trace = net.layer_trace(X, y)
    np.testing.assert_allclose(df["db"], [np.linalg.norm(t["db"]) for t in trace])
    np.testing.assert_allclose(df["dW"], [np.linalg.norm(t["dW"]) for t in trace])
    np.testing.assert_allclose(df["agreement"], V.gradient_agreement(net, X, y))
    # a layer whose input is the same for every example: dW = a (sum of deltas)^T, so dW/db = ||a||
    Xc = np.tile(X[:1], (30, 1))
    df_c = V.weight_vs_bias_gradients(net, Xc, y[:30])
    assert df_c.loc[1, "dW/db"] == pytest.approx(np.linalg.norm(X[0]), rel=1e-9)
    assert df_c.loc[1, "input_std"] == pytest.approx(0.0, abs=1e-12)


def test_compare_remedies_keeps_trained_models(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    rem = [V.Remedy("relu, he", "relu", "he")]
    df = V.compare_remedies(X_tr, y_tr, X_te, y_te, rem, depth=2, width=10, seeds=[0], train_seeds=[0, 1],
                            epochs=1, keep_models=True)
    models = df.attrs["models"]["relu, he"]
    assert len(models) == 2
    assert [m.accuracy(X_te, y_te) for m in models] == df.attrs["acc_per_seed"]["relu, he"]
    assert "models" not in V.compare_remedies(X_tr, y_tr, X_te, y_te, rem, depth=2, width=10, seeds=[0],
                                              epochs=1).attrs
