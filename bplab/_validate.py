"""Input checks shared by every public entry point.

Each helper either returns a clean numpy array / value or raises a ``ValueError`` /
``TypeError`` whose message names the argument, what was given and what was expected.
Learners meet these messages first when something is off, so they are written for them.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "describe",
    "as_float_matrix",
    "as_labels",
    "as_target_matrix",
    "check_choice",
    "check_positive_number",
    "check_int",
    "check_dtype",
    "check_seed",
    "check_sizes",
]


def describe(x) -> str:
    """What ``x`` is, for an error message: an array's shape and dtype, else its type and repr."""
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}") from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dt}")
    return dt


def as_float_matrix(X, name: str = "X", *, n_features: int | None = None,
                    dtype=np.float64, allow_1d_row: bool = False) -> np.ndarray:
    """Return ``X`` as a C-contiguous 2-D float array of ``dtype`` (a copy only when needed)."""
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D numeric array, got a string {X!r:.60}")
    if X is None:
        raise TypeError(f"{name} must be a 2-D numeric array, got None")
    arr = np.asarray(X)
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"{name} must hold numbers, got {describe(arr)}")
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim == 1 and allow_1d_row and n_features is not None and arr.shape[0] == n_features:
        arr = arr[None, :]
    if arr.ndim != 2:
        want = f"(n_samples, {n_features})" if n_features is not None else "(n_samples, n_features)"
        raise ValueError(f"{name} must be 2-D with shape {want}, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}): need at least one row")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features (shape {arr.shape}), but the model expects "
            f"{n_features}: shape (n_samples, {n_features})")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]}: "
            f"{arr[tuple(bad)]}); clean or impute the data first")
    return arr


def as_labels(y, name: str = "y", *, n_classes: int | None = None,
              n_rows: int | None = None) -> np.ndarray:
    """Integer class labels as an int64 vector: in ``[0, n_classes)`` for a network with
    ``n_classes`` outputs, or any labels 0, 1, 2, ... when ``n_classes`` is None (metrics)."""
    wanted = f"in [0, {n_classes})" if n_classes is not None else "0, 1, 2, ..."
    if y is None:
        raise TypeError(f"{name} is required: integer class labels {wanted}")
    if isinstance(y, (str, bytes)):
        raise TypeError(f"{name} must be integer class labels, got a string {y!r:.60}")
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D vector of integer labels, got shape {arr.shape}"
            + (" (one-hot? pass y.argmax(axis=1))" if arr.ndim == 2 else ""))
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"{name} must hold integer class labels, got {describe(arr)}")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or inf; labels must be integers {wanted}")
        if not np.all(arr == np.round(arr)):
            raise TypeError(
                f"{name} must hold integer class labels, got non-integer floats (e.g. "
                f"{arr[arr != np.round(arr)][0]})"
                + ("; for regression use loss='mse'" if n_classes is not None else ""))
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: need at least one label")
    if n_rows is not None and arr.shape[0] != n_rows:
        raise ValueError(f"{name} has {arr.shape[0]} labels but X has {n_rows} rows; they must match")
    arr = arr.astype(np.int64, copy=False)
    lo, hi = int(arr.min()), int(arr.max())
    if n_classes is None:
        if lo < 0:
            raise ValueError(f"{name} has the negative label {lo}; class labels are 0, 1, 2, ...")
    elif lo < 0 or hi >= n_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f"{name} has label {bad} out of range: labels must be integers in [0, {n_classes}) "
            f"for a network with {n_classes} outputs")
    return np.ascontiguousarray(arr)


def as_target_matrix(y, name: str = "y", *, n_outputs: int, n_rows: int | None = None,
                     dtype=np.float64) -> np.ndarray:
    """Regression targets of shape (n_rows, n_outputs); a 1-D vector is accepted for one output."""
    if y is None:
        raise TypeError(f"{name} is required: targets of shape (n_samples, {n_outputs})")
    arr = np.asarray(y) if not isinstance(y, (str, bytes)) else None
    if arr is None or arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"{name} must hold numbers, got {describe(y)}")
    if arr.ndim == 1 and n_outputs == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != n_outputs:
        raise ValueError(
            f"{name} must have shape (n_samples, {n_outputs}) to match the {n_outputs} outputs, "
            f"got shape {arr.shape}")
    if n_rows is not None and arr.shape[0] != n_rows:
        raise ValueError(f"{name} has {arr.shape[0]} rows but X has {n_rows}; they must match")
    return as_float_matrix(arr, name, dtype=dtype)


def check_choice(name: str, value, choices) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {sorted(choices)}; got {describe(value)}")
    key = value.lower().replace("-", "_").replace(" ", "_")
    if key not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {sorted(choices)}")
    return key


def check_positive_number(value, name: str, *, allow_zero: bool = False, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {describe(value)}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {v}")
    if upper is not None and v >= upper:
        raise ValueError(f"{name} must be < {upper}, got {v}")
    return v


def check_seed(seed, name: str = "seed") -> int:
    """A seed for ``np.random.default_rng``: a non-negative integer (not a bool)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_sizes(sizes, name: str = "sizes", minimum_len: int = 2) -> list[int]:
    """Layer widths like [64, 128, 10]: at least ``minimum_len`` positive integers."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"{name} must be a list of layer widths like [64, 128, 10], got {sizes!r:.60}")
    sizes = list(sizes)
    if len(sizes) < minimum_len:
        raise ValueError(f"{name} needs at least {minimum_len} widths (input and output), got {sizes}")
    out = []
    for i, s in enumerate(sizes):
        try:
            out.append(check_int(s, f"{name}[{i}]", minimum=1))
        except (TypeError, ValueError) as e:
            raise type(e)(f"{e} (in {name}={sizes})") from None
    return out


def check_int(value, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer >= {minimum}, got {describe(value)}")
    v = int(value)
    if v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {v}")
    return v
