"""Every kind of bad input gets a ValueError/TypeError that names the argument, what was
given and what was expected; a failed fit leaves the model untouched."""
from __future__ import annotations

import numpy as np
import pytest

import bplab

RNG = np.random.default_rng(0)
X = RNG.normal(size=(10, 4))
Y = RNG.integers(0, 3, size=10)
Y_MSE = RNG.normal(size=(10, 2))


def _clf():
    return bplab.MLP([4, 5, 3], seed=0)


def _reg():
    return bplab.MLP([4, 5, 2], loss="mse", seed=0)


def _with(value, row=2, col=1):
    Z = X.copy()
    Z[row, col] = value
    return Z


# ------------------------------------------------------------------ building a model

@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(sizes=[]), ValueError, r"sizes needs at least 2 widths .*got \[\]"),
    (dict(sizes=[3]), ValueError, r"sizes needs at least 2 widths .*got \[3\]"),
    (dict(sizes=[3, 0]), ValueError, r"sizes\[1\] must be an integer >= 1, got 0 \(in sizes=\[3, 0\]\)"),
    (dict(sizes=[3, -2, 2]), ValueError, r"sizes\[1\] must be an integer >= 1, got -2"),
    (dict(sizes=[3, 2.5]), TypeError, r"sizes\[1\] must be an integer >= 1, got float 2.5"),
    (dict(sizes=["3", 2]), TypeError, r"sizes\[0\] must be an integer"),
    (dict(sizes="64,10"), TypeError, "sizes must be a list of layer widths"),
    (dict(sizes=64), TypeError, "sizes must be a list of layer widths"),
    (dict(sizes=None), TypeError, "sizes must be a list of layer widths"),
    (dict(sizes=[3, 1]), ValueError, r"cross_entropy' needs at least 2 outputs"),
    (dict(sizes=[3, 2], activation="swish"), ValueError,
     r"unknown activation 'swish'; choose one of \['leaky_relu', 'linear', 'relu', 'sigmoid', 'tanh'\]"),
    (dict(sizes=[3, 2], activation=None), TypeError, "activation must be a string"),
    (dict(sizes=[3, 2], loss="hinge"), ValueError, r"unknown loss 'hinge'; choose one of \['cross_entropy', 'mse'\]"),
    (dict(sizes=[3, 2], loss=2), TypeError, "loss must be a string"),
    (dict(sizes=[3, 2], init="kaiming"), ValueError, r"unknown init 'kaiming'; choose one of .*'he'.*'xavier'"),
    (dict(sizes=[3, 2], dtype=np.int32), TypeError, "dtype must be np.float32 or np.float64, got int32"),
    (dict(sizes=[3, 2], dtype=np.float16), TypeError, "dtype must be np.float32 or np.float64"),
    (dict(sizes=[3, 2], dtype="banana"), TypeError, "dtype must be np.float32 or np.float64"),
    (dict(sizes=[3, 2], dtype=complex), TypeError, "dtype must be np.float32 or np.float64"),
    (dict(sizes=[3, 2], seed=-1), ValueError, "seed must be a non-negative integer, got -1"),
    (dict(sizes=[3, 2], seed=1.5), TypeError, "seed must be a non-negative integer"),
    (dict(sizes=[3, 2], seed="0"), TypeError, "seed must be a non-negative integer"),
    (dict(sizes=[3, 2], init="normal", init_std=-1.0), ValueError, "init_std must be > 0"),
])
def test_bad_model_arguments(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        bplab.MLP(**kwargs)


# ----------------------------------------------------------------------- bad X

BAD_X = [
    (X[:, :3], ValueError, r"X has 3 features \(shape \(10, 3\)\), but the model expects 4"),
    (np.zeros(7), ValueError, r"X must be 2-D with shape \(n_samples, 4\), got shape \(7,\)"),
    (np.zeros((2, 5, 4)), ValueError, r"X must be 2-D with shape \(n_samples, 4\), got shape \(2, 5, 4\)"),
    (np.zeros((0, 4)), ValueError, r"X is empty \(shape \(0, 4\)\)"),
    (np.array(3.0), ValueError, r"X must be 2-D .* got shape \(\)"),
    (_with(np.nan), ValueError, r"X contains NaN or inf \(first at row 2, column 1: nan\)"),
    (_with(np.inf, 4, 3), ValueError, r"X contains NaN or inf \(first at row 4, column 3: inf\)"),
    (_with(-np.inf), ValueError, "X contains NaN or inf"),
    (np.full((3, 4), "a"), TypeError, "X must hold numbers, got an array of shape"),
    (np.array([[1, "a", None, 2.0]], dtype=object), TypeError, "X must hold numbers.*dtype object"),
    ("abc", TypeError, "X must be a 2-D numeric array, got a string"),
    (None, TypeError, "X must be a 2-D numeric array, got None"),
    (X.astype(complex), TypeError, "X must hold real numbers, got complex"),
]


@pytest.mark.parametrize("bad,exc,msg", BAD_X)
@pytest.mark.parametrize("method", ["forward", "predict", "loss_and_grads", "fit"])
def test_bad_X(method, bad, exc, msg):
    net = _clf()
    with pytest.raises(exc, match=msg):
        if method == "loss_and_grads":
            net.loss_and_grads(bad, Y[: len(bad)] if hasattr(bad, "__len__") and np.ndim(bad) else Y)
        elif method == "fit":
            bplab.fit(net, bad, Y, optimizer=bplab.SGD(0.1), epochs=1, batch_size=4, progress=False)
        else:
            getattr(net, method)(bad)


def test_nested_lists_are_fine():
    net = _clf()
    np.testing.assert_array_equal(net.forward(X.tolist()), net.forward(X))


# ----------------------------------------------------------------------- bad y

BAD_LABELS = [
    (Y[:9], ValueError, "y has 9 labels but X has 10 rows; they must match"),
    (np.r_[Y[:9], -1], ValueError, r"y has label -1 out of range: labels must be integers in \[0, 3\)"),
    (np.r_[Y[:9], 3], ValueError, r"y has label 3 out of range: labels must be integers in \[0, 3\) for a network with 3 outputs"),
    (np.r_[Y[:9], 7], ValueError, r"label 7 out of range"),
    (np.r_[Y[:9].astype(float), 1.5], TypeError, r"y must hold integer class labels, got non-integer floats \(e.g. 1.5\)"),
    (np.r_[Y[:9].astype(float), np.nan], ValueError, "y contains NaN or inf"),
    (np.eye(3)[Y], ValueError, r"y must be a 1-D vector of integer labels, got shape \(10, 3\) \(one-hot\? pass y.argmax\(axis=1\)\)"),
    (np.zeros((10, 2, 2), dtype=int), ValueError, r"y must be a 1-D vector of integer labels, got shape \(10, 2, 2\)"),
    (np.array(["a"] * 10), TypeError, "y must hold integer class labels"),
    (np.array([None] * 10), TypeError, "y must hold integer class labels"),
    ("0123456789", TypeError, "y must be integer class labels, got a string"),
    (None, TypeError, r"y is required: integer class labels in \[0, 3\)"),
    (np.array([], dtype=int), ValueError, "y"),
]


@pytest.mark.parametrize("bad,exc,msg", BAD_LABELS)
@pytest.mark.parametrize("method", ["loss_and_grads", "fit", "accuracy", "layer_trace"])
def test_bad_labels(method, bad, exc, msg):
    net = _clf()
    with pytest.raises(exc, match=msg):
        if method == "fit":
            bplab.fit(net, X, bad, optimizer=bplab.SGD(0.1), epochs=1, batch_size=4, progress=False)
        else:
            getattr(net, method)(X, bad)


def test_acceptable_label_forms():
    net = _clf()
    ref, _ = net.loss_and_grads(X, Y)
    for form in (Y.astype(float), Y.astype(np.uint8), Y[:, None], Y.tolist()):
        assert net.loss_and_grads(X, form)[0] == ref


BAD_TARGETS = [
    (Y_MSE[:, :1], ValueError, r"y must have shape \(n_samples, 2\) to match the 2 outputs, got shape \(10, 1\)"),
    (np.zeros((10, 3)), ValueError, r"y must have shape \(n_samples, 2\) .*got shape \(10, 3\)"),
    (np.zeros(10), ValueError, r"y must have shape \(n_samples, 2\) .*got shape \(10,\)"),
    (Y_MSE[:7], ValueError, "y has 7 rows but X has 10; they must match"),
    (np.where(np.eye(10, 2) > 0, np.nan, Y_MSE), ValueError, "y contains NaN or inf"),
    (np.full((10, 2), "x"), TypeError, "y must hold numbers"),
    (None, TypeError, r"y is required: targets of shape \(n_samples, 2\)"),
]


@pytest.mark.parametrize("bad,exc,msg", BAD_TARGETS)
@pytest.mark.parametrize("method", ["loss_and_grads", "fit"])
def test_bad_regression_targets(method, bad, exc, msg):
    net = _reg()
    with pytest.raises(exc, match=msg):
        if method == "fit":
            bplab.fit(net, X, bad, optimizer=bplab.SGD(0.1), epochs=1, batch_size=4, progress=False)
        else:
            net.loss_and_grads(X, bad)


def test_single_output_regression_accepts_a_vector():
    net = bplab.MLP([4, 3, 1], loss="mse")
    a = net.loss_and_grads(X, Y_MSE[:, 0])[0]
    b = net.loss_and_grads(X, Y_MSE[:, :1])[0]
    assert a == b


# --------------------------------------------------------------- bad fit arguments

def _fit(net=None, **over):
    kw = dict(optimizer=bplab.SGD(0.1), epochs=2, batch_size=4, progress=False)
    kw.update(over)
    net = net or _clf()
    Xa = kw.pop("X", X)
    ya = kw.pop("y", Y)
    return bplab.fit(net, Xa, ya, **kw)


BAD_FIT = [
    (dict(optimizer="sgd"), TypeError, "optimizer must be an optimizer object such as bplab.SGD.*got the string 'sgd'"),
    (dict(optimizer=None), TypeError, "optimizer must be bplab.SGD, RMSProp or Adam, got NoneType"),
    (dict(optimizer=bplab.SGD), TypeError, "optimizer must be bplab.SGD, RMSProp or Adam"),
    (dict(epochs=0), ValueError, "epochs must be an integer >= 1, got 0"),
    (dict(epochs=-3), ValueError, "epochs must be an integer >= 1, got -3"),
    (dict(epochs=2.5), TypeError, "epochs must be an integer >= 1, got float 2.5"),
    (dict(epochs="10"), TypeError, "epochs must be an integer >= 1, got str"),
    (dict(epochs=None), TypeError, "epochs must be an integer"),
    (dict(batch_size=0), ValueError, "batch_size must be an integer >= 1, got 0"),
    (dict(batch_size=-1), ValueError, "batch_size must be an integer >= 1"),
    (dict(batch_size=3.7), TypeError, "batch_size must be an integer"),
    (dict(seed=-1), ValueError, "seed must be a non-negative integer"),
    (dict(seed=0.5), TypeError, "seed must be a non-negative integer"),
    (dict(y=None), TypeError, r"y is required: integer class labels"),
    (dict(validation=(X, Y, Y)), TypeError, r"validation must be \(X_val, y_val\), got a tuple of 3"),
    (dict(validation=(X,)), TypeError, r"validation must be \(X_val, y_val\)"),
    (dict(validation=X), TypeError, r"validation must be \(X_val, y_val\)"),
    (dict(validation=[X]), TypeError, "validation must be"),
    (dict(validation=(X[:, :3], Y)), ValueError, "validation X has 3 features"),
    (dict(validation=(X, Y[:5])), ValueError, "validation y has 5 labels but X has 10 rows"),
    (dict(validation=(X, np.r_[Y[:9], 9])), ValueError, r"validation y has label 9 out of range"),
    (dict(validation=(_with(np.nan), Y)), ValueError, "validation X contains NaN"),
]


@pytest.mark.parametrize("over,exc,msg", BAD_FIT)
def test_bad_fit_arguments_leave_the_model_untouched(over, exc, msg):
    net = _clf()
    before = [p.copy() for p in net.params]
    ids = [id(p) for p in net.params]
    with pytest.raises(exc, match=msg):
        _fit(net, **over)
    assert [id(p) for p in net.params] == ids
    for p, b in zip(net.params, before):
        np.testing.assert_array_equal(p, b)


@pytest.mark.parametrize("bad", [(BAD_X[0][0], Y), (BAD_X[5][0], Y), (X, BAD_LABELS[2][0]),
                                 (X, BAD_LABELS[4][0])])
def test_bad_data_in_fit_leaves_model_untouched(bad):
    net = _clf()
    before = [p.copy() for p in net.params]
    with pytest.raises((ValueError, TypeError)):
        _fit(net, X=bad[0], y=bad[1])
    for p, b in zip(net.params, before):
        np.testing.assert_array_equal(p, b)


def test_fit_rejects_things_that_are_not_models():
    with pytest.raises(TypeError, match="model must be a bplab.MLP or bplab.Autoencoder, got dict"):
        bplab.fit({}, X, Y, optimizer=bplab.SGD(0.1), epochs=1, batch_size=4, progress=False)


def test_fit_requires_keyword_arguments():
    with pytest.raises(TypeError):
        bplab.fit(_clf(), X, Y, bplab.SGD(0.1), 1, 4)        # noqa: the signature is keyword-only
    with pytest.raises(TypeError, match="optimizer"):
        bplab.fit(_clf(), X, Y, epochs=1, batch_size=4)


def test_fit_validation_without_labels_for_an_mlp_is_refused():
    """An MLP's validation must be (X_val, y_val): a bare X_val fails loudly, naming the form."""
    net = _clf()
    with pytest.raises(TypeError, match=r"validation must be \(X_val, y_val\)"):
        _fit(net, validation=X)


def test_validation_as_a_list_means_the_same_as_a_tuple():
    import numpy as np
    import bplab
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    runs = []
    for val in ((X[:5], y[:5]), [X[:5], y[:5]]):
        net = bplab.MLP([3, 4, 2], seed=0)
        runs.append(bplab.fit(net, X, y, optimizer=bplab.SGD(0.1), epochs=2, batch_size=5,
                              validation=val, progress=False))
    assert list(runs[0].columns) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert runs[0].equals(runs[1])
