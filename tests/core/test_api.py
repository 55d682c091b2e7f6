"""The public API promised in DESIGN.md: every name exists with the documented signature
and defaults, and ``import bplab`` stays light (no pandas/matplotlib/ipywidgets/tqdm)."""
from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np

import bplab

P = inspect.Parameter
EMPTY = P.empty


def _params(fn):
    return inspect.signature(fn).parameters


def _assert_signature(fn, expected):
    """expected: list of (name, default or EMPTY, kind or None) in order, a prefix of the
    actual parameters (later parameters must all have defaults, so old calls keep working)."""
    params = list(_params(fn).values())
    names = [p.name for p in params]
    assert names[: len(expected)] == [e[0] for e in expected], names
    for p, (name, default, kind) in zip(params, expected):
        if default is EMPTY:
            assert p.default is EMPTY, f"{name} should be required"
        else:
            assert p.default is not EMPTY, f"{name} should have a default"
            assert p.default == default or p.default is default, (name, p.default, default)
        if kind is not None:
            assert p.kind == kind, (name, p.kind)
    for p in params[len(expected):]:
        assert p.default is not EMPTY or p.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD), \
            f"extra parameter {p.name} must have a default"


def test_top_level_names_exist():
    for name in ["Value", "MLP", "Autoencoder", "load", "SGD", "RMSProp", "Adam", "fit",
                 "DivergenceError", "gradient_check", "numerical_gradient", "relative_error",
                 "ACTIVATIONS", "activations", "losses", "init", "data"]:
        assert hasattr(bplab, name), name
    assert isinstance(bplab.__version__, str)


def test_everything_in_all_resolves():
    for name in bplab.__all__:
        assert getattr(bplab, name) is not None, name


def test_value_api():
    _assert_signature(bplab.Value, [("data", EMPTY, None)])
    v = bplab.Value(2.0)
    assert (v.data, v.grad) == (2.0, 0.0)
    for meth in ["backward", "exp", "log", "tanh", "sigmoid", "relu", "nodes", "edges"]:
        assert callable(getattr(v, meth)), meth
    for op in ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
               "__rtruediv__", "__pow__", "__neg__"]:
        assert hasattr(bplab.Value, op), op


def test_mlp_signature():
    _assert_signature(bplab.MLP, [("sizes", EMPTY, None), ("activation", "relu", None),
                                  ("loss", "cross_entropy", None), ("seed", 0, None),
                                  ("dtype", np.float64, None)])
    net = bplab.MLP([3, 2])
    for meth in ["loss_and_grads", "forward", "backward", "predict", "save", "layer_trace",
                 "copy", "set_params"]:
        assert callable(getattr(net, meth)), meth
    _assert_signature(net.loss_and_grads, [("X", EMPTY, None), ("y", EMPTY, None)])
    _assert_signature(net.forward, [("X", EMPTY, None), ("return_cache", False, P.KEYWORD_ONLY)])
    _assert_signature(net.backward, [("dOut", EMPTY, None), ("cache", EMPTY, None),
                                     ("return_dZ", False, P.KEYWORD_ONLY)])
    _assert_signature(net.predict, [("X", EMPTY, None)])
    _assert_signature(net.save, [("path", EMPTY, None)])
    assert isinstance(net.params, list)


def test_mlp_keyword_options():
    ps = _params(bplab.MLP)
    for name, default in [("init", "auto"), ("init_std", None), ("bias_std", 0.0)]:
        assert ps[name].default == default and ps[name].kind == P.KEYWORD_ONLY


def test_load_signature():
    _assert_signature(bplab.load, [("path", EMPTY, None)])


def test_optimizer_signatures():
    _assert_signature(bplab.SGD, [("lr", EMPTY, None), ("momentum", 0.0, None)])
    assert list(_params(bplab.RMSProp))[0] == "lr"
    _assert_signature(bplab.Adam, [("lr", 1e-3, None)])
    for cls in (bplab.SGD, bplab.RMSProp, bplab.Adam):
        opt = cls(0.01)
        assert opt.lr == 0.01
        _assert_signature(opt.step, [("params", EMPTY, None), ("grads", EMPTY, None)])
        assert callable(opt.reset)


def test_fit_signature():
    kw = P.KEYWORD_ONLY
    _assert_signature(bplab.fit, [
        ("model", EMPTY, P.POSITIONAL_OR_KEYWORD), ("X", EMPTY, P.POSITIONAL_OR_KEYWORD),
        ("y", None, P.POSITIONAL_OR_KEYWORD), ("optimizer", EMPTY, kw), ("epochs", EMPTY, kw),
        ("batch_size", EMPTY, kw), ("seed", 0, kw), ("validation", None, kw), ("progress", True, kw),
        ("desc", None, kw),
    ])


def test_divergence_error():
    assert issubclass(bplab.DivergenceError, Exception)
    e = bplab.DivergenceError("msg", epoch=2, step=7, loss=float("nan"), lr=5.0, history=None)
    assert (e.epoch, e.step, e.lr, e.history) == (2, 7, 5.0, None)
    assert str(e) == "msg"


def test_autoencoder_signature():
    _assert_signature(bplab.Autoencoder, [("sizes", EMPTY, None), ("activation", "tanh", None),
                                          ("seed", 0, None)])
    ae = bplab.Autoencoder([4, 2])
    for meth in ["loss_and_grads", "encode", "decode", "reconstruct", "save"]:
        assert callable(getattr(ae, meth)), meth
    _assert_signature(ae.loss_and_grads, [("X", EMPTY, None)])


def test_gradcheck_signatures():
    _assert_signature(bplab.numerical_gradient, [("f", EMPTY, None), ("x", EMPTY, None), ("h", 1e-6, None)])
    _assert_signature(bplab.gradient_check, [("model", EMPTY, None), ("X", EMPTY, None), ("y", None, None)])
    _assert_signature(bplab.relative_error, [("a", EMPTY, None), ("b", EMPTY, None)])


def test_data_api():
    d = bplab.data
    _assert_signature(d.load_digits, [])
    _assert_signature(d.load_mnist_subset, [])
    _assert_signature(d.train_test_split, [("X", EMPTY, None), ("y", EMPTY, None), ("test_size", 0.2, None),
                                           ("seed", 0, None)])
    _assert_signature(d.train_val_test_split, [("X", EMPTY, None), ("y", EMPTY, None)])
    assert _params(d.train_val_test_split)["seed"].default == 0
    for name in ["make_xor", "make_moons", "make_circles", "make_spirals"]:
        ps = _params(getattr(d, name))
        assert ps["n"].default == 200 and ps["seed"].default == 0 and "noise" in ps, name
    assert set(d.TOY_DATASETS) >= {"xor", "moons", "circles", "spirals"}
    assert callable(d.make_toy)
    X, y = d.load_digits()
    assert X.shape == (1797, 64) and y.dtype == np.int64 and 0 <= X.min() and X.max() <= 1


def test_activation_and_loss_registries():
    assert set(bplab.ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "linear"}
    assert set(bplab.losses.LOSSES) == {"mse", "cross_entropy"}


LIGHT_CHECK = r"""
import sys
import bplab
import bplab.data
net = bplab.MLP([3, 4, 2])
net.loss_and_grads([[0.0, 1.0, 2.0]], [1])
heavy = [m for m in ("pandas", "matplotlib", "ipywidgets", "tqdm") if m in sys.modules]
print(",".join(heavy))
"""


def test_import_bplab_is_light():
    out = subprocess.run([sys.executable, "-c", LIGHT_CHECK], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "", f"import bplab pulled in: {out.stdout.strip()}"


def test_light_check_can_detect_heavy_imports():
    """The subprocess check itself works: after a fit (which uses tqdm and pandas) they show."""
    code = LIGHT_CHECK.replace("heavy =", "bplab.fit(net, [[0.0, 1.0, 2.0]], [1], optimizer=bplab.SGD(0.1), "
                                          "epochs=1, batch_size=1, progress=False)\nheavy =")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=True)
    assert "pandas" in out.stdout and "tqdm" in out.stdout
