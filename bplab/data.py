"""Data for the notebooks: two shipped image sets, splitting helpers and 2-D toy problems.

Shipped image sets (see ``data/README.md`` for provenance, licences and checksums)::

    X, y = load_digits()          # (1797, 64)  float64 in [0, 1] = pixel / 16,  y int64 0..9
    X, y = load_mnist_subset()    # (5000, 784) float64 in [0, 1] = pixel / 255, y int64 0..9
    X, y = load_digits(images=True)   # same numbers, X shaped (1797, 8, 8) for plotting

Every load checks the sha256 of the array contents against the constants below, so a
damaged or edited file is reported instead of silently training on wrong data. The arrays
are cached in memory after the first load; every call returns fresh arrays, so changing
them cannot corrupt the cache.

Splitting (scikit-learn's argument and return order, but seeded and stratified by default)::

    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(X, y, val_size=0.15, test_size=0.15)

Toy problems for the Playground: ``make_xor``, ``make_moons``, ``make_circles``,
``make_spirals`` (or ``make_toy(name)``), each returning ``X`` float64 (n, 2) and ``y``
int64 in {0, 1}, balanced, shuffled, lying in about [-1.5, 1.5].

Only numpy is imported here, so ``import bplab.data`` is fast.
"""
from __future__ import annotations

import hashlib
import numbers
import os
from pathlib import Path

import numpy as np

from ._validate import check_choice, check_int, check_positive_number, check_seed, describe

__all__ = [
    "DATA_DIR_ENV",
    "SHA256",
    "load_digits",
    "load_mnist_subset",
    "train_test_split",
    "train_val_test_split",
    "one_hot",
    "make_xor",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_toy",
    "TOY_DATASETS",
]

# --------------------------------------------------------------------------- shipped data

#: The shipped .npz files live in the folder named by this environment variable when it is set,
#: else in the installed package's ``_course/data`` (a wheel carries them there), else in the
#: repository's ``data/`` folder (a clone, or an editable install of one).
DATA_DIR_ENV = "BPLAB_DATA_DIR"

#: sha256 over ``images.tobytes() + labels.tobytes()`` of the C-contiguous uint8 arrays.
SHA256 = {
    "digits": "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826",
    "mnist_subset": "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d",
}

# name -> (file name, number of images, image side, largest pixel value)
_SPECS = {
    "digits": ("digits.npz", 1797, 8, 16),
    "mnist_subset": ("mnist_subset.npz", 5000, 28, 255),
}

_CACHE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


_PACKAGE = Path(__file__).resolve().parent
_INSTALLED_DATA = _PACKAGE / "_course" / "data"     # in a built wheel (setup.py puts it there)
_CLONE_DATA = _PACKAGE.parent / "data"               # in a clone


def _data_dir() -> Path:
    """The folder holding the data files. The environment variable is read on every load, so
    setting it later (e.g. in a test) takes effect."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    return _INSTALLED_DATA if _INSTALLED_DATA.is_dir() else _CLONE_DATA


def _content_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(images).tobytes())
    h.update(np.ascontiguousarray(labels).tobytes())
    return h.hexdigest()


def _load_raw(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The verified uint8 ``images`` (N, side*side) and ``labels`` (N,) (cached, read-only)."""
    fname, n, side, _ = _SPECS[name]
    folder = _data_dir()
    path = folder / fname
    if folder == _INSTALLED_DATA:
        restore = "it ships inside the bplab package: reinstall it (pip install --force-reinstall bplab)"
    else:
        restore = (f"it ships with the bplab repository: restore it with `git checkout data/{fname}` "
                   f"(or re-clone), or rebuild it with tools/extract_data.py")
    if os.environ.get(DATA_DIR_ENV):
        restore += f"; note {DATA_DIR_ENV} is set to {os.environ[DATA_DIR_ENV]!r}"
    try:
        st = path.stat()
    except OSError:
        raise ValueError(f"data file {path} is missing; {restore}") from None
    if not path.is_file():
        raise ValueError(f"data file {path} is not a file; {restore}")
    key = (name, str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key in _CACHE:
        return _CACHE[key]

    def broken(why):
        return ValueError(f"data file {path} is corrupt or not a bplab data file ({why}); {restore}")

    try:
        npz = np.load(path, allow_pickle=False)
    except Exception as err:  # BadZipFile, EOFError, "pickled data" refusal, OSError, ...
        raise broken(f"{type(err).__name__}: {err}") from err
    if not hasattr(npz, "files"):
        raise broken(f"it holds a single {type(npz).__name__}, not an .npz archive")
    with npz:
        keys = sorted(npz.files)
        if keys != ["images", "labels"]:
            raise broken(f"it holds arrays {keys}, expected exactly ['images', 'labels']")
        try:
            images, labels = npz["images"], npz["labels"]
        except Exception as err:  # zlib.error, BadZipFile (CRC), object arrays refused, ...
            raise broken(f"{type(err).__name__}: {err}") from err

    want = {"images": (np.dtype(np.uint8), (n, side * side)), "labels": (np.dtype(np.uint8), (n,))}
    for key_name, arr in (("images", images), ("labels", labels)):
        dt, shape = want[key_name]
        if arr.dtype != dt or arr.shape != shape:
            raise ValueError(
                f"data file {path} has {key_name!r} of dtype {arr.dtype} and shape {arr.shape}, "
                f"expected dtype {dt} and shape {shape}; {restore}")
    digest = _content_sha256(images, labels)
    if digest != SHA256[name]:
        raise ValueError(
            f"data file {path} fails its checksum (sha256 of the array contents is {digest}, "
            f"expected {SHA256[name]}): the file was changed or damaged; {restore}")

    images = np.ascontiguousarray(images)
    labels = np.ascontiguousarray(labels)
    images.flags.writeable = False
    labels.flags.writeable = False
    # keep only the latest version of each data set
    for k in [k for k in _CACHE if k[0] == name]:
        del _CACHE[k]
    _CACHE[key] = (images, labels)
    return images, labels


def _load(name: str, images: bool) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(images, (bool, np.bool_)):
        raise TypeError(f"images must be True or False, got {describe(images)}")
    raw_images, raw_labels = _load_raw(name)
    _, n, side, top = _SPECS[name]
    X = raw_images / np.float64(top)           # a new float64 array: the cache stays intact
    y = raw_labels.astype(np.int64)            # a new int64 array
    if images:
        X = X.reshape(n, side, side)
    return X, y


def load_digits(*, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The UCI handwritten digits (the test set scikit-learn ships): 1797 images of 8x8 pixels.

    Returns ``X`` float64 of shape (1797, 64) with values in [0, 1] (the pixel counts 0..16
    divided by 16) and ``y`` int64 labels 0..9. With ``images=True``, ``X`` has shape
    (1797, 8, 8) instead (same values), ready for ``plt.imshow(X[0])``.

    Raises ``ValueError`` naming the file if ``data/digits.npz`` is missing, damaged or
    fails its checksum.
    """
    return _load("digits", images)


def load_mnist_subset(*, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """5000 MNIST handwritten digits (500 per class), 28x28 pixels.

    Returns ``X`` float64 of shape (5000, 784) with values in [0, 1] (grey levels 0..255
    divided by 255) and ``y`` int64 labels 0..9. The stored rows are sorted by label, so
    shuffle or split (``train_test_split`` shuffles) before training. With ``images=True``,
    ``X`` has shape (5000, 28, 28).

    Raises ``ValueError`` naming the file if ``data/mnist_subset.npz`` is missing, damaged
    or fails its checksum.
    """
    return _load("mnist_subset", images)


# --------------------------------------------------------------------------- splitting

def _check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def _as_array(a, name: str) -> np.ndarray:
    if a is None:
        raise TypeError(f"{name} is required: an array with one row per sample, got None")
    if isinstance(a, (str, bytes)):
        raise TypeError(f"{name} must be an array with one row per sample, got a string {a!r:.60}")
    arr = np.asarray(a)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array with one row per sample, got a scalar {arr!r}")
    if arr.dtype == object:
        raise TypeError(f"{name} must hold numbers, got {describe(arr)}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}): need at least two samples to split")
    return arr


def _size_to_count(size, name: str, n: int) -> int:
    """Turn a fraction in (0, 1) or a count into a number of samples in [1, n - 1]."""
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Real):
        raise TypeError(
            f"{name} must be a fraction in (0, 1) or a whole number of samples, got {describe(size)}")
    if isinstance(size, numbers.Integral):
        count = int(size)
        if not 1 <= count <= n - 1:
            raise ValueError(
                f"{name}={count} samples is out of range: with {n} samples it must be between "
                f"1 and {n - 1} (or a fraction in (0, 1))")
        return count
    frac = float(size)
    if not (np.isfinite(frac) and 0.0 < frac < 1.0):
        raise ValueError(
            f"{name}={size} is out of range: a fraction must be strictly between 0 and 1 "
            f"(or pass a whole number of samples)")
    count = int(round(frac * n))
    if not 1 <= count <= n - 1:
        why = "an empty part" if count < 1 else "nothing to train on"
        raise ValueError(
            f"{name}={size} of {n} samples gives {count} samples, which leaves {why}; "
            f"use a {'larger' if count < 1 else 'smaller'} {name} or more data")
    return count


def _strata(y: np.ndarray, name: str) -> np.ndarray:
    """Integer class codes for stratification (any 1-D label vector, or (n, 1))."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D vector of class labels to stratify, got shape {y.shape}"
            + (" (one-hot? pass y.argmax(axis=1))" if y.ndim == 2 else "")
            + "; for other targets pass stratify=False")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError(f"{name} contains NaN or inf; cannot stratify by it")
        if not np.all(y == np.round(y)):
            raise ValueError(
                f"stratify=True needs class labels, but {name} holds non-integer floats "
                f"(e.g. {y[y != np.round(y)][0]}); for regression targets pass stratify=False")
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        lonely = classes[counts < 2]
        raise ValueError(
            f"cannot stratify: class {lonely[0].item()!r} of {name} has only 1 sample "
            f"({len(lonely)} class(es) with a single sample); every class needs at least 2, "
            f"or pass stratify=False")
    return codes.reshape(-1)


def _split_indices(codes, n: int, n_test: int, rng: np.random.Generator):
    """Indices (train, test), both shuffled; per class proportional when ``codes`` is given."""
    if codes is None:
        perm = rng.permutation(n)
        return perm[n_test:], perm[:n_test]
    counts = np.bincount(codes)
    quota = counts * (n_test / n)
    take = np.floor(quota).astype(np.int64)
    # Largest remainder: hand the missing samples to the classes with the largest
    # fractional parts (ties broken at random), so the total is exactly n_test and every
    # class is within one sample of its exact share.
    missing = n_test - int(take.sum())
    if missing:
        order = np.lexsort((rng.random(len(counts)), -(quota - take)))
        take[order[:missing]] += 1
    train, test = [], []
    for c, k in enumerate(take):
        idx = rng.permutation(np.flatnonzero(codes == c))
        test.append(idx[:k])
        train.append(idx[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _check_pair(X, y):
    Xa = _as_array(X, "X")
    ya = _as_array(y, "y")
    if Xa.shape[0] != ya.shape[0]:
        raise ValueError(
            f"X has {Xa.shape[0]} rows but y has {ya.shape[0]} entries; they must match "
            f"(one label per row of X)")
    if Xa.shape[0] < 2:
        raise ValueError(f"X has {Xa.shape[0]} row: need at least two samples to split")
    return Xa, ya


def train_test_split(X, y, test_size=0.2, *, seed=0, stratify=True):
    """Split ``X`` and ``y`` into a training and a test part: ``X_train, X_test, y_train, y_test``.

    ``test_size`` is a fraction in (0, 1) (rounded to a whole number of samples) or a count.
    With ``stratify=True`` (the default) every class is split in the same proportion, to
    within one sample, so a small test set still holds each class fairly. Both parts are
    shuffled with ``np.random.default_rng(seed)``: the same seed gives the same split.
    ``X`` may have any shape (n, ...); ``y`` must be a label vector when stratifying,
    otherwise any array with n rows.
    """
    Xa, ya = _check_pair(X, y)
    n = Xa.shape[0]
    n_test = _size_to_count(test_size, "test_size", n)
    stratify = _check_bool(stratify, "stratify")
    rng = np.random.default_rng(check_seed(seed))
    codes = _strata(ya, "y") if stratify else None
    tr, te = _split_indices(codes, n, n_test, rng)
    return Xa[tr], Xa[te], ya[tr], ya[te]


def train_val_test_split(X, y, val_size=0.15, test_size=0.15, *, seed=0, stratify=True):
    """Split into three parts: ``X_train, X_val, X_test, y_train, y_val, y_test``.

    ``val_size`` and ``test_size`` are fractions of the whole data set (or counts); what is
    left is the training part. Stratified and seeded as in :func:`train_test_split`.
    """
    Xa, ya = _check_pair(X, y)
    n = Xa.shape[0]
    if n < 3:
        raise ValueError(f"X has {n} rows: need at least three samples for train, validation and test")
    n_test = _size_to_count(test_size, "test_size", n)
    n_val = _size_to_count(val_size, "val_size", n)
    if n_val + n_test > n - 1:
        raise ValueError(
            f"val_size={val_size} and test_size={test_size} together take {n_val + n_test} of "
            f"{n} samples, leaving {n - n_val - n_test} to train on; make them smaller")
    stratify = _check_bool(stratify, "stratify")
    rng = np.random.default_rng(check_seed(seed))
    codes = _strata(ya, "y") if stratify else None
    rest, te = _split_indices(codes, n, n_test, rng)
    sub = None if codes is None else codes[rest]
    tr, va = _split_indices(sub, len(rest), n_val, rng)
    tr, va = rest[tr], rest[va]
    return Xa[tr], Xa[va], Xa[te], ya[tr], ya[va], ya[te]


def one_hot(y, n_classes, *, dtype=np.float64) -> np.ndarray:
    """Rows of the identity: ``one_hot([2, 0], 3) -> [[0, 0, 1], [1, 0, 0]]`` (float64)."""
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    if y is None or isinstance(y, (str, bytes)):
        raise TypeError(f"y must be integer class labels, got {describe(y)}")
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"y must be a 1-D vector of integer labels, got shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isfinite(arr).all() and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class labels, got {describe(arr)}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        bad = arr.min() if arr.min() < 0 else arr.max()
        raise ValueError(f"y has label {bad}, but labels must be integers in [0, {n_classes}) "
                         f"for n_classes={n_classes}")
    dt = np.dtype(dtype)
    if dt.kind not in "iuf":
        raise TypeError(f"dtype must be a numeric dtype such as np.float64, got {dt}")
    out = np.zeros((arr.shape[0], n_classes), dtype=dt)
    out[np.arange(arr.shape[0]), arr] = 1
    return out


# --------------------------------------------------------------------------- toy problems

def _toy_args(n, noise, seed):
    n = check_int(n, "n", minimum=2)
    noise = check_positive_number(noise, "noise", allow_zero=True)
    seed = check_seed(seed)
    return n, noise, np.random.default_rng(seed)


def _finish(points0, points1, noise, rng):
    """Stack the two classes, add Gaussian noise and shuffle the rows."""
    X = np.concatenate([points0, points1]).astype(np.float64)
    y = np.concatenate([np.zeros(len(points0), np.int64), np.ones(len(points1), np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    perm = rng.permutation(len(y))
    return np.ascontiguousarray(X[perm]), y[perm]


def _halves(n):
    return n - n // 2, n // 2  # class 0 gets the extra point when n is odd


def make_xor(n=200, noise=0.1, seed=0):
    """XOR: class 0 in the quadrants where x1 and x2 share a sign, class 1 where they differ.

    Each coordinate's size is uniform in [0.1, 1.2] before Gaussian noise of std ``noise``.
    """
    n, noise, rng = _toy_args(n, noise, seed)
    n0, n1 = _halves(n)

    def quadrant_points(k, same_sign):
        mag = rng.uniform(0.1, 1.2, size=(k, 2))
        s1 = rng.choice([-1.0, 1.0], size=k)
        s2 = s1 if same_sign else -s1
        return mag * np.stack([s1, s2], axis=1)

    return _finish(quadrant_points(n0, True), quadrant_points(n1, False), noise, rng)


def make_moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles (as scikit-learn's make_moons), centred and scaled by 0.9.

    Without noise x1 spans [-1.35, 1.35] and x2 spans [-0.675, 0.675].
    """
    n, noise, rng = _toy_args(n, noise, seed)
    n0, n1 = _halves(n)
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    shift = np.array([0.5, 0.25])
    return _finish(0.9 * (upper - shift), 0.9 * (lower - shift), noise, rng)


def make_circles(n=200, noise=0.05, factor=0.5, seed=0):
    """Class 0 on the circle of radius 1.2, class 1 on the inner circle of radius ``1.2 * factor``."""
    n, noise, rng = _toy_args(n, noise, seed)
    factor = check_positive_number(factor, "factor", upper=1.0)
    n0, n1 = _halves(n)
    a0 = rng.uniform(0.0, 2 * np.pi, n0)
    a1 = rng.uniform(0.0, 2 * np.pi, n1)
    outer = 1.2 * np.stack([np.cos(a0), np.sin(a0)], axis=1)
    inner = 1.2 * factor * np.stack([np.cos(a1), np.sin(a1)], axis=1)
    return _finish(outer, inner, noise, rng)


def make_spirals(n=200, noise=0.1, turns=1.5, seed=0):
    """Two interleaved spiral arms, each turning ``turns`` times, radius growing to 1.3.

    A point at fraction ``t`` in [0, 1] along its arm sits at radius ``1.3 * t`` and angle
    ``2 pi turns t`` (plus pi for class 1). Harder the larger ``turns`` and ``noise``.
    """
    n, noise, rng = _toy_args(n, noise, seed)
    turns = check_positive_number(turns, "turns")
    n0, n1 = _halves(n)

    def arm(k, phase):
        t = np.sqrt(rng.uniform(0.0025, 1.0, k))  # sqrt: even density along the arm's area
        ang = 2 * np.pi * turns * t + phase
        return 1.3 * t[:, None] * np.stack([np.cos(ang), np.sin(ang)], axis=1)

    return _finish(arm(n0, 0.0), arm(n1, np.pi), noise, rng)


TOY_DATASETS = {
    "xor": make_xor,
    "moons": make_moons,
    "circles": make_circles,
    "spirals": make_spirals,
}


def make_toy(name, n=200, noise=None, seed=0, **options):
    """One of :data:`TOY_DATASETS` by name; ``noise=None`` uses that set's default noise.

    Extra keyword ``options`` go to the maker (``factor`` for circles, ``turns`` for spirals).
    """
    key = check_choice("toy data set", name, TOY_DATASETS)
    maker = TOY_DATASETS[key]
    if noise is not None:
        options["noise"] = noise
    try:
        return maker(n=n, seed=seed, **options)
    except TypeError as err:
        if "unexpected keyword" not in str(err):
            raise
        bad = sorted(set(options) - {"noise"})
        raise TypeError(f"make_toy({key!r}) got unknown option(s) {bad}; "
                        f"see help(bplab.data.{maker.__name__})") from None
