"""The Autoencoder: mirrored architecture, affine code and output layers, gradients against
finite differences, encode/decode/reconstruct, training without labels, denoising, bad input."""
from __future__ import annotations

import numpy as np
import pytest

import bplab

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 6))
H = 2e-5          # see test_gradients_property.py for the choice of step


def _gradcheck(ae, X):
    _, grads = ae.loss_and_grads(X)
    numeric = [bplab.numerical_gradient(lambda: ae.reconstruction_error(X), p, h=H) for p in ae.params]
    flat_a = np.concatenate([g.ravel() for g in grads])
    flat_n = np.concatenate([g.ravel() for g in numeric])
    errs = [bplab.relative_error(flat_a, flat_n)]
    top = np.abs(flat_a).max()
    errs += [bplab.relative_error(a, n) for a, n in zip(grads, numeric) if np.abs(a).max() > 1e-3 * top]
    return max(errs)


@pytest.mark.parametrize("sizes", [[6, 2], [6, 4, 2], [6, 5, 4, 3]])
@pytest.mark.parametrize("activation,output", [
    ("tanh", None), ("linear", None), ("sigmoid", "sigmoid"), ("tanh", "sigmoid"),
    ("leaky_relu", "tanh"),
])
def test_gradients_match_finite_differences(sizes, activation, output):
    ae = bplab.Autoencoder(sizes, activation=activation, output_activation=output, seed=1, bias_std=0.3)
    data = 1 / (1 + np.exp(-X)) if output == "sigmoid" else X
    assert _gradcheck(ae, data) < 1e-6


def test_gradient_check_table_for_autoencoder():
    ae = bplab.Autoencoder([6, 4, 2], activation="tanh", seed=0)
    table = bplab.gradient_check(ae, X, h=H)
    assert list(table.index) == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]
    assert table["ok"].all(), table


@pytest.mark.parametrize("sizes", [[6, 2], [6, 4, 2], [10, 8, 5, 3]])
def test_decoder_mirrors_encoder(sizes):
    ae = bplab.Autoencoder(sizes, activation="relu")
    full = sizes + sizes[-2::-1]
    assert ae.sizes == full
    assert ae.encoder_sizes == sizes and ae.code_size == sizes[-1]
    assert [p.shape for p in ae.weights] == list(zip(full[:-1], full[1:]))
    assert ae.n_layers == 2 * (len(sizes) - 1)


def test_code_and_output_layers_are_affine():
    ae = bplab.Autoencoder([6, 5, 3], activation="tanh", seed=2, bias_std=0.2)
    W1, b1, W2, b2, W3, b3, W4, b4 = ae.params
    code = np.tanh(X @ W1 + b1) @ W2 + b2                         # no tanh on the code
    out = np.tanh(code @ W3 + b3) @ W4 + b4                       # none on the output
    np.testing.assert_allclose(ae.encode(X), code, rtol=1e-13)
    np.testing.assert_allclose(ae.decode(code), out, rtol=1e-13)
    np.testing.assert_allclose(ae.reconstruct(X), out, rtol=1e-13)
    np.testing.assert_allclose(ae(X), out, rtol=1e-13)
    assert [a.name for a in ae.activations] == ["tanh", "linear", "tanh", "linear"]


def test_output_activation_sigmoid_squashes():
    ae = bplab.Autoencoder([6, 4, 2], activation="relu", output_activation="sigmoid", seed=0)
    out = ae.reconstruct(X * 100)
    assert ((out >= 0) & (out <= 1)).all()
    assert [a.name for a in ae.activations] == ["relu", "linear", "relu", "sigmoid"]


def test_shapes_of_encode_decode_reconstruct():
    ae = bplab.Autoencoder([6, 4, 2])
    assert ae.encode(X).shape == (8, 2)
    assert ae.decode(np.zeros((5, 2))).shape == (5, 6)
    assert ae.reconstruct(X).shape == (8, 6)
    assert ae.encode(X[0]).shape == (1, 2)                     # a single row
    assert ae.decode(np.zeros(2)).shape == (1, 6)


def test_loss_is_mean_squared_reconstruction_error():
    ae = bplab.Autoencoder([6, 3], activation="linear", seed=3)
    loss, grads = ae.loss_and_grads(X)
    assert loss == pytest.approx(np.mean((ae.reconstruct(X) - X) ** 2), rel=1e-14)
    assert ae.reconstruction_error(X) == pytest.approx(loss, rel=1e-14)
    assert ae.evaluate(X) == {"loss": pytest.approx(loss, rel=1e-14)}
    assert [g.shape for g in grads] == [p.shape for p in ae.params]


def test_fit_without_labels_reduces_error():
    data = RNG.normal(size=(200, 6)) @ RNG.normal(size=(6, 6)) * 0.3
    ae = bplab.Autoencoder([6, 4, 3], activation="tanh", seed=0)
    before = ae.reconstruction_error(data)
    hist = bplab.fit(ae, data, optimizer=bplab.Adam(0.01), epochs=30, batch_size=32,
                     validation=data[:50], progress=False)
    assert list(hist.columns) == ["loss", "val_loss"]
    assert ae.reconstruction_error(data) < 0.5 * before
    assert hist["val_loss"].iloc[-1] == pytest.approx(ae.reconstruction_error(data[:50]), rel=1e-13)


def test_linear_autoencoder_approaches_pca():
    """Baldi & Hornik 1989: a linear autoencoder's best reconstruction error equals PCA's."""
    rng = np.random.default_rng(1)
    data = rng.normal(size=(300, 5)) * np.array([3.0, 2.0, 0.3, 0.2, 0.1])
    data -= data.mean(axis=0)
    ae = bplab.Autoencoder([5, 2], activation="linear", seed=0)
    bplab.fit(ae, data, optimizer=bplab.Adam(0.02), epochs=150, batch_size=64, progress=False)
    _, s, vt = np.linalg.svd(data, full_matrices=False)
    pca_err = np.mean((data - data @ vt[:2].T @ vt[:2]) ** 2)
    assert ae.reconstruction_error(data) == pytest.approx(pca_err, rel=0.05)


def test_denoising_trains_and_uses_noise():
    data = np.tile(np.eye(6), (20, 1))
    clean = bplab.Autoencoder([6, 4], activation="linear", seed=0)
    noisy = bplab.Autoencoder([6, 4], activation="linear", seed=0, noise=0.3)
    assert noisy.noise == 0.3
    h_clean = bplab.fit(clean, data, optimizer=bplab.Adam(0.01), epochs=20, batch_size=16,
                        progress=False)
    h_noisy = bplab.fit(noisy, data, optimizer=bplab.Adam(0.01), epochs=20, batch_size=16,
                        progress=False)
    assert h_noisy["loss"].iloc[-1] < h_noisy["loss"].iloc[0]
    assert not np.array_equal(clean.params[0], noisy.params[0])      # the noise changed training
    assert h_noisy["loss"].iloc[-1] > h_clean["loss"].iloc[-1]        # noisy inputs are harder
    # the noise is seeded: same seed, same result
    again = bplab.Autoencoder([6, 4], activation="linear", seed=0, noise=0.3)
    h_again = bplab.fit(again, data, optimizer=bplab.Adam(0.01), epochs=20, batch_size=16,
                        progress=False)
    np.testing.assert_array_equal(h_again["loss"], h_noisy["loss"])
    # loss_and_grads itself never adds noise
    assert noisy.loss_and_grads(data)[0] == noisy.loss_and_grads(data)[0]


def test_float32_autoencoder():
    ae = bplab.Autoencoder([6, 3], dtype=np.float32)
    bplab.fit(ae, X, optimizer=bplab.SGD(0.05), epochs=2, batch_size=4, progress=False)
    assert all(p.dtype == np.float32 for p in ae.params)
    assert ae.encode(X).dtype == np.float32


# ---------------------------------------------------------------------- bad input

def test_fit_rejects_y():
    ae = bplab.Autoencoder([6, 3])
    before = [p.copy() for p in ae.params]
    with pytest.raises(TypeError, match="an Autoencoder takes no targets y: it learns without labels"):
        bplab.fit(ae, X, np.zeros(8), optimizer=bplab.SGD(0.1), epochs=1, batch_size=4, progress=False)
    with pytest.raises(TypeError, match="takes no targets validation y"):
        bplab.fit(ae, X, optimizer=bplab.SGD(0.1), epochs=1, batch_size=4, progress=False,
                  validation=(X, np.zeros(8)))
    for p, b in zip(ae.params, before):
        np.testing.assert_array_equal(p, b)


def test_loss_and_grads_rejects_y():
    with pytest.raises(TypeError, match="takes no targets"):
        bplab.Autoencoder([6, 3]).loss_and_grads(X, X)


@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(sizes=[6]), ValueError, "sizes needs at least 2 widths"),
    (dict(sizes=[6, 0]), ValueError, r"sizes\[1\] must be an integer >= 1"),
    (dict(sizes="6,3"), TypeError, "sizes must be a list"),
    (dict(sizes=[6, 3], activation="gelu"), ValueError, r"unknown activation 'gelu'; choose one of"),
    (dict(sizes=[6, 3], output_activation="softmax"), ValueError, r"unknown output_activation 'softmax'"),
    (dict(sizes=[6, 3], noise=-0.1), ValueError, "noise must be >= 0"),
    (dict(sizes=[6, 3], noise="big"), TypeError, "noise must be a number"),
    (dict(sizes=[6, 3], dtype=np.int64), TypeError, "dtype must be np.float32 or np.float64"),
    (dict(sizes=[6, 3], init="orthogonal"), ValueError, "unknown init 'orthogonal'"),
])
def test_bad_constructor_arguments(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        bplab.Autoencoder(**kwargs)


@pytest.mark.parametrize("call,exc,msg", [
    (lambda ae: ae.encode(np.zeros((3, 5))), ValueError, r"X has 5 features .*expects 6"),
    (lambda ae: ae.reconstruct(np.zeros((3, 6, 1))), ValueError, "X must be 2-D"),
    (lambda ae: ae.decode(np.zeros((3, 6))), ValueError, r"C \(codes\) has 6 features .*expects 3"),
    (lambda ae: ae.loss_and_grads(np.full((3, 6), np.nan)), ValueError, "X contains NaN"),
    (lambda ae: ae.encode("pixels"), TypeError, "X must be a 2-D numeric array, got a string"),
    (lambda ae: ae.reconstruct(np.zeros((0, 6))), ValueError, "X is empty"),
    (lambda ae: bplab.fit(ae, X[:, :4], optimizer=bplab.SGD(0.1), epochs=1, batch_size=4),
     ValueError, "X has 4 features"),
    (lambda ae: bplab.fit(ae, X, optimizer=bplab.SGD(0.1), epochs=1, batch_size=4,
                          validation=X[:, :2]), ValueError, "validation X has 2 features"),
])
def test_bad_data(call, exc, msg):
    ae = bplab.Autoencoder([6, 3])
    with pytest.raises(exc, match=msg):
        call(ae)


def test_repr():
    r = repr(bplab.Autoencoder([6, 3], noise=0.2))
    assert "[6, 3]" in r and "noise=0.2" in r
