"""The residual sigmoid network of chapter 04: its backward pass against finite differences, and
the claim the chapter builds on it (the skip keeps the gradient from vanishing)."""
import numpy as np
import pytest

import bplab
from bplab.chapters.ch04 import experiments as V
from bplab.chapters.ch04.residual import ResidualSigmoidNet, train_sgd
from bplab.gradcheck import numerical_gradient, relative_error


def _small():
    rng = np.random.default_rng(3)
    X = rng.random((9, 6))
    y = rng.integers(0, 3, size=9)
    mlp = bplab.MLP([6, 4, 4, 4, 3], "sigmoid", seed=1, init="lecun", bias_std=1.0)
    return ResidualSigmoidNet(mlp), X, y


def test_backward_matches_finite_differences():
    net, X, y = _small()
    _, grads = net.loss_and_grads(X, y)
    for p, g in zip(net.params, grads):
        num = numerical_gradient(lambda: net.loss_value(X, y), p, 1e-6)
        assert g.shape == p.shape
        assert relative_error(g, num) < 1e-7


def test_forward_is_the_mlp_plus_the_skips():
    net, X, y = _small()
    mlp = bplab.MLP([6, 4, 4, 4, 3], "sigmoid", seed=1, init="lecun", bias_std=1.0)
    s = bplab.activations.sigmoid.f
    A1 = s(X @ mlp.weights[0] + mlp.biases[0])
    A2 = A1 + s(A1 @ mlp.weights[1] + mlp.biases[1])
    A3 = A2 + s(A2 @ mlp.weights[2] + mlp.biases[2])
    np.testing.assert_allclose(net.forward(X)[0], A3 @ mlp.weights[3] + mlp.biases[3], rtol=1e-12)
    # the skip is the only difference: without it the net is the MLP
    assert not np.allclose(net.forward(X)[0], mlp.forward(X))


def test_skip_keeps_the_gradient_from_vanishing():
    X, y = bplab.data.load_digits()
    X, y = X[:400], y[:400]
    for seed in range(3):
        mlp = V.make_net(5, 30, n_in=64, activation="sigmoid", init="lecun + bias N(0,1)", seed=seed)
        plain = np.array([np.linalg.norm(t["db"]) for t in mlp.layer_trace(X, y)])
        res = ResidualSigmoidNet(mlp).bias_grad_norms(X, y)
        assert plain[0] / plain[4] < 0.01            # plain: vanishes (about 5x per layer)
        assert 0.5 < res[0] / res[4] < 3             # residual: about the same size in every hidden layer


def test_residual_net_learns_where_the_plain_one_does_not():
    X, y = bplab.data.load_digits()
    Xtr, Xva, ytr, yva = bplab.data.train_test_split(X, y, test_size=0.2, seed=0)
    mlp = V.make_net(5, 30, n_in=64, activation="sigmoid", init="lecun + bias N(0,1)", seed=0)
    res = ResidualSigmoidNet(mlp)
    losses = train_sgd(res, Xtr, ytr, lr=0.1, epochs=10, batch_size=32, seed=0)
    assert losses[-1] < 0.5 * losses[0]
    assert res.accuracy(Xva, yva) > 0.6


def test_bad_input():
    with pytest.raises(TypeError, match="MLP"):
        ResidualSigmoidNet("net")
    with pytest.raises(ValueError, match="sigmoid"):
        ResidualSigmoidNet(bplab.MLP([4, 3, 3, 2], "relu"))
    with pytest.raises(ValueError, match="equal width"):
        ResidualSigmoidNet(bplab.MLP([4, 3, 5, 2], "sigmoid"))


def test_centred_variant_forward_backward_and_activations():
    net, X, y = _small()
    cen = ResidualSigmoidNet(bplab.MLP([6, 4, 4, 4, 3], "sigmoid", seed=1, init="lecun", bias_std=1.0),
                             centred=True)
    # the forward pass adds sigma(Z) - 1/2 at every skip
    mlp = bplab.MLP([6, 4, 4, 4, 3], "sigmoid", seed=1, init="lecun", bias_std=1.0)
    s = bplab.activations.sigmoid.f
    A1 = s(X @ mlp.weights[0] + mlp.biases[0])
    A2 = A1 + s(A1 @ mlp.weights[1] + mlp.biases[1]) - 0.5
    A3 = A2 + s(A2 @ mlp.weights[2] + mlp.biases[2]) - 0.5
    np.testing.assert_allclose(cen.forward(X)[0], A3 @ mlp.weights[3] + mlp.biases[3], rtol=1e-12)
    # its backward pass is still exact
    _, grads = cen.loss_and_grads(X, y)
    for p, g in zip(cen.params, grads):
        assert relative_error(g, numerical_gradient(lambda: cen.loss_value(X, y), p, 1e-6)) < 1e-7
    # on the deep network the centred activations stay near 0.5, the plain residual's grow with depth
    Xd, yd = bplab.data.load_digits()
    deep = V.make_net(5, 30, n_in=64, activation="sigmoid", init="lecun + bias N(0,1)", seed=0)
    last = lambda m: m.forward(Xd[:300])[1][-1][0].mean()    # the output layer's input: hidden 5's output
    assert last(ResidualSigmoidNet(deep)) > 2.0
    assert 0.3 < last(ResidualSigmoidNet(deep, centred=True)) < 0.7
    with pytest.raises(TypeError, match="centred"):
        ResidualSigmoidNet(deep, centred="yes")
