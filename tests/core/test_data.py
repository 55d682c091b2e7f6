"""Tests for bplab.data: shipped data sets, checksums, splits, toy problems, one_hot."""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bplab.data as data

REPO = Path(__file__).resolve().parents[2]
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]  # UCI optdigits test set


def _content_sha(path):
    with np.load(path, allow_pickle=False) as f:
        return hashlib.sha256(f["images"].tobytes() + f["labels"].tobytes()).hexdigest()


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/ used through BPLAB_DATA_DIR."""
    for name in ("digits.npz", "mnist_subset.npz"):
        shutil.copy(REPO / "data" / name, tmp_path / name)
    monkeypatch.setenv("BPLAB_DATA_DIR", str(tmp_path))
    return tmp_path


# --------------------------------------------------------------------------- shipped data

def test_digits_shapes_dtypes_values_counts():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.array_equal(X * 16, np.round(X * 16))  # pixel / 16 exactly
    assert np.bincount(y).tolist() == DIGIT_COUNTS
    # the first UCI test image is a 0: first row as in the CSV, an empty centre, inked sides
    img = X[0].reshape(8, 8)
    assert y[0] == 0 and (img[0] * 16).tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    assert img[3:5, 3:5].max() == 0.0 and img[2:6, 2].min() >= 0.5 and img[2:6, 6].min() >= 0.4


def test_mnist_subset_shapes_dtypes_values_counts():
    X, y = data.load_mnist_subset()
    assert X.shape == (5000, 784) and X.dtype == np.float64
    assert y.shape == (5000,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.array_equal(X * 255, np.round(X * 255))
    assert np.bincount(y).tolist() == [500] * 10
    # layout check: the mean "1" has ink in the centre, the mean "0" a hole there
    mean = lambda c: X[y == c].mean(0).reshape(28, 28)[12:16, 12:16].mean()
    assert mean(1) > 0.6 > 0.2 > mean(0)


def test_images_keyword_reshapes():
    X, y = data.load_digits(images=True)
    assert X.shape == (1797, 8, 8)
    np.testing.assert_array_equal(X.reshape(1797, 64), data.load_digits()[0])
    assert data.load_mnist_subset(images=True)[0].shape == (5000, 28, 28)
    with pytest.raises(TypeError, match="images must be True or False"):
        data.load_digits(images="yes")


def test_returned_arrays_are_copies_of_the_cache():
    X, y = data.load_digits()
    X[:] = -1.0
    y[:] = 99
    X2, y2 = data.load_digits()
    assert X2.min() == 0.0 and np.bincount(y2).tolist() == DIGIT_COUNTS


def test_checksum_constants_match_files_readme_and_extract_script():
    readme = (REPO / "data" / "README.md").read_text()
    spec = importlib.util.spec_from_file_location("extract_data", REPO / "tools" / "extract_data.py")
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)  # defines things only; main() is not run
    for name, fname in (("digits", "digits.npz"), ("mnist_subset", "mnist_subset.npz")):
        digest = data.SHA256[name]
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert _content_sha(REPO / "data" / fname) == digest
        assert digest in readme
        assert extract.SOURCES[name]["content_sha256"] == digest
        assert extract.SOURCES[name]["member_sha256"] in readme
        assert extract.SOURCES[name]["wheel_sha256"] in readme


def test_data_dir_default_is_repo_data_folder(monkeypatch):
    monkeypatch.delenv("BPLAB_DATA_DIR", raising=False)
    assert data._data_dir() == REPO / "data"


def test_missing_file(data_copy):
    (data_copy / "digits.npz").unlink()
    with pytest.raises(ValueError, match=r"digits\.npz is missing.*git checkout data/digits\.npz"):
        data.load_digits()
    data.load_mnist_subset()  # the other file is unaffected


def _rewrite(path, **arrays):
    path.unlink()
    np.savez_compressed(path, **arrays)


def test_wrong_checksum(data_copy):
    with np.load(data_copy / "digits.npz") as f:
        images, labels = f["images"].copy(), f["labels"].copy()
    images[5, 10] = (images[5, 10] + 1) % 17  # one pixel changed, still a valid value
    _rewrite(data_copy / "digits.npz", images=images, labels=labels)
    with pytest.raises(ValueError, match=r"digits\.npz fails its checksum"):
        data.load_digits()


def test_corrupt_bytes(data_copy):
    path = data_copy / "mnist_subset.npz"
    raw = bytearray(path.read_bytes())
    mid = len(raw) // 3
    raw[mid:mid + 64] = bytes(64)  # zero out a stretch of compressed data
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"mnist_subset\.npz is corrupt"):
        data.load_mnist_subset()


def test_truncated_file(data_copy):
    path = data_copy / "digits.npz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match=r"digits\.npz is corrupt.*git checkout"):
        data.load_digits()


def test_not_an_archive(data_copy):
    (data_copy / "digits.npz").write_text("hello, this is not numpy data\n" * 10)
    with pytest.raises(ValueError, match=r"digits\.npz is corrupt"):
        data.load_digits()
    np.save(data_copy / "digits.npz.npy", np.zeros(3))
    (data_copy / "digits.npz.npy").replace(data_copy / "digits.npz")
    with pytest.raises(ValueError, match=r"digits\.npz .*single ndarray"):
        data.load_digits()


def test_wrong_keys_and_dtypes(data_copy):
    with np.load(data_copy / "digits.npz") as f:
        images, labels = f["images"].copy(), f["labels"].copy()
    path = data_copy / "digits.npz"
    _rewrite(path, X=images, y=labels)
    with pytest.raises(ValueError, match=r"digits\.npz .*expected exactly \['images', 'labels'\]"):
        data.load_digits()
    _rewrite(path, images=images, labels=labels, extra=labels)
    with pytest.raises(ValueError, match=r"digits\.npz .*\['extra', 'images', 'labels'\]"):
        data.load_digits()
    _rewrite(path, images=images.astype(np.float64), labels=labels)
    with pytest.raises(ValueError, match=r"digits\.npz has 'images' of dtype float64"):
        data.load_digits()
    _rewrite(path, images=images[:-1], labels=labels[:-1])
    with pytest.raises(ValueError, match=r"digits\.npz has 'images' .*shape \(1796, 64\)"):
        data.load_digits()


def test_object_array_refused(data_copy):
    path = data_copy / "digits.npz"
    path.unlink()
    labels = np.empty(1797, dtype=object)
    labels[:] = [int(i % 10) for i in range(1797)]
    np.savez(path, images=np.zeros((1797, 64), np.uint8), labels=labels)  # pickles the objects
    with pytest.raises(ValueError, match=r"digits\.npz is corrupt.*(?i:object|pickle)"):
        data.load_digits()


def test_replaced_file_is_reverified(data_copy):
    data.load_digits()  # cached now
    path = data_copy / "digits.npz"
    with np.load(path) as f:
        images, labels = f["images"].copy(), f["labels"].copy()
    labels[0] = 9
    _rewrite(path, images=images, labels=labels)
    with pytest.raises(ValueError, match="checksum"):
        data.load_digits()


def test_module_imports_only_numpy():
    """bplab.data must import fast: numpy and the standard library only at module level."""
    tree = ast.parse((REPO / "bplab" / "data.py").read_text())
    allowed = {"__future__", "hashlib", "numbers", "os", "pathlib", "numpy"}
    for node in tree.body:
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= allowed
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 1 and node.module == "_validate" or node.module in allowed


# --------------------------------------------------------------------------- splits

def test_train_test_split_stratified_digits():
    X, y = data.load_digits()
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.2, seed=0)
    assert X_te.shape == (359, 64) and X_tr.shape == (1438, 64)  # round(0.2 * 1797) = 359
    assert y_tr.dtype == np.int64 and X_tr.dtype == np.float64
    counts = np.bincount(y, minlength=10)
    assert np.all(np.abs(np.bincount(y_te, minlength=10) - 0.2 * counts) < 1)
    assert np.array_equal(np.bincount(y_tr, minlength=10) + np.bincount(y_te, minlength=10), counts)
    # rows stay paired with their labels and nothing is lost or duplicated
    rows = np.concatenate([X_tr, X_te])
    labs = np.concatenate([y_tr, y_te])
    order = np.lexsort(rows.T[::-1])
    ref = np.lexsort(X.T[::-1])
    np.testing.assert_array_equal(rows[order], X[ref])
    np.testing.assert_array_equal(labs[order], y[ref])


def test_split_is_a_shuffled_partition_and_deterministic():
    y = np.repeat(np.arange(4), [10, 20, 30, 40])
    X = np.arange(100).reshape(100, 1) * 10
    a = data.train_test_split(X, y, test_size=0.3, seed=5)
    b = data.train_test_split(X, y, test_size=0.3, seed=5)
    c = data.train_test_split(X, y, test_size=0.3, seed=6)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])
    X_tr, X_te, y_tr, y_te = a
    ids = np.concatenate([X_tr[:, 0], X_te[:, 0]]) // 10
    assert sorted(ids.tolist()) == list(range(100))
    np.testing.assert_array_equal(y[X_tr[:, 0] // 10], y_tr)
    assert np.bincount(y_te).tolist() == [3, 6, 9, 12]
    assert not np.all(np.diff(y_tr) >= 0)  # shuffled, not left in class order


def test_split_int_test_size_and_unstratified():
    X = np.arange(50.0).reshape(25, 2)
    y = np.arange(25) % 5
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=7, seed=1)
    assert len(X_te) == 7 and len(X_tr) == 18
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=7, seed=1, stratify=False)
    assert len(X_te) == 7
    # regression targets (2-D, non-integer) split fine without stratification
    Y = np.linspace(0, 1, 50).reshape(25, 2)
    _, _, Y_tr, Y_te = data.train_test_split(X, Y, test_size=0.2, stratify=False)
    assert Y_tr.shape == (20, 2) and Y_te.shape == (5, 2)
    # images keep their shape
    imgs = np.zeros((25, 8, 8))
    assert data.train_test_split(imgs, y, test_size=5)[1].shape == (5, 8, 8)


def test_train_val_test_split():
    X, y = data.load_digits()
    X_tr, X_va, X_te, y_tr, y_va, y_te = data.train_val_test_split(X, y, seed=3)
    assert len(X_va) == len(y_va) == round(0.15 * 1797) == len(X_te)
    assert len(X_tr) + len(X_va) + len(X_te) == 1797
    counts = np.bincount(y, minlength=10)
    for part in (y_va, y_te):
        assert np.all(np.abs(np.bincount(part, minlength=10) - 0.15 * counts) <= 1.5)
    # disjoint: every image appears once in total
    allrows = np.concatenate([X_tr, X_va, X_te])
    assert len(np.unique(allrows, axis=0)) == len(np.unique(X, axis=0))
    again = data.train_val_test_split(X, y, seed=3)
    np.testing.assert_array_equal(again[1], X_va)
    parts = data.train_val_test_split(X, y, val_size=100, test_size=200, seed=0, stratify=False)
    assert [len(p) for p in parts[3:]] == [1497, 100, 200]


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(2, 30), min_size=1, max_size=6),
       frac=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1))
def test_split_property_within_one_sample(counts, frac, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    n = len(y)
    n_test = round(frac * n)
    if not 1 <= n_test <= n - 1:
        return
    X = np.arange(n)[:, None]
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=frac, seed=seed)
    assert len(y_te) == n_test
    assert sorted(np.concatenate([X_tr, X_te])[:, 0].tolist()) == list(range(n))
    got = np.bincount(y_te, minlength=len(counts))
    assert np.all(np.abs(got - np.array(counts) * n_test / n) < 1)


@pytest.mark.parametrize("kwargs, exc, fragment", [
    (dict(test_size=0.0), ValueError, "test_size=0.0 is out of range"),
    (dict(test_size=1.0), ValueError, "strictly between 0 and 1"),
    (dict(test_size=1.5), ValueError, "test_size=1.5"),
    (dict(test_size=-0.2), ValueError, "test_size=-0.2"),
    (dict(test_size=float("nan")), ValueError, "test_size=nan"),
    (dict(test_size=0), ValueError, "test_size=0 samples is out of range"),
    (dict(test_size=20), ValueError, "between 1 and 19"),
    (dict(test_size=0.01), ValueError, "gives 0 samples, which leaves an empty part"),
    (dict(test_size=0.99), ValueError, "gives 20 samples, which leaves nothing to train on"),
    (dict(test_size=True), TypeError, "test_size must be a fraction"),
    (dict(test_size="0.2"), TypeError, "test_size must be a fraction"),
    (dict(seed=-1), ValueError, "seed must be a non-negative integer, got -1"),
    (dict(seed=1.5), TypeError, "seed must be a non-negative integer, got 1.5"),
    (dict(stratify="yes"), TypeError, "stratify must be True or False"),
])
def test_split_bad_arguments(kwargs, exc, fragment):
    X = np.zeros((20, 3))
    y = np.arange(20) % 2
    with pytest.raises(exc, match=re.escape(fragment)):
        data.train_test_split(X, y, **kwargs)


def test_split_bad_data():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="X has 10 rows but y has 9 entries"):
        data.train_test_split(X, np.zeros(9, int))
    with pytest.raises(TypeError, match="y is required"):
        data.train_test_split(X, None)
    with pytest.raises(TypeError, match="X must be an array.*string"):
        data.train_test_split("abc", np.zeros(3))
    with pytest.raises(ValueError, match="X is empty"):
        data.train_test_split(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="X must be an array .*scalar"):
        data.train_test_split(np.float64(3.0), np.zeros(1))
    with pytest.raises(TypeError, match="X must hold numbers"):
        data.train_test_split(np.array([None] * 10), np.arange(10) % 2)
    with pytest.raises(ValueError, match="need at least two samples"):
        data.train_test_split(np.zeros((1, 2)), np.zeros(1, int), test_size=1)
    y = np.array([0, 0, 0, 1, 1, 1, 2, 1, 0, 1])
    with pytest.raises(ValueError, match="class 2 of y has only 1 sample.*stratify=False"):
        data.train_test_split(X, y)
    assert len(data.train_test_split(X, y, stratify=False)[1]) == 2
    with pytest.raises(ValueError, match=r"shape \(10, 3\) \(one-hot\? pass y.argmax\(axis=1\)\)"):
        data.train_test_split(X, np.eye(3)[np.arange(10) % 3])
    with pytest.raises(ValueError, match="non-integer floats.*stratify=False"):
        data.train_test_split(X, np.linspace(0, 1, 10))
    with pytest.raises(ValueError, match="NaN"):
        data.train_test_split(X, np.array([0.0] * 9 + [np.nan]))


def test_train_val_test_split_bad_sizes():
    X, y = np.zeros((20, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match="together take 20 of 20 samples, leaving 0"):
        data.train_val_test_split(X, y, val_size=0.5, test_size=0.5)
    assert len(data.train_val_test_split(X, y, val_size=0.45, test_size=0.5)[0]) == 1
    with pytest.raises(ValueError, match="val_size=1.2"):
        data.train_val_test_split(X, y, val_size=1.2)
    with pytest.raises(ValueError, match="at least three samples"):
        data.train_val_test_split(np.zeros((2, 1)), [0, 1], stratify=False)


# --------------------------------------------------------------------------- one_hot

def test_one_hot():
    out = data.one_hot([2, 0, 1, 2], 4)
    np.testing.assert_array_equal(out, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    assert out.dtype == np.float64
    assert data.one_hot(np.array([1.0, 0.0]), 2, dtype=np.float32).dtype == np.float32
    y = data.load_digits()[1]
    np.testing.assert_array_equal(data.one_hot(y, 10).argmax(1), y)


@pytest.mark.parametrize("y, n, exc, fragment", [
    ([0, 3], 3, ValueError, "y has label 3, but labels must be integers in [0, 3)"),
    ([-1, 0], 3, ValueError, "y has label -1"),
    ([0.5, 1], 3, TypeError, "y must hold integer class labels"),
    ([[0, 1]], 3, ValueError, "y must be a 1-D vector"),
    ("012", 3, TypeError, "y must be integer class labels"),
    ([0, 1], 0, ValueError, "n_classes must be an integer >= 1, got 0"),
    ([0, 1], 2.5, TypeError, "n_classes must be an integer"),
])
def test_one_hot_bad_inputs(y, n, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        data.one_hot(y, n)


# --------------------------------------------------------------------------- toy problems

@pytest.mark.parametrize("name", sorted(data.TOY_DATASETS))
def test_toy_shapes_balance_determinism_scale(name):
    maker = data.TOY_DATASETS[name]
    X, y = maker()
    assert X.shape == (200, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (200,) and y.dtype == np.int64 and set(y.tolist()) == {0, 1}
    assert np.bincount(y).tolist() == [100, 100]
    assert np.isfinite(X).all()
    assert np.abs(X).max() < 2.0 and np.quantile(np.abs(X), 0.98) < 1.5
    assert np.all(X.std(axis=0) > 0.3) and np.all(np.abs(X.mean(axis=0)) < 0.3)
    X2, y2 = maker()
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = maker(seed=1)
    assert not np.allclose(X, X3)
    assert np.bincount(maker(n=7)[1]).tolist() == [4, 3]
    assert len(maker(n=2)[1]) == 2
    assert not np.all(np.diff(y) >= 0)  # rows shuffled
    np.testing.assert_array_equal(data.make_toy(name)[0], X)
    np.testing.assert_array_equal(data.make_toy(name.upper(), n=50, noise=0.0, seed=2)[0],
                                  maker(n=50, noise=0.0, seed=2)[0])


def test_toy_geometry_without_noise():
    X, y = data.make_xor(n=100, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert np.abs(X).min() >= 0.1

    X, y = data.make_circles(n=100, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.2)
    np.testing.assert_allclose(r[y == 1], 0.36)

    X, y = data.make_moons(n=100, noise=0.0)
    P = X / 0.9 + [0.5, 0.25]
    np.testing.assert_allclose(np.hypot(*P[y == 0].T), 1.0)       # upper arc around (0, 0)
    np.testing.assert_allclose(np.hypot(P[y == 1, 0] - 1, P[y == 1, 1] - 0.5), 1.0)
    assert np.all(P[y == 0, 1] >= -1e-12) and np.all(P[y == 1, 1] <= 0.5 + 1e-12)

    X, y = data.make_spirals(n=100, noise=0.0, turns=1.0)
    r = np.hypot(X[:, 0], X[:, 1])
    ang = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (r / 1.3) + np.pi * y  # angle grows with radius; arm 1 rotated by pi
    np.testing.assert_allclose(np.cos(ang - expected), 1.0, atol=1e-9)


@pytest.mark.parametrize("call, exc, fragment", [
    (lambda: data.make_xor(n=1), ValueError, "n must be an integer >= 2, got 1"),
    (lambda: data.make_moons(n=2.5), TypeError, "n must be an integer"),
    (lambda: data.make_circles(noise=-0.1), ValueError, "noise must be >= 0, got -0.1"),
    (lambda: data.make_spirals(noise="lots"), TypeError, "noise must be a number"),
    (lambda: data.make_circles(factor=1.0), ValueError, "factor must be < 1.0"),
    (lambda: data.make_circles(factor=0), ValueError, "factor must be > 0"),
    (lambda: data.make_spirals(turns=0), ValueError, "turns must be > 0"),
    (lambda: data.make_xor(seed=-3), ValueError, "seed must be a non-negative integer, got -3"),
    (lambda: data.make_toy("donut"), ValueError,
     "unknown toy data set 'donut'; choose one of ['circles', 'moons', 'spirals', 'xor']"),
    (lambda: data.make_toy(3), TypeError, "toy data set must be a string"),
    (lambda: data.make_toy("xor", factor=0.2), TypeError, "make_toy('xor') got unknown option(s) ['factor']"),
])
def test_toy_bad_inputs(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


def test_make_toy_passes_options():
    X, y = data.make_toy("circles", noise=0.0, factor=0.25)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3)


def test_data_dir_prefers_the_installed_copy(monkeypatch, tmp_path):
    """An installed bplab carries the data in bplab/_course/data (setup.py); tests/packaging
    checks the real wheel, this the choice of folder."""
    monkeypatch.delenv("BPLAB_DATA_DIR", raising=False)
    installed = tmp_path / "_course" / "data"
    monkeypatch.setattr(data, "_INSTALLED_DATA", installed)
    assert data._data_dir() == REPO / "data"           # no installed copy: the clone's
    installed.mkdir(parents=True)
    for fname in ("digits.npz", "mnist_subset.npz"):
        shutil.copy(REPO / "data" / fname, installed / fname)
    assert data._data_dir() == installed
    assert data.load_digits()[0].shape == (1797, 64)
    (installed / "digits.npz").unlink()
    with pytest.raises(ValueError, match=r"reinstall it \(pip install --force-reinstall bplab\)"):
        data.load_digits()
