"""save / load: exact round trips for every model kind, and refusal of anything that is not
a bplab model file (in particular pickled object arrays, which could run code)."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import bplab

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 4))
Y = RNG.integers(0, 3, size=12)


def _trained(model, X=X, y=Y):
    bplab.fit(model, X, y, optimizer=bplab.Adam(0.01), epochs=3, batch_size=4, progress=False)
    return model


def _same_params(a, b):
    assert len(a.params) == len(b.params)
    for p, q in zip(a.params, b.params):
        assert p.dtype == q.dtype and p.shape == q.shape
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
def test_mlp_classifier_round_trip(tmp_path, activation):
    net = _trained(bplab.MLP([4, 6, 5, 3], activation=activation, seed=7))
    path = net.save(tmp_path / "clf.npz")
    assert path == tmp_path / "clf.npz" and path.exists()
    back = bplab.load(path)
    assert type(back) is bplab.MLP
    _same_params(net, back)
    assert (back.sizes, back.activation, back.loss, back.seed, back.dtype) == \
        (net.sizes, net.activation, net.loss, net.seed, net.dtype)
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    assert back.loss_and_grads(X, Y)[0] == net.loss_and_grads(X, Y)[0]


def test_mse_model_round_trip(tmp_path):
    y = RNG.normal(size=(12, 2))
    net = _trained(bplab.MLP([4, 5, 2], activation="tanh", loss="mse", seed=3), y=y)
    back = bplab.load(net.save(tmp_path / "reg.npz"))
    assert back.loss == "mse" and not back.is_classifier
    _same_params(net, back)
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_float32_round_trip(tmp_path):
    net = _trained(bplab.MLP([4, 5, 3], dtype=np.float32, seed=1))
    back = bplab.load(net.save(tmp_path / "f32.npz"))
    assert back.dtype == np.float32 and all(p.dtype == np.float32 for p in back.params)
    _same_params(net, back)
    np.testing.assert_array_equal(back.forward(X), net.forward(X))


@pytest.mark.parametrize("kw", [
    dict(sizes=[4, 3, 2], activation="tanh"),
    dict(sizes=[4, 2], activation="linear"),
    dict(sizes=[4, 3, 2], activation="relu", output_activation="sigmoid", noise=0.1),
    dict(sizes=[4, 3, 2], activation="sigmoid", dtype=np.float32),
])
def test_autoencoder_round_trip(tmp_path, kw):
    ae = bplab.Autoencoder(**kw, seed=5)
    bplab.fit(ae, X, optimizer=bplab.Adam(0.01), epochs=2, batch_size=4, progress=False)
    back = bplab.load(ae.save(tmp_path / "ae.npz"))
    assert type(back) is bplab.Autoencoder
    _same_params(ae, back)
    assert (back.encoder_sizes, back.activation, back.output_activation, back.noise, back.dtype, back.seed) == \
        (ae.encoder_sizes, ae.activation, ae.output_activation, ae.noise, ae.dtype, ae.seed)
    np.testing.assert_array_equal(back.reconstruct(X), ae.reconstruct(X))
    np.testing.assert_array_equal(back.encode(X), ae.encode(X))


def test_save_adds_npz_suffix_and_accepts_str(tmp_path):
    net = bplab.MLP([4, 3])
    p = net.save(str(tmp_path / "model"))
    assert p.name == "model.npz" and p.exists()
    p2 = net.save(tmp_path / "model.v1")
    assert p2.name == "model.v1.npz"
    _same_params(net, bplab.load(str(p)))
    assert sorted(f.name for f in tmp_path.iterdir()) == ["model.npz", "model.v1.npz"]  # no temp files


def test_saved_file_holds_no_pickle(tmp_path):
    path = bplab.MLP([4, 3, 2]).save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as f:      # readable without pickle at all
        names = sorted(f.files)
        meta = json.loads(str(f["__bplab_meta__"]))
        assert all(f[n].dtype != object for n in names)
    assert names == ["W1", "W2", "__bplab_meta__", "b1", "b2"]
    assert meta["kind"] == "MLP" and meta["sizes"] == [4, 3, 2] and meta["dtype"] == "float64"


# --------------------------------------------------------------------- refusals

def test_load_refuses_pickled_object_arrays(tmp_path):
    path = tmp_path / "evil.npz"
    meta = json.dumps(dict(kind="MLP", sizes=[4, 3], activation="relu", loss="cross_entropy",
                           seed=0, dtype="float64", format_version=1))
    obj = np.empty(2, dtype=object)
    obj[0], obj[1] = {"a": 1}, [1, 2]
    np.savez(path, allow_pickle=True, __bplab_meta__=np.array(meta), W1=obj, b1=np.zeros(3))
    with pytest.raises(ValueError, match=r"evil\.npz.*pickle"):
        bplab.load(path)


def test_load_refuses_pickle_even_without_metadata(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, allow_pickle=True, x=np.array([None, 1], dtype=object))
    with pytest.raises(ValueError, match=r"obj\.npz.*pickle"):
        bplab.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"nope\.npz does not exist"):
        bplab.load(tmp_path / "nope.npz")


@pytest.mark.parametrize("cut", [0.5, 0.9, 10])
def test_truncated_file(tmp_path, cut):
    path = bplab.MLP([4, 3, 2]).save(tmp_path / "m.npz")
    data = path.read_bytes()
    bad = tmp_path / "truncated.npz"
    bad.write_bytes(data[: int(len(data) * cut)] if cut < 1 else data[:cut])
    with pytest.raises(ValueError, match=r"truncated\.npz"):
        bplab.load(bad)


def test_corrupt_bytes(tmp_path):
    bad = tmp_path / "garbage.npz"
    bad.write_bytes(b"this is not a zip file at all" * 10)
    with pytest.raises(ValueError, match=r"garbage\.npz"):
        bplab.load(bad)


def test_empty_file(tmp_path):
    bad = tmp_path / "empty.npz"
    bad.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.npz"):
        bplab.load(bad)


def test_plain_npy_file(tmp_path):
    path = tmp_path / "arr.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match=r"arr\.npy"):
        bplab.load(path)


def test_non_bplab_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"other\.npz has no bplab metadata"):
        bplab.load(path)


def test_corrupt_metadata(tmp_path):
    path = tmp_path / "meta.npz"
    np.savez(path, __bplab_meta__=np.array("{not json"), W1=np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"meta\.npz: its metadata is corrupt"):
        bplab.load(path)


def test_unknown_kind(tmp_path):
    path = tmp_path / "kind.npz"
    np.savez(path, __bplab_meta__=np.array(json.dumps({"kind": "CNN"})))
    with pytest.raises(ValueError, match=r"kind\.npz: unknown model kind 'CNN'"):
        bplab.load(path)


def test_missing_and_misshapen_arrays(tmp_path):
    path = bplab.MLP([4, 3, 2]).save(tmp_path / "m.npz")
    with np.load(path) as f:
        files = dict(f.items())
    files.pop("W2")
    np.savez(tmp_path / "missing.npz", **files)
    with pytest.raises(ValueError, match=r"missing\.npz is missing arrays \['W2'\]"):
        bplab.load(tmp_path / "missing.npz")
    files["W2"] = np.zeros((2, 3))
    np.savez(tmp_path / "shape.npz", **files)
    with pytest.raises(ValueError, match=r"shape\.npz: W2 has shape \(2, 3\).*expected \(3, 2\)"):
        bplab.load(tmp_path / "shape.npz")
    files["W2"] = np.zeros((3, 2), dtype=int)
    np.savez(tmp_path / "dtype.npz", **files)
    with pytest.raises(ValueError, match=r"dtype\.npz: W2 .*expected \(3, 2\) float"):
        bplab.load(tmp_path / "dtype.npz")


def test_zip_with_wrong_members(tmp_path):
    path = tmp_path / "zip.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match=r"zip\.npz"):
        bplab.load(path)
